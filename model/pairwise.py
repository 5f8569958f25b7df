"""``numpy.mean`` of a short Python list without building an array, to the last bit.

The weekly outcomes average a few dozen organisations' figures; ``np.mean`` on a list
costs ~10 us in conversion and dispatch. NumPy adds a contiguous float64 array by
pairwise summation (blocks of 128 split in halves; within a block eight running sums
combined as a tree; fewer than eight values added left to right), which ``pairwise_sum``
repeats step by step, so the means are identical (tests/test_kernels_observation.py
checks this against ``np.mean``).
"""

from __future__ import annotations

from collections.abc import Sequence

_BLOCK = 128  # NumPy's PW_BLOCKSIZE


def pairwise_sum(values: Sequence[float], start: int = 0, n: int | None = None) -> float:
    """``np.add.reduce`` of ``values[start:start + n]`` as a float64 array."""
    n = len(values) - start if n is None else n
    if n < 8:
        total = 0.0
        for i in range(start, start + n):
            total += values[i]
        return total
    if n <= _BLOCK:
        r = [float(x) for x in values[start : start + 8]]
        i = 8
        while i < n - n % 8:
            for j in range(8):
                r[j] += values[start + i + j]
            i += 8
        total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        for k in range(start + i, start + n):
            total += values[k]
        return total
    half = n // 2
    half -= half % 8
    return pairwise_sum(values, start, half) + pairwise_sum(values, start + half, n - half)


def mean(values: Sequence[float]) -> float:
    """``float(np.mean(values))`` for a non-empty list of floats (or of bools: a share)."""
    return pairwise_sum([float(x) for x in values]) / len(values)
