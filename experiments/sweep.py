"""`kizuna sweep`: sample the inputs with SALib, run every point through the experiment
engine (same store, resume and executors as `kizuna compare`), then analyse.

Layout of ``DIR``:
    samples.csv       one row per sample point: the inputs in model units
    outputs.csv       one row per point and replication: the final-year outcomes
    indices.csv       outcome, input, index (S1/ST or mu_star/sigma/mu), value, 95% interval
    noise.csv         per outcome: the share of variance that is seed noise
    convergence.csv   the indices on growing shares of the sample
    problem.json      the SALib problem
    figures/          indices.png, convergence.png, morris.png (Morris)
    runs/, manifest.json   the engine's store (kizuna model only)
Replication r of every point uses the same seed (common random numbers), so differences
between points are the inputs' doing rather than luck.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from SALib import ProblemSpec

from experiments.executors import ExecutorChoice
from experiments.experiment import Experiment, check_out_dir, execute
from experiments.paired import final_values
from experiments.provenance import provenance
from experiments.run_store import RunStore
from experiments.runner import run_one
from experiments.scenario import Scenario
from experiments.sensitivity import analyse, convergence, noise_share
from experiments.store import write_csv, write_json
from experiments.sweep_figures import write_sweep_figures
from experiments.sweep_file import SweepFile, point_scenario
from experiments.test_functions import evaluate


@dataclass
class SweepPlan:
    sweep: SweepFile
    source: str
    base: Scenario | None
    problem: dict
    X: np.ndarray  # points x inputs, model units

    @property
    def points(self) -> int:
        return len(self.X)

    @property
    def runs(self) -> int:
        return self.points * self.sweep.replications


def make_problem(sweep: SweepFile) -> dict:
    problem: dict = {
        "num_vars": len(sweep.parameters),
        "names": sweep.columns,
        "bounds": [list(p.bounds) for p in sweep.parameters],
        "dists": [p.dist for p in sweep.parameters],
    }
    if sweep.parameters[0].group is not None:
        problem["groups"] = [p.group for p in sweep.parameters]
    return problem


def plan_sweep(sweep: SweepFile, base: Scenario | None, source: str) -> SweepPlan:
    """SALib's sample for the method (Sobol' without second order, Morris trajectories on
    ``levels`` levels, eFAST with M=4), seeded from the sweep's seed."""
    problem = make_problem(sweep)
    sp = ProblemSpec(dict(problem))
    if sweep.method == "sobol":
        sp.sample_sobol(sweep.samples, calc_second_order=False, seed=sweep.seed)
    elif sweep.method == "morris":
        sp.sample_morris(sweep.samples, num_levels=sweep.levels, seed=sweep.seed)
    else:
        sp.sample_fast(sweep.samples, M=4, seed=sweep.seed)
    return SweepPlan(sweep, source, base, problem, np.asarray(sp.samples, dtype=float))


def duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


@dataclass
class SweepResult:
    plan: SweepPlan
    out_dir: Path
    outputs: pd.DataFrame
    indices: pd.DataFrame
    noise: pd.DataFrame
    failures: int
    wall_seconds: float


def _model_outputs(
    plan: SweepPlan,
    out_dir: Path,
    choice: ExecutorChoice,
    progress: bool,
    resume: bool,
    say: Callable[[str], None],
) -> tuple[pd.DataFrame, int, dict]:
    sweep, base = plan.sweep, plan.base
    assert base is not None
    scenarios = [point_scenario(base, sweep, i, list(row)) for i, row in enumerate(plan.X)]
    experiment = Experiment(scenarios, [plan.source] * len(scenarios), "sweep", keep_ledgers=False)
    specs = experiment.specs()
    workers = 1 if choice.scheduler else max(1, choice.workers)
    with RunStore(out_dir, ledgers=False) as store:
        finished = [s for s in specs if store.finished(s)] if resume else []
        if finished:
            times = [
                (r.get("init_seconds", 0) + r.get("run_seconds", 0))
                for r in (store.record(s) or {} for s in finished[:50])
            ]
            per_run = float(np.mean(times))
            how = f"{len(finished)} already done; their mean"
        else:  # a short timing run: the first real run, kept for the sweep
            t0 = time.perf_counter()
            store.save(run_one(specs[0]))
            per_run = time.perf_counter() - t0
            finished = [specs[0]]
            how = "a timing run"
    left = len(specs) - len(finished)
    where = f"on {workers} local worker(s)" if not choice.scheduler else "on one Dask worker"
    say(
        f"sweep {sweep.name}: {sweep.method} over {len(sweep.parameters)} inputs, "
        f"N={sweep.samples}: {plan.points:,} points x {sweep.replications} replications = "
        f"{len(specs):,} runs; one run takes {per_run:.2f} s ({how}), so about "
        f"{duration(per_run * left / workers)} {where} for the {left:,} left"
    )
    run = execute(experiment, out_dir, choice=choice, progress=progress, resume=True)
    rows = []
    for i, sc in enumerate(scenarios):
        values = final_values(run.results[sc.name])
        for rep, row in values.iterrows():
            rows.append({"point": i, "replication": int(rep), **row[sweep.outcomes].to_dict()})
    outputs = pd.DataFrame(rows, columns=["point", "replication", *sweep.outcomes])
    return outputs, len(run.failures), run.manifest


def run_sweep(
    plan: SweepPlan,
    out_dir: str | Path,
    *,
    choice: ExecutorChoice | None = None,
    progress: bool = True,
    resume: bool = True,
    say: Callable[[str], None] = print,
) -> SweepResult:
    out_dir = Path(out_dir)
    check_out_dir(out_dir)
    choice = choice or ExecutorChoice()
    sweep = plan.sweep
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    if sweep.model == "kizuna":
        outputs, failures, manifest = _model_outputs(plan, out_dir, choice, progress, resume, say)
    else:
        say(
            f"sweep {sweep.name}: {sweep.method} on the {sweep.model} function, "
            f"{plan.points:,} points x {sweep.replications} replications"
        )
        outputs, failures = evaluate(sweep, plan.X), 0
        manifest = {"kind": "sweep", "status": "complete", "provenance": provenance()}
    samples = pd.DataFrame(plan.X, columns=sweep.columns)
    samples.insert(0, "point", np.arange(plan.points))
    write_csv(samples, out_dir / "samples.csv")
    write_csv(outputs, out_dir / "outputs.csv")
    write_json(plan.problem, out_dir / "problem.json")
    indices, noise, conv = analyse_outputs(plan, outputs)
    write_csv(indices, out_dir / "indices.csv")
    write_csv(noise, out_dir / "noise.csv")
    write_csv(conv, out_dir / "convergence.csv")
    write_sweep_figures(sweep.method, indices, conv, noise, out_dir / "figures")
    wall = time.perf_counter() - t0
    manifest["sweep"] = {
        "file": plan.source,
        "definition": sweep.model_dump(mode="json"),
        "problem": plan.problem,
        "points": plan.points,
        "runs": plan.runs,
        "started": started.isoformat(),
        "wall_seconds": round(wall, 3),
    }
    write_json(manifest, out_dir / "manifest.json")
    return SweepResult(plan, out_dir, outputs, indices, noise, failures, wall)


def analyse_outputs(
    plan: SweepPlan, outputs: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Indices (on each point's mean over replications), seed-noise shares, convergence.

    An outcome undefined at some point (NaN) or a point with a failed run cannot be
    analysed: it gets no indices, and noise.csv says why."""
    sweep = plan.sweep
    means = outputs.groupby("point")[sweep.outcomes].mean().reindex(range(plan.points))
    idx, noise, conv = [], [], []
    for k, outcome in enumerate(sweep.outcomes):
        y = means[outcome].to_numpy(float)
        row = noise_share(outputs, outcome) if len(outputs) else {"outcome": outcome}
        missing = int(np.isnan(y).sum())
        row["points_without_value"] = missing
        noise.append(row)
        if missing or np.nanstd(y) == 0:
            continue
        seed = sweep.seed + k
        kwargs = {"seed": seed, "num_resamples": sweep.bootstrap, "levels": sweep.levels}
        table = analyse(sweep.method, plan.problem, plan.X, y, **kwargs)
        table.insert(0, "outcome", outcome)
        idx.append(table)
        c = convergence(sweep.method, plan.problem, plan.X, y, **kwargs)
        c.insert(0, "outcome", outcome)
        conv.append(c)
    columns = ["outcome", "input", "index", "value", "conf", "lo", "hi"]
    indices = pd.concat(idx, ignore_index=True) if idx else pd.DataFrame(columns=columns)
    indices.insert(1, "method", sweep.method)
    convergence_table = (
        pd.concat(conv, ignore_index=True)
        if conv
        else pd.DataFrame(columns=["outcome", *columns[1:]])
    )
    return indices, pd.DataFrame(noise), convergence_table


def load_problem(out_dir: str | Path) -> dict:
    return json.loads((Path(out_dir) / "problem.json").read_text(encoding="utf-8"))
