"""The compiled random streams (``model.streams``): NumPy's SFC64 word for word, and
Poisson counts with the Poisson law, by inversion below a rate of 10 and by NumPy's
transformed rejection from 10."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from model import streams


def _pair(seed: int):
    return streams.seeded(np.random.SeedSequence(seed)), np.random.SFC64(
        np.random.SeedSequence(seed)
    )


@pytest.mark.parametrize("seed", [0, 1, 2**40])
def test_a_stream_gives_numpys_sfc64_words_and_uniforms(seed):
    s, bits = _pair(seed)
    np.testing.assert_array_equal(streams.raw(s, 2000), bits.random_raw(2000))
    s, bits = _pair(seed)
    np.testing.assert_array_equal(streams.uniforms(s, 2000), np.random.Generator(bits).random(2000))
    assert np.array_equal(s, bits.state["state"]["state"])  # and ends in NumPy's state


def test_streams_of_sibling_seeds_differ_and_a_seed_repeats():
    children = np.random.SeedSequence(3).spawn(2)
    a, b = (streams.uniforms(streams.seeded(c), 100) for c in children)
    assert not np.array_equal(a, b)
    again = streams.uniforms(streams.seeded(np.random.SeedSequence(3).spawn(2)[0]), 100)
    np.testing.assert_array_equal(a, again)


@pytest.mark.parametrize("lam", [0.05, 0.7, 2.5, 9.99, 10.0, 37.0, 400.0])
def test_poisson_counts_follow_the_poisson_law(lam):
    """A chi-square test of 40,000 counts against the exact probabilities (cells with
    an expected count under 20 pooled), for a rate each side of the switch at 10."""
    s = streams.seeded(np.random.SeedSequence(11))
    counts = streams.poisson_same(s, lam, 40_000)
    assert counts.min() >= 0
    lo, hi = stats.poisson.ppf([1e-4, 1 - 1e-4], lam).astype(int)
    edges = np.arange(lo, hi + 2)
    observed = np.array(
        [np.sum(counts <= lo), *np.bincount(counts, minlength=hi + 2)[lo + 1 : hi + 1]]
    )
    observed = np.append(observed, np.sum(counts > hi))
    cdf = stats.poisson.cdf(edges[:-1], lam)
    expected = np.diff(np.concatenate(([0.0], cdf, [1.0]))) * len(counts)
    keep = expected >= 20
    pooled_obs = np.append(observed[keep], observed[~keep].sum())
    pooled_exp = np.append(expected[keep], expected[~keep].sum())
    if pooled_exp[-1] == 0:
        pooled_obs, pooled_exp = pooled_obs[:-1], pooled_exp[:-1]
    assert pooled_obs.sum() == len(counts)
    assert stats.chisquare(pooled_obs, pooled_exp).pvalue > 1e-3
    assert abs(counts.mean() - lam) < 5 * np.sqrt(lam / len(counts))


def test_counts_per_rate_follow_each_rate_and_zero_rates_give_none():
    s = streams.seeded(np.random.SeedSequence(5))
    lam = np.tile([0.0, 0.5, 3.0, 12.0, -1.0], 20_000)
    counts = streams.poisson_counts(s, lam).reshape(-1, 5)
    assert not counts[:, 0].any() and not counts[:, 4].any()
    for j, rate in ((1, 0.5), (2, 3.0), (3, 12.0)):
        assert abs(counts[:, j].mean() - rate) < 5 * np.sqrt(rate / len(counts))
        assert abs(counts[:, j].var() - rate) < 0.05 * rate
    assert not streams.poisson_same(s, 0.0, 10).any()


def test_inversion_spends_one_uniform_per_count():
    """Below a rate of 10 each count is the inverse Poisson CDF of one uniform, so the
    counts are a monotone function of the stream's uniforms."""
    s = streams.seeded(np.random.SeedSequence(9))
    u = streams.uniforms(s.copy(), 5000)
    counts = streams.poisson_same(s, 4.0, 5000)
    np.testing.assert_array_equal(counts, stats.poisson.ppf(u, 4.0).astype(np.int64))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_batched_draws_are_the_single_draws_in_turn(seed):
    """``poisson_counts``, ``poisson_same`` and ``uniforms`` keep the state in registers:
    the same numbers as ``poisson`` and ``next_double`` called one at a time, and the
    stream left where they would leave it (rates below 10, from 10, and none)."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(1.5, 2.0, 3000)
    lam[::97] = 0.0
    lam[::61] = 25.0
    batched = streams.seeded(np.random.SeedSequence(seed))
    single = batched.copy()
    counts = streams.poisson_counts(batched, lam)
    assert counts.tolist() == [streams.poisson(single, x) for x in lam.tolist()]
    same = streams.poisson_same(batched, 2.5, 500)
    assert same.tolist() == [streams.poisson(single, 2.5) for _ in range(500)]
    uniforms = streams.uniforms(batched, 700)
    assert uniforms.tolist() == [streams.next_double(single) for _ in range(700)]
    assert np.array_equal(batched, single)
