"""The benchmark: kizuna at town and city scale against Mesa's bundled Schelling example.

Every measurement runs on this machine in one go, so the figures are comparable:

- throughput: a town with every part of the model active (the report's whole 2020 plan,
  all 27 paths switched on from the first week, and an earthquake half way through),
  in resident-steps per second of stepping (synthesis and warm-up are timed apart);
- Mesa's Schelling example in the same process, in agent-steps per second;
- the city: 100,000 residents for 260 weeks, wall time (building included) and peak
  memory, in a fresh process so the peak is the run's own;
- scaling: time per resident-step in the city over that in the 10,000-resident town;
- the core Sobol' sweep: a sample of its runs on a local process pool, projected to all;
- a 50-year baseline run in a fresh process, its memory read every year: what it holds
  should stop growing once the town has settled, apart from the results it records.
"""

from __future__ import annotations

import multiprocessing as mp
import resource
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parent.parent
FULL_PLAN = ROOT / "scenarios" / "full_plan_2020.yaml"
BASELINE = ROOT / "scenarios" / "baseline.yaml"
CORE_SWEEP = Path(__file__).resolve().parent / "core_sweep.yaml"
SCHELLING = {"width": 100, "height": 100, "density": 0.8, "homophily": 0.75}
REFERENCE_SIZE = 10_000
MB = 1024 * 1024


@dataclass
class BenchResult:
    name: str
    agents: int
    steps: int
    init_seconds: float
    step_seconds: float
    peak_mb: float = 0.0

    @property
    def agent_steps_per_second(self) -> float:
        return (
            self.agents * self.steps / self.step_seconds if self.step_seconds > 0 else float("inf")
        )

    @property
    def wall_seconds(self) -> float:
        return self.init_seconds + self.step_seconds


def everything_on(population: int, weeks: int):
    """The full 2020 plan with every path running from week 0 and an earthquake in the
    middle of the timed weeks: every mechanism of the model does its work."""
    from experiments.scenario import Scenario, load_scenario

    data = load_scenario(FULL_PLAN).model_dump()
    data["name"] = "bench_everything"
    data["region"]["population"] = population
    data["interventions"] = [{**iv, "start": 0} for iv in data["interventions"]]
    data["shocks"] = [{"kind": "earthquake", "week": max(1, weeks // 2), "epicentre": [0.5, 0.5]}]
    data["horizon"] = {"weeks": weeks}
    return Scenario.model_validate(data)


def bench_kizuna(population: int, weeks: int = 52, seed: int = 1) -> BenchResult:
    """Build the everything-on town, then step it ``weeks`` times."""
    scenario = everything_on(population, weeks)
    t0 = time.perf_counter()
    model = scenario.build_model(seed)
    t1 = time.perf_counter()
    resident_weeks = 0
    for _ in range(weeks):
        resident_weeks += model.population_size
        model.step()
    t2 = time.perf_counter()
    mean_pop = round(resident_weeks / max(weeks, 1))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return BenchResult(f"kizuna {population:,}", mean_pop, weeks, t1 - t0, t2 - t1, peak)


def bench_schelling(steps: int = 100, seed: int = 42) -> BenchResult:
    """Mesa's own Schelling example (100x100, density 0.8, homophily 0.75)."""
    from mesa.examples.basic.schelling.model import Schelling, SchellingScenario

    t0 = time.perf_counter()
    model = Schelling(SchellingScenario(**SCHELLING, rng=seed))
    t1 = time.perf_counter()
    for _ in range(steps):  # a fixed number of steps, whether or not all are happy
        model.step()
    t2 = time.perf_counter()
    return BenchResult("Mesa Schelling 100x100", len(model.agents), steps, t1 - t0, t2 - t1)


def fastest(runs: Iterable[BenchResult]) -> BenchResult:
    """The fastest of several runs: timing noise on a shared machine only ever adds
    time, so the minimum is the best estimate of the code's own speed."""
    return min(runs, key=lambda r: r.step_seconds)


def interleaved(repeat: int, runs: dict[str, Callable[[], BenchResult]]) -> dict[str, BenchResult]:
    """The fastest of ``repeat`` rounds of every run, taken in turn: this machine's speed
    drifts from one minute to the next, and taking kizuna and Schelling in the same
    rounds keeps a slow minute from falling on one of them only (and skewing the ratio)."""
    rounds = [{name: run() for name, run in runs.items()} for _ in range(max(1, repeat))]
    return {name: fastest(r[name] for r in rounds) for name in runs}


def _fresh_process():
    """A one-worker pool started from nothing, so its peak memory is the run's own."""
    return ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn"))


def bench_city(population: int, weeks: int, seed: int = 1) -> BenchResult:
    """The everything-on town in a fresh process: wall time and peak resident memory."""
    with _fresh_process() as pool:
        return pool.submit(bench_kizuna, population, weeks, seed).result()


@dataclass
class MemoryTrace:
    years: int
    population: int
    seconds: float
    rss_mb: list[float] = field(default_factory=list)  # after each year
    results_mb: float = 0.0  # the weekly outcomes and ledger the run recorded, as tables

    def growth_mb_per_year(self, settle: int = 5) -> float:
        """The slope of resident memory over the years after ``settle``."""
        ys = np.arange(1, self.years + 1)[settle:]
        if len(ys) < 2:
            return 0.0
        return float(np.polyfit(ys, np.asarray(self.rss_mb[settle:]), 1)[0])


def _long_run(years: int, population: int, seed: int) -> MemoryTrace:
    from experiments.scenario import load_scenario

    scenario = load_scenario(BASELINE)
    data = scenario.model_dump()
    data["region"]["population"] = population
    model = type(scenario).model_validate(data).build_model(seed)
    me = psutil.Process()
    trace = MemoryTrace(years, population, 0.0)
    t0 = time.perf_counter()
    for _ in range(years):
        for _ in range(52):
            model.step()
        trace.rss_mb.append(me.memory_info().rss / MB)
    trace.seconds = time.perf_counter() - t0
    tables = (model.outcomes(), model.ledger.flows())
    trace.results_mb = sum(t.memory_usage(deep=True).sum() for t in tables) / MB
    return trace


def long_run(years: int, population: int, seed: int = 1) -> MemoryTrace:
    """The baseline for ``years`` years in a fresh process, its memory after each year."""
    with _fresh_process() as pool:
        return pool.submit(_long_run, years, population, seed).result()


@dataclass
class SweepProjection:
    runs: int
    sample: int
    workers: int
    sample_seconds: float

    @property
    def projected_seconds(self) -> float:
        return self.sample_seconds / max(1, self.sample) * self.runs


def project_sweep(path: Path = CORE_SWEEP, sample: int = 8, workers: int = 2) -> SweepProjection:
    """Time ``sample`` runs spread evenly over the sweep's design on ``workers`` local
    processes (the pool warmed up first, as it is for most of a long sweep) and scale
    to the sweep's number of runs."""
    from experiments.executors import process_pool
    from experiments.experiment import Experiment
    from experiments.runner import run_one
    from experiments.sweep import plan_sweep
    from experiments.sweep_file import load_sweep, point_scenario

    sweep, base = load_sweep(path)
    assert base is not None, "the benchmark projects a sweep of the kizuna model"
    plan = plan_sweep(sweep, base, str(path))
    picks = np.linspace(0, plan.points - 1, num=min(sample, plan.points)).round().astype(int)
    scenarios = [point_scenario(base, sweep, int(i), list(plan.X[i])) for i in picks]
    specs = Experiment(scenarios, [str(path)] * len(scenarios), "sweep").specs()
    specs = specs[:: sweep.replications][: len(picks)]  # one replication of each point
    with process_pool(workers) as pool:
        for warm in [pool.submit(_warm) for _ in range(workers)]:
            warm.result()
        t0 = time.perf_counter()
        for fut in [pool.submit(run_one, s) for s in specs]:
            fut.result()
        seconds = time.perf_counter() - t0
    return SweepProjection(plan.runs, len(specs), workers, seconds)


def platform_line() -> str:
    """What the figures were measured on: the same code runs at very different speeds on
    other cores or another build of Python (a build without profile-guided optimisation
    runs the model's per-week Python glue markedly slower)."""
    import platform
    import sysconfig

    import mesa
    import numba

    config = str(sysconfig.get_config_var("CONFIG_ARGS") or "")
    pgo = "--enable-optimizations" in config or "-fprofile-use" in str(
        sysconfig.get_config_var("PY_CFLAGS_NODIST") or ""
    )
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            names = [ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    return (
        f"Machine: {psutil.cpu_count()} cores ({cpu}); Python {platform.python_version()} "
        f"({'with' if pgo else 'without'} profile-guided optimisation), NumPy {np.__version__}, "
        f"numba {numba.__version__}, Mesa {mesa.__version__}"
    )


def _warm() -> None:
    """Load every compiled kernel (numba's cache) before timing: a small everything-on
    town through its earthquake (a sweep's worker pays this once)."""
    bench_kizuna(300, 4)


@dataclass
class Goal:
    what: str
    measured: float
    limit: float
    at_least: bool  # True: measured >= limit is met; False: measured < limit
    fmt: str = "{:,.0f}"

    @property
    def met(self) -> bool:
        return self.measured >= self.limit if self.at_least else self.measured < self.limit

    def line(self) -> str:
        sign = ">=" if self.at_least else "<"
        goal = f"{sign} {self.fmt.format(self.limit)}"
        return (
            f"{self.what:<52}{self.fmt.format(self.measured):>12}  {goal:<14}"
            f"{'met' if self.met else 'MISSED'}"
        )


def run_benchmark(
    sizes: tuple[int, ...] = (2_000, 10_000),
    weeks: int = 52,
    schelling_steps: int = 100,
    echo: Callable[[str], None] = print,
    repeat: int = 3,
    city: int = 100_000,
    city_weeks: int = 260,
    sweep: Path | None = CORE_SWEEP,
    sweep_sample: int = 8,
    workers: int = 2,
    long_years: int = 50,
    long_population: int = 10_000,
) -> dict[str, float]:
    """Run every measurement, print a table of each and the goals; return the figures."""
    _warm()  # compile (or load) the kernels before timing
    header = (
        f"{'model':<28}{'agents':>10}{'steps':>7}{'init s':>9}{'step s':>9}{'agent-steps/s':>16}"
    )
    echo(platform_line())
    echo("")
    echo("Throughput: the full 2020 plan (27 paths from week 0) and an earthquake mid-run")
    echo(header)
    echo("-" * len(header))

    def show(r: BenchResult) -> None:
        echo(
            f"{r.name:<28}{r.agents:>10,}{r.steps:>7}{r.init_seconds:>9.2f}"
            f"{r.step_seconds:>9.2f}{r.agent_steps_per_second:>16,.0f}"
        )

    runs: dict[str, Callable[[], BenchResult]] = {
        str(size): partial(bench_kizuna, size, weeks) for size in sizes
    }
    runs["schelling"] = partial(bench_schelling, schelling_steps)
    best = interleaved(repeat, runs)
    schelling = best.pop("schelling")
    results = {int(size): r for size, r in best.items()}
    for r in results.values():
        show(r)
    show(schelling)
    echo(
        f"(per second of stepping, best of {repeat} rounds taking each in turn; "
        "init = synthesis and the 52-week warm-up)"
    )
    ref = results[min(results, key=lambda s: abs(s - REFERENCE_SIZE))]
    ratio = ref.agent_steps_per_second / schelling.agent_steps_per_second
    figures: dict[str, float] = {
        "ratio": ratio,
        "schelling_agent_steps_per_second": schelling.agent_steps_per_second,
        **{
            f"kizuna_{s}_resident_steps_per_second": r.agent_steps_per_second
            for s, r in results.items()
        },
    }
    goals = [
        Goal(f"{ref.name[7:]} residents, resident-steps/s", ref.agent_steps_per_second, 1e6, True),
        Goal("ratio to Mesa Schelling agent-steps/s", ratio, 10, True, "{:.1f}"),
    ]

    echo("")
    echo(f"City: {city:,} residents for {city_weeks} weeks, everything on, in a fresh process")
    big = bench_city(city, city_weeks)
    scaling = ref.agent_steps_per_second / big.agent_steps_per_second
    echo(
        f"build {big.init_seconds:.1f} s + {city_weeks} weeks {big.step_seconds:.1f} s = "
        f"{big.wall_seconds:.1f} s wall; {big.agent_steps_per_second:,.0f} resident-steps/s; "
        f"peak memory {big.peak_mb / 1024:.2f} GB"
    )
    echo(
        f"time per resident-step: {1e6 / big.agent_steps_per_second:.3f} us at {city:,}, "
        f"{1e6 / ref.agent_steps_per_second:.3f} us at {ref.agents:,} (ratio {scaling:.2f})"
    )
    figures |= {
        "city_wall_seconds": big.wall_seconds,
        "city_peak_gb": big.peak_mb / 1024,
        "city_resident_steps_per_second": big.agent_steps_per_second,
        "scaling": scaling,
    }
    goals += [
        Goal(f"{city:,} x {city_weeks} weeks, wall seconds", big.wall_seconds, 90, False, "{:.1f}"),
        Goal(f"{city:,} x {city_weeks} weeks, peak GB", big.peak_mb / 1024, 3, False, "{:.2f}"),
        Goal(f"time per resident-step, {city:,} / {ref.name[7:]}", scaling, 1.5, False, "{:.2f}"),
    ]

    if sweep is not None:
        echo("")
        proj = project_sweep(sweep, sweep_sample, workers)
        hours = proj.projected_seconds / 3600
        echo(
            f"Sweep {sweep.name}: {proj.sample} runs across the design took "
            f"{proj.sample_seconds:.1f} s on {proj.workers} workers; all {proj.runs:,} runs "
            f"project to {proj.projected_seconds / 60:.0f} min ({hours:.2f} h)"
        )
        figures["sweep_projected_hours"] = hours
        goals.append(
            Goal(f"{sweep.stem} sweep ({proj.runs:,} runs), hours", hours, 2, False, "{:.2f}")
        )

    if long_years > 0:
        echo("")
        trace = long_run(long_years, long_population)
        settle = min(5, long_years - 1)
        slope = trace.growth_mb_per_year(settle)
        kept = trace.results_mb / long_years
        marks = sorted({0, *range(9, long_years, 10), long_years - 1})
        echo(
            f"Long run: the baseline, {long_population:,} residents for {long_years} years in "
            f"{trace.seconds:.0f} s; resident memory after year "
            + ", ".join(f"{i + 1}: {trace.rss_mb[i]:.0f} MB" for i in marks)
        )
        echo(
            f"after year {settle}: memory grows {slope:+.2f} MB/year; the results it records "
            f"(weekly outcomes and every ledger transfer) come to {trace.results_mb:.1f} MB as "
            f"tables, {kept:.2f} MB/year"
        )
        figures |= {"long_growth_mb_per_year": slope, "long_results_mb_per_year": kept}
        goals.append(
            Goal(f"{long_years}-year run, memory growth MB/year", slope, 1.0, False, "{:+.2f}")
        )

    echo("")
    echo("Goals")
    for goal in goals:
        echo(goal.line())
    echo(f"ratio to Mesa Schelling: {ratio:.1f}")
    figures["goals_met"] = sum(g.met for g in goals)
    figures["goals"] = len(goals)
    return figures
