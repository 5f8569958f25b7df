"""The challenge dashboard: the report's 24 challenges, one indicator each, in every
run's outcomes, summary.csv and dashboard.csv, and listed by `kizuna challenges`."""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from experiments.cli import main
from experiments.dashboard_view import COLUMNS, dashboard_table, render
from experiments.summary import summarise
from model.dashboard import AGENTS, CHALLENGES
from model.outcomes import OUTCOME_BY_NAME
from model.rolling import FOLLOW_UP_WEEKS, WEEKS, RollingTallies
from tests.towns import ROOT, run_cli, run_town, small_town, write_scenario

REPORT = Path(os.environ.get("KIZUNA_REPORT", "/work/shared/seed/000_c89e320b7a20c661.txt"))
NAMES = [c.outcome for c in CHALLENGES]
SE_TOWN = {"social_enterprises_per_10k": 20.0}  # enough social enterprises to measure


def by_name(name: str):
    return next(c for c in CHALLENGES if c.slug == name or c.outcome == name)


# --- the catalogue ---------------------------------------------------------------------


def test_24_challenges_numbered_in_order_with_eight_agents():
    assert [c.number for c in CHALLENGES] == list(range(1, 25))
    assert len(set(NAMES)) == 24 and len({c.slug for c in CHALLENGES}) == 24
    # the report's eight agents, in its order: 2, 2, 3, 4, 3, 3, 3, 4 challenges
    counts = [sum(c.agent == a for c in CHALLENGES) for a in AGENTS]
    assert counts == [2, 2, 3, 4, 3, 3, 3, 4]
    assert [c.agent for c in CHALLENGES] == sorted((c.agent for c in CHALLENGES), key=AGENTS.index)
    for c in CHALLENGES:
        assert c.wording and c.indicator and c.unit and len(c.how) > 40, c.number
        assert OUTCOME_BY_NAME[c.outcome].group == "challenges"
        assert OUTCOME_BY_NAME[c.outcome].unit == c.unit


@pytest.mark.skipif(not REPORT.exists(), reason="the report's text is not on this machine")
def test_wording_and_agents_are_the_reports():
    text = REPORT.read_text(encoding="utf-8")
    wording = {int(n): w.strip() for n, w in re.findall(r"^Challenge (\d+): (.+)$", text, re.M)}
    assert sorted(wording) == list(range(1, 25))
    agent = {}
    current = None
    for line in text.splitlines():
        if m := re.match(r"^### < \(\d\) (.+) >$", line):
            current = m[1].strip()
        elif m := re.match(r"^Challenge (\d+):", line):
            agent[int(m[1])] = current
    for c in CHALLENGES:
        assert c.wording == wording[c.number], c.number
        assert c.agent.lower() == agent[c.number].lower(), c.number


# --- the indicators in a run -----------------------------------------------------------


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    """A town with social enterprises, 10 weeks after a 26-week warm-up."""
    return run_town(10, population=1500, seed=3, **SE_TOWN)


def test_every_indicator_is_in_the_table_and_finite_every_week(table):
    assert set(NAMES) <= set(table.columns)
    values = table[NAMES].iloc[1:]  # week 0 may precede the first budget (challenge 21)
    assert np.isfinite(values.to_numpy()).all(), values.columns[~np.isfinite(values).all()]


def test_indicators_are_in_their_ranges(table):
    last = table.iloc[-1]
    for c in CHALLENGES:
        value = last[c.outcome]
        if c.unit in ("share", "0-1"):
            assert 0.0 <= value <= 1.0, (c.outcome, value)
        elif c.number != 23:  # a grant's naive effect can be negative
            assert value >= 0.0, (c.outcome, value)


def test_indicators_repeat_the_outcomes_they_share(table):
    """Where a challenge's indicator is an existing outcome, the figures agree."""
    same = {
        "challenge_01_awareness": "awareness_mean",
        "challenge_11_employee_volunteer_rate": "volunteer_rate_employees",
        "challenge_12_se_self_reliant_share": "se_self_reliant_share",
        "challenge_18_youth_volunteer_rate": "volunteer_rate_10_19",
    }
    for mine, theirs in same.items():
        np.testing.assert_allclose(table[mine], table[theirs], err_msg=mine)


def test_tallies_count_what_the_organisations_did():
    """Per-year counts are the tallies scaled to a year: coordinators' introductions
    match the parameter's expected rate, and a town without a university has no open
    college."""
    model = small_town(2000, seed=5, warmup_weeks=52, params={"coordinator_introductions": 20})
    for _ in range(4):
        model.step()
    out = model.latest
    n = model.population_size
    expected = 20 * 52  # introductions per 10,000 residents per year
    assert out["challenge_24_coordinator_introductions"] == pytest.approx(expected, rel=0.2)
    assert model.tallies.last_year("coordinator_introductions") == pytest.approx(
        out["challenge_24_coordinator_introductions"] * n / 10_000
    )
    no_uni = small_town(800, seed=5, warmup_weeks=8, university_share=0.0)
    no_uni.step()
    assert no_uni.university is None
    assert no_uni.latest["challenge_20_open_college"] == 0.0


# --- mechanisms, with common random numbers --------------------------------------------


def final(outcome: str, seeds=(1, 2), **kwargs) -> list[float]:
    return [float(run_town(12, population=1500, seed=s, **kwargs)[outcome].iloc[-1]) for s in seeds]


def test_platform_meetings_raise_challenges_16_17_and_22():
    cols = ("challenge_16_orgs_in_touch_with_bank", "challenge_17_platform_meetings",
            "challenge_22_cross_sector_ties")  # fmt: skip
    for seed in (1, 2):
        base = run_town(12, population=1500, seed=seed).iloc[-1]
        platform = run_town(12, population=1500, seed=seed, params={"platform_meetings": 12.0})
        last = platform.iloc[-1]
        assert base["challenge_17_platform_meetings"] == 0.0
        # monthly meetings over the warm-up and the run, scaled to a year: about 12
        assert 9.0 <= last["challenge_17_platform_meetings"] <= 16.0
        assert last["challenge_16_orgs_in_touch_with_bank"] == 1.0  # everyone was there
        for col in cols:
            assert last[col] > base[col], (seed, col)


def test_more_bank_advice_raises_challenge_15():
    name = "challenge_15_bank_advice"
    base = final(name, **SE_TOWN)
    more = final(name, params={"bank_advice": 10.0}, **SE_TOWN)
    assert all(m > b for m, b in zip(more, base, strict=True)), (base, more)


def test_more_coordinators_raise_challenge_24():
    name = "challenge_24_coordinator_introductions"
    base = final(name)
    more = final(name, params={"coordinator_introductions": 20.0})
    assert all(m > 5 * b for m, b in zip(more, base, strict=True)), (base, more)


def test_grant_rounds_are_followed_up():
    """The warm-up's grant round (week -39) is evaluated 26 weeks on, before week 0; the
    indicator is that round's capacity gain per million yen until the next evaluation."""
    model = small_town(2000, seed=2, warmup_weeks=52)
    (first,) = model.tallies.grant_evaluations
    assert first.grant_week == -39 and first.evaluated_week == -39 + FOLLOW_UP_WEEKS
    assert first.yen > 0
    model.step()
    assert model.latest["challenge_23_capacity_per_grant_yen"] == pytest.approx(
        first.capacity_gain / first.yen * 1e6
    )


# --- the rolling tallies -----------------------------------------------------------------


def test_per_year_scales_up_a_part_year_and_forgets_after_52_weeks():
    t = RollingTallies()
    assert t.per_year("x") == 0.0 and t.last_year("never") == 0.0
    for week in range(13):
        t.start_week(week)
        t.add("x", 2.0)
    assert t.last_year("x") == 26.0
    assert t.per_year("x") == pytest.approx(104.0)  # 2 a week is 104 a year
    for week in range(13, 13 + WEEKS):
        t.start_week(week)
        t.add("x", 1.0 if week < WEEKS else 0.0)
    # the last 52 weeks hold weeks 13-64: 1 a week through week 51, nothing after
    assert t.last_year("x") == WEEKS - 13
    assert t.per_year("x") == t.last_year("x")


def test_grant_follow_up_is_a_naive_before_after_difference():
    t = RollingTallies()
    a = SimpleNamespace(capacity=2.0, active=True)
    b = SimpleNamespace(capacity=4.0, active=True)
    unpaid = SimpleNamespace(capacity=9.0, active=True)
    t.start_week(13)
    t.record_grants(13, [a, b, unpaid], [500_000, 1_500_000, 0])
    assert t.grant_effect() == 0.0  # nothing evaluated yet
    a.capacity, b.active = 3.0, False  # a grew by 1; b closed: counts as capacity 0
    for week in range(14, 13 + FOLLOW_UP_WEEKS + 1):
        t.start_week(week)
        assert t.grant_effect() == 0.0
    t.start_week(13 + FOLLOW_UP_WEEKS + 1)
    (ev,) = t.grant_evaluations
    assert ev.evaluated_week == 13 + FOLLOW_UP_WEEKS
    assert ev.capacity_gain == pytest.approx(1.0 - 4.0) and ev.yen == 2_000_000
    assert t.grant_effect() == pytest.approx(-1.5)  # capacity units per million yen


# --- the command and the per-run table ---------------------------------------------------


def test_kizuna_challenges_lists_the_24(capsys):
    rc, out, _ = run_cli(capsys, "challenges", "--format", "json")
    rows = json.loads(out)
    assert rc == 0 and [r["number"] for r in rows] == list(range(1, 25))
    assert {"number", "agent", "wording", "indicator", "unit", "how", "outcome"} <= set(rows[0])
    assert rows[22]["wording"] == by_name("capacity_per_grant_yen").wording
    rc, out, _ = run_cli(capsys, "challenges", "--format", "markdown")
    lines = out.strip().splitlines()
    assert rc == 0 and len(lines) == 2 + 24 and lines[2].startswith("| 1 | Local residents |")
    rc, out, _ = run_cli(capsys, "challenges")
    assert rc == 0 and sum(c.outcome in out for c in CHALLENGES) == 24


def test_summary_and_dashboard_table_have_the_24(tmp_path, capsys):
    """A real run: every challenge is a row of summary.csv, and dashboard_table turns
    that into the 24 challenges in order with the report's wording."""
    scenario = write_scenario(tmp_path, region={"kind": "suburban", "population": 600})
    out = tmp_path / "out"
    rc = main(["run", str(scenario), "--out", str(out), "--workers", "1", "--no-progress"])
    capsys.readouterr()
    assert rc == 0
    summary = pd.read_csv(out / "summary.csv")
    assert set(NAMES) <= set(summary["outcome"])
    dash = dashboard_table(summary)
    assert list(dash.columns) == COLUMNS
    assert list(dash["challenge"]) == list(range(1, 25))
    assert list(dash["wording"]) == [c.wording for c in CHALLENGES]
    rows = summary.set_index("outcome")
    for c, median in zip(CHALLENGES, dash["median"], strict=True):
        expected = rows.at[c.outcome, "median"]
        assert median == expected or (math.isnan(median) and math.isnan(expected))
    # a town of 600 has no social enterprise: only their two indicators are undefined
    undefined = {c.number for c, m in zip(CHALLENGES, dash["median"], strict=True) if np.isnan(m)}
    assert undefined <= {12, 13}
    # the run wrote the same table as dashboard.csv
    written = pd.read_csv(out / "dashboard.csv")
    pd.testing.assert_frame_equal(written, dash.reset_index(drop=True), check_dtype=False)


def test_dashboard_table_from_summarised_frames():
    frames = [run_town(3, population=600, seed=s, warmup_weeks=8) for s in (1, 2)]
    dash = dashboard_table(summarise(frames))
    assert len(dash) == 24 and list(dash["challenge"]) == list(range(1, 25))
    defined = dash.dropna(subset=["median"])
    assert (defined["p05"] <= defined["median"]).all()
    assert (defined["median"] <= defined["p95"]).all()
    # an outcome missing from an old summary gives NaN, not an error
    partial = summarise(frames).iloc[:5]
    assert dashboard_table(partial)["median"].isna().all()


def test_readme_lists_the_challenges_as_the_command_does():
    assert render("markdown") in (ROOT / "README.md").read_text(encoding="utf-8")
