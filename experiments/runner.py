"""Running (scenario, replication) pairs on any ``concurrent.futures`` executor.

Seeds come from ``numpy.random.SeedSequence(seed).spawn(replications)``; each run rebuilds
its generator from the recorded (entropy, spawn_key), so results are identical whichever
executor runs them and however many workers it has. A run that raises comes back as a
``RunFailure`` (with its traceback) instead of stopping the others.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, as_completed
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from experiments.scenario import Scenario

# Fields that cannot change a run's numbers: a run stays valid when they change.
_NOT_IDENTITY = ("replications", "description")


def scenario_hash(scenario: Scenario) -> str:
    """Hash of the whole resolved scenario, for the manifest."""
    canonical = json.dumps(scenario.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def run_identity(scenario: Scenario) -> str:
    """Hash of what decides a replication's numbers (everything but the number of
    replications and the description), so more replications reuse the finished ones."""
    data = {k: v for k, v in scenario.model_dump(mode="json").items() if k not in _NOT_IDENTITY}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def scenario_key(name: str) -> str:
    """A scenario's folder name in a store: its name with anything unsafe replaced."""
    key = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "scenario"
    return key[:80]


@dataclass(frozen=True)
class RunSpec:
    """One replication of one scenario, with everything needed to reproduce it."""

    scenario: Scenario
    replication: int
    entropy: int
    spawn_key: tuple[int, ...]
    weeks: int

    @property
    def key(self) -> str:
        return scenario_key(self.scenario.name)

    @property
    def label(self) -> str:
        return f"{self.scenario.name} #{self.replication}"

    def rng(self) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence(self.entropy, spawn_key=self.spawn_key))

    def seed_record(self) -> dict[str, object]:
        return {"entropy": self.entropy, "spawn_key": list(self.spawn_key)}


@dataclass
class RunResult:
    spec: RunSpec
    table: pd.DataFrame  # weekly outcomes
    ledger: pd.DataFrame  # every transfer of money (week, source, destination, channel, yen)
    disasters: pd.DataFrame  # one row per shock: acute phase and recovery (empty without)
    init_seconds: float
    run_seconds: float
    host: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)  # the worker process that ran it
    reused: bool = False  # read back from the store rather than run now


@dataclass
class RunFailure:
    spec: RunSpec
    error: str  # "ExceptionType: message"
    traceback: str
    host: str = field(default_factory=socket.gethostname)

    @classmethod
    def of(cls, spec: RunSpec, exc: BaseException, trace: str = "") -> RunFailure:
        return cls(spec, f"{type(exc).__name__}: {exc}", trace)


def plan_runs(scenario: Scenario, seed: int | None = None) -> list[RunSpec]:
    """The scenario's replications, seeded from ``seed`` (default: the scenario's).

    Every scenario planned with the same seed gets the same child seeds: replication i
    of each scenario starts from the same generator (common random numbers)."""
    root = np.random.SeedSequence(scenario.seed if seed is None else seed)
    return [
        RunSpec(scenario, i, int(child.entropy), tuple(child.spawn_key), scenario.weeks)
        for i, child in enumerate(root.spawn(scenario.replications))
    ]


def run_one(spec: RunSpec) -> RunResult:
    """Build the town, run it for the horizon and return its weekly outcomes."""
    t0 = time.perf_counter()
    model = spec.scenario.build_model(spec.rng())
    t1 = time.perf_counter()
    for _ in range(spec.weeks):
        model.step()
    t2 = time.perf_counter()
    table = model.outcomes()
    table.insert(0, "replication", spec.replication)
    table.insert(1, "scenario", spec.scenario.name)
    flows = model.ledger.flows()
    flows.insert(0, "replication", spec.replication)
    disasters = model.disaster_table()
    disasters.insert(0, "replication", spec.replication)
    return RunResult(spec, table, flows, disasters, t1 - t0, t2 - t1)


def run_safely(spec: RunSpec) -> RunResult | RunFailure:
    """``run_one``, with an error returned as a record (traceback included) so one
    failing run does not stop the others, on any executor."""
    try:
        return run_one(spec)
    except Exception as exc:
        return RunFailure.of(spec, exc, traceback.format_exc())


def default_workers(n_runs: int) -> int:
    return max(1, min(n_runs, os.cpu_count() or 1))


class Progress:
    """A terminal bar: runs done (finished earlier ones included), failures, time left."""

    def __init__(self, total: int, done: int, description: str, enabled: bool) -> None:
        self.failed = 0
        self.bar = tqdm(
            total=total,
            initial=done,
            unit="run",
            desc=description,
            disable=None if enabled else True,
            bar_format="{desc}: {n_fmt}/{total_fmt} runs |{bar}| {postfix} [{elapsed}<{remaining}]",
        )
        self.bar.set_postfix_str("0 failed", refresh=False)

    def update(self, outcome: RunResult | RunFailure) -> None:
        if isinstance(outcome, RunFailure):
            self.failed += 1
            self.bar.set_postfix_str(f"{self.failed} failed", refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


def iter_runs(
    specs: list[RunSpec],
    *,
    executor: Executor | None = None,
    on_done: Callable[[RunResult | RunFailure], None] | None = None,
    task: Callable[[RunSpec], Any] = run_safely,
) -> Iterator[RunResult | RunFailure]:
    """Yield each run's result or failure as it finishes (in completion order).

    ``executor`` may be any ``concurrent.futures.Executor`` (a process pool, a Dask
    client's ``get_executor()``); without one, runs go one after another in this process.
    A run lost with its worker (a crashed process, a lost Dask worker) is a failure too.
    ``task`` is what runs each spec (a module-level function, so it pickles); it must
    return a ``RunFailure`` rather than raise, as ``run_safely`` does.
    """
    if executor is None:
        for spec in specs:
            outcome = task(spec)
            if on_done is not None:
                on_done(outcome)
            yield outcome
        return
    futures: dict[Future[RunResult | RunFailure], RunSpec] = {
        executor.submit(task, s): s for s in specs
    }
    try:
        for fut in as_completed(futures):
            try:
                outcome = fut.result()
            except Exception as exc:  # the worker itself died
                outcome = RunFailure.of(futures[fut], exc)
            if on_done is not None:
                on_done(outcome)
            yield outcome
    finally:
        for fut in futures:
            fut.cancel()


def run_all(specs: list[RunSpec], *, workers: int = 1) -> list[RunResult]:
    """Every run's result in the order of ``specs`` (for scripts and notebooks that want
    results in memory, not a folder); a failed run raises with its traceback."""
    from experiments.executors import ExecutorChoice, open_executor

    def key(s: RunSpec) -> tuple:  # results come back as copies from other processes
        return (s.scenario.name, s.replication, s.entropy, s.spawn_key, s.weeks)

    with open_executor(ExecutorChoice(workers=workers)) as executor:
        done = {key(o.spec): o for o in iter_runs(specs, executor=executor)}
    for spec in specs:
        outcome = done[key(spec)]
        if isinstance(outcome, RunFailure):
            raise RuntimeError(f"{spec.label} failed: {outcome.error}\n{outcome.traceback}")
    return [done[key(s)] for s in specs]  # type: ignore[misc]
