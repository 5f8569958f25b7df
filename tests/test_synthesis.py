"""The starting population matches the census figures it is built from."""

from __future__ import annotations

import numpy as np
import pytest

from model.regions import REGIONS
from model.synthesis import synthesise
from model.vital_rates import age_group


@pytest.mark.parametrize("kind", sorted(REGIONS))
def test_age_structure_and_living_alone_match_the_region(kind):
    profile = REGIONS[kind]
    pop = synthesise(profile, 20_000, np.random.default_rng(3))
    shares = np.bincount(age_group(pop.age), minlength=21) / len(pop.age)
    assert np.abs(shares - profile.age_distribution()).max() < 0.01
    assert abs((pop.age >= 65).mean() - profile.share_65_plus()) < 0.01
    size = np.bincount(pop.household)
    alone = size[pop.household] == 1
    elder = pop.age >= 65
    target = (
        profile.alone_65_female * (elder & pop.female).sum()
        + profile.alone_65_male * (elder & ~pop.female).sum()
    ) / elder.sum()
    assert abs(alone[elder].mean() - target) < 0.02


def test_every_child_lives_with_an_adult_of_parent_age():
    pop = synthesise(REGIONS["suburban"], 10_000, np.random.default_rng(5))
    oldest = np.zeros(pop.n_households)
    np.maximum.at(oldest, pop.household, pop.age)
    child = pop.age < 18
    assert (oldest[pop.household[child]] >= 18).all()
    gap = oldest[pop.household[child]] - pop.age[child]
    assert np.median(gap) > 20


def test_household_sizes_are_japanese():
    """2015 census: 2.33 persons per household; rural towns larger, big-city wards smaller."""
    sizes = {}
    for kind, profile in REGIONS.items():
        pop = synthesise(profile, 10_000, np.random.default_rng(1))
        sizes[kind] = len(pop.age) / pop.n_households
    assert 2.0 < sizes["suburban"] < 2.6
    assert sizes["urban_ward"] < sizes["suburban"] < sizes["rural_town"]
