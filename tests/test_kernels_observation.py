"""The compiled passes behind the weekly outcomes (model/outcome_kernels.py) against
plain NumPy and Python references on small random towns: the counts must be exact."""

from __future__ import annotations

import numpy as np
import pytest

from model import outcome_kernels as ok
from model import pairwise, tie_kernels
from model.population import NEVER
from model.ties import TieNetwork

SEEDS = range(6)
LO = np.array([10, 20, 25, 30, 40, 50, 60, 65, 75], np.float32)
HI = np.array([20, 25, 30, 40, 50, 60, 65, 200, 200], np.float32)


def _town(seed: int, capacity: int):
    rng = np.random.default_rng(seed)
    n_hh = max(capacity // 2, 1)
    week = 300

    def last() -> np.ndarray:
        return np.where(rng.random(capacity) < 0.3, NEVER, week - rng.integers(0, 80, capacity))

    return dict(
        alive=rng.random(capacity) < 0.8,
        age=(rng.random(capacity) * 95).astype(np.float32),
        female=rng.random(capacity) < 0.5,
        household=rng.integers(0, n_hh, capacity).astype(np.int32),
        employer=rng.integers(-1, 4, capacity).astype(np.int32),
        attach_kind=rng.integers(0, 3, capacity).astype(np.int8),
        attach_id=rng.integers(-1, 4, capacity).astype(np.int32),
        brigade=rng.random(capacity) < 0.1,
        by_class=rng.integers(0, 3, (capacity, 4)).astype(np.int32),
        last_volunteer=last().astype(np.int32),
        last_donation=last().astype(np.int32),
        last_local_gift=last().astype(np.int32),
        last_place=last().astype(np.int32),
        member=rng.random(n_hh) < 0.6,
        cell=rng.integers(0, 7, capacity).astype(np.int32),
        lives_alone=rng.random(capacity) < 0.2,
        week=week,
    )


def _within(last: np.ndarray, week: int, weeks: int) -> np.ndarray:
    return (last != NEVER) & (week - last < weeks)


def _reference_tallies(t: dict, idx: np.ndarray) -> dict[int, int]:
    age = t["age"][idx]
    bc = t["by_class"][idx]
    size = np.bincount(t["household"][idx], minlength=len(t["member"]))
    alone = size[t["household"][idx]] == 1
    vol = _within(t["last_volunteer"][idx], t["week"], 52)
    elder = age >= 65
    out_deg = bc[:, 2] + bc[:, 3]
    can = age >= 10
    female = t["female"][idx]
    attached = t["attach_kind"][idx] == 1
    adult = age >= 20
    emp = (t["employer"][idx] >= 0) & (age >= 18)
    ref = {
        ok.ALIVE: len(idx), ok.UNDER_15: (age < 15).sum(),
        ok.AGE_15_64: ((age >= 15) & (age < 65)).sum(), ok.AGE_65: elder.sum(),
        ok.AGE_75: (age >= 75).sum(), ok.ELDER_ALONE: (elder & alone).sum(),
        ok.DEGREE: bc.sum(), ok.STRONG_DEGREE: (bc[:, 1] + bc[:, 3]).sum(),
        ok.ELDER_OUT_DEGREE: out_deg[elder].sum(), ok.ISOLATED: (out_deg == 0).sum(),
        ok.ISOLATED_ELDER_ALONE: ((out_deg == 0) & elder & alone).sum(),
        ok.AGE_60: (age >= 60).sum(), ok.AGE_60_NO_CLOSE: ((age >= 60) & (bc[:, 3] == 0)).sum(),
        ok.CAN_VOL: can.sum(), ok.CAN_VOL_VOL: (can & vol).sum(),
        ok.MALE: (can & ~female).sum(), ok.MALE_VOL: (can & ~female & vol).sum(),
        ok.FEMALE: (can & female).sum(), ok.FEMALE_VOL: (can & female & vol).sum(),
        ok.EMPLOYEES: emp.sum(), ok.EMPLOYEES_VOL: (emp & vol).sum(),
        ok.ADULT: adult.sum(),
        ok.ADULT_DONOR: (adult & _within(t["last_donation"][idx], t["week"], 52)).sum(),
        ok.ADULT_LOCAL_DONOR: (adult & _within(t["last_local_gift"][idx], t["week"], 52)).sum(),
        ok.ATTACHED: attached.sum(), ok.CAN_VOL_ATTACHED: (attached & can).sum(),
        ok.BRIGADE: t["brigade"][idx].sum(),
        ok.ELDER_AT_PLACE: (elder & _within(t["last_place"][idx], t["week"], 8)).sum(),
        ok.HOUSEHOLDS: (size > 0).sum(), ok.MEMBER_HOUSEHOLDS: (t["member"] & (size > 0)).sum(),
    }  # fmt: skip
    for g, (lo, hi) in enumerate(zip(LO, HI, strict=True)):
        group = can & (age >= lo) & (age < hi)
        ref[ok.GROUPS + 2 * g] = group.sum()
        ref[ok.GROUPS + 2 * g + 1] = (group & vol).sum()
    return {k: int(v) for k, v in ref.items()}


def _tallies(t: dict, idx: np.ndarray):
    return ok.resident_tallies(
        idx, t["age"], t["female"], t["household"], t["employer"], t["attach_kind"], 1,
        t["brigade"], t["by_class"], t["last_volunteer"], t["last_donation"],
        t["last_local_gift"], t["last_place"], t["week"], 8, t["member"], np.float32(10),
        np.float32(20), LO, HI,
    )  # fmt: skip


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("capacity", [1, 2, 40, 300])
def test_resident_tallies_match_masks(seed: int, capacity: int) -> None:
    t = _town(seed, capacity)
    idx = np.flatnonzero(t["alive"])
    counts, ten, adults, eighteen = _tallies(t, idx)
    ref = _reference_tallies(t, idx)
    assert {k: int(counts[k]) for k in ref} == ref
    assert len(counts) == ok.GROUPS + 2 * len(LO)
    age = t["age"][idx]
    assert ten.tolist() == idx[age >= 10].tolist()
    assert adults.tolist() == idx[age >= 20].tolist()
    assert eighteen.tolist() == idx[age >= 18].tolist()


def test_resident_tallies_with_nobody() -> None:
    t = _town(0, 10)
    counts, ten, adults, eighteen = _tallies(t, np.empty(0, np.int64))
    assert counts.sum() == 0 and len(ten) == len(adults) == len(eighteen) == 0


def _network(seed: int, capacity: int, n_edges: int) -> TieNetwork:
    rng = np.random.default_rng(seed)
    u, v = rng.integers(0, capacity, n_edges), rng.integers(0, capacity, n_edges)
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    key = np.unique((lo[lo < hi].astype(np.int64) << 32) | hi[lo < hi])
    n = len(key)
    return TieNetwork.from_arrays(
        key=key, a=key >> 32, b=key & 0xFFFFFFFF, weight=rng.random(n),
        context=np.zeros(n), formed=np.zeros(n),
    )  # fmt: skip


def _census_reference(
    net: TieNetwork, household: np.ndarray, generation: np.ndarray, threshold: float, capacity: int
) -> tuple[np.ndarray, int, int]:
    """The tie census in plain Python: per-slot counts by (outside household, strong),
    ties outside households, and of those the ones across generations."""
    counts = np.zeros((capacity, 4), np.int32)
    n_out = n_bridge = 0
    for x, y, w in zip(net.a.tolist(), net.b.tolist(), net.weight.tolist(), strict=True):
        outside = household[x] != household[y]
        c = 2 * int(outside) + int(w >= np.float32(threshold))
        counts[x, c] += 1
        counts[y, c] += 1
        n_out += int(outside)
        n_bridge += int(outside and generation[x] != generation[y])
    return counts, n_out, n_bridge


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("capacity", "n_edges"), [(1, 0), (2, 3), (30, 0), (30, 80), (80, 600)])
def test_census_and_neighbour_lists_match_incident_lists(
    seed: int, capacity: int, n_edges: int
) -> None:
    net = _network(seed, capacity, n_edges)
    rng = np.random.default_rng(seed + 100)
    household = rng.integers(0, 6, capacity).astype(np.int32)
    generation = rng.integers(0, 3, capacity).astype(np.int8)
    nodes = np.unique(rng.integers(0, capacity, rng.integers(0, capacity + 1)))
    chosen = np.zeros(capacity, bool)
    chosen[nodes] = True
    node, other = tie_kernels.incident_lists(net.a, net.b, chosen, capacity)
    expected = _census_reference(net, household, generation, 0.5, capacity)
    counts, n_out, n_bridge, fused = net.census_with_neighbours(
        household, generation, 0.5, capacity, nodes
    )
    assert np.array_equal(counts, expected[0]) and (n_out, n_bridge) == expected[1:]
    lists = (fused.start, fused.deg, fused.other)
    for start, deg, got in (lists, ok.neighbour_lists(net.a, net.b, nodes, capacity)):
        assert got.tolist() == other.tolist()
        assert np.repeat(nodes, deg).tolist() == node.tolist()
        assert start.tolist() == (np.cumsum(deg) - deg).tolist()


@pytest.mark.parametrize("seed", SEEDS)
def test_average_clustering_same_with_census_lists(seed: int) -> None:
    """The fused path (lists from the census) gives the same estimate and draws."""
    net = _network(seed, 60, 400)
    nodes = np.unique(np.random.default_rng(seed).integers(0, 60, 30))
    *_, lists = net.census_with_neighbours(np.arange(60), np.zeros(60, np.int8), 0.5, 60, nodes)
    r1, r2 = np.random.default_rng(seed), np.random.default_rng(seed)
    assert net.average_clustering(nodes, 60, 5, r1) == net.average_clustering(
        nodes, 60, 5, r2, lists
    )
    assert r1.random() == r2.random()


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("capacity", [1, 50])
def test_layer_counts_match_bincount(seed: int, capacity: int) -> None:
    t = _town(seed, capacity)
    idx = np.flatnonzero(t["alive"])
    cell, age = t["cell"][idx], t["age"][idx]
    got = ok.layer_counts(
        idx, t["cell"], 7, t["age"], t["last_volunteer"], t["week"], t["by_class"],
        t["lives_alone"],
    )  # fmt: skip
    vol = _within(t["last_volunteer"][idx], t["week"], 52) & (age >= 10)
    expected = [
        np.bincount(cell, minlength=7),
        np.bincount(cell, weights=vol, minlength=7),
        np.bincount(cell, weights=t["by_class"][idx].sum(axis=1), minlength=7),
        np.bincount(cell, weights=t["lives_alone"][idx] & (age >= 65), minlength=7),
    ]
    assert np.array_equal(got, np.array(expected))


@pytest.mark.parametrize("seed", SEEDS)
def test_roster_candidates_match_masks(seed: int) -> None:
    t = _town(seed, 120)
    alive = t["alive"]
    volunteers, size, first_worker = ok.roster_candidates(
        alive, t["attach_kind"], 1, t["attach_id"], 4, t["employer"], 3
    )
    vol = np.flatnonzero(alive & (t["attach_kind"] == 1))
    for i in range(4):
        mine = vol[t["attach_id"][vol] == i][:2].tolist()
        assert volunteers[i].tolist() == mine + [-1] * (2 - len(mine))
    workers = np.flatnonzero(alive & (t["employer"] >= 0))
    assert size.tolist() == np.bincount(t["employer"][workers], minlength=3).tolist()
    for w in range(len(size)):
        staff = workers[t["employer"][workers] == w]
        assert first_worker[w] == (staff[0] if len(staff) else -1)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("capacity", [1, 3, 200])
def test_challenge_tallies_match_masks(seed: int, capacity: int) -> None:
    t = _town(seed, capacity)
    rng = np.random.default_rng(seed + 7)
    frailty = rng.random(capacity).astype(np.float32)
    informed, served = t["last_donation"], t["last_local_gift"]  # any event histories
    school = rng.integers(-1, 3, capacity).astype(np.int32)
    idx = np.flatnonzero(t["alive"])
    week = t["week"]
    got = ok.challenge_tallies(
        idx, t["age"], np.float32(10), t["last_volunteer"], t["last_place"], informed, week,
        t["lives_alone"], frailty, np.float32(0.4), served, t["last_place"], 8,
        t["attach_kind"], 1, school,
    )  # fmt: skip
    alive, age = t["alive"], t["age"]
    ten = alive & (age >= 10)
    active = _within(t["last_volunteer"], week, 52) | _within(t["last_place"], week, 52)
    need = alive & (age >= 65) & (t["lives_alone"] | (frailty > 0.4))
    reached = _within(served, week, 8) | _within(t["last_place"], week, 8) | (t["attach_kind"] == 1)
    expected = [
        ten.sum(), (ten & active).sum(), (ten & _within(informed, week, 52)).sum(),
        need.sum(), (need & reached).sum(), (alive & (school >= 0)).sum(),
        (alive & (age >= 25)).sum(),
    ]  # fmt: skip
    assert got.tolist() == [int(x) for x in expected]


@pytest.mark.parametrize("seed", SEEDS)
def test_pairwise_mean_is_numpy_mean(seed: int) -> None:
    """Bit for bit, for every length that switches NumPy's summation path."""
    rng = np.random.default_rng(seed)
    for n in [*range(1, 40), 127, 128, 129, 255, 256, 257, 300, 1000, 1031]:
        values = (rng.standard_normal(n) * 10 ** rng.uniform(-3, 8, n)).tolist()
        assert pairwise.mean(values) == float(np.mean(values)), n
        flags = (rng.random(n) < 0.5).tolist()
        assert pairwise.mean(flags) == float(np.mean(flags)), n
