"""The benchmark runs end to end and ends with the ratio line (speed itself is measured
by `make bench`, not asserted here)."""

from __future__ import annotations

import re

from experiments.bench import run_benchmark


def test_benchmark_prints_every_model_and_the_ratio():
    lines: list[str] = []
    figures = run_benchmark(
        sizes=(300, 600), weeks=2, schelling_steps=2, echo=lines.append, repeat=1
    )
    assert any(line.startswith("kizuna suburban 300") for line in lines)
    assert any(line.startswith("Mesa Schelling") for line in lines)
    assert re.fullmatch(r"ratio to Mesa Schelling: \d+\.\d", lines[-1])
    assert figures["ratio"] > 0
