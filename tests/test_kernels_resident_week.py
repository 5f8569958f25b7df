"""The residents' weekly fast paths (grouping in one compiled call, the cell index, the
household facts read at the alive slots, living alone, the work and school keys, the
kept acceptance tables) against plain references on small random inputs."""

from __future__ import annotations

import numpy as np
import pytest

from model import encounters, streams
from model.encounters import CellIndex, GroupIndex, within_groups
from model.households import HouseholdView
from tests.references import reference_neighbours, school_for


def reference_index(members: np.ndarray, groups: np.ndarray) -> dict[str, np.ndarray]:
    """Keys renumbered by rank, a stable sort, then each member's group start and size,
    spelled out with Python loops."""
    rank = {g: r for r, g in enumerate(sorted(set(groups.tolist())))}
    order = sorted(range(len(groups)), key=lambda i: rank[int(groups[i])])  # stable
    g = [rank[int(groups[i])] for i in order]
    start = [g.index(x) for x in g]
    size = [g.count(x) for x in g]
    first = sorted(set(start))
    dense = rank and max(groups.tolist()) + 1 <= 4 * len(groups) + 1024
    return {
        "members": np.array([members[i] for i in order], np.int64),
        "start": np.array(start, np.int64),
        "size": np.array(size, np.int64),
        "pos": np.arange(len(g), dtype=np.int64),
        "order": np.array(order, np.int64),
        "first": np.array(first, np.int64),
        # dense keys keep their ids; sparse ones are numbered by rank
        "group": np.array([int(groups[order[f]]) if dense else g[f] for f in first], np.int64),
    }


@pytest.mark.parametrize(
    ("seed", "n", "top", "dtype"),
    [
        (seed, n, top, dtype)
        for seed, n, top in [
            (0, 0, 1), (1, 1, 1), (2, 1, 10**7), (3, 25, 1), (4, 40, 6), (5, 300, 80),
            (6, 50, 1 << 26), (7, 200, 5000), (8, 3, 1 << 40),
        ]
        for dtype in (np.int64, np.int32)
        if top < 2**31 or dtype == np.int64  # int32 keys cannot be that large
    ],
)  # fmt: skip
def test_group_index_matches_a_renumbered_stable_sort(seed, n, top, dtype):
    r = np.random.default_rng(seed)
    members = r.choice(10 * n + 10, size=n, replace=False).astype(np.int64)
    groups = r.integers(0, top, n).astype(dtype)
    index = GroupIndex.build(members, groups)
    for name, want in reference_index(members, groups).items():
        got = getattr(index, name)
        assert got.dtype == np.int64, name
        np.testing.assert_array_equal(got, want, err_msg=name)
    assert index.members is not members


def test_sparse_keys_fall_back_to_the_stable_sort() -> None:
    # kind-and-id keys (attachment.activity_groups) with repeats across far-apart kinds
    members = np.array([9, 4, 7, 1, 3, 8], np.int64)
    groups = np.array([3 << 24, 5, 3 << 24, 5, 1 << 24, 5], np.int64)
    index = GroupIndex.build(members, groups)
    np.testing.assert_array_equal(index.members, [4, 1, 8, 3, 9, 7])
    np.testing.assert_array_equal(index.start, [0, 0, 0, 3, 4, 4])
    np.testing.assert_array_equal(index.size, [3, 3, 3, 1, 2, 2])
    np.testing.assert_array_equal(index.group, [0, 1, 2])


@pytest.mark.parametrize("seed", range(4))
def test_drop_lone_matches_numpy(seed):
    r = np.random.default_rng(seed)
    n = r.poisson(2.0, 50)
    size = r.integers(1, 4, 50)
    want = n.copy()
    want[size < 2] = 0
    got = n.copy()
    assert encounters._drop_lone(got, size) == want.sum()
    np.testing.assert_array_equal(got, want)
    assert encounters._drop_lone(np.empty(0, np.int64), np.empty(0, np.int64)) == 0


@pytest.mark.parametrize("seed", range(3))
def test_within_groups_draws_as_before(seed):
    """Lone members draw a Poisson count but meet nobody; the uniforms drawn are for
    the others' meetings only (the rule before the fused count)."""
    r = np.random.default_rng(seed)
    members = r.choice(500, 60, replace=False).astype(np.int64)
    groups = r.integers(0, 25, 60)
    index = GroupIndex.build(members, groups)
    a, b = np.random.default_rng(seed), np.random.default_rng(seed)
    u, v = within_groups(index, 2.0, a)
    n = b.poisson(2.0, size=60)
    n[index.size < 2] = 0
    draws = b.random(int(n.sum()))
    want_u, want_v = [], []
    k = 0
    for i in range(60):
        for _ in range(n[i]):
            r_ = int(draws[k] * (index.size[i] - 1))
            r_ += index.start[i] + r_ >= i
            want_u.append(index.members[i])
            want_v.append(index.members[index.start[i] + r_])
            k += 1
    np.testing.assert_array_equal(u, want_u)
    np.testing.assert_array_equal(v, want_v)
    assert a.random() == b.random()


def test_acceptance_tables_are_kept_and_read_only():
    for scale in (0.0, -1.0, 7.5, 15.0):
        want = np.ones(128) if scale <= 0 else np.exp(-np.arange(128) / scale)
        first = encounters._acceptance_table(scale)
        again = encounters._acceptance_table(scale)
        assert again is first and not first.flags.writeable
        np.testing.assert_array_equal(first, want)
    assert encounters._acceptance_table(15.0) is not encounters._acceptance_table(7.5)


@pytest.mark.parametrize(
    ("seed", "n", "n_cells"), [(0, 0, 5), (1, 1, 1), (2, 80, 12), (3, 40, 200)]
)
@pytest.mark.parametrize("dtype", [np.int64, np.int32])
def test_cell_index_matches_a_stable_sort(seed, n, n_cells, dtype):
    r = np.random.default_rng(seed)
    idx = np.sort(r.choice(5 * n + 5, n, replace=False)).astype(np.int64)
    cell = r.integers(0, n_cells, n).astype(dtype)
    got = CellIndex.build(idx, cell, n_cells)
    want_members = [int(idx[i]) for c in range(n_cells) for i in range(n) if cell[i] == c]
    want_count = [int(np.count_nonzero(cell == c)) for c in range(n_cells)]
    want_start = [sum(want_count[:c]) for c in range(n_cells)]
    np.testing.assert_array_equal(got.members, want_members)
    np.testing.assert_array_equal(got.count, want_count)
    np.testing.assert_array_equal(got.start, want_start)


@pytest.mark.parametrize(("seed", "n"), [(0, 0), (1, 1), (2, 60), (3, 300)])
def test_household_view_of_slots_matches_build_and_marks_the_alone(seed, n):
    r = np.random.default_rng(seed)
    capacity = 2 * n + 3
    idx = np.sort(r.choice(capacity, n, replace=False)).astype(np.int64)
    n_households = max(1, n // 2)
    household_col = r.integers(0, n_households, capacity).astype(np.int32)
    age = r.uniform(0, 95, capacity).astype(np.float32)
    school = r.integers(-1, 3, capacity).astype(np.int32)
    frailty = r.random(capacity).astype(np.float32)
    hh = household_col[idx]
    want = HouseholdView.build(idx, hh, age[idx], school[idx], frailty[idx], n_households)
    got = HouseholdView.of_slots(idx, hh, age, school, frailty, n_households)
    for name in ("size", "oldest", "pupils", "infants", "frail"):
        a, b = getattr(got, name), getattr(want, name)
        assert a.dtype == b.dtype and np.array_equal(a, b), name
    np.testing.assert_array_equal(got.index.members, want.index.members)
    alone = r.random(capacity) < 0.5  # stale flags, all overwritten
    got.mark_alone(idx, hh, alone)
    expect = np.zeros(capacity, bool)
    for s, h in zip(idx.tolist(), hh.tolist(), strict=True):
        expect[s] = np.count_nonzero(hh == h) == 1
    np.testing.assert_array_equal(alone, expect)


@pytest.mark.parametrize(("seed", "n"), [(0, 0), (1, 1), (2, 90)])
def test_keyed_members_match_numpy(seed, n):
    r = np.random.default_rng(seed)
    capacity = n + 10
    idx = np.sort(r.choice(capacity, n, replace=False)).astype(np.int64)
    column = r.integers(-2, 4, capacity).astype(np.int32)
    age = r.uniform(0, 30, capacity).astype(np.float32)
    chosen = idx[column[idx] >= 0]
    members, keys = encounters._keyed(idx, column, column, age, 0)
    np.testing.assert_array_equal(members, chosen)
    np.testing.assert_array_equal(keys, column[chosen].astype(np.int64))
    members, keys = encounters._keyed(idx, column, column, age, 32)
    classes = column[chosen].astype(np.int64) * 32 + age[chosen].astype(np.int64)
    np.testing.assert_array_equal(members, chosen)
    np.testing.assert_array_equal(keys, classes)
    assert keys.dtype == np.int64


def test_neighbourhood_takes_int32_home_cells_alike():
    r = np.random.default_rng(5)
    width, height, n_res = 6, 6, 90
    idx = np.sort(r.choice(150, n_res, replace=False)).astype(np.int64)
    home = r.integers(0, width * height, n_res).astype(np.int32)
    age = r.uniform(0, 90, 150).astype(np.float32)
    rate = r.uniform(0.5, 3.0, n_res)
    cells = CellIndex.build(idx, home, width * height)
    a, b = (streams.seeded(np.random.SeedSequence(1)) for _ in range(2))
    args = (cells, width, height, 2, 0.4, age, 10.0)
    got = encounters.neighbourhood(idx, home, rate, *args, a)
    want = encounters.neighbourhood(idx, home.astype(np.int64), rate, *args, b)
    for x, y in zip(got, want, strict=True):
        np.testing.assert_array_equal(x, y)
    assert len(got[0]) > 0


@pytest.mark.parametrize(
    ("seed", "n_res", "width", "height", "radius", "same", "n_cells_used"),
    [(0, 0, 4, 4, 2, 0.5, 16), (1, 1, 3, 5, 1, 0.5, 15), (2, 120, 7, 5, 2, 0.3, 35),
     (3, 90, 6, 6, 3, 0.6, 3), (4, 60, 5, 5, 0, 0.4, 25), (5, 60, 5, 5, 0, 1.0, 25),
     (6, 40, 1, 1, 1, 0.5, 1), (7, 80, 9, 2, 2, 0.0, 18)],
)  # fmt: skip
def test_branch_free_neighbour_pairs_match_a_plain_loop(
    seed, n_res, width, height, radius, same, n_cells_used
):
    r = np.random.default_rng(seed)
    idx = np.sort(r.choice(3 * n_res + 3, n_res, replace=False)).astype(np.int64)
    home = r.integers(0, n_cells_used, n_res).astype(np.int64)
    age = r.uniform(0, 95, 3 * n_res + 3).astype(np.float32)
    cells = CellIndex.build(idx, home, width * height)
    n = r.poisson(2.5, n_res)
    draws = r.random((int(n.sum()), 4))
    accept = encounters._acceptance_table(9.0)
    args = (idx, home, n, draws, cells, width, height, radius, same, age, accept)
    want = reference_neighbours(*args)
    got = encounters._neighbour_pairs(
        idx, home, n, draws, cells.start, cells.count, cells.members, *args[5:]
    )
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    if n_res > 1:
        assert 0 < len(want[0]) < n.sum()


@pytest.mark.parametrize(("seed", "n"), [(0, 0), (1, 1), (2, 2000)])
def test_frailty_passes_match_the_numpy_curve_bit_for_bit(seed, n):
    from model import vital_kernels

    r = np.random.default_rng(seed)
    capacity = n + 7
    idx = np.sort(r.choice(capacity, n, replace=False)).astype(np.int64)
    age = r.uniform(0, 120, capacity).astype(np.float32)
    age[:3] = (0.0, 85.0, 119.99)
    frailty_u = (3 * r.standard_normal(capacity)).astype(np.float32)
    want = np.full(capacity, 0.25, np.float32)
    z = (age[idx] - 85.0) / 6.0 + 0.8 * frailty_u[idx]
    want[idx] = 1.0 / (1.0 + np.exp(-z))
    got = np.full(capacity, 0.25, np.float32)
    e = np.exp(vital_kernels.frailty_exponent(idx, age, frailty_u))
    vital_kernels.set_frailty(idx, e, got)
    assert got.tobytes() == want.tobytes()


@pytest.mark.parametrize(("seed", "n"), [(0, 0), (1, 1), (2, 400)])
def test_school_places_match_the_level_masks(seed, n):
    from model.venues import SCHOOL_LEVELS, Venues

    r = np.random.default_rng(seed)
    n_cells = 12
    nearest = r.integers(0, 9, (len(SCHOOL_LEVELS), n_cells)).astype(np.int32)
    venues = Venues(
        np.zeros(9, np.int32), np.zeros(9, np.int64), nearest, np.zeros(1, np.int64), np.ones(1)
    )
    capacity = n + 5
    idx = np.sort(r.choice(capacity, n, replace=False)).astype(np.int64)
    age = r.uniform(0, 25, capacity).astype(np.float32)
    age[idx[:1]] = 18.0 if n else 0.0
    cell = r.integers(0, n_cells, capacity).astype(np.int32)
    school = np.full(capacity, 77, np.int32)
    want = school.copy()
    want[idx] = school_for(venues, age[idx], cell[idx])
    venues.place_pupils(idx, age, cell, school)
    np.testing.assert_array_equal(school, want)
    edges = np.array([5.99, 6.0, 11.99, 12.0, 14.999, 15.0, 17.99, 18.0], np.float32)
    want = [-1, 0, 0, 1, 1, 2, 2, -1]
    got = np.zeros(len(edges), np.int32)
    one_cell = np.arange(3, dtype=np.int32).reshape(3, 1)  # school id = level
    level_ids = Venues(
        np.zeros(3, np.int32), np.zeros(3, np.int64), one_cell, np.zeros(1, np.int64), np.ones(1)
    )
    level_ids.place_pupils(np.arange(len(edges)), edges, np.zeros(len(edges), np.int32), got)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(("seed", "n"), [(0, 0), (1, 1), (2, 500)])
def test_visitors_match_the_array_rule_then_gather(seed, n):
    from model import places

    r = np.random.default_rng(seed)
    capacity, n_cells = n + 9, 30
    idx = np.sort(r.choice(capacity, n, replace=False)).astype(np.int64)
    cell = r.integers(0, n_cells, capacity).astype(np.int32)
    age = r.uniform(0, 95, capacity).astype(np.float32)
    awareness = r.random(capacity).astype(np.float32)
    frailty = r.random(capacity).astype(np.float32)
    nearest = r.integers(0, 4, n_cells)
    dist = r.integers(0, 9, n_cells)
    other = 0.3 * (1.0 + places.ALL_AGES_BOOST * (r.random(4) < 0.5)[nearest])
    falloff = np.exp(-dist / 6 * 1.5)
    reach = dist <= 6
    u = r.random(n) * 0.5
    args = (idx, cell, age, awareness, frailty, u, other, falloff, reach, 0.4)
    c = cell[idx]
    base = np.where(age[idx] >= 65, 0.4, other[c])
    go = (
        u < base * (0.4 + 1.2 * awareness[idx]) * (1.0 - 0.7 * frailty[idx]) * falloff[c] * reach[c]
    )
    visitors, where = places._visitors(*args, nearest)
    np.testing.assert_array_equal(visitors, idx[go])
    np.testing.assert_array_equal(where, nearest[cell[idx[go]]].astype(np.int64))
    assert where.dtype == np.int64 and visitors.dtype == np.int64
    assert n < 300 or 0 < len(visitors) < n


def test_per_cell_place_terms_are_kept_until_something_changes():
    from types import SimpleNamespace

    from model import places

    r = np.random.default_rng(4)
    nearest, dist = r.integers(0, 3, 20), r.integers(0, 9, 20)
    sites = [SimpleNamespace(all_ages=a) for a in (True, False, False)]

    def fresh(other_rate, radius, flags):
        other = other_rate * (1.0 + places.ALL_AGES_BOOST * np.array(flags)[nearest])
        return other, np.exp(-dist / max(radius, 1) * 1.5), dist <= radius

    first = places._per_cell(sites, nearest, dist, 0.01, 6)
    for got, want in zip(first, fresh(0.01, 6, (True, False, False)), strict=True):
        assert got.tobytes() == want.tobytes()
    assert places._per_cell(sites, nearest, dist, 0.01, 6)[0] is first[0]
    for rate, radius in ((0.02, 6), (0.01, 4)):  # a path changed a parameter
        got = places._per_cell(sites, nearest, dist, rate, radius)
        for a, b in zip(got, fresh(rate, radius, (True, False, False)), strict=True):
            assert a.tobytes() == b.tobytes()
    sites[2].all_ages = True  # (places' flags are compared too)
    got = places._per_cell(sites, nearest, dist, 0.01, 4)
    assert got[0].tobytes() == fresh(0.01, 4, (True, False, True))[0].tobytes()
    other_nearest = nearest.copy()  # a place opened or closed: a new table
    got = places._per_cell(sites, other_nearest, dist, 0.01, 4)
    assert got[0] is not first[0]


@pytest.mark.parametrize(("seed", "n"), [(0, 0), (1, 1), (2, 3000)])
def test_district_shares_match_the_bincounts(seed, n):
    from model import participation_kernels
    from model.population import NEVER

    r = np.random.default_rng(seed)
    capacity, n_cells, n_districts = n + 9, 40, 6
    idx = np.sort(r.choice(capacity, n, replace=False)).astype(np.int64)
    cell = r.integers(0, n_cells, capacity).astype(np.int32)
    district_of_cell = r.integers(-1, n_districts, n_cells).astype(np.int32)
    last = r.integers(0, 30, capacity).astype(np.int32)
    last[r.random(capacity) < 0.3] = NEVER
    week = 29
    district = district_of_cell[cell[idx]]
    ok = district >= 0
    vol = (last[idx] != NEVER) & (week - last[idx] < 4)
    count = np.bincount(district[ok], minlength=n_districts)
    done = np.bincount(district[ok], weights=vol[ok], minlength=n_districts)
    want = np.divide(done, count, out=np.zeros(n_districts), where=count > 0)
    got = participation_kernels.district_shares(
        idx, cell, district_of_cell, last, week, 4, NEVER, n_districts
    )
    assert got.tobytes() == want.tobytes()
    if n > 100:
        assert 0 < got.max() < 1
