"""The benchmark runs end to end at toy sizes: every measurement, the goals table and the
ratio line (speed itself is measured by `make bench`, not asserted here)."""

from __future__ import annotations

import re

from experiments.bench import (
    BenchResult,
    Goal,
    MemoryTrace,
    everything_on,
    interleaved,
    run_benchmark,
)
from experiments.cli import main


def test_benchmark_prints_every_measurement_and_the_goals():
    lines: list[str] = []
    figures = run_benchmark(
        sizes=(300, 600), weeks=3, schelling_steps=2, echo=lines.append, repeat=1,
        city=900, city_weeks=4, sweep_sample=2, workers=2, long_years=2, long_population=300,
    )  # fmt: skip
    text = "\n".join(lines)
    assert re.match(r"Machine: \d+ cores .*; Python 3\.12\.\d+ \(with(out)? profile", lines[0])
    assert any(line.startswith("kizuna 300") for line in lines)
    assert any(line.startswith("Mesa Schelling") for line in lines)
    assert "City: 900 residents for 4 weeks" in text
    assert "Sweep core_sweep.yaml: 2 runs" in text and "all 2,816 runs" in text
    assert "Long run: the baseline, 300 residents for 2 years" in text
    goals = lines[lines.index("Goals") + 1 : -1]
    assert len(goals) == figures["goals"] == 7
    assert all(g.endswith(("met", "MISSED")) for g in goals)
    assert re.fullmatch(r"ratio to Mesa Schelling: \d+\.\d", lines[-1])
    assert figures["ratio"] > 0 and figures["city_peak_gb"] > 0
    assert 0 < figures["sweep_projected_hours"] < 100


def test_the_everything_on_town_runs_every_path_from_week_0_and_strikes_mid_run():
    scenario = everything_on(500, 20)
    assert len(scenario.interventions) == 27
    assert all(iv.start == 0 for iv in scenario.interventions)
    assert [(s.kind, s.week) for s in scenario.shocks] == [("earthquake", 10)]
    assert scenario.region.population == 500 and scenario.weeks == 20


def test_goals_compare_in_the_right_direction():
    assert Goal("speed", 2.0, 1.0, True).met and not Goal("speed", 0.5, 1.0, True).met
    assert Goal("time", 0.5, 1.0, False).met and not Goal("time", 1.0, 1.0, False).met
    assert Goal("time", 3.0, 1.0, False).line().endswith("MISSED")


def test_memory_growth_is_the_slope_after_the_town_settles():
    trace = MemoryTrace(10, 100, 1.0, rss_mb=[100, 140, 150, 150, 151, 150, 152, 153, 154, 155])
    assert abs(trace.growth_mb_per_year(settle=5) - 1.2) < 1e-9  # 150 -> 155 over years 6-10
    assert abs(trace.growth_mb_per_year(settle=0) - 4.1) < 0.5  # the settling counts too


def test_bench_options_are_checked(capsys):
    assert main(["bench", "--sweep", "nowhere.yaml"]) == 2
    assert "--sweep" in capsys.readouterr().err
    assert main(["bench", "--long-years", "-1"]) == 2


def test_throughput_runs_take_turns_and_keep_each_ones_fastest():
    """kizuna and Schelling run in alternating rounds, so a slow minute of the machine
    cannot fall on one of them only; each keeps its fastest round."""
    calls: list[str] = []
    times = {"kizuna": iter([3.0, 1.0, 2.0]), "schelling": iter([5.0, 6.0, 4.0])}

    def run(name: str):
        def go() -> BenchResult:
            calls.append(name)
            return BenchResult(name, 10, 10, 0.0, next(times[name]))

        return go

    best = interleaved(3, {"kizuna": run("kizuna"), "schelling": run("schelling")})
    assert calls == ["kizuna", "schelling"] * 3
    assert best["kizuna"].step_seconds == 1.0 and best["schelling"].step_seconds == 4.0
