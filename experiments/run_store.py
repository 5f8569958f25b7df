"""The runs of an experiment folder, and what makes a rerun skip the finished ones.

Layout, per scenario ``KEY`` (its name made file-safe) and replication ``NNN``:

    runs/KEY/rep_NNN.parquet     weekly outcomes; its footer records the run's identity
                                 (scenario hash, seed, weeks, code version) and timing
    runs/KEY/ledger_NNN.parquet  every transfer of money in the run
    runs/KEY/shocks_NNN.parquet  one row per disaster (scenarios with shocks)
    runs/KEY/failed_NNN.json     a run that raised: its error and traceback

The outcomes file is written last, so its presence (with a matching record) is what
"finished" means; a run killed before it is simply run again. Every file is written
whole (temporary name, then rename); temporary files left by a killed process are
removed when the folder is next opened. A lock keeps two commands out of one folder.
"""

from __future__ import annotations

import fcntl
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import pandas as pd

from experiments.errors import InputError
from experiments.provenance import code_version
from experiments.runner import RunFailure, RunResult, RunSpec, run_identity
from experiments.store import read_record, write_json, write_parquet, write_parquet_with_record

KINDS = ("rep", "ledger", "shocks", "failed")


class RunStore:
    """The ``runs/`` folder of one experiment folder, locked while open."""

    def __init__(self, root: str | Path, *, ledgers: bool = True) -> None:
        self.root = Path(root)
        self.ledgers = ledgers  # sweeps of thousands of runs keep only the outcomes
        self.code = code_version()
        self._identity: dict[int, str] = {}
        self._lock: IO[str] | None = None

    # --- opening --------------------------------------------------------------------

    def __enter__(self) -> RunStore:
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = open(self.root / ".lock", "w")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            self._lock = None
            raise InputError(
                str(self.root), "--out", "another kizuna command is writing to this folder"
            ) from None
        self.remove_partial_files()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._lock is not None:
            self._lock.close()
            (self.root / ".lock").unlink(missing_ok=True)
            self._lock = None

    def remove_partial_files(self) -> list[Path]:
        """Temporary files of writes a killed process never finished."""
        partial = [p for p in self.root.rglob(".*.tmp") if p.is_file()]
        for p in partial:
            p.unlink(missing_ok=True)
        return partial

    # --- paths ----------------------------------------------------------------------

    def path(self, spec: RunSpec, kind: str) -> Path:
        suffix = "json" if kind == "failed" else "parquet"
        return self.root / "runs" / spec.key / f"{kind}_{spec.replication:03d}.{suffix}"

    def relative(self, spec: RunSpec, kind: str) -> str:
        return str(self.path(spec, kind).relative_to(self.root))

    # --- identity -------------------------------------------------------------------

    def identity(self, spec: RunSpec) -> dict[str, Any]:
        """What must match for a stored run to count as this run."""
        sid = id(spec.scenario)
        if sid not in self._identity:
            self._identity[sid] = run_identity(spec.scenario)
        return {
            "scenario": spec.scenario.name,
            "scenario_identity": self._identity[sid],
            "replication": spec.replication,
            "seed": spec.seed_record(),
            "weeks": spec.weeks,
            "code": self.code,
        }

    def finished(self, spec: RunSpec) -> bool:
        record = read_record(self.path(spec, "rep"))
        return record is not None and record.get("identity") == self.identity(spec)

    # --- writing --------------------------------------------------------------------

    def save(self, result: RunResult) -> dict[str, Any]:
        """Write a finished run (outcomes last) and forget any earlier failure of it."""
        spec = result.spec
        if self.ledgers:
            write_parquet(result.ledger, self.path(spec, "ledger"))
        if spec.scenario.shocks:
            write_parquet(result.disasters, self.path(spec, "shocks"))
        else:
            self.path(spec, "shocks").unlink(missing_ok=True)
        record = {
            "identity": self.identity(spec),
            "init_seconds": round(result.init_seconds, 3),
            "run_seconds": round(result.run_seconds, 3),
            "host": result.host,
            "pid": result.pid,
            "finished": datetime.now(UTC).isoformat(),
        }
        write_parquet_with_record(result.table, record, self.path(spec, "rep"))
        self.path(spec, "failed").unlink(missing_ok=True)
        return record

    def save_failure(self, failure: RunFailure) -> dict[str, Any]:
        record = {
            "identity": self.identity(failure.spec),
            "error": failure.error,
            "traceback": failure.traceback,
            "host": failure.host,
            "failed": datetime.now(UTC).isoformat(),
        }
        write_json(record, self.path(failure.spec, "failed"))
        return record

    # --- reading --------------------------------------------------------------------

    def record(self, spec: RunSpec) -> dict[str, Any] | None:
        return read_record(self.path(spec, "rep"))

    def failure(self, spec: RunSpec) -> dict[str, Any] | None:
        path = self.path(spec, "failed")
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None

    def load(self, spec: RunSpec) -> RunResult:
        """A finished run read back from disk, as the runner returned it."""
        record = self.record(spec) or {}
        shocks = self.path(spec, "shocks")
        disasters = (
            pd.read_parquet(shocks)
            if shocks.is_file()
            else pd.DataFrame({"replication": pd.Series([], dtype="int64")})
        )
        return RunResult(
            spec,
            pd.read_parquet(self.path(spec, "rep")),
            pd.read_parquet(self.path(spec, "ledger")) if self.ledgers else pd.DataFrame(),
            disasters,
            float(record.get("init_seconds", 0.0)),
            float(record.get("run_seconds", 0.0)),
            host=str(record.get("host", "")),
            pid=int(record.get("pid", 0)),
            reused=True,
        )

    # --- tidying --------------------------------------------------------------------

    def remove_unplanned(self, specs: list[RunSpec]) -> list[Path]:
        """Run files no run of this plan owns (fewer replications or scenarios than an
        earlier command in this folder), so the folder shows only this experiment."""
        runs = self.root / "runs"
        if not runs.is_dir():
            return []
        keep = {self.path(s, kind) for s in specs for kind in KINDS}
        stale = [
            p
            for p in runs.rglob("*")
            if p.is_file() and p.name.split("_")[0] in KINDS and p not in keep
        ]
        for p in stale:
            p.unlink()
        for folder in sorted(runs.iterdir()):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        return stale
