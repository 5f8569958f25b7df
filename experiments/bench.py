"""The benchmark: kizuna's baseline town against Mesa's bundled Schelling example.

Both run in the same process, one after the other, so the ratio is fair to the
machine of the day. Speed is resident-steps (or agent-steps) per second of stepping;
building the town (population synthesis and the warm-up) is timed and shown apart.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from model import KizunaModel

SCHELLING = {"width": 100, "height": 100, "density": 0.8, "homophily": 0.75}
REFERENCE_SIZE = 10_000


@dataclass
class BenchResult:
    name: str
    agents: int
    steps: int
    init_seconds: float
    step_seconds: float

    @property
    def agent_steps_per_second(self) -> float:
        return (
            self.agents * self.steps / self.step_seconds if self.step_seconds > 0 else float("inf")
        )


def bench_kizuna(
    population: int, weeks: int = 52, seed: int = 1, region: str = "suburban"
) -> BenchResult:
    t0 = time.perf_counter()
    model = KizunaModel(region, population, rng=seed)
    t1 = time.perf_counter()
    resident_weeks = 0
    for _ in range(weeks):
        resident_weeks += model.population_size
        model.step()
    t2 = time.perf_counter()
    mean_pop = round(resident_weeks / max(weeks, 1))
    return BenchResult(f"kizuna {region} {population:,}", mean_pop, weeks, t1 - t0, t2 - t1)


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


def best_of(repeat: int, run: Callable[[], BenchResult]) -> BenchResult:
    """The fastest of ``repeat`` runs: timing noise on a shared machine only ever adds
    time, so the minimum is the best estimate of the code's own speed."""
    return min((run() for _ in range(max(1, repeat))), key=lambda r: r.step_seconds)


def run_benchmark(
    sizes: tuple[int, ...] = (2_000, 10_000, 100_000),
    weeks: int = 52,
    schelling_steps: int = 100,
    echo: Callable[[str], None] = print,
    repeat: int = 2,
) -> dict[str, float]:
    """Time every size and Schelling (best of ``repeat`` runs each, one run for towns
    above 20,000); print a table; return the headline figures."""
    # compile the model's kernels before timing (numba caches them after the first run)
    KizunaModel("suburban", 200, rng=0, warmup_weeks=2).step()
    header = (
        f"{'model':<28}{'agents':>10}{'steps':>7}{'init s':>9}{'step s':>9}{'agent-steps/s':>16}"
    )
    echo(header)
    echo("-" * len(header))

    def show(r: BenchResult) -> None:
        echo(
            f"{r.name:<28}{r.agents:>10,}{r.steps:>7}{r.init_seconds:>9.2f}"
            f"{r.step_seconds:>9.2f}{r.agent_steps_per_second:>16,.0f}"
        )

    results = {}
    for size in sizes:
        results[size] = best_of(
            repeat if size <= 20_000 else 1, lambda size=size: bench_kizuna(size, weeks)
        )
        show(results[size])
    schelling = best_of(repeat, lambda: bench_schelling(schelling_steps))
    show(schelling)
    ref = min(results, key=lambda s: abs(s - REFERENCE_SIZE))
    ratio = results[ref].agent_steps_per_second / schelling.agent_steps_per_second
    echo(
        f"(agent-steps per second while stepping, best of {repeat} runs for towns up to "
        "20,000 and Schelling; init = synthesis and the 52-week warm-up)"
    )
    echo(f"ratio to Mesa Schelling: {ratio:.1f}")
    return {
        "ratio": ratio,
        "schelling_agent_steps_per_second": schelling.agent_steps_per_second,
        **{
            f"kizuna_{s}_resident_steps_per_second": r.agent_steps_per_second
            for s, r in results.items()
        },
    }
