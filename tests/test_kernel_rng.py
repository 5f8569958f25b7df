"""Kernels draw from the model's own generator through a ``kernel_rng`` handle: the same
numbers NumPy's calls give, one stream with the Python calls around them."""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit

from model.kernel_rng import generator, handle


@njit(cache=True)
def _draw_everything(h, n):
    """Each distribution the model's kernels use, ``n`` draws each, in turn."""
    rng = generator(h)
    out = np.empty(9 * n)
    for i in range(n):
        out[i] = rng.random()
    for i in range(n):
        out[n + i] = rng.poisson(0.4 + 0.5 * i)  # small means and, past 10, NumPy's PTRS
    for i in range(n):
        out[2 * n + i] = rng.beta(0.8, 2.2)
    for i in range(n):
        out[3 * n + i] = rng.gamma(1.5625, 0.64)
    for i in range(n):
        out[4 * n + i] = rng.standard_normal()
    for i in range(n):
        out[5 * n + i] = rng.integers(0, 1 + i)  # bounds of one take no draw
    out[6 * n : 7 * n] = rng.integers(-3, 4, n)
    out[7 * n : 8 * n] = rng.random(n)
    for i in range(n):
        out[8 * n + i] = rng.poisson(0.0)
    return out


def _numpy_everything(rng: np.random.Generator, n: int) -> np.ndarray:
    i = np.arange(n)
    return np.concatenate([
        rng.random(n), rng.poisson(0.4 + 0.5 * i), rng.beta(0.8, 2.2, n),
        rng.gamma(1.5625, 0.64, n), rng.standard_normal(n), rng.integers(0, 1 + i),
        rng.integers(-3, 4, n), rng.random(n), rng.poisson(0.0, n),
    ])  # fmt: skip


@pytest.mark.parametrize("n", [0, 1, 40])
@pytest.mark.parametrize("seed", range(4))
def test_kernel_draws_are_numpys_and_share_its_stream(seed: int, n: int) -> None:
    ours, theirs = np.random.default_rng(seed), np.random.default_rng(seed)
    assert ours.random() == theirs.random()  # Python draws before the kernel...
    got = _draw_everything(handle(ours), n)
    assert np.array_equal(got, _numpy_everything(theirs, n))
    assert ours.random(3).tolist() == theirs.random(3).tolist()  # ...and after it
    ours.bit_generator.state = theirs.bit_generator.state  # a restored state is followed
    assert np.array_equal(_draw_everything(handle(ours), 5), _numpy_everything(theirs, 5))


def test_a_handle_belongs_to_its_generator() -> None:
    a, b = np.random.default_rng(1), np.random.default_rng(1)
    assert handle(a) is handle(a)  # read once
    assert not np.array_equal(handle(a)[:2], handle(b)[:2])  # each its own state
    assert not handle(a).flags.writeable
    _draw_everything(handle(a), 10)
    assert a.random() != b.random()  # a moved on, b did not
    many = [np.random.default_rng(s) for s in range(40)]  # more than are kept
    twins = [np.random.default_rng(s) for s in range(40)]
    for _ in range(2):  # the second time round, the first handles were let go
        for rng, twin in zip(many, twins, strict=True):
            assert np.array_equal(_draw_everything(handle(rng), 2), _numpy_everything(twin, 2))
