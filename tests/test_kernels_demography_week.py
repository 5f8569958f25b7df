"""The week's demography in fewer passes, against the rules it replaced: the fused vital
events against deaths, births and moves out drawn one after another, the free-dwelling
pass against numpy's counts, and the batched arrivals against the per-step ones."""

from __future__ import annotations

import numpy as np
import pytest

from model import demography, vital_kernels
from model.vital_rates import (
    FERTILITY,
    FERTILITY_FIRST_GROUP,
    WEEKLY_DEATH_FEMALE,
    WEEKLY_DEATH_MALE,
    WEEKLY_OUT_MIGRATION,
    age_group,
)
from tests.test_kernels_demography import SEEDS_AND_SIZES, _town


def _reference_events(idx, age, female, household, frailty, rr, alone, n_hh, rates, draws):
    """Deaths, births and moves out as the three separate passes drew them: the dead,
    those leaving (not the dead) and the mothers neither dead nor leaving."""
    scale, youth, care_rate, kin_rate, fertility_scale = rates
    u = draws.random(len(idx))
    dead = vital_kernels.dying(idx, age, female, rr, WEEKLY_DEATH_MALE, WEEKLY_DEATH_FEMALE, u)
    women, chance = vital_kernels.birth_chances(
        idx, age, female, household, n_hh, FERTILITY, FERTILITY_FIRST_GROUP, fertility_scale
    )
    mothers = women[draws.random(len(women)) < chance]
    u = draws.random(len(idx))
    u_household = draws.random(n_hh)
    leaving = vital_kernels.leaving(
        idx, age, frailty, household, alone, WEEKLY_OUT_MIGRATION * scale,
        youth, care_rate, kin_rate, u, u_household,
    )  # fmt: skip
    leaving = np.setdiff1d(leaving, dead)
    gone = np.union1d(dead, leaving)
    return dead, leaving, np.setdiff1d(mothers, gone)


@pytest.mark.parametrize(("seed", "n"), SEEDS_AND_SIZES)
@pytest.mark.parametrize("boost", [1.0, 20.0])
def test_week_events_match_three_passes(seed: int, n: int, boost: float) -> None:
    idx, age, female, household, frailty, rr, alone, n_hh = _town(seed, n)
    # boost scales every rate up so that many die, leave and give birth at once
    rates = (1.1 * boost, 1.7, 0.013 * boost, 0.02 * boost, 1.3 * boost)
    scale, youth, care_rate, kin_rate, fertility_scale = rates
    weekly = WEEKLY_OUT_MIGRATION * scale
    want = _reference_events(idx, age, female, household, frailty, rr, alone, n_hh, rates,
                             np.random.default_rng(seed + 30))  # fmt: skip
    draws = np.random.default_rng(seed + 30)
    women, chance, moving, groups = vital_kernels.week_chances(
        idx, age, female, household, n_hh, FERTILITY, FERTILITY_FIRST_GROUP, fertility_scale,
        weekly, youth,
    )  # fmt: skip
    ref_women, ref_chance = vital_kernels.birth_chances(
        idx, age, female, household, n_hh, FERTILITY, FERTILITY_FIRST_GROUP, fertility_scale
    )
    assert np.array_equal(women, ref_women)
    assert np.array_equal(chance, ref_chance)
    assert np.array_equal(groups, age_group(age[idx]))
    u = draws.random(2 * len(idx) + len(women) + n_hh)
    got = vital_kernels.week_events(
        idx, age, female, rr, frailty, household, alone, WEEKLY_DEATH_MALE,
        WEEKLY_DEATH_FEMALE, weekly, youth, care_rate, kin_rate, chance, moving, groups, u,
    )  # fmt: skip
    for g, w in zip(got, want, strict=True):
        assert np.array_equal(g, w)
    if boost > 1 and n >= 2000:  # the big rates do exercise every branch
        assert all(len(g) > 0 for g in got)


def test_one_draw_is_the_draws_in_a_row() -> None:
    """What vital_events relies on: random(a + b + c) is random(a), random(b), random(c)."""
    for sizes in ((0, 0, 3), (5, 0, 7), (1000, 13, 4)):
        one = np.random.default_rng(9).random(sum(sizes))
        rng = np.random.default_rng(9)
        assert np.array_equal(one, np.concatenate([rng.random(k) for k in sizes]))


@pytest.mark.parametrize("seed", [0, 1])
def test_vital_events_matches_the_separate_events(seed: int) -> None:
    from tests.towns import small_town

    town = small_town(400, seed=seed, warmup_weeks=2)
    idx = town.population.alive_idx()
    state = town.rng.bit_generator.state
    dead = demography.deaths(town, idx)
    mothers = demography.births(town, idx)
    leaving = demography.sorted_difference(demography.out_migrants(town, idx), dead)
    after = town.rng.bit_generator.state
    mothers = np.setdiff1d(mothers, np.union1d(dead, leaving))
    town.rng.bit_generator.state = state
    got = demography.vital_events(town, idx)
    assert town.rng.bit_generator.state == after
    for g, w in zip(got, (dead, leaving, mothers), strict=True):
        assert np.array_equal(g, w)
