"""Scenario discovery on synthetic sweep folders whose answer is known: the outcome is
low exactly when a < 0.3 and b > 0.6, whatever c and d are."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.discover import Discovery, _choose, add_parser, discover, run_command
from experiments.errors import InputError

PNG = b"\x89PNG\r\n\x1a\n"


def make_sweep(folder: Path, points: int = 300, seed: int = 11) -> Path:
    """A sweep folder: 4 inputs uniform on [0, 1], 2 replications with small noise;
    `low` drops to about 0.1 inside the region and `high` rises to about 0.9, elsewhere
    they sit at about 0.9 and 0.1. One replication value is missing, and one point has
    no value at all (it must be left out, not counted as a case)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(size=(points, 4))
    samples = pd.DataFrame(x, columns=["a", "b", "c", "d"])
    samples.insert(0, "point", np.arange(points))
    inside = (samples["a"] < 0.3) & (samples["b"] > 0.6)
    rows = []
    for rep in range(2):
        noise = rng.normal(0, 0.02, size=points)
        low = np.where(inside, 0.1, 0.9) + noise
        high = np.where(inside, 0.9, 0.1) - noise
        rows.append(pd.DataFrame({"point": np.arange(points), "replication": rep,
                                  "low": low, "high": high}))  # fmt: skip
    outputs = pd.concat(rows, ignore_index=True)
    outputs.loc[0, "low"] = np.nan  # point 0 keeps its other replication
    outputs.loc[outputs["point"] == 1, ["low", "high"]] = np.nan  # point 1: no value
    folder.mkdir(parents=True, exist_ok=True)
    samples.to_csv(folder / "samples.csv", index=False)
    outputs.to_csv(folder / "outputs.csv", index=False)
    (folder / "manifest.json").write_text(json.dumps({"kind": "sweep", "status": "complete"}))
    return folder


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_sweep(tmp_path_factory.mktemp("sweep"))


@pytest.fixture(scope="module")
def below(sweep_dir: Path) -> Discovery:
    return discover(sweep_dir, "low", below=0.5)


@pytest.fixture(scope="module")
def above(sweep_dir: Path) -> Discovery:
    return discover(sweep_dir, "high", above=0.5)


def limits(found: Discovery) -> dict[str, tuple[float, float]]:
    return {r["input"]: (r["lower"], r["upper"]) for _, r in found.box.iterrows()}


@pytest.mark.parametrize("which", ["below", "above"])
def test_finds_the_region(which: str, request: pytest.FixtureRequest) -> None:
    found: Discovery = request.getfixturevalue(which)
    box = limits(found)
    assert set(box) == {"a", "b"}, found.box
    assert box["a"][0] == pytest.approx(found.box.loc[0, "range_lower"])  # only capped above
    assert box["a"][1] == pytest.approx(0.3, abs=0.05)
    assert box["b"][0] == pytest.approx(0.6, abs=0.05)
    assert box["b"][1] == pytest.approx(found.box.loc[1, "range_upper"])
    assert found.coverage > 0.7 and found.density > 0.7
    assert found.meets_density and found.density >= found.density_threshold
    assert found.points == 299 and found.dropped == 1
    samples = pd.read_csv(found.dir / "samples.csv").set_index("point").drop(index=1)
    expected = ((samples["a"] < 0.3) & (samples["b"] > 0.6)).sum()
    assert found.cases == expected
    qp = found.box[["qp_lower", "qp_upper"]].to_numpy()
    assert np.isnan(qp[0, 0]) and qp[0, 1] < 0.05  # a: upper limit only, significant
    assert qp[1, 0] < 0.05 and np.isnan(qp[1, 1])


def test_chosen_box_is_the_widest_dense_one(below: Discovery) -> None:
    t = below.trajectory
    dense = t[t["density"] >= below.density_threshold]
    assert below.coverage == dense["coverage"].max()
    assert t["chosen"].sum() == 1 and t.loc[t["chosen"], "box"].item() == below.chosen
    assert t["box"].tolist() == list(range(len(t)))
    assert t.loc[0, "coverage"] == 1.0 and t.loc[0, "restricted_dims"] == 0


def test_files(below: Discovery, above: Discovery) -> None:
    out = below.dir / "discovery"
    assert below.trajectory_path == out / "trajectory_low_below_0.5.csv"
    assert below.box_path == out / "box_low_below_0.5.csv"
    assert below.figure_path == out / "discovery_low_below_0.5.png"
    assert above.figure_path == out / "discovery_high_above_0.5.png"
    trajectory = pd.read_csv(below.trajectory_path)
    assert {"box", "coverage", "density", "mass", "restricted_dims"} <= set(trajectory)
    assert len(trajectory) == len(below.trajectory)
    box = pd.read_csv(below.box_path)
    assert box.columns.tolist() == [
        "input", "lower", "upper", "range_lower", "range_upper", "qp_lower", "qp_upper"
    ]  # fmt: skip
    assert box["input"].tolist() == ["a", "b"]
    for found in (below, above):
        data = found.figure_path.read_bytes()
        assert data.startswith(PNG) and len(data) > 10_000
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary files


def test_threshold_in_file_names(tmp_path: Path) -> None:
    folder = make_sweep(tmp_path / "s", points=60)
    data = pd.read_csv(folder / "outputs.csv")
    data["low"] -= 1.0  # now about -0.9 inside the region, -0.1 outside
    data.to_csv(folder / "outputs.csv", index=False)
    found = discover(folder, "low", below=-0.25)
    assert found.box_path.name == "box_low_below_-0.25.csv"
    assert found.box_path.is_file()


def test_choice_rule() -> None:
    t = pd.DataFrame(
        {
            "box": [0, 1, 2, 3, 4],
            "coverage": [1.0, 0.9, 0.9, 0.8, 0.5],
            "density": [0.1, 0.5, 0.85, 0.9, 0.95],
            "restricted_dims": [0, 1, 2, 2, 3],
        }
    )
    assert _choose(t, 0.8) == (2, True)  # most coverage among the dense enough
    assert _choose(t, 0.9) == (3, True)
    assert _choose(t, 0.05) == (0, True)  # everything is dense enough: no restriction
    assert _choose(t, 0.99) == (4, False)  # none is: the last, densest box


# --- bad input: one line naming the source and the field ------------------------------------


def error(call) -> InputError:
    with pytest.raises(InputError) as info:
        call()
    assert "\n" not in str(info.value)
    return info.value


def test_not_a_sweep_folder(tmp_path: Path) -> None:
    err = error(lambda: discover(tmp_path, "low", below=0.5))
    assert err.field == "samples.csv" and err.source == str(tmp_path)
    assert "not a sweep folder" in err.message
    err = error(lambda: discover(tmp_path / "missing", "low", below=0.5))
    assert err.field == "DIR"
    (tmp_path / "samples.csv").write_text("point,a\n0,0.5\n")
    err = error(lambda: discover(tmp_path, "low", below=0.5))
    assert err.field == "outputs.csv"


def test_unknown_outcome(sweep_dir: Path) -> None:
    err = error(lambda: discover(sweep_dir, "lowe", below=0.5))
    assert err.field == "--outcome"
    assert "did you mean 'low'" in err.message and "allowed: low, high" in err.message
    assert err.source.endswith("outputs.csv")


@pytest.mark.parametrize("kwargs", [{}, {"below": 0.5, "above": 0.5}])
def test_exactly_one_of_below_above(sweep_dir: Path, kwargs: dict) -> None:
    err = error(lambda: discover(sweep_dir, "low", **kwargs))
    assert err.field == "--below/--above"


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"below": 0.0}, "--below", "none of the 299 sample points"),
        ({"below": 2.0}, "--below", "all of the 299 sample points"),
        ({"above": 2.0}, "--above", "none of the 299"),
        ({"above": -1.0}, "--above", "all of the 299"),
    ],
)
def test_no_or_every_case(sweep_dir: Path, kwargs: dict, field: str, words: str) -> None:
    err = error(lambda: discover(sweep_dir, "low", **kwargs))
    assert err.field == field
    assert words in err.message and "observed" in err.message


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"below": float("nan")}, "--below"),
        ({"above": float("inf")}, "--above"),
        ({"below": 0.5, "density": 0.0}, "--density"),
        ({"below": 0.5, "density": 1.5}, "--density"),
    ],
)
def test_bad_numbers(sweep_dir: Path, kwargs: dict, field: str) -> None:
    assert error(lambda: discover(sweep_dir, "low", **kwargs)).field == field


def test_too_few_points(tmp_path: Path) -> None:
    folder = make_sweep(tmp_path / "s", points=10)  # point 1 has no value: 9 left
    err = error(lambda: discover(folder, "low", below=0.5))
    assert err.field == "point" and "only 9 of 10" in err.message


def test_bad_tables(tmp_path: Path) -> None:
    folder = make_sweep(tmp_path / "s", points=20)
    pd.read_csv(folder / "samples.csv").drop(columns="point").to_csv(
        folder / "samples.csv", index=False
    )
    assert error(lambda: discover(folder, "low", below=0.5)).field == "point"
    (folder / "samples.csv").write_text("")
    assert error(lambda: discover(folder, "low", below=0.5)).field == "samples.csv"


# --- the command line -------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kizuna")
    add_parser(p.add_subparsers(dest="command", required=True))
    return p


def test_command(sweep_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["discover", str(sweep_dir), "--outcome", "low", "--below", "0.5", "--density", "0.9"]
    args = parser().parse_args(argv)
    assert args.command == "discover"
    assert run_command(args) == 0
    out = capsys.readouterr()
    assert out.err == ""
    assert "of 299 sample points are cases of interest (1 without a value left out)" in out.out
    assert "coverage" in out.out and "density" in out.out
    sampled = r"\(sampled 0\.\d+ to 0\.99\d*; quasi-p \d\.?\d*e-\d+\)$"
    assert re.search(rf"^  a <= 0\.(2|3)\d*   {sampled}", out.out, re.M)
    assert re.search(r"^  b >= 0\.(5|6)\d* ", out.out, re.M)
    assert str(sweep_dir / "discovery" / "discovery_low_below_0.5.png") in out.out


def test_command_errors(sweep_dir: Path) -> None:
    p = parser()
    for flag in ("--below", "--above", "--density"):
        side = [] if flag != "--density" else ["--below", "0.5"]
        args = p.parse_args(["discover", str(sweep_dir), "--outcome", "low", *side, flag, "x"])
        err = error(lambda a=args: run_command(a))
        assert err.source == "command line" and err.field == flag
        assert err.message == "must be a number, got 'x'"
    with pytest.raises(SystemExit):  # argparse: --below and --above exclude each other
        p.parse_args(["discover", "D", "--outcome", "low", "--below", "1", "--above", "2"])
    with pytest.raises(SystemExit):  # and one of them is required
        p.parse_args(["discover", "D", "--outcome", "low"])
