"""The compact ledger and the population's cached alive index against plain references."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd
import pytest
from mesa import Model
from mesa.discrete_space import OrthogonalMooreGrid
from mesa.experimental.mesa_signals import ModelSignals

from model import demography, vital_kernels
from model.ledger import CHANNELS, Ledger
from model.population import Population
from model.residents import Resident, create_handles, remove_handles
from model.vital_rates import (
    FERTILITY,
    FERTILITY_FIRST_GROUP,
    WEEKLY_DEATH_FEMALE,
    WEEKLY_DEATH_MALE,
    WEEKLY_OUT_MIGRATION,
    age_group,
)
from tests import references
from tests.references import ListLedger


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_compact_ledger_matches_list_ledger(seed: int) -> None:
    rng = np.random.default_rng(seed)
    accounts = [f"npo:{i}" for i in range(int(rng.integers(1, 30)))] + ["government"]
    new, old = Ledger(), ListLedger()
    n = int(rng.integers(0, 3000))
    weeks = np.sort(rng.integers(-5, 40, n))
    weeks[rng.random(n) < 0.02] -= 3  # a few transfers booked to an earlier week
    for w in weeks.tolist():
        new.week = old.week = w
        args = (
            accounts[int(rng.integers(len(accounts)))],
            accounts[int(rng.integers(len(accounts)))],
            CHANNELS[int(rng.integers(len(CHANNELS)))],
            float(rng.choice([0.0, 0.4, rng.exponential(1e5), 3e12])),
        )
        new.transfer(*args)
        old.transfer(*args)
    assert len(new) == len(old.rows)
    expected = pd.DataFrame(
        {
            "week": np.asarray([r[0] for r in old.rows], np.int64),
            "source": [r[1] for r in old.rows],
            "destination": [r[2] for r in old.rows],
            "channel": [r[3] for r in old.rows],
            "amount": np.asarray([r[4] for r in old.rows], np.int64),
        }
    )
    pd.testing.assert_frame_equal(new.flows(), expected)
    for week in range(-10, 45):
        got, want = new.week_totals(week), old.week_totals(week)
        assert list(got.items()) == list(want.items())
        assert all(type(v) is int for v in got.values())
    balances: dict[str, int] = defaultdict(int)
    for _w, s, d, _c, yen in old.rows:
        balances[s] -= yen
        balances[d] += yen
    assert {k: v for k, v in new.balances.items() if v} == {k: v for k, v in balances.items() if v}


def test_empty_ledger() -> None:
    ledger = Ledger()
    assert len(ledger) == 0
    assert dict(ledger.week_totals(0)) == {}
    pd.testing.assert_frame_equal(ledger.flows(), empty_list_ledger_frame())


def empty_list_ledger_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "week": np.asarray([], np.int64),
            "source": [],
            "destination": [],
            "channel": [],
            "amount": np.asarray([], np.int64),
        }
    )


def test_ledger_rejects_bad_transfers() -> None:
    ledger = Ledger()
    with pytest.raises(ValueError):
        ledger.transfer("a", "b", "nonsense", 5)
    with pytest.raises(ValueError):
        ledger.transfer("a", "b", "loan", -5)
    assert ledger.transfer("a", "b", "loan", 0.3) == 0
    assert len(ledger) == 0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cached_alive_index_and_size_follow_allocate_and_release(seed: int) -> None:
    rng = np.random.default_rng(seed)
    pop = Population(capacity=4)
    for _ in range(40):
        if rng.random() < 0.6 or pop.size == 0:
            pop.allocate(int(rng.integers(0, 12)))
        else:
            idx = pop.alive_idx()
            pop.release(rng.choice(idx, size=int(rng.integers(1, len(idx) + 1)), replace=False))
        assert np.array_equal(pop.alive_idx(), np.flatnonzero(pop.alive))
        assert pop.size == int(pop.alive.sum())
        assert not pop.alive_idx().flags.writeable  # callers must not change the shared copy
    pop.release(np.empty(0, np.int64))
    assert pop.size == int(pop.alive.sum())


# --- weekly vital chances: the compiled passes against the numpy rules they replaced -----------
def _town(seed: int, n: int):
    """A random population of ``n`` slots (about 80% alive) in ``n // 3 + 1`` households."""
    rng = np.random.default_rng(seed)
    cap = n + 5
    age = rng.uniform(0, 104, cap).astype(np.float32)
    age[rng.random(cap) < 0.1] = np.float32(rng.choice([15.0, 18.0, 25.0, 50.0, 65.0, 100.0]))
    female = rng.random(cap) < 0.5
    n_hh = n // 3 + 1
    household = rng.integers(0, n_hh, cap).astype(np.int32)
    frailty = rng.random(cap).astype(np.float32)
    rr = rng.lognormal(0, 0.4, cap).astype(np.float32)
    alone = rng.random(cap) < 0.2
    idx = np.flatnonzero(rng.random(cap) < 0.8)[:n]
    return idx, age, female, household, frailty, rr, alone, n_hh


SEEDS_AND_SIZES = [(0, 0), (1, 1), (2, 7), (3, 300), (4, 2000)]


@pytest.mark.parametrize(("seed", "n"), SEEDS_AND_SIZES)
def test_dying(seed: int, n: int) -> None:
    idx, age, female, _hh, _fr, rr, _alone, _n_hh = _town(seed, n)
    u = np.random.default_rng(seed + 10).random(len(idx)) * 0.002  # some below the hazard
    g = age_group(age[idx])
    h = np.where(female[idx], WEEKLY_DEATH_FEMALE[g], WEEKLY_DEATH_MALE[g]) * rr[idx]
    want = idx[u < h]
    got = references.dying(idx, age, female, rr, WEEKLY_DEATH_MALE, WEEKLY_DEATH_FEMALE, u)
    assert np.array_equal(got, want)
    assert n < 300 or len(want) > 0  # the draws do select someone
    # a draw exactly at a hazard does not die; just below it does
    if len(idx):
        assert len(references.dying(idx, age, female, rr, WEEKLY_DEATH_MALE,
                                       WEEKLY_DEATH_FEMALE, h)) == 0  # fmt: skip
        below = np.nextafter(h, -1.0)
        assert np.array_equal(
            references.dying(idx, age, female, rr, WEEKLY_DEATH_MALE, WEEKLY_DEATH_FEMALE,
                                below), idx,
        )  # fmt: skip


@pytest.mark.parametrize(("seed", "n"), SEEDS_AND_SIZES)
def test_birth_chances(seed: int, n: int) -> None:
    idx, age, female, household, _fr, _rr, _alone, n_hh = _town(seed, n)
    scale = 1.3
    a = age[idx]
    man = ~female[idx] & (a >= 18) & (a < 65)
    men_in_hh = np.bincount(household[idx], weights=man, minlength=n_hh)
    women = idx[female[idx] & (a >= 15) & (a < 50)]
    g = age_group(age[women]) - FERTILITY_FIRST_GROUP
    partnered = men_in_hh[household[women]] > 0
    n_all = np.bincount(g, minlength=len(FERTILITY))
    n_partnered = np.bincount(g[partnered], minlength=len(FERTILITY))
    boost = np.divide(n_all, n_partnered, out=np.zeros(len(FERTILITY)), where=n_partnered > 0)
    annual = FERTILITY[g] * scale * boost[g] * partnered
    want = np.minimum(annual, 0.9) / 52.0
    got_women, got = references.birth_chances(
        idx, age, female, household, n_hh, FERTILITY, FERTILITY_FIRST_GROUP, scale
    )
    assert np.array_equal(got_women, women)
    assert np.array_equal(got, want)


@pytest.mark.parametrize(("seed", "n"), SEEDS_AND_SIZES)
def test_leaving(seed: int, n: int) -> None:
    idx, age, _female, household, frailty, _rr, lives_alone, n_hh = _town(seed, n)
    scale, youth, care_rate, kin_rate = 1.1, 1.7, 0.013, 0.02
    draws = np.random.default_rng(seed + 20)
    u = draws.random(len(idx)) * 0.01
    u_household = draws.random(n_hh) * 0.01
    a = age[idx]
    weekly = WEEKLY_OUT_MIGRATION[age_group(a)] * scale
    weekly = np.where((a >= 15) & (a < 25), weekly * youth, weekly)
    young = (a >= 18) & (a < 30)
    alone = lives_alone[idx]
    care = (a >= 65) * care_rate * frailty[idx] ** 2 * (1.0 + 0.5 * alone)
    to_kin = (a >= 65) * alone * kin_rate
    individual = np.where(young, weekly, 0.0) + (care + to_kin) / 52.0
    hh = household[idx]
    rate_sum = np.bincount(hh[~young], weights=weekly[~young], minlength=n_hh)
    count = np.bincount(hh[~young], minlength=n_hh)
    hh_rate = np.divide(rate_sum, count, out=np.zeros(n_hh), where=count > 0)
    want = idx[(u < individual) | (u_household < hh_rate)[hh]]
    got = vital_kernels.leaving(
        idx, age, frailty, household, lives_alone, WEEKLY_OUT_MIGRATION * scale,
        youth, care_rate, kin_rate, u, u_household,
    )  # fmt: skip
    assert np.array_equal(got, want)
    assert n < 300 or 0 < len(want) < len(idx)


@pytest.mark.parametrize("seed", range(6))
def test_sorted_difference_is_setdiff1d_on_sorted_slots(seed: int) -> None:
    rng = np.random.default_rng(seed)
    universe = np.arange(int(rng.integers(1, 60)))
    a = np.flatnonzero(rng.random(len(universe)) < rng.random())
    b = np.flatnonzero(rng.random(len(universe)) < rng.random())
    for x, y in ((a, b), (a, a), (a, np.empty(0, np.int64)), (np.empty(0, np.int64), b)):
        got = references.sorted_difference(x, y)
        want = np.setdiff1d(x, y)
        assert got.dtype == want.dtype
        assert np.array_equal(got, want)


# --- Mesa handles in batches against Mesa's per-agent path -------------------------------------
def _handle_state(model) -> tuple:
    """Everything Mesa keeps about residents: ids in registration order, per type and
    per cell, plus each handle's slot and cell."""
    residents = list(model.agents_by_type[Resident])
    return (
        [a.unique_id for a in model.agents],
        [a.unique_id for a in residents],
        [(a.slot, a.cell.coordinate, a.pos) for a in residents],
        [[a.unique_id for a in cell.agents] for cell in model.cells],
        [cell.empty for cell in model.cells],
        model.agent_id_counter,
    )


def _churn(model, seed: int) -> None:
    """Add and remove handles the way demography does, several times."""
    rng = np.random.default_rng(seed)
    for _ in range(4):
        slots = np.sort(rng.choice(model.population.capacity, int(rng.integers(0, 9)), False))
        slots = slots[[model._handles[s] is None for s in slots]]
        model.population.cell[slots] = rng.integers(0, len(model.cells), len(slots))
        model._create_handles(slots)
        alive = np.array([s for s, h in enumerate(model._handles) if h is not None])
        gone = rng.choice(alive, int(rng.integers(0, min(len(alive), 7) + 1)), False)
        remove_handles(model, [model._handles[s] for s in gone])
        for s in gone:
            model._handles[s] = None


class _Observer:
    """Mesa keeps weak references to bound methods only."""

    def __init__(self) -> None:
        self.signals: list = []

    def note(self, signal: object) -> None:
        self.signals.append(signal)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_batched_handles_match_mesa(seed: int) -> None:
    from tests.towns import small_town

    fast = small_town(300, seed=seed, warmup_weeks=2)
    slow = small_town(300, seed=seed, warmup_weeks=2)
    assert _handle_state(fast) == _handle_state(slow)
    # an observer of added/removed agents forces Mesa's own path on ``slow``
    seen = _Observer()
    slow.observe("agents", ModelSignals.AGENT_ADDED, seen.note)
    slow.observe("agents", ModelSignals.AGENT_REMOVED, seen.note)
    _churn(fast, seed)
    _churn(slow, seed)
    assert seen.signals  # the slow town really went through Mesa's path
    assert _handle_state(fast) == _handle_state(slow)
    assert len(fast.agents_by_type[Resident]) == sum(h is not None for h in fast._handles)


class _Bare(Model):
    """Just what a resident handle needs: a population and the grid's cells."""

    def __init__(self, n: int, seed: int) -> None:
        super().__init__(rng=seed)
        self.grid = OrthogonalMooreGrid((3, 3), torus=False, random=self.random)
        self.cells = list(self.grid.all_cells)
        self.population = Population(n)
        slots = self.population.allocate(n)
        self.population.cell[slots] = self.rng.integers(0, len(self.cells), n)


@pytest.mark.parametrize(("seed", "n"), [(0, 0), (1, 1), (2, 5), (3, 40)])
def test_first_handles_of_a_new_model_match_mesa(seed: int, n: int) -> None:
    fast, slow = _Bare(n, seed), _Bare(n, seed)
    slots = fast.population.alive_idx().tolist()
    cells = [fast.cells[c] for c in fast.population.cell[slots].tolist()]
    made = create_handles(fast, slots, cells)
    expected = [Resident(slow, s) for s in slots]
    assert [a.unique_id for a in made] == [a.unique_id for a in expected]
    assert [a.unique_id for a in fast.agents] == [a.unique_id for a in slow.agents]
    assert [[a.unique_id for a in c.agents] for c in fast.cells] == [
        [a.unique_id for a in c.agents] for c in slow.cells
    ]
    assert fast.agent_id_counter == slow.agent_id_counter
    remove_handles(fast, made[::2])
    for agent in expected[::2]:
        agent.remove()
    assert [a.unique_id for a in fast.agents] == [a.unique_id for a in slow.agents]
    assert [c.empty for c in fast.cells] == [c.empty for c in slow.cells]


@pytest.mark.parametrize("seed", [0, 1])
def test_newborns_skip_assign_roles_without_a_difference(seed: int) -> None:
    """add_residents skips assign_roles for babies: running it changes nothing."""
    from tests.towns import small_town

    town = small_town(300, seed=seed, warmup_weeks=1)
    pop = town.population
    mothers = pop.alive_idx()[:4]
    ages = np.array([0.0, 0.5, 3.0, demography.FIRST_ROLE_AGE - 0.01], np.float32)
    slots = town.add_residents(ages, np.array([True, False, True, False]),
                               pop.household[mothers], pop.cell[mothers])  # fmt: skip
    before = [pop.school[slots].copy(), pop.employer[slots].copy(), pop.income[slots].copy()]
    state = town.rng.bit_generator.state
    demography.assign_roles(town, slots)
    after = [pop.school[slots], pop.employer[slots], pop.income[slots]]
    for b, a in zip(before, after, strict=True):
        assert np.array_equal(b, a)
        assert np.array_equal(np.signbit(b), np.signbit(a))
    assert town.rng.bit_generator.state == state
    # from the first role age on, roles are assigned
    older = town.add_residents(np.full(200, 30.0, np.float32), np.zeros(200, bool),
                               pop.household[mothers[:1]].repeat(200),
                               pop.cell[mothers[:1]].repeat(200))  # fmt: skip
    assert np.count_nonzero(pop.income[older]) > 0


@pytest.mark.parametrize("n", [0, 1, 3, 17, 500])
@pytest.mark.parametrize("seed", range(4))
def test_new_residents_traits_are_the_array_draws(seed: int, n: int) -> None:
    """One compiled call draws every trait as the eight NumPy calls did, leaves the
    other slots alone, and leaves the generator where they left it."""
    from types import SimpleNamespace

    def town():
        pop = Population(capacity=2 * n + 3)
        pop.motivation[:] = 0.25  # so that setting it to 1 shows
        return SimpleNamespace(population=pop, rng=np.random.default_rng(seed))

    slots = np.sort(np.random.default_rng(seed + 10).choice(2 * n + 3, n, replace=False))
    got, want = town(), town()
    demography.init_traits(got, slots)
    references.init_traits(want, slots)
    for column in demography.TRAIT_COLUMNS - {"frailty"}:
        same = np.array_equal(getattr(got.population, column), getattr(want.population, column))
        assert same, column
    assert got.rng.random() == want.rng.random()


@pytest.mark.parametrize("n_hh", [1, 2, 9, 200])
@pytest.mark.parametrize("seed", range(4))
def test_arriving_households_are_the_array_draws(seed: int, n_hh: int) -> None:
    """The arrivals' kinds, ages, sexes, children and joining, drawn in one compiled
    call, are those of the array steps (each mix, including kinds that never come)."""
    from model import kernel_rng

    mix = np.array([[0.2, 0.3, 0.25, 0.15, 0.1], [0.0, 0.5, 0.5, 0.0, 0.0]][seed % 2])
    a, b = np.random.default_rng(seed), np.random.default_rng(seed)
    got = demography._arrival_draws(kernel_rng.handle(a), mix, n_hh, 0.45)
    want = references.arrival_members(b, mix, n_hh, 0.45)
    for g, w in zip(got, want, strict=True):
        assert g.dtype == w.dtype and g.tolist() == w.tolist()
    assert a.random() == b.random()
    if n_hh == 200:
        assert len(got[0]) > n_hh  # partners and children came along
