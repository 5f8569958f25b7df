"""The tie network: weekly dynamics, queries and the compiled kernels behind them.

Most checks compare ``TieNetwork`` with a brute-force computation (plain Python dicts,
dense numpy matrices or networkx). Weights are stored as float32, so the pure-Python
reference rounds to float32 after every update, as the network does; otherwise a tie
whose weight lands exactly on the decay floor could be kept by one and dropped by the
other.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model import tie_kernels as kernels
from model.ties import Adjacency, Context, TieNetwork

N_CTX = len(Context)


# --- helpers -----------------------------------------------------------------------------------
def f32(x: float) -> float:
    return float(np.float32(x))


def network_from_edges(edges: dict[tuple[int, int], tuple[float, int, int]]) -> TieNetwork:
    """A network from ``{(a, b): (weight, context, formed)}`` with a < b."""
    pairs = sorted(edges)
    a = np.array([p[0] for p in pairs], np.int64)
    b = np.array([p[1] for p in pairs], np.int64)
    return TieNetwork.from_arrays(
        key=(a << 32) | b,
        a=a,
        b=b,
        weight=np.array([edges[p][0] for p in pairs], np.float32),
        context=np.array([edges[p][1] for p in pairs], np.int8),
        formed=np.array([edges[p][2] for p in pairs], np.int32),
    )


def random_edges(
    rng: np.random.Generator, capacity: int, n_edges: int
) -> dict[tuple[int, int], tuple[float, int, int]]:
    edges: dict[tuple[int, int], tuple[float, int, int]] = {}
    while len(edges) < n_edges:
        x, y = rng.integers(0, capacity, 2)
        if x == y:
            continue
        pair = (int(min(x, y)), int(max(x, y)))
        edges[pair] = (f32(rng.uniform(0.01, 1.0)), int(rng.integers(0, N_CTX)), 0)
    return edges


def random_network(seed: int, capacity: int = 60, n_edges: int = 200) -> TieNetwork:
    return network_from_edges(random_edges(np.random.default_rng(seed), capacity, n_edges))


def edge_dict(net: TieNetwork) -> dict[tuple[int, int], tuple[float, int, int]]:
    return {
        (int(a), int(b)): (float(w), int(c), int(f))
        for a, b, w, c, f in zip(net.a, net.b, net.weight, net.context, net.formed, strict=True)
    }


def assert_well_formed(net: TieNetwork) -> None:
    """Keys strictly increasing (sorted, unique), a < b and key == (a << 32) | b."""
    assert len(net.key) == len(net.a) == len(net.b) == len(net.weight) == len(net) == net.n
    assert len(net.context) == len(net.formed) == len(net)
    key = net.key
    assert key.dtype == np.int64
    assert net.weight.dtype == np.float32
    assert np.all(np.diff(key) > 0)
    assert np.all(net.a < net.b)
    assert np.all(net.a >= 0)
    np.testing.assert_array_equal(key, (net.a.astype(np.int64) << 32) | net.b.astype(np.int64))


def to_graph(net: TieNetwork, capacity: int) -> nx.Graph:
    g = net.to_networkx()
    g.add_nodes_from(range(capacity))
    return g


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def probs(**by_context: float) -> np.ndarray:
    """A form_prob array, zero except the named contexts."""
    p = np.zeros(N_CTX)
    for name, value in by_context.items():
        p[Context[name.upper()]] = value
    return p


ALL_ONE = np.ones(N_CTX)
ALL_ZERO = np.zeros(N_CTX)


# --- apply_encounters: strengthening -----------------------------------------------------------
def test_single_encounter_strengthens_by_share_of_gap():
    net = network_from_edges({(1, 4): (0.2, int(Context.WORK), 3)})
    formed = net.apply_encounters([4], [1], [Context.PLACE], ALL_ONE, 0.3, 10, rng())
    assert formed == 0
    assert len(net) == 1
    assert net.weight[0] == pytest.approx(0.2 + 0.3 * 0.8, abs=1e-6)
    # an existing tie keeps the context and week it formed in
    assert net.context[0] == Context.WORK
    assert net.formed[0] == 3


def test_two_encounters_in_one_call_compound():
    net = network_from_edges({(2, 5): (0.2, 0, 0), (5, 9): (0.6, 0, 0)})
    # (2, 5) met twice (once in each orientation), (5, 9) once
    net.apply_encounters([2, 5, 9], [5, 2, 5], [1, 2, 4], ALL_ZERO, 0.3, 1, rng())
    w = dict(zip(zip(net.a.tolist(), net.b.tolist(), strict=True), net.weight, strict=True))
    assert w[(2, 5)] == pytest.approx(0.2 + (1 - 0.7**2) * 0.8, abs=1e-6)  # 0.608
    assert w[(5, 9)] == pytest.approx(0.6 + 0.3 * 0.4, abs=1e-6)
    # two encounters in one call equal two calls with one encounter each
    twice = network_from_edges({(2, 5): (0.2, 0, 0)})
    for _ in range(2):
        twice.apply_encounters([2], [5], [1], ALL_ZERO, 0.3, 1, rng())
    assert twice.weight[0] == pytest.approx(w[(2, 5)], abs=1e-6)


def test_strengthen_one_saturates_and_zero_leaves_weight():
    net = network_from_edges({(0, 1): (0.4, 0, 0), (1, 2): (0.4, 0, 0)})
    net.apply_encounters([0], [1], [0], ALL_ZERO, 1.0, 1, rng())
    net.apply_encounters([1], [2], [0], ALL_ZERO, 0.0, 1, rng())
    assert net.weight.tolist() == [1.0, f32(0.4)]


def test_untouched_ties_are_unchanged_by_encounters():
    edges = random_edges(rng(3), 40, 60)
    net = network_from_edges(edges)
    net.apply_encounters([41, 42], [43, 44], [0, 0], ALL_ONE, 0.5, 7, rng())
    after = edge_dict(net)
    for pair, value in edges.items():
        assert after[pair] == value
    assert set(after) - set(edges) == {(41, 43), (42, 44)}
    assert_well_formed(net)


# --- apply_encounters: formation ---------------------------------------------------------------
def test_formation_with_probability_one():
    net = TieNetwork()
    formed = net.apply_encounters(
        [7, 3, 3], [3, 7, 9], [Context.SCHOOL, Context.SCHOOL, Context.WORK], ALL_ONE, 0.25, 12,
        rng(),
    )  # fmt: skip
    assert formed == 2
    assert edge_dict(net) == {
        (3, 7): (f32(1 - 0.75**2), int(Context.SCHOOL), 12),
        (3, 9): (0.25, int(Context.WORK), 12),
    }
    assert_well_formed(net)


def test_formation_with_probability_zero():
    net = network_from_edges({(0, 1): (0.5, 0, 0)})
    u = np.arange(2, 200)
    formed = net.apply_encounters(u, u + 1, np.full(len(u), Context.WORK), ALL_ZERO, 0.5, 1, rng())
    assert formed == 0
    assert edge_dict(net) == {(0, 1): (0.5, 0, 0)}


def test_formation_respects_per_context_probability():
    p = probs(work=1.0)  # only work encounters start ties
    net = TieNetwork()
    formed = net.apply_encounters(
        [0, 2, 4], [1, 3, 5], [Context.WORK, Context.PLACE, Context.SCHOOL], p, 0.5, 0, rng()
    )
    assert formed == 1
    assert list(edge_dict(net)) == [(0, 1)]


def test_new_tie_takes_lowest_context_among_encounters():
    # the lowest code wins even when only another context's encounter could form the tie
    p = probs(activity=1.0)
    net = TieNetwork()
    ctx = [Context.ACTIVITY, Context.WORK, Context.INTRODUCTION, Context.NEIGHBOURHOOD]
    formed = net.apply_encounters([5, 8, 5, 8], [8, 5, 8, 5], ctx, p, 0.1, 4, rng())
    assert formed == 1
    assert net.context.tolist() == [Context.NEIGHBOURHOOD]
    assert net.weight[0] == pytest.approx(1 - 0.9**4, abs=1e-6)
    assert net.formed.tolist() == [4]
    g = net.to_networkx()
    assert g.edges[5, 8]["context"] == "neighbourhood"


def test_self_pairs_are_ignored():
    net = TieNetwork()
    assert net.apply_encounters([3, 4], [3, 4], [0, 1], ALL_ONE, 0.5, 0, rng()) == 0
    assert len(net) == 0
    formed = net.apply_encounters([3, 3, 6], [3, 6, 6], [0, 2, 1], ALL_ONE, 0.5, 0, rng())
    assert formed == 1
    # the self-encounter (3, 3) in context 0 neither counts towards (3, 6) nor sets its context
    assert edge_dict(net) == {(3, 6): (0.5, 2, 0)}


def test_return_counts_only_new_ties():
    net = network_from_edges({(0, 1): (0.5, 0, 0), (2, 3): (0.5, 0, 0)})
    formed = net.apply_encounters(
        [0, 2, 4, 6, 6], [1, 3, 5, 7, 7], [0, 0, 0, 0, 1], ALL_ONE, 0.5, 0, rng()
    )
    assert formed == 2
    assert len(net) == 4


def test_empty_encounters_are_a_no_op():
    net = network_from_edges({(0, 1): (0.5, 0, 0)})
    empty = np.array([], np.int64)
    assert net.apply_encounters(empty, empty, empty, ALL_ONE, 0.5, 0, rng()) == 0
    assert edge_dict(net) == {(0, 1): (0.5, 0, 0)}


def test_formation_chance_combines_independent_tries():
    # 1 - (1 - 0.2)(1 - 0.5) = 0.6 for pairs met once at work and once at a place;
    # 1 - (1 - 0.3)^2 = 0.51 for pairs met twice at school
    n = 20_000
    u = np.arange(n) * 2
    v = u + 1
    p = probs(work=0.2, place=0.5, school=0.3)
    net = TieNetwork(capacity=16)
    work, place, school = Context.WORK, Context.PLACE, Context.SCHOOL
    half = n // 2
    uu = np.concatenate([u[:half], u[:half], u[half:], v[half:]])
    vv = np.concatenate([v[:half], v[:half], v[half:], u[half:]])
    cc = np.concatenate([np.full(half, work), np.full(half, place), np.full(2 * half, school)])
    formed = net.apply_encounters(uu, vv, cc, p, 0.5, 0, rng(11))
    assert formed == len(net)
    first = np.isin(net.a, u[:half])
    assert first.sum() / half == pytest.approx(0.6, abs=0.02)
    assert (~first).sum() / half == pytest.approx(0.51, abs=0.02)
    assert_well_formed(net)


def test_same_seed_same_network():
    def run(seed: int) -> dict:
        net = TieNetwork()
        r = rng(seed)
        for week in range(5):
            u, v = r.integers(0, 50, (2, 300))
            net.apply_encounters(u, v, r.integers(0, N_CTX, 300), np.full(N_CTX, 0.3), 0.2, week, r)
            net.decay(0.05, 0.05)
        return edge_dict(net)

    assert run(5) == run(5)
    assert run(5) != run(6)


def test_growth_beyond_initial_capacity():
    net = TieNetwork(capacity=16)
    ref: dict[tuple[int, int], float] = {}
    r = rng(2)
    for week in range(4):
        u, v = r.integers(0, 400, (2, 3000))
        formed = net.apply_encounters(u, v, np.zeros(3000, np.int64), ALL_ONE, 0.5, week, r)
        pairs = Counter(
            (int(min(x, y)), int(max(x, y))) for x, y in zip(u, v, strict=True) if x != y
        )
        new = 0
        for pair, count in pairs.items():
            w = ref.get(pair)
            if w is None:
                new += 1
                w = 0.0
            ref[pair] = w + (1 - 0.5**count) * (1 - w)
        assert formed == new
        assert_well_formed(net)
        got = edge_dict(net)
        assert set(got) == set(ref)
        assert max(abs(got[p][0] - ref[p]) for p in ref) < 1e-5
    assert len(net) > 1000


def test_subset_keeps_selected_edges():
    net = random_network(4)
    keep = net.weight > 0.5
    sub = net.subset(keep)
    assert_well_formed(sub)
    assert edge_dict(sub) == {k: v for k, v in edge_dict(net).items() if v[0] > 0.5}


# --- decay and removal -------------------------------------------------------------------------
def test_decay_multiplies_and_drops_exactly_those_below_floor():
    edges = random_edges(rng(8), 50, 150)
    net = network_from_edges(edges)
    rate, floor = 0.2, 0.3
    dropped = net.decay(rate, floor)
    factor = np.float32(1 - rate)
    expected = {}
    for pair, (w, c, f) in edges.items():
        new = float(np.float32(w) * factor)
        if new >= np.float32(floor):
            expected[pair] = (new, c, f)
    assert dropped == len(edges) - len(expected)
    assert 0 < dropped < len(edges)
    assert edge_dict(net) == expected
    assert_well_formed(net)


def test_decay_keeps_ties_exactly_at_floor():
    net = network_from_edges({(0, 1): (0.5, 0, 0), (0, 2): (0.4999, 0, 0), (1, 2): (1.0, 0, 0)})
    assert net.decay(0.5, 0.25) == 1
    assert edge_dict(net) == {(0, 1): (0.25, 0, 0), (1, 2): (0.5, 0, 0)}


def test_decay_with_zero_rate_and_floor_changes_nothing():
    edges = random_edges(rng(9), 30, 50)
    net = network_from_edges(edges)
    assert net.decay(0.0, 0.0) == 0
    assert edge_dict(net) == edges


def test_decay_on_empty_network():
    net = TieNetwork()
    assert net.decay(0.1, 0.1) == 0
    assert len(net) == 0


def test_remove_residents_drops_exactly_incident_ties():
    capacity = 60
    edges = random_edges(rng(10), capacity, 250)
    net = network_from_edges(edges)
    gone = np.array([0, 7, 13, 59, 7])
    net.remove_residents(gone, capacity)
    expected = {p: v for p, v in edges.items() if p[0] not in gone and p[1] not in gone}
    assert len(expected) < len(edges)
    assert edge_dict(net) == expected
    assert_well_formed(net)
    net.remove_residents(np.array([], np.int64), capacity)
    assert edge_dict(net) == expected


def test_remove_residents_on_empty_network():
    net = TieNetwork()
    net.remove_residents(np.array([1, 2]), 10)
    assert len(net) == 0


def test_operations_after_removal_still_merge_correctly():
    net = network_from_edges({(0, 1): (0.5, 0, 0), (1, 2): (0.5, 0, 0), (2, 3): (0.5, 0, 0)})
    net.remove_residents(np.array([1]), 10)
    assert net.apply_encounters([1, 3], [0, 2], [0, 0], ALL_ONE, 0.5, 9, rng()) == 1
    assert edge_dict(net) == {(0, 1): (0.5, 0, 9), (2, 3): (0.75, 0, 0)}
    assert_well_formed(net)


# --- property test against a pure-Python reference ---------------------------------------------
class ReferenceTies:
    """The tie rules written out plainly, one pair at a time (weights rounded to float32)."""

    def __init__(self, edges: dict[tuple[int, int], tuple[float, int, int]]) -> None:
        self.edges = dict(edges)

    def apply(self, u, v, ctx, form_prob, strengthen, week) -> int:
        met: dict[tuple[int, int], list[int]] = defaultdict(list)
        for x, y, c in zip(u, v, ctx, strict=True):
            if x != y:
                met[(min(x, y), max(x, y))].append(c)
        formed = 0
        for pair, contexts in met.items():
            gain = 1.0 - (1.0 - strengthen) ** len(contexts)
            if pair in self.edges:
                w, c, f = self.edges[pair]
                self.edges[pair] = (f32(w + gain * (1.0 - w)), c, f)
            else:
                fail = math.prod(1.0 - form_prob[c] for c in contexts)
                if fail == 0.0:  # form_prob is 0 or 1, so formation is certain or impossible
                    self.edges[pair] = (f32(gain), min(contexts), week)
                    formed += 1
        return formed

    def decay(self, rate: float, floor: float) -> int:
        before = len(self.edges)
        factor, floor32 = np.float32(1.0 - rate), np.float32(floor)
        kept = {}
        for pair, (w, c, f) in self.edges.items():
            new = np.float32(w) * factor
            if new >= floor32:
                kept[pair] = (float(new), c, f)
        self.edges = kept
        return before - len(kept)

    def remove(self, slots) -> None:
        gone = set(slots)
        self.edges = {p: v for p, v in self.edges.items() if p[0] not in gone and p[1] not in gone}


SLOTS = 30
slot = st.integers(0, SLOTS - 1)
ctx_code = st.integers(0, N_CTX - 1)
encounter_op = st.tuples(
    st.just("meet"),
    st.lists(st.tuples(slot, slot, ctx_code), max_size=40),
    st.lists(st.sampled_from([0.0, 1.0]), min_size=N_CTX, max_size=N_CTX),
    st.sampled_from([0.0, 0.05, 0.1, 0.3, 0.5, 0.9, 1.0]) | st.floats(0.0, 1.0),
    st.integers(-52, 520),
)
decay_op = st.tuples(
    st.just("decay"),
    st.sampled_from([0.0, 0.1, 0.25, 0.5]) | st.floats(0.0, 0.9),
    st.sampled_from([0.0, 0.05, 0.1, 0.2, 0.25, 0.5]) | st.floats(0.0, 0.6),
)
remove_op = st.tuples(st.just("remove"), st.lists(slot, max_size=4))
initial_edges = st.dictionaries(
    st.tuples(slot, slot).filter(lambda p: p[0] < p[1]),
    st.tuples(st.floats(0.0, 1.0, width=32), ctx_code, st.integers(-52, 0)),
    max_size=25,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    initial=initial_edges,
    ops=st.lists(st.one_of(encounter_op, decay_op, remove_op), max_size=12),
    seed=st.integers(0, 2**32 - 1),
)
def test_matches_reference_model(initial, ops, seed):
    net = network_from_edges(initial) if initial else TieNetwork(capacity=16)
    ref = ReferenceTies(initial)
    r = rng(seed)
    for op in ops:
        if op[0] == "meet":
            _, encounters, form_prob, strengthen, week = op
            u = [e[0] for e in encounters]
            v = [e[1] for e in encounters]
            c = [e[2] for e in encounters]
            got = net.apply_encounters(
                np.array(u, np.int64), np.array(v, np.int64), np.array(c, np.int64),
                np.array(form_prob), strengthen, week, r,
            )  # fmt: skip
            assert got == ref.apply(u, v, c, form_prob, strengthen, week)
        elif op[0] == "decay":
            _, rate, floor = op
            assert net.decay(rate, floor) == ref.decay(rate, floor)
        else:
            net.remove_residents(np.array(op[1], np.int64), SLOTS)
            ref.remove(op[1])
        assert_well_formed(net)
        got_edges = edge_dict(net)
        assert set(got_edges) == set(ref.edges)
        for pair, (w, c, f) in ref.edges.items():
            gw, gc, gf = got_edges[pair]
            assert abs(gw - w) <= 1e-5, pair
            assert (gc, gf) == (c, f), pair


# --- queries: degree, census, incident, has_edges ----------------------------------------------
def test_degree_matches_networkx():
    capacity = 60
    net = random_network(12, capacity, 200)
    g = to_graph(net, capacity)
    deg = net.degree(capacity)
    assert deg.tolist() == [g.degree(i) for i in range(capacity)]
    assert deg.sum() == 2 * len(net)


def test_degree_with_mask_counts_only_masked_edges():
    capacity = 60
    net = random_network(13, capacity, 200)
    mask = net.weight >= 0.5
    expected = np.zeros(capacity, np.int64)
    for a, b in zip(net.a[mask], net.b[mask], strict=True):
        expected[a] += 1
        expected[b] += 1
    assert net.degree(capacity, mask).tolist() == expected.tolist()


def test_degree_of_empty_network():
    assert TieNetwork().degree(5).tolist() == [0] * 5


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_census_matches_brute_force(seed):
    capacity = 80
    r = rng(100 + seed)
    net = random_network(seed, capacity, 300)
    household = r.integers(0, 25, capacity)  # small households so some ties fall inside
    generation = r.integers(0, 4, capacity).astype(np.int8)
    threshold = 0.5
    counts, n_outside, n_bridge = net.census(household, generation, threshold, capacity)

    expected = np.zeros((capacity, 4), np.int64)
    exp_outside = exp_bridge = 0
    for a, b, w in zip(net.a.tolist(), net.b.tolist(), net.weight.tolist(), strict=True):
        outside = household[a] != household[b]
        cls = 2 * int(outside) + int(w >= np.float32(threshold))
        expected[a, cls] += 1
        expected[b, cls] += 1
        if outside:
            exp_outside += 1
            exp_bridge += int(generation[a] != generation[b])
    assert counts.shape == (capacity, 4)
    np.testing.assert_array_equal(counts, expected)
    assert (n_outside, n_bridge) == (exp_outside, exp_bridge)
    assert all(expected[:, c].sum() > 0 for c in range(4))  # every class was exercised
    assert 0 < exp_bridge < exp_outside < len(net)
    np.testing.assert_array_equal(counts.sum(axis=1), net.degree(capacity))


def test_census_threshold_is_inclusive():
    net = network_from_edges({(0, 1): (0.5, 0, 0), (1, 2): (0.49, 0, 0), (2, 3): (0.5, 0, 0)})
    household = np.array([0, 0, 1, 1])
    generation = np.array([0, 1, 1, 2], np.int8)
    counts, n_out, n_bridge = net.census(household, generation, 0.5, 4)
    assert counts.tolist() == [[0, 1, 0, 0], [0, 1, 1, 0], [0, 1, 1, 0], [0, 1, 0, 0]]
    assert (n_out, n_bridge) == (1, 0)


def test_incident_lists_ties_of_chosen_nodes_grouped():
    capacity = 60
    net = random_network(14, capacity, 200)
    g = to_graph(net, capacity)
    nodes = np.array([3, 0, 17, 42, 59])
    node, other = net.incident(nodes, capacity)
    assert np.all(np.diff(node) >= 0)  # grouped by node, ascending
    got = {(int(x), int(y)) for x, y in zip(node, other, strict=True)}
    expected = {(int(n), int(m)) for n in nodes for m in g.neighbors(int(n))}
    assert got == expected
    assert len(node) == len(expected)


def test_has_edges():
    net = network_from_edges({(1, 2): (0.5, 0, 0), (2, 9): (0.5, 0, 0), (4, 5): (0.5, 0, 0)})
    lo = np.array([1, 2, 4, 0, 1, 5, 9])
    hi = np.array([2, 9, 5, 1, 3, 6, 10])
    assert net.has_edges(lo, hi).tolist() == [True, True, True, False, False, False, False]
    assert net.has_edges(np.array([], np.int64), np.array([], np.int64)).tolist() == []
    assert TieNetwork().has_edges(lo, hi).tolist() == [False] * 7


def test_has_edges_matches_edge_set():
    capacity = 40
    net = random_network(15, capacity, 150)
    pairs = set(edge_dict(net))
    lo, hi = np.triu_indices(capacity, 1)
    expected = [(int(x), int(y)) in pairs for x, y in zip(lo, hi, strict=True)]
    assert net.has_edges(lo, hi).tolist() == expected


# --- adjacency -------------------------------------------------------------------------------
def test_adjacency_neighbours_and_weights():
    capacity = 60
    net = random_network(16, capacity, 200)
    adj = net.adjacency(capacity)
    assert isinstance(adj, Adjacency)
    g = to_graph(net, capacity)
    assert len(adj.start) == len(adj.end) == capacity
    assert adj.end[-1] == 2 * len(net) == len(adj.nbr) == len(adj.weight)
    nodes = np.arange(capacity)
    assert adj.degree(nodes).tolist() == net.degree(capacity).tolist()
    for i in range(capacity):
        row = slice(adj.start[i], adj.end[i])
        nbrs = adj.nbr[row].tolist()
        assert nbrs == sorted(set(nbrs))
        assert set(nbrs) == set(g.neighbors(i))
        for j, w in zip(nbrs, adj.weight[row], strict=True):
            assert w == np.float32(g.edges[i, j]["weight"])


def test_adjacency_of_empty_network():
    adj = TieNetwork().adjacency(4)
    assert adj.start.tolist() == adj.end.tolist() == [0] * 4
    assert adj.degree(np.arange(4)).tolist() == [0] * 4
    assert TieNetwork().adjacency(4, np.ones((4, 2))).sums.tolist() == [[0.0] * 3] * 4


def test_adjacency_sums_match_dense_computation():
    capacity = 50
    net = random_network(17, capacity, 180)
    dense = np.zeros((capacity, capacity))
    dense[net.a, net.b] = net.weight
    dense[net.b, net.a] = net.weight
    values = rng(1).normal(size=(capacity, 3))
    out = net.adjacency(capacity, values).sums
    assert out.shape == (capacity, 4)
    np.testing.assert_allclose(out[:, 0], dense.sum(axis=1), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(out[:, 1:], dense @ values, rtol=1e-10, atol=1e-12)
    # non-contiguous and integer input is accepted
    ints = np.arange(capacity * 2).reshape(2, capacity).T
    np.testing.assert_allclose(net.adjacency(capacity, ints).sums[:, 1:], dense @ ints, rtol=1e-10)


def test_introductions_pair_distinct_neighbours_of_introducer():
    capacity = 64
    edges = random_edges(rng(18), 60, 120)
    edges[(61, 62)] = (0.5, 0, 0)  # degree one; slot 63 has no ties at all
    net = network_from_edges(edges)
    adj = net.adjacency(capacity)
    deg = adj.degree(np.arange(capacity))
    assert {0, 1} <= set(deg.tolist())  # some introducers are skipped
    introducers = np.concatenate([np.arange(capacity), np.arange(capacity)])
    x, y = adj.introductions(introducers, rng(3))
    who = introducers[deg[introducers] >= 2]
    assert len(x) == len(y) == len(who)
    g = to_graph(net, capacity)
    for i, p, q in zip(who.tolist(), x.tolist(), y.tolist(), strict=True):
        assert p != q
        assert g.has_edge(i, p)
        assert g.has_edge(i, q)


def test_introductions_choose_pairs_uniformly():
    net = network_from_edges({(0, 1): (0.9, 0, 0), (0, 2): (0.1, 0, 0), (0, 3): (0.5, 0, 0)})
    adj = net.adjacency(4)
    x, y = adj.introductions(np.zeros(30_000, np.int64), rng(4))
    pairs = Counter(zip(np.minimum(x, y).tolist(), np.maximum(x, y).tolist(), strict=True))
    assert set(pairs) == {(1, 2), (1, 3), (2, 3)}
    for count in pairs.values():
        assert count / 30_000 == pytest.approx(1 / 3, abs=0.02)
    x, y = adj.introductions(np.array([1, 2, 3]), rng(4))  # degree one: none
    assert len(x) == len(y) == 0


def test_visits_go_to_ties_in_other_households():
    capacity = 64
    r = rng(19)
    edges = random_edges(r, 60, 220)
    edges[(60, 61)] = (0.9, 0, 0)  # tied only within their household
    net = network_from_edges(edges)
    household = r.integers(0, 15, capacity)
    household[60:62] = 99
    visits = r.integers(0, 4, capacity)
    visits[60:] = 2
    visitor, visited = net.adjacency(capacity).visits(visits, household, r)
    assert len(visitor) == len(visited)
    assert np.all(np.diff(visitor) >= 0)  # grouped by visitor
    assert np.all(household[visitor] != household[visited])
    assert np.all(net.has_edges(np.minimum(visitor, visited), np.maximum(visitor, visited)))
    # everyone with a tie outside their household makes all their visits; nobody else visits
    g = to_graph(net, capacity)
    made = Counter(visitor.tolist())
    for i in range(capacity):
        outside = any(household[j] != household[i] for j in g.neighbors(i))
        assert made.get(i, 0) == (visits[i] if outside else 0)
    assert 0 < len(visitor) < visits.sum()  # both cases occur


def test_visits_are_proportional_to_tie_weight():
    weights = {1: 0.1, 2: 0.2, 3: 0.3, 4: 0.4}
    edges = {(0, j): (w, 0, 0) for j, w in weights.items()}
    edges[(0, 5)] = (0.9, 0, 0)  # same household: never visited
    net = network_from_edges(edges)
    household = np.array([0, 1, 2, 3, 4, 0])
    visits = np.zeros(6, np.int64)
    visits[0] = 40_000
    visitor, visited = net.adjacency(6).visits(visits, household, rng(5))
    assert len(visited) == 40_000
    assert set(visitor.tolist()) == {0}
    freq = Counter(visited.tolist())
    assert 5 not in freq
    for j, w in weights.items():
        assert freq[j] / 40_000 == pytest.approx(w, abs=0.01)


def test_no_visits_without_outside_ties():
    net = network_from_edges({(0, 1): (0.5, 0, 0)})
    household = np.array([0, 0, 1])
    visitor, visited = net.adjacency(3).visits(np.array([3, 3, 3]), household, rng())
    assert len(visitor) == len(visited) == 0
    visitor, visited = net.adjacency(3).visits(np.zeros(3, np.int64), household, rng())
    assert len(visitor) == 0


# --- clustering ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "graph",
    [
        nx.powerlaw_cluster_graph(300, 4, 0.5, seed=1),
        nx.gnp_random_graph(200, 0.05, seed=2),
        nx.connected_watts_strogatz_graph(200, 6, 0.1, seed=3),
    ],
    ids=["powerlaw_cluster", "gnp", "watts_strogatz"],
)
def test_average_clustering_matches_networkx(graph):
    capacity = graph.number_of_nodes() + 20  # 20 isolated slots count as zero
    edges = {(min(x, y), max(x, y)): (0.5, 0, 0) for x, y in graph.edges}
    net = network_from_edges(edges)
    g = to_graph(net, capacity)
    g.add_edge(capacity - 1, capacity - 2)  # a degree-one pair: also zero
    net.apply_encounters([capacity - 1], [capacity - 2], [0], ALL_ONE, 0.5, 0, rng())
    nodes = np.arange(capacity)
    got = net.average_clustering(nodes, capacity, 2000, rng(6))
    assert got == pytest.approx(nx.average_clustering(g), abs=0.03)
    # a subset of nodes
    sub = nodes[::3]
    got = net.average_clustering(sub, capacity, 2000, rng(7))
    assert got == pytest.approx(nx.average_clustering(g, nodes=sub.tolist()), abs=0.03)


def test_average_clustering_exact_cases():
    complete = {(i, j): (0.5, 0, 0) for i in range(5) for j in range(i + 1, 5)}
    star = {(0, j): (0.5, 0, 0) for j in range(1, 6)}
    assert network_from_edges(complete).average_clustering(np.arange(5), 5, 50, rng()) == 1.0
    assert network_from_edges(star).average_clustering(np.arange(6), 6, 50, rng()) == 0.0
    # half the nodes have clustering 1, half are isolated
    half = network_from_edges(complete).average_clustering(np.arange(10), 10, 50, rng())
    assert half == 0.5
    assert TieNetwork().average_clustering(np.arange(3), 3, 10, rng()) == 0.0
    assert math.isnan(TieNetwork().average_clustering(np.array([], np.int64), 3, 10, rng()))


def test_average_clustering_with_repeated_nodes():
    """Repeated nodes count once, as in networkx."""
    complete = {(i, j): (0.5, 0, 0) for i in range(4) for j in range(i + 1, 4)}
    net = network_from_edges(complete)
    g = net.to_networkx()
    nodes = np.array([0, 0, 1])
    expected = nx.average_clustering(g, nodes=nodes.tolist())  # 1.0
    assert net.average_clustering(nodes, 4, 50, rng()) == pytest.approx(expected)


# --- export ----------------------------------------------------------------------------------
def test_to_networkx_edges_weights_and_attributes():
    net = random_network(20, 48, 150)
    net.apply_encounters([0, 1], [48, 49], [Context.VISIT, Context.INTRODUCTION], ALL_ONE, 0.5,
                         33, rng())  # fmt: skip
    threshold = 0.6
    g = net.to_networkx(strong_threshold=threshold)
    edges = edge_dict(net)
    assert g.number_of_edges() == len(net)
    assert {(min(x, y), max(x, y)) for x, y in g.edges} == set(edges)
    names = {c.name.lower() for c in Context}
    for (x, y), (w, c, f) in edges.items():
        data = g.edges[x, y]
        assert data["weight"] == pytest.approx(w, abs=1e-7)
        assert data["strong"] is (w >= f32(threshold))
        assert data["context"] == Context(c).name.lower()
        assert data["context"] in names
        assert data["formed"] == f
    assert g.edges[0, 48]["context"] == "visit"
    assert g.edges[1, 49]["context"] == "introduction"
    assert g.edges[0, 48]["formed"] == 33
    assert any(d["strong"] for *_, d in g.edges(data=True))
    assert not all(d["strong"] for *_, d in g.edges(data=True))


def test_to_networkx_strong_default_threshold_and_labels():
    net = network_from_edges({(0, 1): (0.5, 2, 0), (1, 2): (0.4999, 3, 0)})
    g = net.to_networkx()
    assert g.edges[0, 1]["strong"] is True
    assert g.edges[1, 2]["strong"] is False
    labels = np.array([100, 200, 300])
    g = net.to_networkx(labels=labels)
    assert sorted(g.nodes) == [100, 200, 300]
    assert g.edges[100, 200]["context"] == "work"
    assert g.edges[200, 300]["context"] == "school"
    assert nx.number_of_edges(TieNetwork().to_networkx()) == 0


# --- kernels used directly -------------------------------------------------------------------
def test_packed_encounter_layout_constants():
    assert kernels.PAIR_BITS == 32
    assert (1 << kernels.CTX_BITS) >= N_CTX
    assert kernels.CTX_MASK == (1 << kernels.CTX_BITS) - 1
