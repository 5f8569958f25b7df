"""`kizuna validate-model`: targets read off runs as defined, verdicts that follow the
numbers, and a report that forwards (run here at a small size; in full by command)."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.cli import main
from experiments.validation import _verdict, measure
from model.outcomes import OUTCOMES
from model.targets import BY_KEY, PROFILE_GROUPS, TARGETS, targets_for
from tests.towns import run_cli

SMALL = ("--population", "400", "--years", "2", "--reps", "2", "--workers", "2")


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("validation") / "out"
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = main(["validate-model", *SMALL, "--out", str(out), "--no-progress"])
    assert rc == 0
    return out, buf.getvalue()


def test_every_target_of_every_region_kind_gets_a_row(report) -> None:
    out, stdout = report
    table = pd.read_csv(out / "validation.csv")
    want = {(t.key, r) for t in TARGETS for r in t.regions}
    assert set(zip(table["target"], table["region"], strict=True)) == want
    assert table["verdict"].isin(["pass", "miss"]).all()  # two years: every target readable
    passed = int((table["verdict"] == "pass").sum())
    assert f"{passed} of {len(table)} calibration targets met" in stdout


def test_verdicts_follow_the_medians_and_bands(report) -> None:
    out, _ = report
    table = pd.read_csv(out / "validation.csv")
    runs = pd.read_csv(out / "validation_runs.csv")
    numeric = table[table["low"].notna()]
    for _, r in numeric.iterrows():
        values = runs[(runs["target"] == r["target"]) & (runs["region"] == r["region"])]
        assert len(values) == 2
        med = np.median(values["value"].astype(float))
        assert r["median"] == pytest.approx(med)
        assert r["p05"] <= r["median"] <= r["p95"]
        assert (r["verdict"] == "pass") == (r["low"] <= r["median"] <= r["high"])


def test_snapshots_count_every_resident(report) -> None:
    """The degree histograms hold each replication's residents in the last week, once."""
    out, _ = report
    degrees = pd.read_csv(out / "degrees.csv")
    runs = pd.read_csv(out / "validation_runs.csv")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and len(manifest["runs"]) == 6
    for region in ("urban_ward", "suburban", "rural_town"):
        mine = degrees[degrees["region"] == region]
        assert mine["residents_all"].sum() == mine["residents_strong"].sum()
        assert mine["residents_all"].sum() > 2 * 300  # two towns of about 400
    by_age = pd.read_csv(out / "volunteer_by_age.csv")
    assert set(by_age["group"]) == {*PROFILE_GROUPS, "75_plus"}
    assert by_age["rate"].between(0, 1).all()
    assert set(runs["region"]) == {"urban_ward", "suburban", "rural_town"}


def test_the_report_carries_its_figures(report) -> None:
    out, _ = report
    text = (out / "validation.md").read_text()
    links = re.findall(r"!\[[^]]*\]\(([^)]+)\)", text)
    assert sorted(Path(x).name for x in links) == [
        "degree_distribution.png", "population_pyramid.png", "volunteer_age_profile.png"
    ]  # fmt: skip
    for link in links:
        assert (
            not link.startswith(("/", ".."))
            and (out / link).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        )
    page = (out / "validation.html").read_text()
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == 3
    assert all(base64.b64decode(i)[:4] == b"\x89PNG" for i in images)
    for t in targets_for("suburban"):
        assert f"`{t.key}`" in text


# --- reading a target off a run ---------------------------------------------------------------


def _table(weeks: int = 104, **columns) -> pd.DataFrame:
    data = {o.name: np.zeros(weeks + 1) for o in OUTCOMES}
    data.update(columns)
    df = pd.DataFrame(data)
    df.insert(0, "week", np.arange(weeks + 1))
    return df


def test_levels_changes_and_growth_are_read_as_defined() -> None:
    week = np.arange(105)
    df = _table(
        association_membership=0.78 - 0.006 * week / 52,  # -0.6 points a year
        population=1000 * (1 - 0.015) ** (week / 52),  # -1.5% a year
        volunteer_rate=np.where(week <= 52, 0.26, 0.5),
    )
    assert measure(BY_KEY["volunteer_rate"], df) == pytest.approx(0.26)
    trend = measure(BY_KEY["association_membership_trend"], df)
    assert trend == pytest.approx(-0.006)
    assert measure(BY_KEY["population_change_rural"], df) == pytest.approx(-0.015)
    # a one-year run cannot show a trend: the target is not run rather than judged
    assert measure(BY_KEY["association_membership_trend"], df[df["week"] <= 52]) is None


def test_the_age_profile_targets_find_the_extreme_groups() -> None:
    rates = dict.fromkeys(PROFILE_GROUPS, 0.25) | {"40_49": 0.33, "25_29": 0.14}
    df = _table(**{f"volunteer_rate_{g}": np.full(105, v) for g, v in rates.items()})
    assert measure(BY_KEY["volunteer_peak"], df) == "40_49"
    assert measure(BY_KEY["volunteer_lowest"], df) == "25_29"


def test_a_median_outside_the_band_is_a_miss_whatever_the_spread() -> None:
    t = BY_KEY["donor_rate"]  # 38-50%
    empty = pd.DataFrame(columns=["region", "replication", "group", "rate"])
    inside = _verdict(t, "suburban", [0.30, 0.44, 0.45, 0.60], empty)
    assert inside["verdict"] == "pass" and inside["median"] == pytest.approx(0.445)
    outside = _verdict(t, "suburban", [0.36, 0.37, 0.37, 0.55], empty)
    assert outside["verdict"] == "miss" and outside["p95"] > t.low
    assert _verdict(t, "suburban", [None, None], empty)["verdict"].startswith("not run")


@pytest.mark.parametrize(
    "options, field",
    [
        (("--reps", "0"), "--reps"),
        (("--population", "10"), "--population"),
        (("--years", "soon"), "--years"),
        (("--years", "0.5"), "--years"),
        (("--workers", "2", "--scheduler", "tcp://x:1"), "kizuna validate-model"),
    ],
)
def test_bad_options_are_one_line_and_write_nothing(tmp_path, capsys, options, field) -> None:
    out = tmp_path / "out"
    rc, _, err = run_cli(capsys, "validate-model", *options, "--out", str(out))
    assert rc == 2 and err.count("\n") == 1 and field in err and "Traceback" not in err
    assert not out.exists()


def test_an_out_path_that_is_a_file_is_refused(tmp_path, capsys) -> None:
    file = tmp_path / "taken"
    file.write_text("x")
    rc, _, err = run_cli(capsys, "validate-model", "--out", str(file))
    assert rc == 2 and "--out" in err and file.read_text() == "x"
