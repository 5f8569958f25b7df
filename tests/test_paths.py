"""Every one of the report's 27 paths beats the baseline on its own indicator.

Common random numbers: each path runs on the same towns (same seeds) as the baseline,
so the difference comes from the path. Small towns (3,000 residents, with enough
social enterprises for paths 14-15 to have something to act on), 30 weeks: long
enough for the yearly grant round (week 13) and CSR (week 26) to happen. A path
passes when its indicator moves the expected way on average over three seeds and in
at least two of them.
"""

from __future__ import annotations

import numpy as np
import pytest

from model import KizunaModel, get_region
from model.interventions import CATALOGUE
from model.interventions.establishing_ties import Path01Places, Path07VisibleParticipation
from model.outcomes import OUTCOME_BY_NAME

WEEKS = 30
SEEDS = (1, 2, 3)
PROFILE = {"social_enterprises_per_10k": 20.0}
# intensities where 1 is not a strong dose of the path (its own units)
INTENSITY = {1: 10.0, 3: 10.0, 4: 5.0, 5: 0.2, 12: 5.0}


def run(seed: int, interventions=()) -> object:
    region = get_region("suburban").with_overrides(**PROFILE)
    model = KizunaModel(region, 3000, rng=seed, warmup_weeks=26, interventions=list(interventions))
    for _ in range(WEEKS):
        model.step()
    return model.outcomes()


def figure(table, name: str) -> float:
    """A flow is summed over the run; a stock is its mean over the last four weeks."""
    if OUTCOME_BY_NAME[name].kind == "flow":
        return float(table[name].iloc[1:].sum())
    return float(table[name].iloc[-4:].mean())


@pytest.fixture(scope="module")
def baseline() -> dict[int, object]:
    return {seed: run(seed) for seed in SEEDS}


@pytest.mark.parametrize("path", CATALOGUE, ids=lambda p: f"{p.number:02d}-{p.indicator}")
def test_path_moves_its_indicator(path, baseline):
    intensity = INTENSITY.get(path.number, min(path.max_intensity, 1.0))
    gains = []
    for seed in SEEDS:
        with_path = run(seed, [path(intensity=intensity, start=1)])
        change = figure(with_path, path.indicator) - figure(baseline[seed], path.indicator)
        gains.append(path.direction * change)
    assert np.mean(gains) > 0, f"path {path.number}: {path.indicator} moved {gains}"
    assert sum(g > 0 for g in gains) >= 2, f"path {path.number}: {path.indicator} {gains}"


def test_paths_switch_off_at_their_end():
    """Places opened by path 1 close when it ends; its costs stop with it."""
    before = len(KizunaModel("suburban", 2000, rng=4, warmup_weeks=8).places)
    model = KizunaModel(
        "suburban", 2000, rng=4, warmup_weeks=8,
        interventions=[Path01Places(intensity=10, start=2, end=6)],
    )  # fmt: skip
    counts, costs = [], []
    for _ in range(10):
        model.step()
        counts.append(len(model.places))
        costs.append(model.flows["intervention_cost"])
    assert counts[0] == before  # week 1: not started yet
    assert counts[2] > before  # weeks 2-5: open
    assert counts[-1] == before  # week 6 on: closed again
    assert costs[0] == 0 and costs[2] > 0 and costs[-1] == 0


def test_interventions_change_parameters_only_while_on():
    model = KizunaModel(
        "suburban", 1500, rng=2, warmup_weeks=4,
        interventions=[Path07VisibleParticipation(intensity=1.0, start=2, end=4)],
    )  # fmt: skip
    base = model.base_params.volunteer_peer_effect
    seen = []
    for _ in range(5):
        model.step()
        seen.append(model.params.volunteer_peer_effect)
    assert seen == [base, base * 3, base * 3, base, base]
