"""The experiment engine: a resumable store, failures that do not stop the others, a
comparison killed with SIGKILL that finishes as if never interrupted, and identical
numbers on one worker, two workers and a real Dask cluster."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

import experiments.runner
from experiments import load
from experiments.cli import main
from tests.towns import ROOT, TINY, run_cli, write_text

REPS = 3
A = {**TINY, "name": "a", "horizon": {"weeks": 8}, "replications": REPS, "seed": 21}
B_CHANGES = {
    "name": "b",
    "interventions": [{"path": 4, "intensity": 1, "start": 1}, {"path": 3, "intensity": 2}],
}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("scenarios")
    a = write_text(folder, yaml.safe_dump(A, sort_keys=False), "a.yaml")
    b = write_text(folder, yaml.safe_dump({**A, **B_CHANGES}, sort_keys=False), "b.yaml")
    return a, b


def compare(capsys, files, out: Path, *options: str) -> tuple[int, str, str]:
    return run_cli(
        capsys, "compare", *map(str, files), "--out", str(out), "--no-progress", *options
    )


def rep_files(out: Path) -> list[Path]:
    return sorted((out / "runs").glob("*/rep_*.parquet"))


def mtimes(out: Path) -> dict[str, int]:
    return {str(p.relative_to(out)): p.stat().st_mtime_ns for p in rep_files(out)}


def assert_same_results(a: Path, b: Path) -> None:
    """Same runs, same numbers, same comparison (bit for bit)."""
    ra, rb = rep_files(a), rep_files(b)
    assert [p.relative_to(a) for p in ra] == [p.relative_to(b) for p in rb]
    for x, y in zip(ra, rb, strict=True):
        pd.testing.assert_frame_equal(pd.read_parquet(x), pd.read_parquet(y), check_exact=True)
    for ledger in sorted((a / "runs").glob("*/ledger_*.parquet")):
        pd.testing.assert_frame_equal(
            pd.read_parquet(ledger), pd.read_parquet(b / ledger.relative_to(a)), check_exact=True
        )
    for table in ("comparison.csv", "costs.csv"):
        assert (a / table).read_bytes() == (b / table).read_bytes(), table


def no_partial_files(out: Path) -> None:
    leftovers = [p for p in out.rglob("*") if p.name.endswith(".tmp") or p.name == ".lock"]
    assert leftovers == []
    for p in out.rglob("*.parquet"):
        pd.read_parquet(p)  # every file is whole


@pytest.fixture(scope="module")
def reference(files, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An uninterrupted comparison on one worker, which every other one must equal."""
    out = tmp_path_factory.mktemp("reference") / "out"
    argv = ["compare", *map(str, files), "--out", str(out), "--no-progress", "--workers", "1"]
    assert main(argv) == 0
    return out


# --- resume ---------------------------------------------------------------------------


def test_rerun_skips_every_finished_run(files, reference, tmp_path, capsys) -> None:
    out = tmp_path / "out"
    rc, _, err = compare(capsys, files, out, "--workers", "1")
    assert rc == 0, err
    before = mtimes(out)
    assert len(before) == 2 * REPS
    rc, stdout, err = compare(capsys, files, out, "--workers", "1")
    assert rc == 0, err
    assert f"({2 * REPS} reused from earlier)" in stdout
    assert mtimes(out) == before  # nothing rewritten
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert all(r["reused"] for r in manifest["runs"])
    assert_same_results(reference, out)


def test_fresh_reruns_everything(files, tmp_path, capsys) -> None:
    out = tmp_path / "out"
    assert compare(capsys, files, out, "--workers", "1", "--reps", "1")[0] == 0
    before = mtimes(out)
    rc, stdout, err = compare(capsys, files, out, "--workers", "1", "--reps", "1", "--fresh")
    assert rc == 0, err
    assert "(0 reused from earlier)" in stdout
    after = mtimes(out)
    assert after.keys() == before.keys()
    assert all(after[k] > before[k] for k in before)


def test_more_replications_reuse_the_first_ones(files, reference, tmp_path, capsys) -> None:
    out = tmp_path / "out"
    assert compare(capsys, files, out, "--workers", "1", "--reps", "2")[0] == 0
    first = mtimes(out)
    rc, stdout, err = compare(capsys, files, out, "--workers", "1")  # the files' 3
    assert rc == 0, err
    assert "(4 reused from earlier)" in stdout
    after = mtimes(out)
    assert {k: after[k] for k in first} == first
    assert_same_results(reference, out)  # as if run with 3 from the start


def test_a_changed_scenario_is_run_again(files, tmp_path, capsys) -> None:
    out = tmp_path / "out"
    a = files[0]
    assert compare(capsys, files, out, "--workers", "1", "--reps", "1")[0] == 0
    changed = write_text(
        tmp_path, yaml.safe_dump({**A, **B_CHANGES, "parameters": {"visit_rate": 0.5}}), "b.yaml"
    )
    rc, stdout, err = compare(capsys, [a, changed], out, "--workers", "1", "--reps", "1")
    assert rc == 0, err
    assert "(1 reused from earlier)" in stdout  # a's run only
    manifest = json.loads((out / "manifest.json").read_text())
    assert [r["reused"] for r in manifest["runs"]] == [True, False]


def test_fewer_scenarios_leave_no_stale_runs(files, tmp_path, capsys) -> None:
    out = tmp_path / "out"
    assert compare(capsys, files, out, "--workers", "1", "--reps", "1")[0] == 0
    rc, _, err = run_cli(
        capsys, "run", str(files[0]), "--out", str(out), "--no-progress", "--reps", "1"
    )
    assert rc == 0, err
    assert [p.relative_to(out).as_posix() for p in rep_files(out)] == ["runs/a/rep_000.parquet"]
    assert set(load(out)["scenario"]) == {"a"}


# --- failures -------------------------------------------------------------------------


def test_a_failed_run_is_recorded_and_the_others_finish(
    files, reference, tmp_path, capsys, monkeypatch
) -> None:
    real = experiments.runner.run_one

    def flaky(spec):
        if spec.scenario.name == "b" and spec.replication == 1:
            raise RuntimeError("simulated crash in week 3")
        return real(spec)

    monkeypatch.setattr(experiments.runner, "run_one", flaky)
    out = tmp_path / "out"
    rc, _, err = compare(capsys, files, out, "--workers", "1")
    assert rc == 1
    assert "Traceback" not in err
    assert "run failed: b #1: RuntimeError: simulated crash in week 3" in err
    assert "Run the same command again" in err
    record = json.loads((out / "runs" / "b" / "failed_001.json").read_text())
    assert record["error"] == "RuntimeError: simulated crash in week 3"
    assert "flaky" in record["traceback"]
    assert record["identity"]["replication"] == 1
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "incomplete"
    assert manifest["failures"] == 1
    status = {(r["scenario"], r["replication"]): r["status"] for r in manifest["runs"]}
    assert status.pop(("b", 1)) == "failed"
    assert set(status.values()) == {"done"}
    assert len(rep_files(out)) == 2 * REPS - 1
    table = pd.read_csv(out / "comparison.csv")  # written from the runs that finished
    assert (table.loc[table["scenario"] == "b", "replications"] == REPS - 1).all()
    assert "failed: b #1" in (out / "report.md").read_text()

    monkeypatch.setattr(experiments.runner, "run_one", real)  # the cause is fixed
    rc, stdout, err = compare(capsys, files, out, "--workers", "1")
    assert rc == 0, err
    assert f"({2 * REPS - 1} reused from earlier)" in stdout
    assert not (out / "runs" / "b" / "failed_001.json").exists()
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"
    assert_same_results(reference, out)


# --- killed and resumed -----------------------------------------------------------------


def test_a_comparison_killed_with_sigkill_resumes_to_the_same_results(
    files, reference, tmp_path, capsys
) -> None:
    out = tmp_path / "out"
    argv = [sys.executable, "-m", "experiments.cli", "compare", *map(str, files)]
    argv += ["--out", str(out), "--no-progress", "--workers", "2"]
    proc = subprocess.Popen(
        argv, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    try:
        while not rep_files(out):  # part-way: at least one run finished
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "no run finished in time"
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the command and its worker processes
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    finished = len(rep_files(out))
    assert 1 <= finished < 2 * REPS, "the kill did not land part-way"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "running"  # the plan, written before the first run
    for p in out.rglob("*.parquet"):
        pd.read_parquet(p)  # what is there is whole: files appear only complete

    rc, stdout, err = compare(capsys, files, out, "--workers", "2")
    assert rc == 0, err
    assert f"({finished} reused from earlier)" in stdout
    no_partial_files(out)
    assert_same_results(reference, out)
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"


# --- executors ------------------------------------------------------------------------


def test_two_local_workers_give_identical_numbers(files, reference, tmp_path, capsys) -> None:
    out = tmp_path / "out"
    rc, _, err = compare(capsys, files, out, "--workers", "2")
    assert rc == 0, err
    assert_same_results(reference, out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["executor"] == {"kind": "process pool", "workers": 2}
    assert os.getpid() not in {r["pid"] for r in manifest["runs"]}


@pytest.fixture
def dask_cluster(tmp_path: Path):
    """A real Dask cluster on 127.0.0.1: a scheduler and two single-thread workers."""
    from distributed import Client

    dask = Path(sys.executable).parent / "dask"
    info = tmp_path / "scheduler.json"
    common = {"cwd": tmp_path, "start_new_session": True, "stdout": subprocess.DEVNULL}
    procs = [
        subprocess.Popen(
            [str(dask), "scheduler", "--host", "127.0.0.1", "--port", "0",
             "--no-dashboard", "--scheduler-file", str(info)],
            stderr=(tmp_path / "scheduler.log").open("w"), **common,
        )
    ]  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not info.exists():
            assert procs[0].poll() is None, (tmp_path / "scheduler.log").read_text()
            assert time.monotonic() < deadline, "the scheduler did not start"
            time.sleep(0.1)
        for i in range(2):
            procs.append(
                subprocess.Popen(
                    [str(dask), "worker", "--scheduler-file", str(info), "--host", "127.0.0.1",
                     "--nthreads", "1", "--no-nanny", "--no-dashboard", "--name", f"w{i}"],
                    stderr=(tmp_path / f"worker{i}.log").open("w"), **common,
                )
            )  # fmt: skip
        with Client(scheduler_file=str(info), timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
            address = client.scheduler.address
        yield address, {p.pid for p in procs[1:]}
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


def test_a_dask_cluster_gives_identical_numbers(
    files, reference, tmp_path, capsys, dask_cluster
) -> None:
    address, worker_pids = dask_cluster
    out = tmp_path / "out"
    rc, stdout, err = compare(capsys, files, out, "--scheduler", address)
    assert rc == 0, err
    assert_same_results(reference, out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["executor"] == {"kind": "dask", "scheduler": address}
    ran_on = {r["pid"] for r in manifest["runs"]}
    assert ran_on <= worker_pids  # every run ran in a Dask worker process
    assert "report:" in stdout


def test_an_unusable_scheduler_address_is_one_line(files, tmp_path, capsys) -> None:
    out = tmp_path / "out"
    rc, _, err = compare(capsys, files, out, "--scheduler", "127.0.0.1:8786")
    assert rc == 2
    assert err.count("\n") == 1
    assert err.startswith("kizuna: error: command line: --scheduler: expected an address like")
    assert not out.exists()


def test_stored_runs_stay_valid_until_the_model_code_changes(tmp_path, monkeypatch) -> None:
    """A commit to the docs keeps finished runs; an edit to the model reruns them."""
    import shutil

    from experiments import provenance

    for folder in ("model", "experiments"):
        shutil.copytree(
            ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    (tmp_path / "README.md").write_text("docs\n")
    monkeypatch.setattr(provenance, "_ROOT", tmp_path)

    def version() -> dict:
        provenance.code_version.cache_clear()
        return provenance.code_version()

    before = version()
    (tmp_path / "README.md").write_text("docs, edited\n")
    (tmp_path / "experiments" / "report.py").write_text("# reports do not change runs\n")
    assert version() == before
    ties = tmp_path / "model" / "ties.py"
    ties.write_text(ties.read_text() + "\n# a change to the model\n")
    assert version() != before
    provenance.code_version.cache_clear()
