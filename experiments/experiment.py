"""An experiment: scenarios run with the same seeds into one resumable folder.

``prepare`` applies the command line's overrides and checks the scenarios can be
compared; ``execute`` runs whatever the folder does not hold yet (on the executor the
user chose), records failures without stopping, and writes ``manifest.json`` at the
start (the plan) and at the end (what happened).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from experiments.errors import InputError
from experiments.executors import ExecutorChoice, open_executor
from experiments.provenance import provenance
from experiments.run_store import RunStore
from experiments.runner import (
    Progress,
    RunFailure,
    RunResult,
    RunSpec,
    iter_runs,
    plan_runs,
    scenario_hash,
    scenario_key,
)
from experiments.scenario import Scenario
from experiments.store import write_json

_FLAGS = {"seed": "--seed", "replications": "--reps", "horizon": "--years"}


def apply_overrides(
    scenario: Scenario, *, seed: int | None, replications: int | None, years: float | None
) -> Scenario:
    """The scenario with command-line overrides, or a one-line error naming the option."""
    try:
        return scenario.with_overrides(seed=seed, replications=replications, years=years)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = str(err["loc"][0]) if err["loc"] else "horizon"  # a whole-scenario check
        message = str(err["msg"]).removeprefix("Value error, ")
        raise InputError("command line", _FLAGS.get(loc, loc), message) from None


def check_out_dir(out_dir: Path) -> None:
    """Refuse an output path that cannot be a folder, before anything runs."""
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(str(out_dir), "--out", "exists and is not a folder")
    parent = next((p for p in [out_dir, *out_dir.parents] if p.exists()), None)
    if parent is None or not parent.is_dir():
        raise InputError(str(out_dir), "--out", "no existing parent folder")


@dataclass
class Experiment:
    """Scenarios that share a seed, a number of replications and a horizon."""

    scenarios: list[Scenario]
    files: list[str | None]
    kind: str = "run"  # "run" (one scenario), "compare" or "sweep"
    keep_ledgers: bool = True  # every transfer of money per run (sweeps skip them)

    @property
    def seed(self) -> int:
        return self.scenarios[0].seed

    @property
    def replications(self) -> int:
        return self.scenarios[0].replications

    @property
    def weeks(self) -> int:
        return self.scenarios[0].weeks

    def specs(self) -> list[RunSpec]:
        """Every (scenario, replication), replication i of each with the same seed."""
        return [spec for sc in self.scenarios for spec in plan_runs(sc, self.seed)]


def prepare(
    scenarios: list[Scenario],
    files: list[str | None],
    *,
    seed: int | None = None,
    replications: int | None = None,
    years: float | None = None,
    kind: str = "run",
) -> Experiment:
    """Scenarios made comparable: the first one's seed and replications (unless the
    command line gives them) for all; one horizon, or an error asking for ``--years``."""
    first = scenarios[0]
    seed = first.seed if seed is None else seed
    replications = first.replications if replications is None else replications
    resolved = [
        apply_overrides(sc, seed=seed, replications=replications, years=years) for sc in scenarios
    ]
    weeks = {sc.weeks for sc in resolved}
    if len(weeks) > 1:
        horizons = ", ".join(
            f"{f or sc.name}: {sc.weeks} weeks" for sc, f in zip(resolved, files, strict=True)
        )
        raise InputError(
            "command line", "--years", f"the scenarios have different horizons ({horizons}); "
            "give --years to run them all for the same time",
        )  # fmt: skip
    seen: dict[str, str] = {}
    for sc, f in zip(resolved, files, strict=True):
        key = scenario_key(sc.name)
        if key in seen:
            raise InputError(
                f or sc.name, "name", f"{sc.name!r} is already the name of {seen[key]}; "
                "each compared scenario needs its own name",
            )  # fmt: skip
        seen[key] = f or sc.name
    return Experiment(resolved, list(files), kind)


@dataclass
class ExperimentRun:
    """What an executed experiment holds: finished runs by scenario, failures, timing."""

    experiment: Experiment
    out_dir: Path
    results: dict[str, list[RunResult]]  # scenario name -> finished runs by replication
    failures: list[RunFailure]
    reused: int
    wall_seconds: float
    manifest: dict[str, Any] = field(default_factory=dict)

    def frames(self, scenario: str) -> list:
        return [r.table for r in self.results[scenario]]

    def write_manifest(self) -> None:
        """The final manifest, written after the results it describes."""
        write_json(self.manifest, self.out_dir / "manifest.json")


def _manifest(
    experiment: Experiment,
    store: RunStore,
    choice: ExecutorChoice,
    status: str,
    records: dict[tuple[str, int], dict[str, Any]],
    started: datetime,
    wall: float | None,
) -> dict[str, Any]:
    runs = []
    for spec in experiment.specs():
        rec = records.get((spec.scenario.name, spec.replication))
        row: dict[str, Any] = {
            "scenario": spec.scenario.name,
            "replication": spec.replication,
            "seed": spec.seed_record(),
            "file": store.relative(spec, "rep"),
        }
        if store.ledgers:
            row["ledger"] = store.relative(spec, "ledger")
        if spec.scenario.shocks:
            row["shocks"] = store.relative(spec, "shocks")
        if rec is None:
            row["status"] = "pending"
        elif "error" in rec:
            row.update(status="failed", error=rec["error"], failure=store.relative(spec, "failed"))
        else:
            row.update(
                status="done",
                reused=rec.get("reused", False),
                init_seconds=rec.get("init_seconds"),
                run_seconds=rec.get("run_seconds"),
                host=rec.get("host"),
                pid=rec.get("pid"),
            )
        runs.append(row)
    return {
        "kind": experiment.kind,
        "status": status,
        "scenarios": [
            {
                "name": sc.name,
                "file": f,
                "scenario_hash": scenario_hash(sc),
                "scenario": sc.model_dump(mode="json"),
            }
            for sc, f in zip(experiment.scenarios, experiment.files, strict=True)
        ],
        "seed": experiment.seed,
        "replications": experiment.replications,
        "weeks": experiment.weeks,
        "common_random_numbers": True,
        "executor": choice.describe(),
        "runs": runs,
        "failures": sum(r["status"] == "failed" for r in runs),
        "timing": {
            "started": started.isoformat(),
            "finished": datetime.now(UTC).isoformat() if wall is not None else None,
            "wall_seconds": round(wall, 3) if wall is not None else None,
        },
        "provenance": provenance(),
    }


def execute(
    experiment: Experiment,
    out_dir: str | Path,
    *,
    choice: ExecutorChoice | None = None,
    progress: bool = True,
    resume: bool = True,
) -> ExperimentRun:
    """Run what the folder does not hold yet; keep going past failed runs."""
    out_dir = Path(out_dir)
    check_out_dir(out_dir)
    choice = choice or ExecutorChoice()
    specs = experiment.specs()
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    # the executor first: a cluster that cannot be reached fails before anything is written
    with (
        open_executor(choice) as executor,
        RunStore(out_dir, ledgers=experiment.keep_ledgers) as store,
    ):
        done = [s for s in specs if store.finished(s)] if resume else []
        done_ids = {id(s) for s in done}
        todo = [s for s in specs if id(s) not in done_ids]
        records: dict[tuple[str, int], dict[str, Any]] = {}
        for s in done:
            records[(s.scenario.name, s.replication)] = {**(store.record(s) or {}), "reused": True}
        write_json(
            _manifest(experiment, store, choice, "running", records, started, None),
            out_dir / "manifest.json",
        )
        failures: list[RunFailure] = []
        fresh: dict[tuple[str, int], RunResult] = {}
        name = experiment.scenarios[0].name if len(experiment.scenarios) == 1 else "runs"
        bar = Progress(len(specs), len(done), name, progress)
        try:
            for outcome in iter_runs(todo, executor=executor, on_done=bar.update):
                key = (outcome.spec.scenario.name, outcome.spec.replication)
                if isinstance(outcome, RunResult):
                    records[key] = store.save(outcome)
                    fresh[key] = outcome
                else:
                    records[key] = store.save_failure(outcome)
                    failures.append(outcome)
        finally:
            bar.close()
        store.remove_unplanned(specs)
        results: dict[str, list[RunResult]] = {sc.name: [] for sc in experiment.scenarios}
        for s in specs:
            key = (s.scenario.name, s.replication)
            if key in fresh:
                results[s.scenario.name].append(fresh[key])
            elif id(s) in done_ids:
                results[s.scenario.name].append(store.load(s))
        wall = time.perf_counter() - t0
        status = "complete" if not failures else "incomplete"
        manifest = _manifest(experiment, store, choice, status, records, started, wall)
    return ExperimentRun(experiment, out_dir, results, failures, len(done), wall, manifest)
