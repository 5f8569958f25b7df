"""Second-round fast paths of the weekly observation against NumPy and plain Python:
the float sums must be identical to the last bit, the counts exact."""

from __future__ import annotations

import numpy as np
import pytest

from model import gathered_sums as gs

SEEDS = range(5)
SIZES = (0, 1, 7, 8, 9, 127, 128, 129, 255, 256, 257, 1000, 4099)


def _same(got: float, want: float) -> bool:
    if np.isnan(want):
        return bool(np.isnan(got))
    return got == want and np.signbit(got) == np.signbit(want)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("seed", SEEDS)
def test_gathered_mean_is_numpy_mean(dtype, seed: int) -> None:
    rng = np.random.default_rng(seed)
    for n in SIZES:
        capacity = n + int(rng.integers(0, 50))
        values = (rng.random(capacity) * 10.0 ** rng.integers(-3, 6)).astype(dtype)
        idx = np.sort(rng.choice(capacity, n, replace=False)).astype(np.int64)
        want = float(values[idx].mean()) if n else np.nan
        assert _same(gs.gathered_mean(values, idx), want), n


def test_pairwise_sum_follows_numpys_order() -> None:
    """Values whose float32 sum depends on the order: only NumPy's tree gets NumPy's sum."""
    rng = np.random.default_rng(7)
    for n in (9, 130, 300, 1025, 5000):
        values = (rng.standard_normal(n) * 1e4).astype(np.float32)
        idx = np.arange(n)
        assert gs.pairwise_sum(values, idx, 0, n) == np.add.reduce(values)
        # a plain left-to-right sum differs for some of these (so the test can fail)
    left = np.float32(0)
    values = (rng.standard_normal(5000) * 1e4).astype(np.float32)
    for v in values:
        left = np.float32(left + v)
    assert left != np.add.reduce(values)


def test_gathered_mean_of_negative_zeros_is_positive_zero() -> None:
    values = np.full(300, -0.0, np.float32)
    for n in (3, 20, 300):
        got = gs.gathered_mean(values, np.arange(n))
        assert _same(got, float(values[:n].mean()))


@pytest.mark.parametrize("seed", SEEDS)
def test_gift_summary_matches_numpy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for n in (0, 1, 5, 200, 3000):
        capacity = n + 10
        gifts = (rng.random((13, capacity)) * 5000).astype(np.float32)
        gifts[rng.random((13, capacity)) < 0.8] = 0.0
        gifts[:, rng.random(capacity) < 0.3] = 0.0  # some never gave
        idx = np.sort(rng.choice(capacity, n, replace=False)).astype(np.int64)
        given = gifts.sum(axis=0)[idx]
        donors = given[given > 0]
        total, got_donors, per_donor = gs.gift_summary(gifts, idx)
        assert _same(total, float(given.sum()))
        assert got_donors.dtype == donors.dtype and np.array_equal(got_donors, donors)
        assert _same(per_donor, float(donors.mean()) if len(donors) else np.nan)


@pytest.mark.parametrize("seed", SEEDS)
def test_resident_tallies_age_groups_with_any_bounds(seed: int) -> None:
    """Groups counted through bins of their bounds: overlapping, nested, unsorted,
    shared or empty groups, ages on the bounds, missing, negative or huge, with whole or
    fractional bounds, as one mask per group counts them."""
    from model import outcome_kernels as ok
    from model.population import NEVER

    rng = np.random.default_rng(seed)
    cases = [(c, whole) for c in (0, 1, 60, 500) for whole in (True, False)]
    for capacity, whole in cases:
        age = rng.choice(np.arange(0, 100, 2.5), capacity).astype(np.float32)
        age[rng.random(capacity) < 0.05] = np.nan
        age[rng.random(capacity) < 0.05] = -3.0
        age[rng.random(capacity) < 0.05] = 1e7  # beyond every whole-year bin
        last_vol = np.where(rng.random(capacity) < 0.5, NEVER, 290).astype(np.int32)
        lo = rng.choice(np.arange(0, 90, 5.0), 6).astype(np.float32)
        # whole-number bounds take the lookup by whole years, others the comparisons
        steps = [0.0, 5.0, 200.0] if whole else [0.0, 5.0, 12.5, 200.0]
        hi = (lo + rng.choice(steps, 6)).astype(np.float32)
        if not whole:
            hi[2] = lo[2] + 12.5
        lo[0], hi[0] = 65, 200  # the survey's nested 65+ and 75+
        lo[1], hi[1] = 75, 200
        idx = np.flatnonzero(rng.random(capacity) < 0.8)
        zeros = np.zeros(capacity, np.int32)
        c, *_ = ok.resident_tallies(
            idx, age, zeros.astype(bool), zeros, zeros - 1, zeros.astype(np.int8), 1,
            zeros.astype(bool), np.zeros((capacity, 4), np.int32), last_vol, last_vol,
            last_vol, last_vol, 300, 8, np.zeros(1, bool), np.float32(10), np.float32(20),
            lo, hi,
        )  # fmt: skip
        a = age[idx]
        can = a >= 10
        vol = last_vol[idx] != NEVER
        for g in range(len(lo)):
            inside = can & (a >= lo[g]) & (a < hi[g])
            assert c[ok.GROUPS + 2 * g] == inside.sum(), (g, lo[g], hi[g])
            assert c[ok.GROUPS + 2 * g + 1] == (inside & vol).sum()


def _cross_sector_reference(a, b, roster, leaders, attach_kind, employer, capacity) -> int:
    """The roster members tied across sectors, as the NumPy version counted them."""
    sector = np.full(capacity, -1, np.int8)
    sector[roster] = np.where(attach_kind[roster] == 1, 1, np.where(employer[roster] >= 0, 2, 0))
    sector[leaders] = 0
    tied = np.zeros(capacity, bool)
    for x, y in zip(a.tolist(), b.tolist(), strict=True):
        if sector[x] >= 0 and sector[y] >= 0 and sector[x] != sector[y]:
            tied[x] = tied[y] = True
    return int(np.count_nonzero(tied[roster]))


@pytest.mark.parametrize("seed", SEEDS)
def test_tied_across_counts_the_roster_like_numpy(seed: int) -> None:
    """Over sorted packed keys, as the network keeps them; rosters with and without
    the lowest and highest slots (int64 and int32), ties within one sector."""
    from model.dashboard import _tied_across

    rng = np.random.default_rng(seed)
    for capacity, n_edges in ((1, 0), (2, 1), (40, 0), (40, 120), (300, 2000)):
        u, v = rng.integers(0, capacity, n_edges), rng.integers(0, capacity, n_edges)
        key = np.unique((np.minimum(u, v) << 32 | np.maximum(u, v))[u != v])  # sorted ties
        a, b = (key >> 32).astype(np.int32), (key & 0xFFFFFFFF).astype(np.int32)
        attach_kind = rng.integers(0, 3, capacity).astype(np.int8)
        employer = rng.integers(-1, 3, capacity).astype(np.int32)
        roster = np.unique(rng.integers(0, capacity, rng.integers(0, capacity + 1)))
        if capacity == 300:
            roster = roster.astype(np.int32)  # shifts must not overflow
        leaders = roster[rng.random(len(roster)) < 0.3].astype(np.int64)
        got = _tied_across(key, roster, leaders, attach_kind, 1, employer, capacity)
        assert got == _cross_sector_reference(
            a, b, roster, leaders, attach_kind, employer, capacity
        )


def test_organisation_people_same_with_given_candidates() -> None:
    from model import attachment, outcome_kernels
    from tests.towns import small_town

    model = small_town(600, seed=3, warmup_weeks=4)
    for _ in range(2):
        model.step()
        pop = model.population
        candidates = outcome_kernels.roster_candidates(
            pop.alive, pop.attach_kind, attachment.NPO, pop.attach_id, len(model.npos),
            pop.employer, model.venues.n_workplaces,
        )  # fmt: skip
        alone = model.organisation_people()
        assert np.array_equal(model.organisation_people(candidates), alone) and len(alone)


def _layers_reference(idx, cell, age, last_vol, week, by_class, alone, width, height):
    """The NumPy layers as ``_update_layers`` computed them before."""
    from model.population import NEVER

    n_cells = width * height
    c, a = cell[idx], age[idx]
    vol = (last_vol[idx] != NEVER) & (week - last_vol[idx] < 52) & (a >= 10)
    counts = [
        np.bincount(c, minlength=n_cells),
        np.bincount(c, weights=vol, minlength=n_cells).astype(np.int64),
        np.bincount(c, weights=by_class[idx].sum(axis=1), minlength=n_cells).astype(np.int64),
        np.bincount(c, weights=alone[idx] & (a >= 65), minlength=n_cells).astype(np.int64),
    ]
    residents = counts[0].astype(float)
    occupied = residents > 0
    rates = [np.divide(counts[k], residents, where=occupied, out=np.zeros(n_cells)) for k in (1, 2)]
    return [v.reshape(width, height) for v in (residents, *rates, counts[3].astype(float))]


@pytest.mark.parametrize("seed", SEEDS)
def test_fill_layers_matches_numpy(seed: int) -> None:
    from model import outcome_kernels as ok
    from model.population import NEVER

    rng = np.random.default_rng(seed)
    for capacity, (width, height) in ((0, (1, 1)), (1, (2, 3)), (80, (3, 4)), (600, (7, 5))):
        cell = rng.integers(0, width * height, capacity).astype(np.int32)
        age = (rng.random(capacity) * 95).astype(np.float32)
        last_vol = np.where(rng.random(capacity) < 0.4, NEVER, 300 - rng.integers(0, 80, capacity))
        last_vol = last_vol.astype(np.int32)
        by_class = rng.integers(0, 4, (capacity, 4)).astype(np.int32)
        alone = rng.random(capacity) < 0.3
        idx = np.flatnonzero(rng.random(capacity) < 0.7)
        layers = [np.full((width, height), 9.0) for _ in range(4)]  # stale values
        ok.fill_layers(idx, cell, age, last_vol, 300, by_class, alone, *layers)
        want = _layers_reference(idx, cell, age, last_vol, 300, by_class, alone, width, height)
        for got, expected in zip(layers, want, strict=True):
            assert np.array_equal(got, expected)


def test_update_layers_writes_the_models_grids() -> None:
    from tests.towns import small_town

    model = small_town(500, seed=2, warmup_weeks=4)
    model.step()
    pop = model.population
    census = model.ties.census(
        pop.household, np.zeros(pop.capacity, np.int8), model.params.strong_threshold,
        pop.capacity,
    )  # fmt: skip
    model._update_layers(census[0])
    geo = model.geography
    want = _layers_reference(
        pop.alive_idx(), pop.cell, pop.age, pop.last_volunteer_week, model.week, census[0],
        model.lives_alone, geo.width, geo.height,
    )  # fmt: skip
    for name, expected in zip(model.layers, want, strict=True):
        assert np.array_equal(model.layers[name].data, expected), name
    assert model.layers["residents"].data.sum() == len(pop.alive_idx())
