"""`kizuna compare`: paired statistics, costs per unit, the report and its figures,
`experiments.load`, and why pairing is worth it (tighter intervals than unpaired runs)."""

from __future__ import annotations

import base64
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from experiments import load
from experiments.cli import main
from experiments.errors import InputError
from experiments.executors import process_pool
from experiments.paired import comparison_table, cost_table, t_interval, welch_interval
from experiments.runner import RunResult, iter_runs, plan_runs
from experiments.scenario import Scenario
from model.outcomes import OUTCOME_NAMES
from tests.towns import TINY, run_cli, write_text

PNG = b"\x89PNG\r\n\x1a\n"
REPS = 3
BASE = {**TINY, "name": "base", "horizon": {"weeks": 8}, "replications": REPS, "seed": 4}
PLAN_PATHS = {
    "interventions": [{"path": 4, "intensity": 1, "start": 1}, {"path": 3, "intensity": 2}]
}
PLAN = {**BASE, "name": "plan", "description": "coordinators and forums", **PLAN_PATHS}


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("compare")
    base = write_text(folder, yaml.safe_dump(BASE), "base.yaml")
    plan = write_text(folder, yaml.safe_dump(PLAN), "plan.yaml")
    out = folder / "out"
    argv = ["compare", str(base), str(plan), "--out", str(out), "--no-progress", "--workers", "1"]
    assert main(argv) == 0
    return out


# --- outputs --------------------------------------------------------------------------


def test_comparison_table(compared: Path) -> None:
    table = pd.read_csv(compared / "comparison.csv")
    assert table["outcome"].unique().tolist() == list(OUTCOME_NAMES)
    assert table["scenario"].unique().tolist() == ["base", "plan"]
    runs = load(compared)
    final = runs[runs["week"] == runs["week"].max()].set_index(["scenario", "replication"])
    row = table[(table["outcome"] == "mean_degree") & (table["scenario"] == "plan")].iloc[0]
    d = final.loc["plan", "mean_degree"] - final.loc["base", "mean_degree"]  # paired by rep
    assert row["diff_mean"] == pytest.approx(d.mean())
    assert row["pairs"] == REPS
    lo, hi = stats.ttest_rel(final.loc["plan", "mean_degree"], final.loc["base", "mean_degree"])\
        .confidence_interval(0.90)  # fmt: skip
    assert (row["diff_lo"], row["diff_hi"]) == pytest.approx((lo, hi))
    assert row["median"] == pytest.approx(final.loc["plan", "mean_degree"].median())
    base_rows = table[table["scenario"] == "base"]
    assert base_rows["diff_mean"].isna().all()  # the reference has no difference from itself


def test_common_random_numbers_start_every_scenario_from_the_same_town(compared: Path) -> None:
    runs = load(compared)
    start = runs[runs["week"] == 0].set_index(["scenario", "replication"])[list(OUTCOME_NAMES)]
    pd.testing.assert_frame_equal(start.loc["base"], start.loc["plan"])
    assert not start.loc["base"].iloc[0].equals(start.loc["base"].iloc[1])  # reps differ


def test_load_reads_every_table(compared: Path) -> None:
    runs = load(compared)
    assert set(runs["scenario"]) == {"base", "plan"}
    assert runs.groupby("scenario")["replication"].nunique().tolist() == [REPS, REPS]
    assert runs.attrs["manifest"]["kind"] == "compare"
    ledger = load(compared, "ledger")
    assert {"scenario", "replication", "week", "source", "destination", "amount"} <= set(
        ledger.columns
    )
    assert len(load(compared, "costs")) >= 0
    with pytest.raises(InputError, match="unknown table 'nope'"):
        load(compared, "nope")
    with pytest.raises(InputError, match=r"no summary\.csv"):
        load(compared, "summary")
    with pytest.raises(InputError, match="not a kizuna output folder"):
        load(compared / "figures")


def test_figures(compared: Path) -> None:
    names = sorted(p.name for p in (compared / "figures").iterdir())
    assert names == [
        "differences.png",
        "differences_over_time.png",
        "fan_participation.png",
        "fan_population.png",
        "fan_ties.png",
    ]
    for name in names:
        data = (compared / "figures" / name).read_bytes()
        assert data.startswith(PNG) and len(data) > 10_000


def test_report_markdown_links_its_figures_relatively(compared: Path, tmp_path: Path) -> None:
    moved = tmp_path / "forwarded"  # as if opened elsewhere: a fresh clone, a zip, a share
    shutil.copytree(compared, moved)
    text = (moved / "report.md").read_text(encoding="utf-8")
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(links) == 5
    for link in links:
        assert not Path(link).is_absolute() and ".." not in link
        assert (moved / link).read_bytes().startswith(PNG)
    assert "# Comparison: base against plan" in text
    assert "| mean degree | ties/resident |" in text
    assert "## Cost per unit of outcome" in text
    assert "## The report's 24 challenges" in text
    assert "kizuna compare" in text and "--reps 3 --seed 4" in text


def test_report_html_carries_its_figures(compared: Path) -> None:
    page = (compared / "report.html").read_text(encoding="utf-8")
    sources = re.findall(r'<img[^>]+src="([^"]+)"', page)
    assert len(sources) == 5
    for src in sources:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]).startswith(PNG)
    assert "<table>" in page
    assert str(compared) not in page.split("kizuna compare")[0]  # no local paths before it


# --- statistics -----------------------------------------------------------------------


def test_intervals_agree_with_scipy() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(1.0, 0.3, 9), rng.normal(0.6, 0.5, 7)
    assert t_interval(a - a.mean() + 0.2) == pytest.approx(
        tuple(stats.ttest_1samp(a - a.mean() + 0.2, 0).confidence_interval(0.9))
    )
    welch = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.9)
    assert welch_interval(a, b) == pytest.approx(tuple(welch))
    assert t_interval(np.array([2.0, 2.0, 2.0])) == (2.0, 2.0)
    assert np.isnan(t_interval(np.array([1.0]))).all()


def _values(outcome: dict[str, list[float]], cost: dict[str, list[float]]):
    out = {}
    for name in outcome:
        df = pd.DataFrame({o: np.zeros(len(outcome[name])) for o in OUTCOME_NAMES})
        df["volunteer_rate"] = outcome[name]
        df["intervention_cost_total"] = cost[name]
        out[name] = df
    return out


def test_cost_per_unit() -> None:
    values = _values(
        {"base": [0.20, 0.22, 0.25, 0.21], "plan": [0.22, 0.24, 0.27, 0.23]},  # +2 points each
        {"base": [0.0] * 4, "plan": [1e6, 1.1e6, 0.9e6, 1e6]},
    )
    order = ["base", "plan"]
    table = comparison_table(values, order)
    costs = cost_table(values, table, order, seed=1)
    row = costs.set_index("outcome").loc["volunteer_rate"]
    assert row["per"] == "percentage point"
    assert row["difference"] == pytest.approx(2.0)
    assert row["yen_per_unit"] == pytest.approx(1e6 / 2.0)
    assert row["yen_per_unit_lo"] <= row["yen_per_unit"] <= row["yen_per_unit_hi"]
    assert "population" not in set(costs["outcome"])  # no difference, no price

    # a scenario that spends nothing extra has no cost per unit
    free = _values(
        {"base": [0.20, 0.22, 0.25, 0.21], "plan": [0.22, 0.24, 0.27, 0.23]},
        {"base": [0.0] * 4, "plan": [0.0] * 4},
    )
    assert cost_table(free, comparison_table(free, order), order, seed=1).empty


def test_paired_comparisons_are_tighter_than_unpaired_ones() -> None:
    """The same number of replications: scenario B with the baseline's seeds (paired) or
    with seeds of its own (independent). Pairing should shrink the interval of the
    difference on most outcomes, by a lot."""
    base = Scenario.model_validate(
        {**TINY, "name": "base", "region": {"kind": "suburban", "population": 600},
         "horizon": {"weeks": 26}, "replications": 8, "seed": 3, "warmup_weeks": 8}
    )  # fmt: skip
    plan = Scenario.model_validate({**base.model_dump(), **{"name": "plan"}, **PLAN_PATHS})
    specs = plan_runs(base) + plan_runs(plan) + plan_runs(plan, seed=999)
    with process_pool(2) as pool:
        results = [r for r in iter_runs(specs, executor=pool)]
    assert all(isinstance(r, RunResult) for r in results)

    def finals(name: str, entropy: int) -> pd.DataFrame:
        runs = [r for r in results if r.spec.scenario.name == name and r.spec.entropy == entropy]
        return pd.DataFrame(
            [r.table.iloc[-1][list(KEY)] for r in sorted(runs, key=lambda r: r.spec.replication)]
        )

    b, paired, independent = finals("base", 3), finals("plan", 3), finals("plan", 999)
    ratios = {}
    for o in KEY:
        lo, hi = t_interval((paired[o] - b[o]).to_numpy(float))
        ulo, uhi = welch_interval(independent[o].to_numpy(float), b[o].to_numpy(float))
        ratios[o] = (hi - lo) / (uhi - ulo)
    narrower = [o for o, r in ratios.items() if r < 1]
    assert len(narrower) >= 6, ratios
    assert np.median(list(ratios.values())) < 0.7, ratios


KEY = (
    "mean_degree",
    "mean_strong_degree",
    "isolated_share",
    "volunteer_rate",
    "donor_rate",
    "association_membership",
    "population",
    "awareness_mean",
    "no_close_friend_60_plus",
)


# --- mistakes -------------------------------------------------------------------------


def one_line(rc: int, out: str, err: str, start: str) -> str:
    assert rc == 2
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"kizuna: error: {start}"), err
    return err


def test_different_horizons_need_years(tmp_path: Path, capsys) -> None:
    base = write_text(tmp_path, yaml.safe_dump(BASE), "base.yaml")
    longer = write_text(tmp_path, yaml.safe_dump({**PLAN, "horizon": {"weeks": 12}}), "p.yaml")
    out = tmp_path / "out"
    err = one_line(
        *run_cli(capsys, "compare", str(base), str(longer), "--out", str(out)),
        "command line: --years: the scenarios have different horizons",
    )
    assert f"{base}: 8 weeks" in err and f"{longer}: 12 weeks" in err
    assert not out.exists()
    rc, _, err = run_cli(
        capsys, "compare", str(base), str(longer), "--out", str(out), "--years", "0.1",
        "--reps", "1", "--workers", "1", "--no-progress",
    )  # fmt: skip
    assert rc == 0, err
    assert load(out)["week"].max() == 5


def test_two_scenarios_with_one_name_are_refused(tmp_path: Path, capsys) -> None:
    base = write_text(tmp_path, yaml.safe_dump(BASE), "base.yaml")
    again = write_text(tmp_path, yaml.safe_dump({**PLAN, "name": "base"}), "again.yaml")
    out = tmp_path / "out"
    err = one_line(
        *run_cli(capsys, "compare", str(base), str(again), "--out", str(out)), f"{again}: name:"
    )
    assert f"already the name of {base}" in err
    assert not out.exists()


def test_one_scenario_is_not_a_comparison(tmp_path: Path, capsys) -> None:
    base = write_text(tmp_path, yaml.safe_dump(BASE), "base.yaml")
    out = tmp_path / "out"
    err = one_line(
        *run_cli(capsys, "compare", str(base), "--out", str(out)), "command line: scenarios:"
    )
    assert "at least two scenario files" in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("options", "start"),
    [
        (["--workers", "2", "--scheduler", "tcp://h:1"], "command line: kizuna compare:"),
        (["--reps", "0"], "command line: --reps: must be at least 1"),
        (["--years", "-1"], "command line: --years:"),
        (["--seed", "x"], "command line: --seed: must be a whole number"),
    ],
    ids=["workers_and_scheduler", "reps", "years", "seed"],
)
def test_bad_options_are_one_line(tmp_path: Path, capsys, options, start) -> None:
    base = write_text(tmp_path, yaml.safe_dump(BASE), "base.yaml")
    out = tmp_path / "out"
    one_line(*run_cli(capsys, "compare", str(base), str(base), "--out", str(out), *options), start)
    assert not out.exists()
