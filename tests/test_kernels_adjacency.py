"""The adjacency lists kept from the end-of-week census to the next week's context.

The lists are built once a week (for the census) and, when residents leave, edited in
place rather than rebuilt: these tests hold the edited lists, the census taken from
them and the tie lookups through them to plain loops over the edge arrays, and check
that anything else that changes the ties makes the network build them afresh.
"""

from __future__ import annotations

import numpy as np
import pytest

from model import tie_kernels
from model.ties import TieNetwork

SEEDS = range(4)


def _network(seed: int, capacity: int, n_edges: int) -> TieNetwork:
    """Random ties among ``capacity`` slots, some exactly at the strong threshold 0.5."""
    rng = np.random.default_rng(seed)
    lo = rng.integers(0, capacity, n_edges)
    hi = rng.integers(0, capacity, n_edges)
    pairs = {(int(min(x, y)), int(max(x, y))) for x, y in zip(lo, hi, strict=True) if x != y}
    pairs = sorted(pairs)
    a = np.array([p[0] for p in pairs], np.int64)
    b = np.array([p[1] for p in pairs], np.int64)
    return TieNetwork.from_arrays(
        key=(a << 32) | b, a=a, b=b, weight=rng.choice([0.2, 0.4, 0.5, 0.8], len(a)),
        context=np.zeros(len(a)), formed=np.zeros(len(a)),
    )  # fmt: skip


def _rows(net: TieNetwork, capacity: int) -> list[list[tuple[int, float]]]:
    """Each slot's (neighbour, weight) list as the adjacency holds it."""
    adj = net.adjacency(capacity)
    return [
        list(zip(adj.nbr[adj.start[i] : adj.end[i]].tolist(),
                 adj.weight[adj.start[i] : adj.end[i]].tolist(), strict=True))
        for i in range(capacity)
    ]  # fmt: skip


def _rows_reference(net: TieNetwork, capacity: int) -> list[list[tuple[int, float]]]:
    """The same lists from the edges by a plain loop, sorted by neighbour."""
    rows: list[list[tuple[int, float]]] = [[] for _ in range(capacity)]
    for x, y, w in zip(net.a.tolist(), net.b.tolist(), net.weight.tolist(), strict=True):
        rows[x].append((y, w))
        rows[y].append((x, w))
    return [sorted(row) for row in rows]


def _census_reference(net, household, generation, strong, capacity):
    counts = np.zeros((capacity, 4), np.int32)
    n_out = n_bridge = 0
    for x, y, w in zip(net.a.tolist(), net.b.tolist(), net.weight.tolist(), strict=True):
        outside = household[x] != household[y]
        c = 2 * outside + (w >= strong)
        counts[x, c] += 1
        counts[y, c] += 1
        n_out += outside
        n_bridge += outside and generation[x] != generation[y]
    return counts, n_out, n_bridge


class _CountBuilds:
    """Counts the full rebuilds of the adjacency lists."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.n = 0
        build = tie_kernels.build_adjacency

        def counted(*args):
            self.n += 1
            return build(*args)

        monkeypatch.setattr(tie_kernels, "build_adjacency", counted)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(
    ("capacity", "n_edges", "n_gone"),
    [(2, 3, 1), (40, 0, 5), (40, 150, 0), (40, 150, 6), (80, 700, 30)],
)
def test_lists_after_residents_leave_equal_a_rebuild(
    seed: int, capacity: int, n_edges: int, n_gone: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds = _CountBuilds(monkeypatch)
    net = _network(seed, capacity, n_edges)
    assert _rows(net, capacity) == _rows_reference(net, capacity)
    gone = np.random.default_rng(seed).choice(capacity, n_gone, replace=False)
    net.remove_residents(gone, capacity)
    net.remove_residents(gone[:0], capacity)  # nobody: a no-op
    assert _rows(net, capacity) == _rows_reference(net, capacity)
    assert builds.n == 1  # edited in place, not rebuilt
    for slot in gone.tolist():
        assert net.adjacency(capacity).degree(np.array([slot])).tolist() == [0]


@pytest.mark.parametrize("seed", SEEDS)
def test_lists_rebuilt_after_ties_change(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    builds = _CountBuilds(monkeypatch)
    capacity = 50
    net = _network(seed, capacity, 200)
    net.adjacency(capacity)
    rng = np.random.default_rng(seed)
    u, v = rng.integers(0, capacity, 300), rng.integers(0, capacity, 300)
    net.apply_week(u, v, np.zeros(300, np.int64), np.ones(16), 0.3, 1, rng, 0.2, 0.1)
    assert _rows(net, capacity) == _rows_reference(net, capacity)
    net.decay(0.5, 0.15)
    assert _rows(net, capacity) == _rows_reference(net, capacity)
    net.remove_residents(np.array([3, 7]), capacity)
    net.adjacency(capacity + 10)  # the town grew: lists for the new capacity
    assert _rows(net, capacity + 10) == _rows_reference(net, capacity + 10)
    assert builds.n == 4


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("capacity", "n_edges"), [(1, 0), (2, 3), (30, 0), (30, 80), (80, 600)])
def test_census_from_lists_matches_loop_over_ties(seed: int, capacity: int, n_edges: int) -> None:
    net = _network(seed, capacity, n_edges)
    rng = np.random.default_rng(seed + 100)
    household = rng.integers(0, 6, capacity).astype(np.int32)
    generation = rng.integers(0, 3, capacity).astype(np.int8)
    nodes = np.unique(rng.integers(0, capacity, rng.integers(0, capacity + 1)))
    gone = rng.choice(capacity, capacity // 5, replace=False)
    for _ in range(2):  # as built, then as edited when residents leave
        counts, n_out, n_bridge, lists = net.census_with_neighbours(
            household, generation, 0.5, capacity, nodes
        )
        want = _census_reference(net, household, generation, 0.5, capacity)
        assert np.array_equal(counts, want[0]) and (n_out, n_bridge) == want[1:]
        rows = _rows_reference(net, capacity)
        assert lists.deg.tolist() == [len(rows[i]) for i in nodes.tolist()]
        assert lists.start.tolist() == (np.cumsum(lists.deg) - lists.deg).tolist()
        assert lists.other.tolist() == [y for i in nodes.tolist() for y, _ in rows[i]]
        net.remove_residents(gone, capacity)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("capacity", "n_edges"), [(1, 0), (2, 3), (30, 80), (80, 600)])
def test_census_counted_while_the_lists_are_built(seed: int, capacity: int, n_edges: int) -> None:
    """The week's census, when the lists are not built yet, counts each tie as it is
    placed (``lists_and_census``): the same census and the same lists as the loop."""
    net = _network(seed, capacity, n_edges)
    rng = np.random.default_rng(seed + 200)
    household = rng.integers(0, 4, capacity).astype(np.int32)
    generation = rng.integers(0, 3, capacity).astype(np.int8)
    nodes = np.unique(rng.integers(0, capacity, rng.integers(0, capacity + 1)))
    counts, n_out, n_bridge, lists = net.census_later(
        household, generation, 0.5, capacity, nodes
    ).result()
    want = _census_reference(net, household, generation, 0.5, capacity)
    assert np.array_equal(counts, want[0]) and (n_out, n_bridge) == want[1:]
    rows = _rows_reference(net, capacity)
    assert lists.deg.tolist() == [len(rows[i]) for i in nodes.tolist()]
    assert lists.other.tolist() == [y for i in nodes.tolist() for y, _ in rows[i]]
    assert _rows(net, capacity) == rows  # the lists it built serve the next week


@pytest.mark.parametrize("seed", SEEDS)
def test_tie_lookups_same_through_lists_and_edges(seed: int) -> None:
    capacity = 40
    net = _network(seed, capacity, 160)
    lo, hi = np.triu_indices(capacity, 1)
    tied = {(int(x), int(y)) for x, y in zip(net.a, net.b, strict=True)}
    want = [(int(x), int(y)) in tied for x, y in zip(lo, hi, strict=True)]
    assert net.has_edges(lo, hi).tolist() == want  # by the sorted keys
    net.adjacency(capacity)
    assert net.has_edges(lo, hi).tolist() == want  # by the lists
    net.remove_residents(np.array([0, 5, 39]), capacity)
    tied = {(int(x), int(y)) for x, y in zip(net.a, net.b, strict=True)}
    want = [(int(x), int(y)) in tied for x, y in zip(lo, hi, strict=True)]
    assert net.has_edges(lo, hi).tolist() == want


def _edge_arrays(net: TieNetwork) -> dict[str, list]:
    return {
        name: getattr(net, name).tolist()
        for name in ("key", "a", "b", "weight", "context", "formed")
    }


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("decay", [None, 0.3])
def test_merge_drops_leavers_as_an_earlier_removal_would(seed: int, decay: float | None) -> None:
    """Removal waits for the merge when the lists are current; the merge then gives the
    same ties, counts and draws as removing first, even when newcomers took the
    leavers' slots and meet the leavers' friends."""
    capacity = 60
    rng = np.random.default_rng(seed)
    deferred, eager = _network(seed, capacity, 300), _network(seed, capacity, 300)
    deferred.adjacency(capacity)  # lists current: removal is deferred
    gone = rng.choice(capacity, 8, replace=False)
    deferred.remove_residents(gone[:5], capacity)
    deferred.remove_residents(gone[5:], capacity)  # a second removal the same week
    eager.remove_residents(gone, capacity)
    assert deferred._leavers is not None and eager._leavers is None
    # encounters among everyone, the reused slots included, and each newcomer with
    # every old friend of the resident whose slot it took
    u = rng.integers(0, capacity, 400)
    v = rng.integers(0, capacity, 400)
    friends = [(s, x) for s in gone.tolist() for x in range(capacity) if x % 3 == 0]
    u = np.concatenate([u, [s for s, _ in friends]])
    v = np.concatenate([v, [x for _, x in friends]])
    ctx = rng.integers(0, 5, len(u))
    prob = np.full(16, 0.5)
    r1, r2 = np.random.default_rng(seed + 1), np.random.default_rng(seed + 1)
    if decay is None:
        got = deferred.apply_encounters(u, v, ctx, prob, 0.3, 2, r1)
        want = eager.apply_encounters(u, v, ctx, prob, 0.3, 2, r2)
    else:
        got = deferred.apply_week(u, v, ctx, prob, 0.3, 2, r1, decay, 0.1)
        want = eager.apply_week(u, v, ctx, prob, 0.3, 2, r2, decay, 0.1)
    assert deferred._leavers is None
    assert got == want
    assert _edge_arrays(deferred) == _edge_arrays(eager)
    assert r1.random() == r2.random()


@pytest.mark.parametrize("seed", SEEDS)
def test_reading_edges_drops_leavers_first(seed: int) -> None:
    capacity = 50
    deferred, eager = _network(seed, capacity, 200), _network(seed, capacity, 200)
    deferred.adjacency(capacity)
    gone = np.random.default_rng(seed).choice(capacity, 6, replace=False)
    deferred.remove_residents(gone, capacity)
    eager.remove_residents(gone, capacity)
    assert len(deferred) == len(eager)
    assert _edge_arrays(deferred) == _edge_arrays(eager)
    assert not set(deferred.a.tolist()) & set(gone.tolist())
    assert not set(deferred.b.tolist()) & set(gone.tolist())


def test_census_generations_match_searchsorted() -> None:
    from model.outcomes import GENERATIONS, generations

    r = np.random.default_rng(0)
    age = (r.random(5000) * 110).astype(np.float32)
    age[:9] = [30, 65, 29.999, 64.999, np.nan, -1, 0, np.inf, -np.inf]
    band = generations(age)
    want = np.searchsorted(GENERATIONS, age, side="right").astype(np.int8)
    assert band.dtype == np.int8
    assert band.tolist() == want.tolist()


def _clustering_reference(net, nodes, per_node, seed) -> float:
    """Sampled-wedge clustering by plain loops: each node's sorted ties, the two picks
    drawn as the network draws them, a closed wedge if the pair is in the edge set."""
    capacity = int(max(nodes.max(), net.b.max() if len(net) else 0)) + 1
    rows = _rows_reference(net, capacity)
    tied = set(zip(net.a.tolist(), net.b.tolist(), strict=True))
    lists = [[y for y, _ in rows[k]] for k in nodes.tolist()]
    ok = [row for row in lists if len(row) >= 2]
    rng = np.random.default_rng(seed)
    n = len(ok) * per_node
    u1, u2 = rng.random(n), rng.random(n)
    closed = 0
    for q in range(n):
        row = ok[q // per_node]
        i = int(u1[q] * len(row))
        j = int(u2[q] * (len(row) - 1))
        j += j >= i
        x, y = row[i], row[j]
        closed += (min(x, y), max(x, y)) in tied
    return closed / (len(nodes) * per_node)


@pytest.mark.parametrize("seed", SEEDS)
def test_clustering_through_the_lists_picks_and_closes_the_same_wedges(seed):
    capacity = 40
    net = _network(seed, capacity, 160)
    nodes = np.unique(np.random.default_rng(seed + 10).integers(0, capacity, 25))
    net.adjacency(capacity)  # lists current: the compiled pass
    got = net.average_clustering(nodes, capacity, 7, np.random.default_rng(seed))
    assert got == pytest.approx(_clustering_reference(net, nodes, 7, seed), abs=1e-12)
    net.decay(0.0, -1.0)  # the ties changed: lists dropped, the NumPy path
    again = net.average_clustering(nodes, capacity, 7, np.random.default_rng(seed))
    assert again == got


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("capacity", [2, 40, 3000, 70_000])
def test_packed_on_the_helper_is_the_sorted_packing(seed: int, capacity: int) -> None:
    """The radix pack sorts as NumPy sorts the packed keys: any number of kinds, empty
    ones, meetings with oneself left out, capacities whose ranks skip or need passes."""
    rng = np.random.default_rng(seed)
    sizes = [0, 1, int(rng.integers(0, 3000)), 7, int(rng.integers(0, 500))]
    pairs = tuple((rng.integers(0, capacity, n), rng.integers(0, capacity, n)) for n in sizes)
    kinds = rng.integers(0, 14, len(sizes)).astype(np.int64)
    u = np.concatenate([p[0] for p in pairs])
    v = np.concatenate([p[1] for p in pairs])
    ctx = np.repeat(kinds, sizes)
    want = np.sort(tie_kernels.pack_encounters(u, v, ctx))
    assert np.array_equal(tie_kernels.pack_sorted(pairs, kinds, capacity), want)
    half = len(want) // 3
    mixed = np.sort(rng.permutation(want)[:half])  # any two sorted parts of the whole
    rest = np.sort(np.setdiff1d(want, mixed, assume_unique=False))
    got = tie_kernels.merge_sorted(mixed, rest)
    assert np.array_equal(got, np.sort(np.concatenate((mixed, rest))))
    assert np.array_equal(tie_kernels.merge_sorted(want[:0], want), want)
    assert np.array_equal(tie_kernels.merge_sorted(want, want[:0]), want)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_week_with_presorted_meetings_is_the_week_with_them_joined(seed: int) -> None:
    capacity = 80
    rng = np.random.default_rng(seed)
    near = tuple((rng.integers(0, capacity, n), rng.integers(0, capacity, n)) for n in (60, 0, 90))
    kinds = np.array([0, 1, 3], np.int64)
    u, v = rng.integers(0, capacity, 50), rng.integers(0, capacity, 50)
    ctx = rng.integers(4, 14, 50)
    joined_u = np.concatenate([*(p[0] for p in near), u])
    joined_v = np.concatenate([*(p[1] for p in near), v])
    joined_ctx = np.concatenate([np.repeat(kinds, [60, 0, 90]), ctx])
    split, whole = _network(seed, capacity, 400), _network(seed, capacity, 400)
    prob = np.full(16, 0.4)
    r1, r2 = np.random.default_rng(seed + 7), np.random.default_rng(seed + 7)
    presorted = tie_kernels.pack_sorted(near, kinds, capacity)
    got = split.apply_week(u, v, ctx, prob, 0.3, 3, r1, 0.05, 0.1, presorted=presorted)
    want = whole.apply_week(joined_u, joined_v, joined_ctx, prob, 0.3, 3, r2, 0.05, 0.1)
    assert got == want
    assert _edge_arrays(split) == _edge_arrays(whole)
    assert r1.random() == r2.random()
