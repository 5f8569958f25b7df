"""The catalogue of the report's 27 paths and the commands around scenario files:
`kizuna paths` (table, Markdown, JSON), `kizuna validate`, `kizuna schema`, and every
shipped scenario running end to end for a couple of weeks."""

from __future__ import annotations

import json
import math
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from experiments import load
from experiments.scenario import load_scenario
from model import KizunaModel
from model.interventions import CATALOGUE, IMAGES
from model.outcomes import OUTCOME_NAMES
from tests.towns import BASELINE, ROOT, TINY, run_cli, small_town, write_text

KIZUNA = Path(sys.executable).parent / "kizuna"
SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))
JSON_KEYS = {
    "wording",
    "image",
    "mechanism",
    "intensity",
    "targeting",
    "indicator",
    "cost",
    "payer",
}
ROW = re.compile(r"^\s*(\d+)\s+(\S+)\s")  # a data row of the plain table: number, slug


def run_script(*argv: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    assert KIZUNA.exists(), f"console script not installed at {KIZUNA}"
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [str(KIZUNA), *argv], cwd=cwd, capture_output=True, text=True, timeout=120, env=env
    )


def table_rows(out: str) -> list[tuple[int, str]]:
    return [(int(m[1]), m[2]) for line in out.splitlines() if (m := ROW.match(line))]


def markdown_rows(out: str) -> list[list[str]]:
    """The cells of every row of the Markdown table (header and separator included)."""
    lines = [line for line in out.splitlines() if line.strip()]
    assert all(line.startswith("|") and line.endswith("|") for line in lines), out[:500]
    return [[cell.strip() for cell in line[1:-1].split("|")] for line in lines]


EXPECTED = [(p.number, p.slug) for p in CATALOGUE]


def test_catalogue_is_the_27_paths_in_order() -> None:
    assert [p.number for p in CATALOGUE] == list(range(1, 28))
    assert len({p.slug for p in CATALOGUE}) == 27


# --- kizuna paths ---------------------------------------------------------------------


def test_paths_table_has_one_row_per_path(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = run_cli(capsys, "paths")
    assert rc == 0, err
    assert err == ""
    assert table_rows(out) == EXPECTED


def test_paths_console_script(tmp_path: Path) -> None:
    proc = run_script("paths", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert table_rows(proc.stdout) == EXPECTED


def test_paths_default_format_is_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    _, default, _ = run_cli(capsys, "paths")
    _, table, _ = run_cli(capsys, "paths", "--format", "table")
    assert default == table


def test_paths_markdown_table(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = run_cli(capsys, "paths", "--format", "markdown")
    assert rc == 0, err
    rows = markdown_rows(out)
    header, separator, data = rows[0], rows[1], rows[2:]
    assert header[0] == "#"
    assert all(set(cell) <= {"-", ":"} and cell for cell in separator)
    assert len(separator) == len(header)
    assert len(data) == 27
    assert all(len(row) == len(header) for row in data), "a cell holds an unescaped '|'"
    assert [(int(row[0]), row[1]) for row in data] == EXPECTED


def test_paths_json(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = run_cli(capsys, "paths", "--format", "json")
    assert rc == 0, err
    rows = json.loads(out)
    assert isinstance(rows, list)
    assert len(rows) == 27
    assert all(isinstance(row, dict) for row in rows)
    assert [row["number"] for row in rows] == list(range(1, 28))
    slugs = [row["slug"] for row in rows]
    assert len(set(slugs)) == 27
    assert slugs == [p.slug for p in CATALOGUE]
    for row in rows:
        missing = JSON_KEYS - set(row)
        assert not missing, f"path {row['number']} lacks {sorted(missing)}"
        for key in JSON_KEYS:
            assert isinstance(row[key], str) and row[key].strip(), (row["number"], key)
        assert row["image"] in IMAGES


def test_every_indicator_is_an_outcome(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run_cli(capsys, "paths", "--format", "json")
    for row in json.loads(out):
        name, sep, direction = row["indicator"].rpartition(" ")
        assert sep and direction in ("up", "down"), row["indicator"]
        assert name in OUTCOME_NAMES, f"path {row['number']}: {name!r} is not an outcome"
    for p in CATALOGUE:
        assert p.indicator in OUTCOME_NAMES, (p.number, p.indicator)
        assert p.direction in (1, -1)


def test_paths_bad_format_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = run_cli(capsys, "paths", "--format", "html")
    assert rc == 2
    assert out == ""
    assert len(err.splitlines()) == 1, err


# --- the path classes -------------------------------------------------------------------


@pytest.fixture(scope="module")
def little_town() -> KizunaModel:
    model = small_town(300, seed=3, warmup_weeks=4)
    for _ in range(2):
        model.step()
    return model


@pytest.mark.parametrize("path", CATALOGUE, ids=[f"{p.number:02d}_{p.slug}" for p in CATALOGUE])
def test_path_class_describes_itself_and_costs(path, little_town: KizunaModel) -> None:
    assert isinstance(path.wording, str) and path.wording.strip()
    assert path.image in IMAGES
    assert isinstance(path.slug, str) and re.fullmatch(r"[a-z0-9_]+", path.slug)
    assert path.intensity_meaning.strip() and path.mechanism.strip() and path.cost_model.strip()
    assert path.max_intensity > 0
    assert path.payer in ("government", "companies", "bank", "foundation")
    assert set(path.targets) <= {"districts", "ages", "sex", "organisation"}
    for intensity in (0.0, min(1.0, path.max_intensity), path.max_intensity):
        cost = path(intensity=intensity).yearly_cost(little_town)
        assert isinstance(cost, int | float), type(cost)
        assert math.isfinite(cost) and cost >= 0, (intensity, cost)


# --- kizuna validate ----------------------------------------------------------------------


def test_shipped_scenarios_are_shipped() -> None:
    assert len(SHIPPED) >= 8
    assert BASELINE in SHIPPED


def test_validate_every_shipped_scenario(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    files = [str(p.relative_to(ROOT)) for p in SHIPPED]
    rc, out, err = run_cli(capsys, "validate", *files)
    assert rc == 0, err
    assert err == ""
    lines = out.splitlines()
    assert len(lines) == len(files)
    for name, line in zip(files, lines, strict=True):
        assert line.startswith(f"ok: {name}: "), line
    full = next(line for line in lines if "full_plan_2020" in line)
    assert str(list(range(1, 28))) in full


def test_validate_console_script_with_a_glob() -> None:
    """`kizuna validate scenarios/*.yaml`, typed in a shell."""
    assert KIZUNA.exists(), f"console script not installed at {KIZUNA}"
    files = [f"scenarios/{p.name}" for p in SHIPPED]
    proc = subprocess.run(
        f"{shlex.quote(str(KIZUNA))} validate scenarios/*.yaml",
        shell=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert [line.split(": ")[1] for line in proc.stdout.splitlines()] == files
    assert all(line.startswith("ok: ") for line in proc.stdout.splitlines())


def test_validate_one_good_one_bad(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write_text(tmp_path, "name: t\ninterventions: [{path: 4, intensty: 1}]\n", "bad.yaml")
    rc, out, err = run_cli(capsys, "validate", str(BASELINE), str(bad))
    assert rc == 2
    assert len(out.splitlines()) == 1
    assert out.startswith(f"ok: {BASELINE}: 'baseline', suburban, 260 weeks, 8 replications")
    assert err.splitlines() == [
        f"kizuna: error: {bad}: interventions.0.intensty: unknown field (did you mean "
        "'intensity'?); allowed: path, intensity, start, end, target, note"
    ]
    assert "Traceback" not in err


def test_validate_reports_every_bad_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one = write_text(tmp_path, "name: t\ninterventions: [{path: 28}]\n", "one.yaml")
    two = write_text(tmp_path, "- not a mapping\n", "two.yaml")
    rc, out, err = run_cli(capsys, "validate", str(one), str(BASELINE), str(two))
    assert rc == 2
    assert len(out.splitlines()) == 1
    lines = err.splitlines()
    assert len(lines) == 2, err
    assert lines[0].startswith(f"kizuna: error: {one}: interventions.0.path: ")
    assert lines[1].startswith(f"kizuna: error: {two}: (file): ")


# --- kizuna schema -----------------------------------------------------------------------


def test_schema_is_json_with_the_new_fields(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = run_cli(capsys, "schema")
    assert rc == 0, err
    schema = json.loads(out)
    for name in ("interventions", "extends", "start_date", "shocks", "name", "region"):
        assert name in schema["properties"], name
    assert "name" in schema.get("required", [])
    assert "$schema" in schema


def test_schema_out_writes_the_same_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, printed, _ = run_cli(capsys, "schema")
    target = tmp_path / "schema.json"
    rc, out, err = run_cli(capsys, "schema", "--out", str(target))
    assert rc == 0, err
    assert str(target) in out
    assert json.loads(target.read_text(encoding="utf-8")) == json.loads(printed)


# --- every shipped scenario runs ---------------------------------------------------------


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_scenario_runs_for_two_weeks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], path: Path
) -> None:
    """Two weeks, or a week past the last shock of a scenario with disasters."""
    scenario = load_scenario(path)
    weeks = max([2, *(sh.week + 1 for sh in scenario.build_shocks())])
    out_dir = tmp_path / "out"
    rc, out, err = run_cli(
        capsys,
        "run", str(path), "--years", str(weeks / 52), "--reps", "1", "--out", str(out_dir),
        "--no-progress",
    )  # fmt: skip
    assert rc == 0, err
    assert "Traceback" not in err
    assert f"1 replications of {weeks} weeks" in out
    summary = pd.read_csv(out_dir / "summary.csv")
    assert len(summary) > 0
    manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["weeks"] == weeks
    if scenario.shocks:
        assert len(pd.read_csv(out_dir / "resilience.csv")) == len(scenario.shocks)
        assert (out_dir / "figures" / "resilience.png").is_file()
    [entry] = manifest["scenarios"]
    assert len(entry["scenario"]["interventions"]) == len(load_scenario(path).interventions)
    assert len(load(out_dir)) == weeks + 1  # one replication's weekly table


def test_all_27_paths_run_end_to_end_in_a_tiny_town(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every path switched on at its strongest for weeks 0-3: the run finishes and pays."""
    interventions = [
        {"path": p.slug if p.number % 2 else p.number, "intensity": p.max_intensity, "end": 4}
        for p in CATALOGUE
    ]
    path = write_text(
        tmp_path,
        yaml.safe_dump({**TINY, "replications": 1, "interventions": interventions}),
    )
    out_dir = tmp_path / "out"
    rc, _, err = run_cli(
        capsys, "run", str(path), "--out", str(out_dir), "--no-progress", "--workers", "1"
    )
    assert rc == 0, err
    assert "Traceback" not in err
    table = load(out_dir)
    cost = table.set_index("week")["intervention_cost"]
    assert (cost >= 0).all()
    assert cost.loc[1:3].gt(0).all(), cost.to_dict()
    assert cost.iloc[-1] == 0, cost.to_dict()  # every path has ended
    assert (out_dir / "summary.csv").is_file()
