"""Running replications of a scenario on any ``concurrent.futures`` executor.

Seeds come from ``numpy.random.SeedSequence(scenario.seed).spawn(replications)``; each
replication rebuilds its generator from the recorded (entropy, spawn_key), so results
are identical whichever executor runs them and however many workers it has.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass

import numpy as np
import pandas as pd
from tqdm import tqdm

from experiments.scenario import Scenario


@dataclass(frozen=True)
class RunSpec:
    """One replication of one scenario, with everything needed to reproduce it."""

    scenario: Scenario
    replication: int
    entropy: int
    spawn_key: tuple[int, ...]
    weeks: int

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


def plan_runs(scenario: Scenario) -> list[RunSpec]:
    root = np.random.SeedSequence(scenario.seed)
    return [
        RunSpec(scenario, i, int(child.entropy), tuple(child.spawn_key), scenario.weeks)
        for i, child in enumerate(root.spawn(scenario.replications))
    ]


def run_one(spec: RunSpec, on_week: Callable[[], None] | None = None) -> RunResult:
    """Build the town, run it for the horizon and return its weekly outcomes."""
    t0 = time.perf_counter()
    model = spec.scenario.build_model(spec.rng())
    t1 = time.perf_counter()
    for _ in range(spec.weeks):
        model.step()
        if on_week is not None:
            on_week()
    t2 = time.perf_counter()
    table = model.outcomes()
    table.insert(0, "replication", spec.replication)
    table.insert(1, "scenario", spec.scenario.name)
    flows = model.ledger.flows()
    flows.insert(0, "replication", spec.replication)
    disasters = model.disaster_table()
    disasters.insert(0, "replication", spec.replication)
    return RunResult(spec, table, flows, disasters, t1 - t0, t2 - t1)


def default_workers(n_runs: int) -> int:
    return max(1, min(n_runs, os.cpu_count() or 1))


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool whose workers fork from a server that has already imported the model."""
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["model", "experiments.runner"])
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx)


def iter_runs(
    specs: list[RunSpec],
    *,
    workers: int = 1,
    executor: Executor | None = None,
    progress: bool = True,
    description: str = "replications",
) -> Iterator[RunResult]:
    """Yield results as runs finish (in completion order) with a progress bar.

    ``executor`` may be any ``concurrent.futures.Executor`` (a Dask client's
    ``get_executor()`` included); otherwise runs go inline when ``workers`` is 1 and on
    a local process pool when it is more.
    """
    total = sum(s.weeks for s in specs)
    bar = tqdm(total=total, unit="wk", desc=description, disable=None if progress else True)
    try:
        if executor is None and workers <= 1:
            for spec in specs:
                yield run_one(spec, on_week=lambda: bar.update(1))
            return
        own = executor is None
        pool = process_pool(workers) if own else executor
        try:
            futures: dict[Future[RunResult], RunSpec] = {pool.submit(run_one, s): s for s in specs}
            for fut in as_completed(futures):
                result = fut.result()
                bar.update(futures[fut].weeks)
                yield result
        finally:
            if own:
                pool.shutdown(cancel_futures=True)
    finally:
        bar.close()


def run_all(specs: list[RunSpec], **kwargs: object) -> list[RunResult]:
    """All results, ordered by replication."""
    results = list(iter_runs(specs, **kwargs))  # type: ignore[arg-type]
    return sorted(results, key=lambda r: r.spec.replication)
