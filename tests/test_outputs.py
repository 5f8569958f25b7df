"""What `kizuna run` writes, reproducibility, atomic writes and the summary arithmetic."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import stat
import struct
import subprocess
from datetime import datetime
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from experiments.cli import main
from experiments.runner import RunSpec, plan_runs, run_one, scenario_hash
from experiments.scenario import Scenario
from experiments.store import save_figure, write_csv, write_json, write_parquet
from experiments.summary import bands_over_time, n_years, summarise, year_figures, yearly
from model.outcomes import OUTCOME_NAMES, OUTCOMES
from tests.towns import ROOT
from tests.towns import TINY as TINY_SCENARIO

SEED = 11
WEEKS = 6
REPS = 2
FIGURES = ("ties", "participation", "population")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

TINY = {**TINY_SCENARIO, "horizon": {"weeks": WEEKS}, "replications": REPS}


def kizuna_run(scenario: Path, out_dir: Path, *options: str) -> str:
    """Run `kizuna run` in-process; return its stdout (fails the test on a non-zero exit)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(["run", str(scenario), "--out", str(out_dir), "--no-progress", *options])
    assert rc == 0, err.getvalue()
    return out.getvalue()


def read_runs(out_dir: Path) -> list[pd.DataFrame]:
    return [pd.read_parquet(p) for p in sorted((out_dir / "runs" / "tiny").glob("rep_*.parquet"))]


def assert_same_tables(a: Path, b: Path) -> None:
    ta, tb = read_runs(a), read_runs(b)
    assert len(ta) == len(tb) == REPS
    for x, y in zip(ta, tb, strict=True):
        pd.testing.assert_frame_equal(x, y, check_exact=True)


def all_files(out_dir: Path) -> set[str]:
    return {str(p.relative_to(out_dir)) for p in out_dir.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scenario") / "tiny.yaml"
    path.write_text(yaml.safe_dump(TINY, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def base_run(scenario_file: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One tiny run (2 replications, 6 weeks, seed 11, one worker) shared by the checks."""
    out_dir = tmp_path_factory.mktemp("base") / "out"
    stdout = kizuna_run(scenario_file, out_dir, "--seed", str(SEED), "--workers", "1")
    return out_dir, stdout


@pytest.fixture(scope="module")
def base(base_run: tuple[Path, str]) -> Path:
    return base_run[0]


@pytest.fixture(scope="module")
def manifest(base: Path) -> dict:
    return json.loads((base / "manifest.json").read_text(encoding="utf-8"))


# --- layout ---------------------------------------------------------------------------


def test_output_layout(base: Path) -> None:
    expected = {
        "runs/tiny/rep_000.parquet",
        "runs/tiny/rep_001.parquet",
        "runs/tiny/ledger_000.parquet",
        "runs/tiny/ledger_001.parquet",
        "summary.csv",
        "dashboard.csv",
        "yearly.csv",
        "money_flows.csv",
        "manifest.json",
        *(f"figures/{name}.png" for name in FIGURES),
    }
    # no shocks, so no resilience.csv; and no temporary files left behind
    assert all_files(base) == expected


def test_weekly_tables(base: Path) -> None:
    tables = read_runs(base)
    assert len(tables) == REPS
    for rep, df in enumerate(tables):
        assert list(df.columns) == ["replication", "scenario", "week", "year", *OUTCOME_NAMES]
        assert df["week"].tolist() == list(range(WEEKS + 1))
        assert (df["replication"] == rep).all()
        assert (df["scenario"] == "tiny").all()
        np.testing.assert_allclose(df["year"], df["week"] / 52.0)
        for name in OUTCOME_NAMES:
            assert pd.api.types.is_numeric_dtype(df[name]), name
        assert (df["population"] > 0).all()


def test_summary_csv(base: Path) -> None:
    summary = pd.read_csv(base / "summary.csv")
    assert summary["outcome"].tolist() == list(OUTCOME_NAMES)
    for column in ("year", "median", "p05", "p95", "mean", "replications"):
        assert column in summary.columns
    assert (summary["year"] == 1).all()  # the final year of a 6-week run
    assert (summary["replications"] == REPS).all()

    # the numbers agree with the weekly tables
    tables = read_runs(base)
    expected = summarise(tables)
    pd.testing.assert_series_equal(summary["median"], expected["median"], check_exact=False)
    pd.testing.assert_series_equal(summary["p05"], expected["p05"], check_exact=False)
    rows = summary.set_index("outcome")
    pop_end = [df["population"].iloc[-1] for df in tables]  # stock: the last week
    assert rows.loc["population", "median"] == pytest.approx(np.median(pop_end))
    births = [df.loc[df["week"] >= 1, "births"].sum() for df in tables]  # flow: weeks 1-6
    assert rows.loc["births", "mean"] == pytest.approx(np.mean(births))
    band = rows.loc[rows["defined"] > 0]
    assert (band["p05"] <= band["median"] + 1e-12).all()
    assert (band["median"] <= band["p95"] + 1e-12).all()


def test_yearly_csv(base: Path) -> None:
    yearly_table = pd.read_csv(base / "yearly.csv")
    summary = pd.read_csv(base / "summary.csv")
    assert yearly_table["year"].unique().tolist() == [1]
    assert yearly_table["outcome"].tolist() == list(OUTCOME_NAMES)
    pd.testing.assert_frame_equal(yearly_table, summary)


def test_headline_is_printed(base_run: tuple[Path, str]) -> None:
    out_dir, out = base_run
    assert f"year 1, median [5-95% band] over {REPS} replications" in out
    for name in ("population", "mean_degree", "volunteer_rate", "donor_rate"):
        assert name in out
    assert f"results in {out_dir}/" in out


# --- manifest -------------------------------------------------------------------------


def test_manifest_records_the_resolved_scenario(manifest: dict, scenario_file: Path) -> None:
    [entry] = manifest["scenarios"]
    resolved = Scenario.model_validate(entry["scenario"])
    assert resolved.seed == SEED  # the --seed override, not the file's default
    assert resolved.replications == REPS
    assert resolved.weeks == WEEKS
    assert resolved.region.population == 300
    assert entry["file"] == str(scenario_file)
    assert manifest["seed"] == SEED
    assert manifest["weeks"] == WEEKS
    assert re.fullmatch(r"[0-9a-f]{64}", entry["scenario_hash"])
    assert entry["scenario_hash"] == scenario_hash(resolved)
    assert scenario_hash(resolved.with_overrides(seed=SEED + 1)) != entry["scenario_hash"]
    assert manifest["kind"] == "run"
    assert manifest["status"] == "complete"


def test_manifest_seed_records(manifest: dict, base: Path) -> None:
    records = manifest["runs"]
    assert [r["replication"] for r in records] == list(range(REPS))
    for i, record in enumerate(records):
        assert record["seed"] == {"entropy": SEED, "spawn_key": [i]}
        assert record["file"] == f"runs/tiny/rep_{i:03d}.parquet"
        assert (base / record["file"]).is_file()
        assert record["status"] == "done"
        assert record["reused"] is False
        assert record["init_seconds"] >= 0
        assert record["run_seconds"] >= 0


def test_seed_record_reproduces_its_replication(manifest: dict, base: Path) -> None:
    scenario = Scenario.model_validate(manifest["scenarios"][0]["scenario"])
    record = manifest["runs"][1]
    spec = RunSpec(
        scenario,
        record["replication"],
        record["seed"]["entropy"],
        tuple(record["seed"]["spawn_key"]),
        manifest["weeks"],
    )
    again = run_one(spec).table
    stored = pd.read_parquet(base / record["file"])
    pd.testing.assert_frame_equal(again, stored, check_exact=True, check_dtype=False)


def test_manifest_provenance_and_timing(manifest: dict) -> None:
    prov = manifest["provenance"]
    assert prov["kizuna"] == metadata.version("kizuna")
    assert prov["mesa"] == metadata.version("mesa")
    assert prov["numpy"] == metadata.version("numpy") == np.__version__
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    expected_commit = head.stdout.strip() if head.returncode == 0 else "unknown"
    assert prov["git"]["commit"] == expected_commit
    assert prov["git"]["dirty"] in (True, False, None)
    assert manifest["executor"] == {"kind": "inline", "workers": 1}
    timing = manifest["timing"]
    started = datetime.fromisoformat(timing["started"])
    finished = datetime.fromisoformat(timing["finished"])
    assert started <= finished
    assert timing["wall_seconds"] >= 0


def test_plan_runs_spawns_one_child_per_replication() -> None:
    scenario = Scenario.model_validate({**TINY, "seed": SEED, "replications": 3})
    specs = plan_runs(scenario)
    assert [s.replication for s in specs] == [0, 1, 2]
    assert [s.spawn_key for s in specs] == [(0,), (1,), (2,)]
    assert {s.entropy for s in specs} == {SEED}
    assert all(s.weeks == WEEKS for s in specs)
    # the first children do not depend on how many replications there are
    fewer = plan_runs(scenario.with_overrides(replications=1))
    assert fewer[0].seed_record() == specs[0].seed_record()


# --- figures and files ----------------------------------------------------------------


@pytest.mark.parametrize("name", FIGURES)
def test_figures_are_valid_pngs(base: Path, name: str) -> None:
    data = (base / "figures" / f"{name}.png").read_bytes()
    assert len(data) > 1000
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert width > 100
    assert height > 100
    assert data.endswith(b"IEND\xaeB`\x82")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_result_files_are_not_private(base: Path) -> None:
    umask = _umask()
    for rel in all_files(base):
        mode = stat.S_IMODE((base / rel).stat().st_mode)
        assert mode == 0o666 & ~umask, f"{rel}: {oct(mode)}"
        if not umask & 0o044:
            assert mode & 0o044 == 0o044, f"{rel} is not group/world readable: {oct(mode)}"


# --- reproducibility ------------------------------------------------------------------


def test_same_seed_gives_identical_tables(base: Path, scenario_file: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    kizuna_run(scenario_file, again, "--seed", str(SEED), "--workers", "1")
    assert_same_tables(base, again)
    assert (again / "summary.csv").read_bytes() == (base / "summary.csv").read_bytes()
    assert (again / "yearly.csv").read_bytes() == (base / "yearly.csv").read_bytes()


def test_different_seed_gives_different_tables(
    base: Path, scenario_file: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    kizuna_run(scenario_file, other, "--seed", str(SEED + 1), "--workers", "1")
    for a, b in zip(read_runs(base), read_runs(other), strict=True):
        assert not a.equals(b)
        assert not a[list(OUTCOME_NAMES)].equals(b[list(OUTCOME_NAMES)])


def test_two_workers_give_identical_tables(base: Path, scenario_file: Path, tmp_path: Path) -> None:
    parallel = tmp_path / "parallel"
    kizuna_run(scenario_file, parallel, "--seed", str(SEED), "--workers", "2")
    assert_same_tables(base, parallel)
    assert (parallel / "summary.csv").read_bytes() == (base / "summary.csv").read_bytes()
    executor = json.loads((parallel / "manifest.json").read_text())["executor"]
    assert executor == {"kind": "process pool", "workers": 2}


def test_rerun_with_fewer_replications_removes_stale_files(
    base: Path, scenario_file: Path, tmp_path: Path
) -> None:
    out_dir = tmp_path / "out"
    shutil.copytree(base, out_dir)
    kizuna_run(scenario_file, out_dir, "--seed", str(SEED), "--workers", "1", "--reps", "1")
    assert sorted(p.name for p in (out_dir / "runs" / "tiny").iterdir()) == [
        "ledger_000.parquet",
        "rep_000.parquet",
    ]
    manifest = json.loads((out_dir / "manifest.json").read_text())
    assert [r["replication"] for r in manifest["runs"]] == [0]
    assert manifest["runs"][0]["reused"] is True  # replication 0 was already done
    assert (pd.read_csv(out_dir / "summary.csv")["replications"] == 1).all()
    # replication 0 is the same town whatever the number of replications
    pd.testing.assert_frame_equal(
        pd.read_parquet(out_dir / "runs" / "tiny" / "rep_000.parquet"),
        pd.read_parquet(base / "runs" / "tiny" / "rep_000.parquet"),
        check_exact=True,
    )
    assert all_files(out_dir) == all_files(base) - {
        "runs/tiny/rep_001.parquet",
        "runs/tiny/ledger_001.parquet",
    }


# --- atomic writes --------------------------------------------------------------------


class Boom(Exception):
    pass


class BrokenFigure:
    """Writes half a file, then fails, like a figure interrupted while saving."""

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def savefig(self, path: Path, **_: object) -> None:
        Path(path).write_bytes(b"\x89PNG half")
        raise self.error


@pytest.mark.parametrize("error", [Boom("disk full"), KeyboardInterrupt()], ids=["error", "ctrl_c"])
def test_failed_write_creates_nothing(tmp_path: Path, error: BaseException) -> None:
    target = tmp_path / "figures" / "ties.png"
    with pytest.raises(type(error)):
        save_figure(BrokenFigure(error), target)
    assert not target.exists()
    assert list(target.parent.iterdir()) == []


def test_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "ties.png"
    target.write_bytes(b"old figure")
    with pytest.raises(Boom):
        save_figure(BrokenFigure(Boom()), target)
    assert target.read_bytes() == b"old figure"
    assert [p.name for p in tmp_path.iterdir()] == ["ties.png"]


def test_failed_csv_write_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "summary.csv"
    target.write_text("old\n")

    def half_then_fail(self: pd.DataFrame, path: object, **_: object) -> None:
        Path(str(path)).write_text("outcome,med")
        raise Boom("interrupted")

    monkeypatch.setattr(pd.DataFrame, "to_csv", half_then_fail)
    with pytest.raises(Boom):
        write_csv(pd.DataFrame({"a": [1]}), target)
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.csv"]


def test_failed_parquet_write_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "runs" / "rep_000.parquet"
    unconvertible = pd.DataFrame({"a": [1, "x", object()]})
    with pytest.raises(Exception):  # noqa: B017 - whatever pyarrow raises
        write_parquet(unconvertible, target)
    assert not target.exists()
    assert list(target.parent.iterdir()) == []


def test_writers_round_trip(tmp_path: Path) -> None:
    df = pd.DataFrame({"week": [0, 1, 2], "x": [0.5, np.nan, 2.0]})
    write_parquet(df, tmp_path / "a" / "t.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "a" / "t.parquet"), df)
    write_csv(df, tmp_path / "t.csv")
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "t.csv"), df)
    write_json({"a": 1, "when": datetime(2020, 1, 1)}, tmp_path / "m.json")
    assert json.loads((tmp_path / "m.json").read_text()) == {"a": 1, "when": "2020-01-01 00:00:00"}
    write_csv(df.head(1), tmp_path / "t.csv")  # replacing an existing file
    assert len(pd.read_csv(tmp_path / "t.csv")) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "m.json", "t.csv"]
    umask = _umask()
    for p in (tmp_path / "t.csv", tmp_path / "m.json", tmp_path / "a" / "t.parquet"):
        assert stat.S_IMODE(p.stat().st_mode) == 0o666 & ~umask


# --- summary arithmetic on synthetic tables --------------------------------------------

STOCKS = [o.name for o in OUTCOMES if o.kind == "stock"]
FLOWS = [o.name for o in OUTCOMES if o.kind == "flow"]


def fake_run(offset: float, last_week: int) -> pd.DataFrame:
    """Weeks 0..last_week; a stock is 1000*offset + week, a flow is week + offset.

    Week 0 (the starting state) carries a huge flow that must never be counted.
    """
    week = np.arange(last_week + 1)
    data: dict[str, object] = {"replication": 0, "scenario": "fake", "week": week}
    data["year"] = week / 52.0
    for o in OUTCOMES:
        if o.kind == "flow":
            values = (week + offset).astype(float)
            values[0] = 1e9
        else:
            values = 1000.0 * offset + week
        data[o.name] = values
    return pd.DataFrame(data)


def test_outcomes_have_stocks_and_flows() -> None:
    assert {o.kind for o in OUTCOMES} == {"stock", "flow"}
    assert "population" in STOCKS
    assert {"births", "deaths", "giving_yen"} <= set(FLOWS)


def test_year_figures_stock_at_year_end_flow_summed() -> None:
    df = fake_run(2, 104)
    y1 = year_figures(df, 1)
    y2 = year_figures(df, 2)
    for name in STOCKS:
        assert y1[name] == 2052  # value at week 52
        assert y2[name] == 2104  # value at week 104
    for name in FLOWS:
        assert y1[name] == sum(range(1, 53)) + 52 * 2  # weeks 1-52 = 1378 + 104
        assert y2[name] == sum(range(53, 105)) + 52 * 2  # weeks 53-104 = 4082 + 104


def test_year_cut_short_by_the_horizon() -> None:
    df = fake_run(1, 60)
    assert n_years(df) == 2
    y2 = year_figures(df, 2)
    for name in STOCKS:
        assert y2[name] == 1060  # the last week there is
    for name in FLOWS:
        assert y2[name] == sum(range(53, 61)) + 8  # weeks 53-60 only


OFFSETS = [5, 0, 10, 2, 1]  # deliberately unsorted, unevenly spaced


def test_summarise_median_band_and_mean() -> None:
    frames = [fake_run(o, 52) for o in OFFSETS]
    summary = summarise(frames).set_index("outcome")
    assert summary.index.tolist() == list(OUTCOME_NAMES)
    assert (summary["year"] == 1).all()
    assert (summary["replications"] == len(OFFSETS)).all()
    # stocks at week 52: 52, 1052, 2052, 5052, 10052 (sorted)
    # linear interpolation: p05 at rank 0.2, p95 at rank 3.8
    for name in STOCKS:
        row = summary.loc[name]
        assert row["median"] == pytest.approx(2052)
        assert row["p05"] == pytest.approx(52 + 0.2 * 1000)
        assert row["p95"] == pytest.approx(5052 + 0.8 * 5000)
        assert row["mean"] == pytest.approx((52 + 1052 + 2052 + 5052 + 10052) / 5)
        assert row["kind"] == "stock"
    # flows over weeks 1-52: 1378 + 52 * offset = 1378, 1430, 1482, 1638, 1898
    for name in FLOWS:
        row = summary.loc[name]
        assert row["median"] == pytest.approx(1482)
        assert row["p05"] == pytest.approx(1378 + 0.2 * 52)
        assert row["p95"] == pytest.approx(1638 + 0.8 * 260)
        assert row["mean"] == pytest.approx((1378 + 1430 + 1482 + 1638 + 1898) / 5)
        assert row["kind"] == "flow"


def test_summarise_given_year_and_yearly_table() -> None:
    frames = [fake_run(o, 104) for o in OFFSETS]
    final = summarise(frames).set_index("outcome")
    assert (final["year"] == 2).all()  # the final year by default
    assert final.loc["population", "median"] == pytest.approx(2104)
    first = summarise(frames, year=1).set_index("outcome")
    assert first.loc["population", "median"] == pytest.approx(2052)
    assert first.loc["births", "median"] == pytest.approx(1482)
    table = yearly(frames)
    assert len(table) == 2 * len(OUTCOMES)
    assert table["year"].tolist() == [1] * len(OUTCOMES) + [2] * len(OUTCOMES)
    by_year = table.set_index(["year", "outcome"])
    assert by_year.loc[(2, "births"), "median"] == pytest.approx(4082 + 52 * 2)


def test_summarise_skips_missing_values() -> None:
    frames = [fake_run(o, 52) for o in OFFSETS]
    frames[0].loc[frames[0]["week"] == 52, "population"] = np.nan  # offset 5 missing
    row = summarise(frames).set_index("outcome").loc["population"]
    assert row["replications"] == 5
    assert row["defined"] == 4
    assert row["median"] == pytest.approx((1052 + 2052) / 2)  # of 52, 1052, 2052, 10052
    assert row["mean"] == pytest.approx((52 + 1052 + 2052 + 10052) / 4)


def test_summarise_needs_replications() -> None:
    with pytest.raises(ValueError, match="no replications"):
        summarise([])


def test_bands_over_time() -> None:
    frames = [fake_run(o, 10) for o in OFFSETS]
    bands = bands_over_time(frames, "population")
    assert bands.index.tolist() == list(range(11))
    assert bands.loc[3, "median"] == pytest.approx(2003)
    assert bands.loc[3, "p05"] == pytest.approx(203)
    assert bands.loc[3, "p95"] == pytest.approx(9003)


def test_ledgers_and_money_flows(base: Path) -> None:
    """Each replication's ledger is written, and money_flows.csv adds it up by route."""
    folder = base / "runs" / "tiny"
    ledgers = [pd.read_parquet(p) for p in sorted(folder.glob("ledger_*.parquet"))]
    assert len(ledgers) == REPS
    for rep, flows in enumerate(ledgers):
        assert list(flows.columns) == [
            "replication",
            "week",
            "source",
            "destination",
            "channel",
            "amount",
        ]
        assert (flows["replication"] == rep).all()
        assert (flows["amount"] > 0).all()
    money = pd.read_csv(base / "money_flows.csv")
    assert list(money.columns) == [
        "source",
        "destination",
        "channel",
        "median",
        "p05",
        "p95",
        "mean",
    ]
    # the routes in the file add up to the ledgers' own totals (warm-up left out)
    total = np.mean([f.loc[f["week"] >= 1, "amount"].sum() for f in ledgers])
    assert money["mean"].sum() == pytest.approx(total)
    assert not money["source"].str.contains(r"^npo:\d", regex=True).any()  # kinds, not ids
