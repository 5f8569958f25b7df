"""The weekly merge of encounters into the tie edges against a plain-Python reference:
strengthening, formation, decay and dissolution, including pairs met many times (past
the table of gains) and weeks where many ties fall below the floor."""

from __future__ import annotations

import numpy as np
import pytest

from model.ties import TieNetwork

SEEDS = (0, 1, 2, 3)
FIELDS = ("key", "a", "b", "weight", "context", "formed")


def _network(rng: np.random.Generator, capacity: int, n_edges: int) -> TieNetwork:
    u, v = rng.integers(0, capacity, n_edges), rng.integers(0, capacity, n_edges)
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    key = np.unique((lo[lo < hi].astype(np.int64) << 32) | hi[lo < hi])
    n = len(key)
    return TieNetwork.from_arrays(
        key=key, a=key >> 32, b=key & 0xFFFFFFFF, weight=rng.uniform(0.02, 1.0, n),
        context=rng.integers(0, 14, n), formed=rng.integers(-5, 5, n),
    )  # fmt: skip


def _reference(net: TieNetwork, u, v, ctx, form_prob, strengthen, week, draws, decay, floor):
    """The merge as dictionaries and loops: pairs in key order, one draw per pair."""
    ties = {
        int(k): [float(w), int(c), int(f)]
        for k, w, c, f in zip(net.key, net.weight, net.context, net.formed, strict=True)
    }
    met: dict[int, list[int]] = {}
    for x, y, c in zip(u.tolist(), v.tolist(), ctx.tolist(), strict=True):
        if x != y:
            met.setdefault((min(x, y) << 32) | max(x, y), []).append(c)
    formed = 0
    for g, pair in enumerate(sorted(met)):
        contexts = met[pair]
        gain = 1.0 - (1.0 - strengthen) ** len(contexts)
        if pair in ties:
            w = ties[pair][0]
            ties[pair][0] = float(np.float32(w + gain * (1.0 - w)))
        else:
            fail = 1.0
            for c in sorted(contexts):
                fail *= 1.0 - form_prob[c]
            if draws[g] < 1.0 - fail:
                formed += 1
                ties[pair] = [float(np.float32(gain)), min(contexts), week]
    kept = {}
    for pair, (w, c, f) in ties.items():
        w = float(np.float32(w) * np.float32(1.0 - decay))
        if w >= np.float32(floor):
            kept[pair] = (w, c, f)
    return kept, formed, len(ties) - len(kept)


def _week(seed: int, capacity: int, n_edges: int, n_enc: int, repeat: int):
    rng = np.random.default_rng(seed)
    net = _network(rng, capacity, n_edges)
    u, v = rng.integers(0, capacity, n_enc), rng.integers(0, capacity, n_enc)
    if repeat and n_enc:  # one pair met ``repeat`` more times (past the table of gains)
        u = np.concatenate((u, np.full(repeat, u[0])))
        v = np.concatenate((v, np.full(repeat, v[0])))
    ctx = rng.integers(0, 14, len(u))
    return net, u, v, ctx


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(
    ("capacity", "n_edges", "n_enc", "repeat", "decay", "floor"),
    [
        (2, 0, 3, 0, 0.05, 0.04),  # strangers only
        (2, 1, 5, 0, 0.05, 0.04),
        (30, 0, 60, 0, 0.05, 0.04),
        (30, 120, 0, 0, 0.05, 0.04),  # no encounters: decay only
        (30, 120, 80, 70, 0.05, 0.04),  # a pair met 70 times
        (90, 900, 500, 0, 0.05, 0.04),
        (90, 900, 500, 200, 0.3, 0.5),  # many ties dissolve
        (90, 900, 500, 0, 0.0, 2.0),  # every tie dissolves
    ],
)
def test_merge_matches_plain_reference(seed, capacity, n_edges, n_enc, repeat, decay, floor):
    net, u, v, ctx = _week(seed, capacity, n_edges, n_enc, repeat)
    form_prob = np.linspace(0.05, 0.9, 16)
    n_pairs = len(np.unique((np.minimum(u, v) << 32) | np.maximum(u, v)))
    draws = np.random.default_rng(seed + 1000).random(len(u))  # the merge draws these
    expected, formed, dissolved = _reference(
        net, u, v, ctx, form_prob, 0.3, 7, draws[:n_pairs], decay, floor
    )
    rng = np.random.default_rng(seed + 1000)
    got = net.apply_week(u, v, ctx, form_prob, 0.3, 7, rng, decay, floor)
    assert got == (formed, dissolved)
    assert net.key.tolist() == sorted(expected)
    assert np.array_equal(net.a, net.key >> 32) and np.array_equal(net.b, net.key & 0xFFFFFFFF)
    assert net.weight.tolist() == [expected[k][0] for k in net.key.tolist()]
    assert net.context.tolist() == [expected[k][1] for k in net.key.tolist()]
    assert net.formed.tolist() == [expected[k][2] for k in net.key.tolist()]
