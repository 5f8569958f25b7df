"""`kizuna sweep`: the machinery recovers the Ishigami function's known indices, sweep
files are checked like scenario files, and a model sweep killed part-way resumes to the
same indices as one never interrupted."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from experiments.test_functions import ishigami_indices
from tests.towns import ROOT, run_cli, write_text

PI = math.pi
ISHIGAMI = {
    "name": "ishigami_check",
    "model": "ishigami",
    "method": "sobol",
    "samples": 1024,
    "replications": 1,
    "seed": 3,
    "bootstrap": 300,
    "outcomes": ["y"],
    "parameters": [{"name": f"x{i}", "bounds": [-PI, PI]} for i in (1, 2, 3)],
}


def sweep(capsys, data: dict, tmp_path: Path, *options: str) -> tuple[int, str, str, Path]:
    path = write_text(tmp_path, yaml.safe_dump(data, sort_keys=False), "sweep.yaml")
    out = tmp_path / "out"
    rc, stdout, err = run_cli(capsys, "sweep", str(path), "--out", str(out), "--no-progress",
                              *options)  # fmt: skip
    return rc, stdout, err, out


# --- the machinery on a function with known indices -------------------------------------


def test_sobol_recovers_the_ishigami_indices(tmp_path: Path, capsys) -> None:
    rc, stdout, err, out = sweep(capsys, ISHIGAMI, tmp_path)
    assert rc == 0, err
    assert "5,120 points" in stdout  # N (D + 2) without second-order indices
    got = pd.read_csv(out / "indices.csv").set_index(["input", "index"])
    truth = ishigami_indices().set_index("input")
    for name in ("x1", "x2", "x3"):
        for index in ("S1", "ST"):
            row = got.loc[(name, index)]
            assert row["lo"] <= truth.loc[name, index] <= row["hi"], (name, index, row.to_dict())
            assert row["conf"] < 0.1  # and the intervals are informative
    conv = pd.read_csv(out / "convergence.csv")
    assert sorted(conv["samples"].unique()) == [128, 256, 512, 1024]
    x1 = conv[(conv["input"] == "x1") & (conv["index"] == "ST")].sort_values("samples")
    assert x1["conf"].iloc[-1] < x1["conf"].iloc[0]  # intervals narrow as the sample grows
    for name in ("indices", "convergence"):
        assert (out / "figures" / f"{name}.png").read_bytes().startswith(b"\x89PNG")


def test_fast_recovers_the_first_order_indices(tmp_path: Path, capsys) -> None:
    rc, _, err, out = sweep(capsys, {**ISHIGAMI, "method": "fast", "samples": 2000}, tmp_path)
    assert rc == 0, err
    got = pd.read_csv(out / "indices.csv").set_index(["input", "index"])
    truth = ishigami_indices().set_index("input")
    for name in ("x1", "x2", "x3"):
        assert got.loc[(name, "S1"), "value"] == pytest.approx(truth.loc[name, "S1"], abs=0.05)
    assert pd.read_csv(out / "convergence.csv").empty  # eFAST's design cannot be cut


def test_morris_ranks_and_plots(tmp_path: Path, capsys) -> None:
    data = {**ISHIGAMI, "method": "morris", "samples": 100}
    rc, _, err, out = sweep(capsys, data, tmp_path)
    assert rc == 0, err
    got = pd.read_csv(out / "indices.csv")
    mu_star = got[got["index"] == "mu_star"].set_index("input")["value"]
    assert mu_star["x1"] > mu_star["x3"] and mu_star["x2"] > mu_star["x3"]
    assert set(got["index"]) == {"mu_star", "sigma", "mu"}
    assert (out / "figures" / "morris.png").is_file()


def test_seed_noise_is_reported_beside_the_indices(tmp_path: Path, capsys) -> None:
    """Replications of a noisy function: the noise share is measured, near its truth."""
    data = {**ISHIGAMI, "samples": 256, "replications": 3, "noise": 2.0}
    rc, _, err, out = sweep(capsys, data, tmp_path)
    assert rc == 0, err
    noise = pd.read_csv(out / "noise.csv").set_index("outcome").loc["y"]
    single = 4.0 / (4.0 + 13.84)  # noise variance 2^2; Ishigami's (a=7, b=0.1) is 13.84
    assert noise["noise_share_single_run"] == pytest.approx(single, abs=0.05)
    assert noise["noise_share_analysed"] < noise["noise_share_single_run"]  # means of 3
    outputs = pd.read_csv(out / "outputs.csv")
    assert outputs.groupby("point")["replication"].nunique().eq(3).all()


# --- sweep files ----------------------------------------------------------------------

MODEL = {
    "name": "tiny",
    "base": str(ROOT / "scenarios" / "baseline.yaml"),
    "population": 300,
    "years": 0.08,  # four weeks
    "method": "sobol",
    "samples": 4,
    "replications": 1,
    "seed": 5,
    "bootstrap": 50,
    "outcomes": ["volunteer_rate", "mean_degree"],
    "parameters": [
        {"name": "visit_rate", "bounds": [0.5, 1.4]},
        {"name": "volunteer_hazard", "dist": "logunif", "bounds": [0.025, 0.1]},
        {"path": 4, "bounds": [0.0, 1.0]},
    ],
}

P1 = MODEL["parameters"][1]
BAD = [
    ("param", {"parameters": [{"name": "visit_rat", "bounds": [0, 1]}, P1]},
     "parameters.0.name", "unknown parameter 'visit_rat' (did you mean 'visit_rate'?)"),
    ("bounds_count", {"parameters": [{"name": "visit_rate", "dist": "triang", "bounds": [0, 1]},
                                     P1]},
     "parameters.0.bounds", "triang needs 3 numbers, got 2"),
    ("bounds_order", {"parameters": [{"name": "visit_rate", "bounds": [1, 0.5]}, P1]},
     "parameters.0.bounds", "the low end must be below the high end"),
    ("beyond_limit", {"parameters": [{"name": "tie_decay", "bounds": [0.5, 1.5]}, P1]},
     "parameters.0.bounds", "must be at most 1.0"),
    ("intensity", {"parameters": [{"path": 4, "bounds": [0, 999]}, P1]},
     "parameters.0.bounds", "path 4 intensity must be 0-"),
    ("outcome", {"outcomes": ["volunter_rate"]}, "outcomes.0", "did you mean 'volunteer_rate'"),
    ("typo", {"replicatons": 2}, "replicatons", "unknown field"),
    ("method", {"method": "sobolev"}, "method", "'sobol'"),
    ("sobol_n", {"samples": 6}, "samples", "power of two"),
    ("fast_n", {"method": "fast", "samples": 10}, "samples", "more than 64"),
    ("groups_fast", {"method": "fast", "samples": 65, "parameters": [
        {**p, "group": "g"} for p in MODEL["parameters"]]}, "parameters.0.group", "not fast"),
    ("twice", {"parameters": [MODEL["parameters"][0], MODEL["parameters"][0]]},
     "parameters.1", "visit_rate is varied twice"),
    ("no_base", {"base": None}, "base", "scenario file"),
    ("region", {"parameters": [{"region": "households_per_cel", "bounds": [3, 9]}, P1]},
     "parameters.0.region", "did you mean 'households_per_cell'"),
    ("region_range", {"parameters": [{"region": "occupied_share", "bounds": [0.5, 1.5]}, P1]},
     "parameters.0.bounds", "'occupied_share' must be between 0.01 and 1"),
    ("two_kinds", {"parameters": [{"name": "visit_rate", "region": "income_scale",
                                   "bounds": [0.5, 1]}, P1]},
     "parameters.0", "give one of name"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "field", "fragment"), [b[1:] for b in BAD], ids=[b[0] for b in BAD]
)
def test_bad_sweep_files_are_one_line(tmp_path: Path, capsys, changes, field, fragment) -> None:
    data = {k: v for k, v in {**MODEL, **changes}.items() if v is not None}
    rc, stdout, err, out = sweep(capsys, data, tmp_path)
    assert rc == 2, err
    assert stdout == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"kizuna: error: {tmp_path / 'sweep.yaml'}: {field}: "), err
    assert fragment in err
    assert not out.exists()


def test_a_region_statistic_is_swept_through_the_profile(tmp_path: Path) -> None:
    from experiments.sweep_file import load_sweep, point_scenario

    data = {**MODEL, "parameters": [
        {"region": "households_per_cell", "bounds": [3, 9]},
        {"region": "income_scale", "bounds": [0.5, 1.5]},
    ]}  # fmt: skip
    path = write_text(tmp_path, yaml.safe_dump(data, sort_keys=False), "sweep.yaml")
    sweep_file, base = load_sweep(path)
    assert sweep_file.columns == ["region_households_per_cell", "region_income_scale"]
    point = point_scenario(base, sweep_file, 3, [6.6, 0.75])
    profile = point.region.resolved_profile()
    assert profile.households_per_cell == 7 and isinstance(profile.households_per_cell, int)
    assert profile.income_scale == 0.75 and profile.kind == "suburban"
    assert point.build_model(1).region.households_per_cell == 7


# --- a model sweep killed part-way resumes --------------------------------------------


def indices_of(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "indices.csv")


def test_a_model_sweep_killed_part_way_resumes_to_the_same_indices(tmp_path: Path, capsys) -> None:
    path = write_text(tmp_path, yaml.safe_dump(MODEL, sort_keys=False), "sweep.yaml")
    reference = tmp_path / "reference"
    rc, stdout, err = run_cli(capsys, "sweep", str(path), "--out", str(reference),
                              "--no-progress", "--workers", "1")  # fmt: skip
    assert rc == 0, err
    assert "20 points x 1 replications = 20 runs; one run takes" in stdout  # printed first
    assert "(a timing run)" in stdout

    out = tmp_path / "out"
    argv = [sys.executable, "-m", "experiments.cli", "sweep", str(path), "--out", str(out),
            "--no-progress", "--workers", "1"]  # fmt: skip
    proc = subprocess.Popen(argv, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)  # fmt: skip
    deadline = time.monotonic() + 120
    try:
        while len(list((out / "runs").glob("*/rep_*.parquet"))) < 4:
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    done = len(list((out / "runs").glob("*/rep_*.parquet")))
    assert 4 <= done < 20, "the kill did not land part-way"
    assert not (out / "indices.csv").exists()

    rc, stdout, err = run_cli(capsys, "sweep", str(path), "--out", str(out), "--no-progress",
                              "--workers", "2")  # fmt: skip
    assert rc == 0, err
    assert f"({done} already done; their mean)" in stdout
    assert [p for p in out.rglob("*") if p.name.endswith(".tmp")] == []
    pd.testing.assert_frame_equal(indices_of(out), indices_of(reference), check_exact=True)
    for name in ("samples.csv", "outputs.csv", "noise.csv", "convergence.csv"):
        assert (out / name).read_bytes() == (reference / name).read_bytes(), name
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "sweep" and manifest["status"] == "complete"
    assert manifest["sweep"]["points"] == 20
    assert "ledger" not in manifest["runs"][0]  # sweeps keep outcomes only
    samples = pd.read_csv(out / "samples.csv")
    assert list(samples.columns) == ["point", "visit_rate", "volunteer_hazard", "path_4_intensity"]


def test_discover_reads_a_sweep_folder(tmp_path: Path, capsys) -> None:
    """End to end: a sweep's folder goes straight into `kizuna discover`."""
    rc, _, err, out = sweep(capsys, {**ISHIGAMI, "samples": 256}, tmp_path)
    assert rc == 0, err
    rc, stdout, err = run_cli(capsys, "discover", str(out), "--outcome", "y", "--above", "8")
    assert rc == 0, err
    assert "y above 8" in stdout and "cases of interest" in stdout
    box = pd.read_csv(out / "discovery" / "box_y_above_8.csv")
    assert "x1" in set(box["input"])  # large y needs sin(x1) near 1
    rc, _, err = run_cli(capsys, "discover", str(out), "--outcome", "z", "--above", "8")
    assert rc == 2 and err.startswith("kizuna: error: ") and err.count("\n") == 1


@pytest.mark.parametrize(
    "name", ["core_sweep", "teaching_sweep", "assumptions_sweep", "disaster_sweep", "region_sweep"]
)
def test_shipped_sweep_files_are_valid(name: str) -> None:
    from experiments.sweep import plan_sweep
    from experiments.sweep_file import load_sweep

    path = ROOT / "experiments" / f"{name}.yaml"
    sweep_file, base = load_sweep(path)
    plan = plan_sweep(sweep_file, base, str(path))
    assert base is not None and base.region.population == sweep_file.population
    if name == "core_sweep":
        assert len(sweep_file.parameters) == 20
        assert plan.runs == 64 * (20 + 2) * 2 == 2816
    assert plan.X.shape == (plan.points, len(sweep_file.parameters))


def test_groups_get_one_index_each(tmp_path: Path, capsys) -> None:
    groups = {"x1": "g1", "x2": "g1", "x3": "g2"}
    data = {
        **ISHIGAMI,
        "parameters": [{**p, "group": groups[p["name"]]} for p in ISHIGAMI["parameters"]],
    }
    rc, _, err, out = sweep(capsys, data, tmp_path)
    assert rc == 0, err
    got = pd.read_csv(out / "indices.csv").set_index(["input", "index"])
    assert set(got.index.get_level_values("input")) == {"g1", "g2"}
    truth = ishigami_indices().set_index("input")
    g1 = truth.loc["x1", "S1"] + truth.loc["x2", "S1"]  # no interaction between x1 and x2
    assert got.loc[("g1", "S1"), "lo"] <= g1 <= got.loc[("g1", "S1"), "hi"]
