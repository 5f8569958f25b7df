"""The `kizuna` command line: user mistakes end in one stderr line, exit code 2, no files.

Most checks call ``experiments.cli.main`` in-process; a few run the installed console
script in a subprocess to see exactly what a user sees.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.towns import TINY, run_cli, write_scenario, write_text

KIZUNA = Path(sys.executable).parent / "kizuna"


def assert_one_line_error(rc: int, out: str, err: str, prefix: str) -> str:
    assert rc == 2, (rc, err)
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, f"expected one stderr line, got:\n{err}"
    line = lines[0]
    assert line.startswith(f"kizuna: error: {prefix}"), line
    assert "Traceback" not in err
    return line


# --- bad scenario files ---------------------------------------------------------------

NAME = "name: t\n"

# (id, file text, expected field, fragment of the message)
BAD_FILES = [
    ("typo", NAME + "replicatons: 2\n", "replicatons", "did you mean 'replications'"),
    ("nested_typo", NAME + "region: {kind: suburban, populaton: 300}\n", "region.populaton",
     "did you mean 'population'"),
    ("wrong_type", NAME + "replications: many\n", "replications", "integer"),
    ("unknown_kind", NAME + "region: {kind: metropolis}\n", "region.kind",
     "unknown region kind 'metropolis'"),
    ("negative", NAME + "warmup_weeks: -3\n", "warmup_weeks", "greater than or equal to 0"),
    ("out_of_range", NAME + "region: {population: 5}\n", "region.population", "50"),
    ("not_mapping", "- name: t\n", "(file)", "YAML mapping"),
    ("empty", "", "(file)", "empty file"),
    ("python_tag", '!!python/object/apply:os.system ["echo hi"]\n', "(file)", "not allowed"),
    ("unknown_parameter", NAME + "parameters: {tie_decya: 0.1}\n", "parameters",
     "did you mean 'tie_decay'"),
    ("both_units", NAME + "horizon: {years: 1, weeks: 52}\n", "horizon", "exactly one"),
    ("neither_unit", NAME + "horizon: {}\n", "horizon", "exactly one"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "field", "fragment"), [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES]
)
def test_bad_scenario_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, field: str, fragment: str
) -> None:
    path = write_text(tmp_path, text)
    out_dir = tmp_path / "out"
    rc, out, err = run_cli(capsys, "run", str(path), "--out", str(out_dir), "--no-progress")
    line = assert_one_line_error(rc, out, err, f"{path}: {field}: ")
    assert fragment in line
    assert not out_dir.exists()


def test_missing_scenario_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "missing.yaml"
    out_dir = tmp_path / "out"
    rc, out, err = run_cli(capsys, "run", str(path), "--out", str(out_dir))
    line = assert_one_line_error(rc, out, err, f"{path}: (file): ")
    assert "no such file" in line
    assert not out_dir.exists()


def test_bad_scenario_leaves_existing_results_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "out"
    (out_dir / "runs").mkdir(parents=True)
    (out_dir / "summary.csv").write_text("old\n")
    (out_dir / "runs" / "rep_000.parquet").write_bytes(b"old")
    before = sorted(p.relative_to(out_dir) for p in out_dir.rglob("*"))
    path = write_text(tmp_path, NAME + "replicatons: 2\n")
    rc, out, err = run_cli(capsys, "run", str(path), "--out", str(out_dir), "--no-progress")
    assert_one_line_error(rc, out, err, str(path))
    assert sorted(p.relative_to(out_dir) for p in out_dir.rglob("*")) == before
    assert (out_dir / "summary.csv").read_text() == "old\n"
    assert (out_dir / "runs" / "rep_000.parquet").read_bytes() == b"old"


# --- bad options ----------------------------------------------------------------------

BAD_OPTIONS = [
    (["--reps", "0"], "--reps", "at least 1"),
    (["--reps", "-3"], "--reps", "at least 1"),
    (["--reps", "abc"], "--reps", "whole number"),
    (["--reps", "2.5"], "--reps", "whole number"),
    (["--reps", "20000"], "--reps", "10000"),
    (["--years", "-1"], "--years", "greater than 0"),
    (["--years", "0"], "--years", "greater than 0"),
    (["--years", "abc"], "--years", "number"),
    (["--years", "1000"], "--years", "100"),
    (["--years", "nan"], "--years", ""),
    (["--years", "inf"], "--years", ""),
    (["--workers", "0"], "--workers", "at least 1"),
    (["--workers", "two"], "--workers", "whole number"),
    (["--seed", "x"], "--seed", "whole number"),
    (["--seed", "1.5"], "--seed", "whole number"),
    (["--seed", "-5"], "--seed", "greater than or equal to 0"),
]


@pytest.mark.parametrize(
    ("options", "flag", "fragment"), BAD_OPTIONS, ids=[" ".join(o[0]) for o in BAD_OPTIONS]
)
def test_bad_option_exits_2_with_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    options: list[str],
    flag: str,
    fragment: str,
) -> None:
    path = write_scenario(tmp_path)
    out_dir = tmp_path / "out"
    rc, out, err = run_cli(
        capsys, "run", str(path), "--out", str(out_dir), "--no-progress", *options
    )
    line = assert_one_line_error(rc, out, err, f"command line: {flag}: ")
    assert fragment in line
    assert not out_dir.exists()


def test_out_that_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_scenario(tmp_path)
    target = tmp_path / "results.txt"
    target.write_text("keep me\n")
    rc, out, err = run_cli(capsys, "run", str(path), "--out", str(target), "--no-progress")
    assert_one_line_error(rc, out, err, f"{target}: --out: ")
    assert target.read_text() == "keep me\n"


def test_out_below_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_scenario(tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    target = blocker / "sub" / "out"
    rc, out, err = run_cli(capsys, "run", str(path), "--out", str(target), "--no-progress")
    assert_one_line_error(rc, out, err, f"{target}: --out: ")
    assert blocker.read_text() == "x"


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "SCENARIO", "--out", "OUT", "--replications", "3"],  # an option typo
        ["run", "SCENARIO"],  # --out missing
    ],
    ids=["unknown_option", "missing_out"],
)
def test_argument_parser_mistakes_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    """Options argparse itself refuses are user mistakes too: exit 2, one line."""
    path = write_scenario(tmp_path)
    out_dir = tmp_path / "out"
    argv = [str(path) if a == "SCENARIO" else str(out_dir) if a == "OUT" else a for a in argv]
    rc, out, err = run_cli(capsys, *argv)
    assert rc == 2
    assert out == ""
    assert not out_dir.exists()
    assert len(err.splitlines()) == 1, f"expected one stderr line, got:\n{err}"


# --- successful runs ------------------------------------------------------------------


def test_run_writes_results_and_prints_headline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_scenario(tmp_path)
    out_dir = tmp_path / "new" / "out"  # missing parents are created
    rc, out, err = run_cli(
        capsys, "run", str(path), "--out", str(out_dir), "--no-progress", "--workers", "1"
    )
    assert rc == 0, err
    assert "Traceback" not in err
    assert "year 1, median [5-95% band] over 2 replications" in out
    assert "population" in out
    assert f"results in {out_dir}" in out
    assert sorted(p.name for p in (out_dir / "runs" / "tiny").iterdir()) == [
        "ledger_000.parquet",
        "ledger_001.parquet",
        "rep_000.parquet",
        "rep_001.parquet",
    ]


def test_options_override_the_scenario(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_scenario(tmp_path, seed=1)
    out_dir = tmp_path / "out"
    rc, _, err = run_cli(
        capsys,
        "run", str(path), "--out", str(out_dir), "--no-progress",
        "--reps", "1", "--seed", "5", "--years", "0.1", "--workers", "1",
    )  # fmt: skip
    assert rc == 0, err
    manifest = json.loads((out_dir / "manifest.json").read_text())
    assert manifest["seed"] == 5
    [entry] = manifest["scenarios"]
    assert entry["scenario"]["seed"] == 5
    assert entry["scenario"]["replications"] == 1
    assert entry["scenario"]["horizon"] == {"years": 0.1, "weeks": None}
    assert manifest["weeks"] == 5  # round(0.1 * 52)
    assert entry["file"] == str(path)
    assert len(manifest["runs"]) == 1
    assert sorted(p.name for p in (out_dir / "runs" / "tiny").iterdir()) == [
        "ledger_000.parquet",
        "rep_000.parquet",
    ]
    table = pd.read_parquet(out_dir / "runs" / "tiny" / "rep_000.parquet")
    assert table["week"].tolist() == list(range(6))


def test_integer_parameter_override_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Setting an integer parameter (even to its default) must not crash the run."""
    path = write_scenario(tmp_path, replications=1, parameters={"neighbourhood_radius": 2})
    out_dir = tmp_path / "out"
    rc, _, err = run_cli(
        capsys, "run", str(path), "--out", str(out_dir), "--no-progress", "--workers", "1"
    )
    assert rc == 0, err
    assert (out_dir / "summary.csv").is_file()


# --- the installed console script -----------------------------------------------------


def run_script(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [str(KIZUNA), *argv], cwd=cwd, capture_output=True, text=True, timeout=120, env=env
    )


@pytest.mark.parametrize(
    ("text", "options", "prefix"),
    [
        (NAME + "replicatons: 2\n", [], "scenario.yaml: replicatons: "),
        ('name: x\nseed: !!python/object/apply:os.system ["echo hi"]\n', [], "scenario.yaml: "),
        (yaml.safe_dump(TINY), ["--reps", "0"], "command line: --reps: "),
    ],
    ids=["typo", "python_tag", "reps_0"],
)
def test_console_script_reports_one_line(
    tmp_path: Path, text: str, options: list[str], prefix: str
) -> None:
    assert KIZUNA.exists(), f"console script not installed at {KIZUNA}"
    write_text(tmp_path, text)
    proc = run_script(
        "run", "scenario.yaml", "--out", "out", "--no-progress", *options, cwd=tmp_path
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"kizuna: error: {prefix}"), lines[0]
    assert proc.stdout == ""  # in particular, `echo hi` never ran
    assert not (tmp_path / "out").exists()
