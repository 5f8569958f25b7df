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
from tests import references
from tests.test_kernels_demography import SEEDS_AND_SIZES, _town


def _reference_events(idx, age, female, household, frailty, rr, alone, n_hh, rates, draws):
    """Deaths, births and moves out as the three separate passes drew them: the dead,
    those leaving (not the dead) and the mothers neither dead nor leaving."""
    scale, youth, care_rate, kin_rate, fertility_scale = rates
    u = draws.random(len(idx))
    dead = references.dying(idx, age, female, rr, WEEKLY_DEATH_MALE, WEEKLY_DEATH_FEMALE, u)
    women, chance = references.birth_chances(
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
    ref_women, ref_chance = references.birth_chances(
        idx, age, female, household, n_hh, FERTILITY, FERTILITY_FIRST_GROUP, fertility_scale
    )
    assert np.array_equal(women, ref_women)
    assert np.array_equal(chance, ref_chance)
    assert np.array_equal(groups, age_group(age[idx]))
    u = draws.random(2 * len(idx) + len(women) + n_hh)
    death_rate = np.concatenate((WEEKLY_DEATH_MALE, WEEKLY_DEATH_FEMALE))
    got = vital_kernels.week_events(
        idx, age, female, rr, frailty, household, alone, death_rate, weekly, youth,
        care_rate, kin_rate, women, chance, moving, groups, u,
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
    dead = references.deaths(town, idx)
    mothers = references.births(town, idx)
    leaving = references.sorted_difference(demography.out_migrants(town, idx), dead)
    after = town.rng.bit_generator.state
    mothers = np.setdiff1d(mothers, np.union1d(dead, leaving))
    town.rng.bit_generator.state = state
    got = demography.vital_events(town, idx)
    assert town.rng.bit_generator.state == after
    for g, w in zip(got, (dead, leaving, mothers), strict=True):
        assert np.array_equal(g, w)


# --- free dwellings, fresh slots and workplaces ---------------------------------------------------
@pytest.mark.parametrize("seed", range(5))
def test_free_dwellings_match_numpy_counts(seed: int) -> None:
    from model.households import Households

    rng = np.random.default_rng(seed)
    n_cells = int(rng.integers(1, 40))
    capacity = rng.integers(0, 4, n_cells).astype(np.int32)
    households = Households()
    n_hh = int(rng.integers(0, 60))
    households.add(rng.integers(0, n_cells, n_hh), np.zeros(n_hh, bool), 0)
    cap = int(rng.integers(1, 200))
    household = rng.integers(0, max(n_hh, 1), cap).astype(np.int32)
    alive = np.flatnonzero(rng.random(cap) < rng.random()) if n_hh else np.empty(0, np.int64)
    sizes = households.sizes(household[alive])
    occupied = np.bincount(households.cell[sizes > 0], minlength=n_cells)
    want = np.repeat(np.arange(n_cells), np.maximum(capacity - occupied, 0))
    got = households.free_dwellings(alive, household, capacity)
    assert got.dtype == want.dtype
    assert np.array_equal(got, want)


@pytest.mark.parametrize("seed", range(3))
def test_allocate_skips_only_what_the_caller_writes(seed: int) -> None:
    from model.population import COLUMNS, Population

    rng = np.random.default_rng(seed)
    full, lean = Population(4), Population(4)
    written = frozenset({"age", "trust", "frailty"})
    for _ in range(12):
        step = int(rng.integers(1, 4))
        for pop in (full, lean):  # scribble on every column, then free some slots
            for name in COLUMNS.keys() - {"alive"}:
                column = getattr(pop, name)
                column[:] = np.random.default_rng(seed).random(len(column)) * 7
            alive = pop.alive_idx()
            if len(alive):
                pop.release(alive[::step])
        n = int(rng.integers(0, 9))
        a, b = full.allocate(n), lean.allocate(n, written=written)
        assert np.array_equal(a, b)
        for name in COLUMNS:
            same = np.array_equal(getattr(full, name)[a], getattr(lean, name)[b])
            assert same or (name in written and n > 0)
        assert lean.alive[b].all()


@pytest.mark.parametrize("seed", range(4))
def test_workplaces_match_draw_workplaces(seed: int) -> None:
    from types import SimpleNamespace

    from model.demography import _workplaces

    weight = np.random.default_rng(seed).pareto(1.3, 1 + 40 * seed) + 1.0
    venues = SimpleNamespace(workplace_weight=weight)
    for n in (1, 3, 50):
        a, b = np.random.default_rng(seed), np.random.default_rng(seed)
        got = _workplaces(SimpleNamespace(venues=venues, rng=a), n)
        want = b.choice(len(weight), size=n, p=weight / weight.sum()).astype(np.int32)
        assert got.dtype == want.dtype
        assert np.array_equal(got, want)
        assert a.bit_generator.state == b.bit_generator.state


@pytest.mark.parametrize("seed", [0, 1])
def test_newcomers_leave_no_stale_values_in_skipped_columns(seed: int) -> None:
    """add_residents writes every column it tells allocate to skip: garbage left in free
    slots never shows through."""
    from model.population import COLUMNS
    from tests.towns import small_town

    clean = small_town(300, seed=seed, warmup_weeks=1)
    dirty = small_town(300, seed=seed, warmup_weeks=1)
    for name in COLUMNS.keys() - {"alive"}:
        column = getattr(dirty.population, name)
        free = ~dirty.population.alive
        column[free] = np.asarray(97, column.dtype)  # garbage in every free slot
    mothers = clean.population.alive_idx()[:3]
    args = (np.array([0.0, 31.0, 70.0], np.float32), np.array([True, False, True]),
            clean.population.household[mothers], clean.population.cell[mothers])  # fmt: skip
    a, b = clean.add_residents(*args), dirty.add_residents(*args)
    assert np.array_equal(a, b)
    for name in COLUMNS:
        assert np.array_equal(
            getattr(clean.population, name)[a], getattr(dirty.population, name)[b]
        )


# --- roles: the compiled passes against the numpy rule they replaced ---------------------------
def _reference_assign_roles(model, idx: np.ndarray) -> None:
    """demography.assign_roles as numpy array operations (before the compiled passes)."""
    from model.population import NO_EMPLOYER, OUTSIDE_EMPLOYER
    from model.venues import STUDENT_AGES
    from model.vital_rates import (
        EMPLOYMENT_FEMALE,
        EMPLOYMENT_MALE,
        INCOME_MEDIAN_EMPLOYED_FEMALE,
        INCOME_MEDIAN_EMPLOYED_MALE,
        INCOME_MEDIAN_OTHER_ADULT,
        INCOME_MEDIAN_PENSION,
        INCOME_SIGMA,
    )

    pop, region = model.population, model.region
    age = pop.age[idx]
    g = age_group(age)
    pop.school[idx] = references.school_for(model.venues, age, pop.cell[idx])
    pupil = pop.school[idx] >= 0
    rate = np.where(pop.female[idx], EMPLOYMENT_FEMALE[g], EMPLOYMENT_MALE[g])
    uni = model.venues.university
    if uni >= 0:
        lo, hi = STUDENT_AGES
        student = (
            (age >= lo)
            & (age < hi)
            & (pop.work_u[idx] >= rate)
            & (pop.study_u[idx] < region.university_share)
        )
        school = pop.school[idx]
        school[student] = uni
        pop.school[idx] = school
        pupil = pupil | student
    works = (pop.work_u[idx] < rate) & ~pupil
    current = pop.employer[idx]
    starting = works & (current == NO_EMPLOYER)
    new_employer = np.full(int(starting.sum()), OUTSIDE_EMPLOYER, dtype=np.int32)
    if len(new_employer):
        local = model.rng.random(len(new_employer)) < region.local_work_share
        n_local = int(np.count_nonzero(local))
        if n_local:
            new_employer[local] = model.venues.draw_workplaces(n_local, model.rng)
    current = current.copy()
    current[starting] = new_employer
    current[~works] = NO_EMPLOYER
    pop.employer[idx] = current
    median = np.where(
        works,
        np.where(pop.female[idx], INCOME_MEDIAN_EMPLOYED_FEMALE, INCOME_MEDIAN_EMPLOYED_MALE),
        np.where(
            age >= 65, INCOME_MEDIAN_PENSION, np.where(age >= 18, INCOME_MEDIAN_OTHER_ADULT, 0.0)
        ),
    )
    pop.income[idx] = median * region.income_scale * np.exp(INCOME_SIGMA * pop.income_u[idx])


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("university", [True, False])
def test_assign_roles_matches_numpy_rule(seed: int, university: bool) -> None:
    from tests.towns import small_town

    fast = small_town(300, seed=seed, warmup_weeks=1)
    slow = small_town(300, seed=seed, warmup_weeks=1)
    rng = np.random.default_rng(seed)
    for town in (fast, slow):
        if not university:
            town.venues.university = -1
        elif town.venues.university < 0:
            town.venues.university = 0  # any school id stands in for a university
        pop = town.population
        alive = pop.alive_idx()
        draws = np.random.default_rng(seed)  # the same ages, ranks and employers for both
        pop.age[alive] = draws.uniform(0, 90, len(alive)).astype(np.float32)
        pop.age[alive[:6]] = np.array([18, 22, 65, 15, 17.99, 21.99], np.float32)
        pop.age[alive[6:120]] = draws.uniform(17.5, 22.5, 114).astype(np.float32)
        pop.study_u[alive] = draws.random(len(alive)).astype(np.float32)
        pop.study_u[alive[6]] = np.float32(town.region.university_share)  # at the share
        pop.employer[alive[::3]] = -1
    idx = np.sort(rng.choice(fast.population.alive_idx()[:240], 150, replace=False))
    for subset in (idx[:0], idx[:1], idx):
        demography.assign_roles(fast, subset)
        _reference_assign_roles(slow, subset)
        for name in ("school", "employer", "income"):
            a, b = getattr(fast.population, name), getattr(slow.population, name)
            assert np.array_equal(a, b), name
        assert fast.rng.bit_generator.state == slow.rng.bit_generator.state
    pop = fast.population
    assert np.count_nonzero(pop.employer[idx] >= 0) > 0  # some do work locally
    if university:
        assert np.count_nonzero(pop.school[idx] == fast.venues.university) > 0


@pytest.mark.parametrize(("seed", "n"), SEEDS_AND_SIZES)
def test_household_view_takes_the_int32_column_as_is(seed: int, n: int) -> None:
    from model.households import HouseholdView

    idx, age, _female, household, frailty, _rr, _alone, n_hh = _town(seed, n)
    school = np.random.default_rng(seed).integers(-1, 3, len(age)).astype(np.int32)
    args = (age[idx], school[idx], frailty[idx], n_hh)
    narrow = HouseholdView.build(idx, household[idx], *args)
    wide = HouseholdView.build(idx, household[idx].astype(np.int64), *args)
    want_size = np.bincount(household[idx], minlength=n_hh)
    want_oldest = np.zeros(n_hh)
    np.maximum.at(want_oldest, household[idx], age[idx].astype(np.float64))
    assert np.array_equal(narrow.size, want_size)
    assert np.array_equal(narrow.oldest, want_oldest)
    for name in ("size", "oldest", "pupils", "infants", "frail"):
        assert np.array_equal(getattr(narrow, name), getattr(wide, name)), name
