"""The weekly passes over the tie edges against plain references: the census the merge
takes of its output, and the shortcuts that reuse it."""

from __future__ import annotations

import numpy as np
import pytest

from model.ties import TieNetwork

SEEDS = (0, 1, 2, 3)


def _network(rng: np.random.Generator, capacity: int, n_edges: int) -> TieNetwork:
    u, v = rng.integers(0, capacity, n_edges), rng.integers(0, capacity, n_edges)
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    key = np.unique((lo[lo < hi].astype(np.int64) << 32) | hi[lo < hi])
    n = len(key)
    return TieNetwork.from_arrays(
        key=key, a=key >> 32, b=key & 0xFFFFFFFF, weight=rng.uniform(0.02, 1.0, n),
        context=rng.integers(0, 14, n), formed=rng.integers(-5, 5, n),
    )  # fmt: skip


def _census_reference(
    net: TieNetwork, household: np.ndarray, generation: np.ndarray, threshold: float, capacity: int
) -> tuple[np.ndarray, int, int]:
    """Per-slot counts by (outside household, strong), ties outside households, and of
    those the ones across generations, in plain Python."""
    counts = np.zeros((capacity, 4), np.int64)
    n_out = n_bridge = 0
    for x, y, w in zip(net.a.tolist(), net.b.tolist(), net.weight.tolist(), strict=True):
        outside = household[x] != household[y]
        counts[x, 2 * int(outside) + int(w >= np.float32(threshold))] += 1
        counts[y, 2 * int(outside) + int(w >= np.float32(threshold))] += 1
        n_out += int(outside)
        n_bridge += int(outside and generation[x] != generation[y])
    return counts, n_out, n_bridge


def _week(seed: int, capacity: int, n_edges: int, n_enc: int):
    rng = np.random.default_rng(seed)
    net = _network(rng, capacity, n_edges)
    u, v = rng.integers(0, capacity, n_enc), rng.integers(0, capacity, n_enc)
    ctx = rng.integers(0, 14, n_enc)
    household = rng.integers(0, max(capacity // 3, 1), capacity).astype(np.int32)
    generation = rng.integers(0, 3, capacity).astype(np.int8)
    return net, (u, v, ctx), household, generation


def _apply(net: TieNetwork, enc, seed: int, census=None) -> tuple[int, int]:
    form_prob = np.linspace(0.05, 0.9, 16)
    rng = np.random.default_rng(seed + 1000)
    return net.apply_week(*enc, form_prob, 0.3, 7, rng, 0.05, 0.04, census)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(
    ("capacity", "n_edges", "n_enc"),
    [(1, 0, 3), (2, 1, 4), (30, 0, 50), (30, 80, 60), (90, 600, 400)],
)
def test_merge_census_matches_reference(seed: int, capacity: int, n_edges: int, n_enc: int) -> None:
    """The census taken in the merge equals a census of its result; the merge itself is
    unchanged by taking it."""
    net, enc, household, generation = _week(seed, capacity, n_edges, n_enc)
    plain, _, _, _ = _week(seed, capacity, n_edges, n_enc)
    inputs = (household, generation, 0.5, capacity)
    assert _apply(net, enc, seed, inputs) == _apply(plain, enc, seed)
    for name in ("key", "a", "b", "weight", "context", "formed"):
        assert np.array_equal(getattr(net, name), getattr(plain, name))
    expected = _census_reference(plain, household, generation, 0.5, capacity)
    assert (net._census is not None) == bool(np.any(enc[0] != enc[1]))  # taken in the merge
    counts, n_out, n_bridge = net.census(*inputs)
    assert np.array_equal(counts, expected[0]) and (n_out, n_bridge) == expected[1:]
    nodes = np.unique(np.random.default_rng(seed).integers(0, capacity, capacity // 2 + 1))
    fused = net.census_with_neighbours(*inputs, nodes)
    full = plain.census_with_neighbours(*inputs, nodes)  # a pass of its own
    assert plain._census is None
    assert np.array_equal(fused[0], full[0]) and fused[1:3] == full[1:3]
    for name in ("start", "deg", "other"):
        assert np.array_equal(getattr(fused[3], name), getattr(full[3], name))


@pytest.mark.parametrize("seed", SEEDS)
def test_merge_census_not_reused_once_stale(seed: int) -> None:
    """Other inputs, or ties changed since the merge, mean a fresh census."""
    capacity = 60
    net, enc, household, generation = _week(seed, capacity, 300, 200)
    _apply(net, enc, seed, (household, generation, 0.5, capacity))
    moved = household.copy()
    moved[:5] = 1000
    older = (generation + 1) % 3
    for args in (
        (moved, generation, 0.5, capacity),
        (household, older.astype(np.int8), 0.5, capacity),
        (household, generation, 0.6, capacity),
    ):
        counts, n_out, n_bridge = net.census(*args)
        expected = _census_reference(net, *args)
        assert np.array_equal(counts, expected[0]) and (n_out, n_bridge) == expected[1:]
    household[:5] = 1000  # the caller's array changed in place after the merge
    counts, *_ = net.census(household, generation, 0.5, capacity)
    assert np.array_equal(counts, _census_reference(net, household, generation, 0.5, capacity)[0])
    net.remove_residents(np.array([0, 1, 2, 3]), capacity)
    assert net._census is None
    counts, *_ = net.census(household, generation, 0.5, capacity)
    assert np.array_equal(counts, _census_reference(net, household, generation, 0.5, capacity)[0])
