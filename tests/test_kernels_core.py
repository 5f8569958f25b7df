"""The compiled kernels of the weekly core (grouping, encounters, peer shares, the tie
merge with decay) against plain reference implementations on small random inputs."""

from __future__ import annotations

import numpy as np
import pytest

from model import participation
from model.encounters import GroupIndex, all_pairs, within_groups
from model.population import NO_EMPLOYER
from model.ties import TieNetwork
from tests.references import reference_neighbours
from tests.towns import small_town


def reference_index(members: np.ndarray, groups: np.ndarray) -> dict[str, np.ndarray]:
    """Stable sort by group, then each member's group start and size, the obvious way."""
    order = np.argsort(groups, kind="stable")
    g = groups[order]
    start = np.array([np.flatnonzero(g == x)[0] for x in g], np.int64)
    size = np.array([np.count_nonzero(g == x) for x in g], np.int64)
    first = np.array(sorted({int(s) for s in start}), np.int64)
    return {
        "members": members[order],
        "order": order,
        "start": start,
        "size": size,
        "pos": np.arange(len(g)),
        "first": first,
        "group": g[first] if len(g) else first,
    }


def random_groups(seed: int, n: int, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    r = np.random.default_rng(seed)
    members = r.choice(10 * n + 10, size=n, replace=False).astype(np.int64)
    return members, r.integers(0, n_groups, n)


@pytest.mark.parametrize(
    ("seed", "n", "n_groups"), [(0, 0, 1), (1, 1, 1), (2, 30, 4), (3, 200, 50), (4, 60, 10**6)]
)
def test_group_index_matches_a_stable_sort(seed, n, n_groups):
    members, groups = random_groups(seed, n, n_groups)
    index = GroupIndex.build(members, groups)
    if n_groups > 4 * n + 1024:  # sparse ids are renumbered by rank first
        groups = np.unique(groups, return_inverse=True)[1]
    for name, want in reference_index(members, groups).items():
        np.testing.assert_array_equal(getattr(index, name), want, err_msg=name)


def reference_within(members, groups, contacts, rng):
    """The draws of ``within_groups``, spent by a plain loop."""
    ref = reference_index(members, groups)
    n = rng.poisson(contacts, size=len(ref["members"]))
    n[ref["size"] < 2] = 0
    draws = iter(rng.random(int(n.sum())))
    u, v = [], []
    for i, k in enumerate(n):
        others = [j for j in range(ref["start"][i], ref["start"][i] + ref["size"][i]) if j != i]
        for _ in range(k):
            u.append(ref["members"][i])
            v.append(ref["members"][others[int(next(draws) * len(others))]])
    return np.array(u, np.int64), np.array(v, np.int64)


@pytest.mark.parametrize("seed", range(4))
def test_within_groups_picks_the_same_partners_as_a_loop(seed):
    members, groups = random_groups(seed, 80, 12)
    u, v = within_groups(GroupIndex.build(members, groups), 2.5, np.random.default_rng(seed))
    ru, rv = reference_within(members, groups, 2.5, np.random.default_rng(seed))
    np.testing.assert_array_equal(u, ru)
    np.testing.assert_array_equal(v, rv)
    assert len(u) > 0 and not np.any(u == v)


@pytest.mark.parametrize("seed", range(3))
def test_all_pairs_lists_every_pair_of_each_group_once(seed):
    members, groups = random_groups(seed, 40, 9)
    u, v = all_pairs(GroupIndex.build(members, groups))
    want = {
        (int(x), int(y))
        for g in np.unique(groups)
        for i, x in enumerate(members[groups == g])
        for y in members[groups == g][i + 1 :]
    }
    got = [(int(x), int(y)) for x, y in zip(u, v, strict=True)]
    assert len(got) == len(set(got))
    assert {tuple(sorted(p)) for p in got} == {tuple(sorted(p)) for p in want}


def random_network(seed: int, capacity: int, n_edges: int) -> TieNetwork:
    r = np.random.default_rng(seed)
    a = r.integers(0, capacity, 3 * n_edges)
    b = r.integers(0, capacity, 3 * n_edges)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    key = np.unique(((lo << 32) | hi)[lo != hi])[:n_edges]
    return TieNetwork.from_arrays(
        key=key, a=key >> 32, b=key & 0xFFFFFFFF, weight=r.uniform(0.05, 1, len(key)),
        context=r.integers(0, 14, len(key)), formed=r.integers(0, 50, len(key)),
    )  # fmt: skip


@pytest.mark.parametrize(("seed", "capacity", "n_edges"), [(0, 5, 0), (1, 12, 20), (2, 60, 300)])
def test_peer_shares_are_tie_weighted_means(seed, capacity, n_edges):
    net = random_network(seed, capacity, n_edges)
    r = np.random.default_rng(seed)
    values = np.column_stack(
        [r.random(capacity) < 0.4, r.random(capacity) < 0.6, r.random(capacity)]
    )
    idx = np.sort(r.choice(capacity, capacity // 2 + 1, replace=False))
    shares, has = net.adjacency(capacity).peer_shares(idx, values)
    dense = np.zeros((capacity, capacity))
    dense[net.a, net.b] = dense[net.b, net.a] = net.weight
    strength = dense.sum(axis=1)[idx]
    np.testing.assert_array_equal(has, strength > 0)
    want = np.zeros((len(idx), 3))
    want[has] = (dense @ values)[idx][has] / strength[has, None]
    np.testing.assert_allclose(shares, want, rtol=1e-12, atol=0)


@pytest.mark.parametrize("seed", range(4))
def test_a_week_of_ties_in_one_pass_equals_merge_then_decay(seed):
    r = np.random.default_rng(seed)
    fused, apart = random_network(seed, 40, 150), random_network(seed, 40, 150)
    u, v = r.integers(0, 40, 120), r.integers(0, 40, 120)
    ctx, prob = r.integers(0, 14, 120), r.uniform(0, 0.6, 14)
    formed, dissolved = fused.apply_week(
        u, v, ctx, prob, 0.3, 9, np.random.default_rng(seed), 0.2, 0.3
    )
    assert formed == apart.apply_encounters(u, v, ctx, prob, 0.3, 9, np.random.default_rng(seed))
    assert dissolved == apart.decay(0.2, 0.3) > 0
    for name in ("key", "a", "b", "weight", "context", "formed"):
        np.testing.assert_array_equal(getattr(fused, name), getattr(apart, name), err_msg=name)


def test_a_week_without_encounters_still_decays():
    net, ref = random_network(5, 30, 80), random_network(5, 30, 80)
    empty = np.empty(0, np.int64)
    got = net.apply_week(
        empty, empty, empty, np.ones(14), 0.3, 1, np.random.default_rng(), 0.5, 0.3
    )
    assert got == (0, ref.decay(0.5, 0.3))
    np.testing.assert_array_equal(net.weight, ref.weight)


# --- participation rules: the compiled formulas against the NumPy ones they replaced ------------
@pytest.fixture(scope="module")
def town_week():
    """A small town mid-run, with a disaster's solidarity and every path's factors live."""
    from model.interventions import CATALOGUE

    town = small_town(600, seed=4, warmup_weeks=8, interventions=tuple(
        p(intensity=p.default_intensity(), start=0) for p in CATALOGUE
    ))  # fmt: skip
    for _ in range(3):
        town.step()
    town.solidarity[:] = np.random.default_rng(0).random(len(town.solidarity)) * 0.3
    town.population.frailty[town.population.alive_idx()[:40]] = np.float32(0.6)  # the edge
    return town, town._week_context()[0]


def reference_free_time(model, idx, hv):
    pop = model.population
    age, female, hh, frailty = pop.age[idx], pop.female[idx], pop.household[idx], pop.frailty[idx]
    base = np.where(age < 6, 0.0, np.where(age < 18, 0.35, 0.75))
    employer = pop.employer[idx]
    base = base - np.where(employer == NO_EMPLOYER, 0.0, np.where(employer >= 0, 0.40, 0.45))
    adult = age >= 18
    base = base - adult * hv.infants[hh] * np.where(female, 0.25, 0.08)
    base = base - adult * hv.frail[hh] * (frailty <= 0.6) * np.where(female, 0.15, 0.05)
    return (np.clip(base, 0.05, 1.0) * (1.0 - frailty) ** 2 * (age >= 6)).astype(np.float32)


def reference_hazard(model, wk):
    p, pop, idx = model.params, model.population, wk.idx
    age = pop.age[idx]
    parent = wk.households.pupils[pop.household[idx]] & (age >= 25) & (age < 60)
    employer = pop.employer[idx]
    programme = (employer >= 0) & model.programme[np.maximum(employer, 0)]
    return (
        p.volunteer_hazard
        * np.clip(pop.propensity[idx] * p.propensity_scale, 0.0, 1.0)
        * (p.volunteer_awareness_floor + (1.0 - p.volunteer_awareness_floor) * pop.awareness[idx])
        * (1.0 + p.volunteer_peer_effect * wk.peer_volunteer)
        * (1.0 + p.volunteer_access_effect * wk.access)
        * (1.0 + p.school_parent_effect * parent)
        * (1.0 + p.company_programme_effect * programme)
        * pop.free_time[idx]
        * pop.motivation[idx]
        * (age >= p.volunteer_min_age)
        * model.interventions.factor("volunteer_factor", model, idx)
        * (1.0 + model.solidarity[pop.cell[idx]])
    )


def reference_awareness(model, wk, volunteers):
    p, pop, idx = model.params, model.population, wk.idx
    aw = pop.awareness[idx].astype(np.float64)
    did = np.zeros(pop.capacity, dtype=bool)
    did[volunteers] = True
    aw = (
        aw
        + p.awareness_info * wk.access * (1.0 - aw)
        + p.awareness_peer * wk.has_ties * (wk.peer_awareness - aw)
        + p.awareness_volunteer * did[idx] * (1.0 - aw)
        - p.awareness_decay * aw
    )
    return np.clip(aw, 0.0, 1.0).astype(np.float32)


def test_free_time_is_the_numpy_formula_to_the_bit(town_week):
    town, wk = town_week
    want = reference_free_time(town, wk.idx, wk.households)
    participation.update_free_time(town, wk.idx, wk.households)
    np.testing.assert_array_equal(town.population.free_time[wk.idx], want)
    assert 0 < np.count_nonzero(want == 0) < len(want) and len(np.unique(want)) > 50


def test_volunteer_hazard_is_the_numpy_formula_to_the_bit(town_week):
    town, wk = town_week
    got = participation.volunteer_hazard(town, wk)
    np.testing.assert_array_equal(got, reference_hazard(town, wk))
    assert got.dtype == np.float64 and np.count_nonzero(got) > len(got) // 3


def test_awareness_update_is_the_numpy_formula_to_the_bit(town_week):
    town, wk = town_week
    volunteers = wk.idx[::7]
    want = reference_awareness(town, wk, volunteers)
    before = town.population.awareness.copy()
    participation.update_awareness(town, wk, volunteers)
    np.testing.assert_array_equal(town.population.awareness[wk.idx], want)
    assert not np.array_equal(before[wk.idx], want)
    town.population.awareness[:] = before


def test_contact_rates_are_the_numpy_formulas_to_the_bit(town_week):
    from model.encounters import _contact_rates

    town, wk = town_week
    pop, p, idx = town.population, town.params, wk.idx
    near = (
        p.neighbourhood_contacts
        * pop.sociability[idx]
        * (0.5 + pop.free_time[idx])
        * (1.0 - 0.5 * pop.frailty[idx])
        * (pop.age[idx] >= 3)
        * (1.0 + 2.0 * town.solidarity[pop.cell[idx]])
    )
    visit = (
        p.visit_rate
        * pop.sociability[idx]
        * (0.3 + pop.free_time[idx])
        * (1.0 - 0.5 * pop.frailty[idx])
    )
    args = (pop.sociability, pop.free_time, pop.frailty, pop.age)
    got_near = _contact_rates(
        idx, np.float32(p.neighbourhood_contacts), np.float32(0.5), *args, np.float32(3.0),
        town.solidarity, pop.cell, True,
    )  # fmt: skip
    got_visit = _contact_rates(
        idx, np.float32(p.visit_rate), np.float32(0.3), *args, np.float32(-1.0),
        town.solidarity, pop.cell, False,
    )  # fmt: skip
    np.testing.assert_array_equal(got_near, near)
    np.testing.assert_array_equal(got_visit, visit)
    assert np.count_nonzero(near == 0) > 0 and np.count_nonzero(near) > len(near) // 2


@pytest.mark.parametrize(("seed", "radius"), [(0, 1), (1, 2), (2, 3)])
def test_neighbourhood_meetings_match_a_plain_loop(seed, radius):
    from model.encounters import CellIndex, _acceptance_table, _neighbour_pairs

    r = np.random.default_rng(seed)
    width, height, n_res = 7, 5, 120
    idx = np.sort(r.choice(200, n_res, replace=False)).astype(np.int64)
    home = r.integers(0, width * height, n_res).astype(np.int64)
    age = np.zeros(200, np.float32)
    age[idx] = r.uniform(0, 90, n_res)
    cells = CellIndex.build(idx, home, width * height)
    n = r.poisson(2.0, n_res)
    draws = r.random((int(n.sum()), 4))
    args = (idx, home, n, draws, cells, width, height, radius, 0.3, age, _acceptance_table(12.0))
    want = reference_neighbours(*args)
    got = _neighbour_pairs(idx, home, n, draws, cells.start, cells.count, cells.members, *args[5:])
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    assert 0 < len(want[0]) < n.sum()


def reference_visits(adj, household, visits, draws):
    """Each visit picks an outside tie with chance proportional to its weight, by
    walking the running sum (the original loop)."""
    u, v, d = [], [], 0
    for i, k in enumerate(visits):
        ties = range(adj.start[i], adj.end[i])
        outside = [j for j in ties if household[adj.nbr[j]] != household[i]]
        total = 0.0
        for j in outside:
            total += adj.weight[j]
        for _ in range(k):
            r = draws[d] * total
            d += 1
            if total <= 0:
                continue
            acc = 0.0
            for j in outside:
                acc += adj.weight[j]
                if acc >= r:
                    break
            u.append(i)
            v.append(adj.nbr[j])
    return np.array(u, np.int64), np.array(v, np.int64)


@pytest.mark.parametrize("seed", range(3))
def test_visits_pick_the_same_ties_as_the_running_sum_loop(seed):
    from model import tie_kernels

    capacity = 40
    net = random_network(seed, capacity, 160)
    r = np.random.default_rng(seed)
    household = r.integers(0, 12, capacity)
    visits = r.poisson(1.5, capacity)
    draws = r.random(int(visits.sum()))
    adj = net.adjacency(capacity)
    got = tie_kernels.visit_partners(
        adj.start, adj.end, adj.nbr, adj.weight, household, visits, draws
    )
    want = reference_visits(adj, household, visits, draws)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    assert len(set(want[1].tolist())) > 5


@pytest.mark.parametrize(("seed", "n", "n_households"), [(0, 0, 3), (1, 1, 1), (2, 300, 90)])
def test_household_facts_match_bincounts(seed, n, n_households):
    from model.households import HouseholdView

    r = np.random.default_rng(seed)
    idx = np.sort(r.choice(2 * n + 1, n, replace=False)).astype(np.int64)
    household = r.integers(0, n_households, n).astype(np.int32)
    age = r.uniform(0, 95, n).astype(np.float32)
    school = np.where(r.random(n) < 0.2, r.integers(0, 3, n), -1).astype(np.int32)
    frailty = r.random(n).astype(np.float32)
    frailty[: n // 10] = np.float32(0.6)  # the boundary: not frail
    hv = HouseholdView.build(idx, household, age, school, frailty, n_households)

    def any_of(mask):
        return np.bincount(household[mask], minlength=n_households) > 0

    oldest = np.zeros(n_households)
    np.maximum.at(oldest, household, age)
    np.testing.assert_array_equal(hv.size, np.bincount(household, minlength=n_households))
    np.testing.assert_array_equal(hv.oldest, oldest)
    np.testing.assert_array_equal(hv.pupils, any_of(school >= 0))
    np.testing.assert_array_equal(hv.infants, any_of(age < 6))
    np.testing.assert_array_equal(hv.frail, any_of(frailty > np.float32(0.6)))
    np.testing.assert_array_equal(np.sort(hv.index.members), idx)


def test_access_is_the_numpy_formula_to_the_bit(town_week):
    from model.organisations.community import association_access

    town, wk = town_week
    pop, idx = town.population, wk.idx
    pop.last_place_week[idx[::3]] = town.week - 2  # some have been to a place lately
    school = pop.school[idx]
    programme = np.where(school >= 0, town.school_programme[np.maximum(school, 0)], 0.0)
    employer = pop.employer[idx]
    miss = (
        (1.0 - participation.ACCESS_ASSOCIATION * association_access(town, idx))
        * (1.0 - programme)
        * (1.0 - participation.ACCESS_PLACE * pop.within("last_place_week", town.week, 8, idx))
        * (1.0 - participation.ACCESS_NPO * participation.knows_npo(town, idx))
        * (
            1.0
            - participation.ACCESS_COMPANY
            * ((employer >= 0) & town.programme[np.maximum(employer, 0)])
        )
    )
    want = np.minimum(1.0 - miss + town.interventions.bonus("access_bonus", town, idx), 1.0)
    got = participation.access_to_opportunities(town, idx, wk.households)
    np.testing.assert_array_equal(got, want)
    assert 0 < np.count_nonzero(want == 1.0) < len(want) and len(np.unique(want)) > 5
