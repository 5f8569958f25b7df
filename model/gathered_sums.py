"""NumPy's float sums and means of gathered values, compiled, to the last bit.

The weekly outcomes average float32 columns over a subset of residents
(``pop.awareness[ten].mean()``, ...): a gather into a new array, then NumPy's pairwise
summation, ~40 us each in a town of 10,000. ``gathered_mean`` adds ``values[idx]`` in
exactly NumPy's order (blocks of 128 split in halves; within a block eight running sums
combined as a tree; fewer than eight values added left to right; see model/pairwise.py)
in the values' own dtype, and divides as ``np.mean`` does, without building the gather.
Numba keeps IEEE order (no fastmath), so the sums are identical
(tests/test_kernels_obs.py checks them against NumPy).
"""

from __future__ import annotations

import numpy as np
from numba import njit

_BLOCK = 128  # NumPy's PW_BLOCKSIZE


@njit(cache=True, nogil=True)
def _block_sum(values, idx, start, n):  # pragma: no cover - compiled
    """One leaf of NumPy's pairwise sum: at most ``_BLOCK`` values."""
    if n < 8:
        total = values.dtype.type(0)
        for i in range(start, start + n):
            total += values[idx[i]]
        return total
    r0 = values[idx[start]]
    r1 = values[idx[start + 1]]
    r2 = values[idx[start + 2]]
    r3 = values[idx[start + 3]]
    r4 = values[idx[start + 4]]
    r5 = values[idx[start + 5]]
    r6 = values[idx[start + 6]]
    r7 = values[idx[start + 7]]
    i = 8
    stop = n - n % 8
    while i < stop:
        j = start + i
        r0 += values[idx[j]]
        r1 += values[idx[j + 1]]
        r2 += values[idx[j + 2]]
        r3 += values[idx[j + 3]]
        r4 += values[idx[j + 4]]
        r5 += values[idx[j + 5]]
        r6 += values[idx[j + 6]]
        r7 += values[idx[j + 7]]
        i += 8
    total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    for k in range(start + i, start + n):
        total += values[idx[k]]
    return total


@njit(cache=True, nogil=True)
def pairwise_sum(values, idx, start, n):  # pragma: no cover - compiled
    """``np.add.reduce(values[idx[start:start + n]])`` in ``values``' dtype.

    NumPy recurses (halves rounded down to a multiple of 8) down to blocks of 128; this
    walks the same tree with an explicit stack (numba cannot cache recursive functions)
    and adds each pair of halves as the recursion would."""
    if n <= _BLOCK:
        return _block_sum(values, idx, start, n)
    depth = 64  # a tree over fewer than 2**64 values is shallower than this
    lo = np.empty(depth, np.int64)
    size = np.empty(depth, np.int64)
    stage = np.empty(depth, np.int64)  # 0: left half next, 1: right half next, 2: add them
    sums = np.empty(depth, values.dtype)
    lo[0] = start
    size[0] = n
    stage[0] = 0
    top = 1
    done = 0  # sums of finished subtrees waiting to be added, a stack
    while top > 0:
        t = top - 1
        m = size[t]
        if m <= _BLOCK:
            sums[done] = _block_sum(values, idx, lo[t], m)
            done += 1
            top -= 1
            continue
        half = m // 2
        half -= half % 8
        if stage[t] == 0:
            stage[t] = 1
            lo[top] = lo[t]
            size[top] = half
            stage[top] = 0
            top += 1
        elif stage[t] == 1:
            stage[t] = 2
            lo[top] = lo[t] + half
            size[top] = m - half
            stage[top] = 0
            top += 1
        else:
            sums[done - 2] = sums[done - 2] + sums[done - 1]
            done -= 1
            top -= 1
    return sums[0]


@njit(cache=True, nogil=True)
def gathered_mean(values, idx):  # pragma: no cover - compiled
    """``float(values[idx].mean())`` for a float32 or float64 column, NaN for no ``idx``:
    the sum in the column's dtype, divided in float64 and rounded back to it, as
    ``np.mean`` divides a scalar sum by its (intp) count."""
    n = idx.shape[0]
    if n == 0:
        return np.nan
    total = values.dtype.type(0) + pairwise_sum(values, idx, 0, n)  # NumPy starts at 0
    return np.float64(values.dtype.type(np.float64(total) / np.float64(n)))


@njit(cache=True, nogil=True)
def gift_summary(gifts, idx):  # pragma: no cover - compiled
    """The living ``idx``'s giving over the last year, as ``given = gifts.sum(axis=0)[idx]``
    (buckets added in order) then ``float(given.sum())``, ``given[given > 0]`` (the donors'
    amounts, in ``idx`` order) and their mean (NaN without donors)."""
    n = idx.shape[0]
    # every slot's total, bucket by bucket over contiguous rows (vectorised), then read
    # off for the living: the same adds in the same order as the sum over axis 0
    per_slot = np.zeros(gifts.shape[1], gifts.dtype)
    for r in range(gifts.shape[0]):
        row = gifts[r]
        for s in range(row.shape[0]):
            per_slot[s] += row[s]
    given = np.empty(n, gifts.dtype)
    for k in range(n):
        given[k] = per_slot[idx[k]]
    donors = np.empty(n, gifts.dtype)
    m = 0
    for k in range(n):
        if given[k] > 0:
            donors[m] = given[k]
            m += 1
    donors = donors[:m]
    everyone = np.arange(n)
    total = np.float64(gifts.dtype.type(0) + pairwise_sum(given, everyone, 0, n))
    return total, donors, gathered_mean(donors, everyone[:m])
