"""Random streams that compiled kernels draw from themselves, without the GIL.

NumPy's ``Generator`` costs ~40 ns per Poisson count and ~3 ns per uniform here, and
holds the GIL while it draws; a numba kernel given a ``Generator`` is slower still
(~20 ns per call through the bit generator's function pointer, ~11 ms per thousand
calls just to unbox it). The week's meetings need ~25,000 counts and ~150,000
uniforms, so the kernels that pair them draw from a *stream* instead: the four
64-bit words of NumPy's SFC64 bit generator (Chris Doty-Humphrey's Small Fast
Chaotic PRNG), advanced in compiled code exactly as ``numpy.random.SFC64`` advances
them (a test checks the raw outputs against NumPy's).

A stream is a ``uint64`` array of length 4, seeded from a ``SeedSequence`` child of
the model's, drawn from by one thread at a time (the helper's kernels have a stream
of their own), so the numbers depend on the seed and the order of the calls only.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

_DOUBLE = 1.0 / 9007199254740992.0  # 2**-53: a 53-bit uniform in [0, 1), as NumPy's


def seeded(seed: np.random.SeedSequence) -> np.ndarray:
    """A new stream: SFC64's state as NumPy seeds it from ``seed``."""
    state = np.random.SFC64(seed).state["state"]["state"]
    return np.array(state, dtype=np.uint64)


@njit(cache=True, inline="always")
def _advance(a, b, c, w):  # pragma: no cover - compiled
    """One step of SFC64 on its four words as values: (the new words, the draw). A loop
    that draws many keeps the words in registers this way (~25% faster than through the
    state array); ``next_raw`` takes the same step on the array."""
    tmp = a + b + w
    c_next = ((c << np.uint64(24)) | (c >> np.uint64(40))) + tmp
    return b ^ (b >> np.uint64(11)), c + (c << np.uint64(3)), c_next, w + np.uint64(1), tmp


@njit(cache=True, inline="always")
def _as_double(draw):  # pragma: no cover - compiled
    """A uniform in [0, 1) from a draw's top 53 bits (``Generator.random()``'s rule)."""
    return np.float64(draw >> np.uint64(11)) * _DOUBLE


@njit(cache=True, inline="always")
def next_raw(s):  # pragma: no cover - compiled
    """The next 64 random bits (``SFC64.random_raw()``), advancing ``s`` in place."""
    s[0], s[1], s[2], s[3], draw = _advance(s[0], s[1], s[2], s[3])
    return draw


@njit(cache=True, inline="always")
def next_double(s):  # pragma: no cover - compiled
    """A uniform in [0, 1) from the next draw's top 53 bits."""
    return _as_double(next_raw(s))


@njit(cache=True, nogil=True)
def _ptrs(s, lam):  # pragma: no cover - compiled
    """Poisson(``lam``) for ``lam >= 10``: Hörmann's transformed rejection with
    squeeze (PTRS, 1993), as NumPy draws it, from this stream's uniforms."""
    slam = math.sqrt(lam)
    loglam = math.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    invalpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2.0)
    while True:
        u = next_double(s) - 0.5
        v = next_double(s)
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + lam + 0.43)
        if us >= 0.07 and v <= vr:
            return np.int64(k)
        if k < 0 or (us < 0.013 and v > us):
            continue
        if math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b) <= (
            -lam + k * loglam - math.lgamma(k + 1.0)
        ):
            return np.int64(k)


@njit(cache=True, inline="always")
def poisson_below(u, lam, p0):  # pragma: no cover - compiled
    """Poisson(``lam``) by inversion of one uniform ``u`` (``p0 = exp(-lam)``): the
    smallest k whose cumulative chance exceeds ``u``; for ``lam < 10``, ~lam steps."""
    k = 0
    p = p0
    total = p
    while u >= total:
        k += 1
        p *= lam / k
        if p <= total * 1e-17:  # the rest of the tail no longer moves the sum
            break
        total += p
    return np.int64(k)


@njit(cache=True, nogil=True)
def poisson(s, lam):  # pragma: no cover - compiled
    """One Poisson(``lam``) count: inversion below 10, PTRS from 10 (0 for ``lam <= 0``)."""
    if lam <= 0.0:
        return np.int64(0)
    if lam < 10.0:
        return poisson_below(next_double(s), lam, math.exp(-lam))
    return _ptrs(s, lam)


@njit(cache=True, nogil=True)
def poisson_counts(s, lam):  # pragma: no cover - compiled
    """A Poisson count for each rate in ``lam`` (``Generator.poisson(lam)``'s law): the
    draws of ``poisson`` one rate after another, with the state in registers."""
    out = np.empty(lam.shape[0], np.int64)
    a, b, c, w = s[0], s[1], s[2], s[3]
    for i in range(lam.shape[0]):
        rate = lam[i]
        if rate <= 0.0:
            out[i] = 0
        elif rate < 10.0:
            a, b, c, w, draw = _advance(a, b, c, w)
            out[i] = poisson_below(_as_double(draw), rate, math.exp(-rate))
        else:  # rare: PTRS draws through the array
            s[0], s[1], s[2], s[3] = a, b, c, w
            out[i] = _ptrs(s, rate)
            a, b, c, w = s[0], s[1], s[2], s[3]
    s[0], s[1], s[2], s[3] = a, b, c, w
    return out


@njit(cache=True, nogil=True)
def poisson_same(s, lam, n):  # pragma: no cover - compiled
    """``n`` Poisson(``lam``) counts for one rate (its ``exp(-lam)`` taken once)."""
    out = np.empty(n, np.int64)
    if lam <= 0.0:
        out[:] = 0
        return out
    if lam >= 10.0:
        for i in range(n):
            out[i] = _ptrs(s, lam)
        return out
    p0 = math.exp(-lam)
    a, b, c, w = s[0], s[1], s[2], s[3]
    for i in range(n):
        a, b, c, w, draw = _advance(a, b, c, w)
        out[i] = poisson_below(_as_double(draw), lam, p0)
    s[0], s[1], s[2], s[3] = a, b, c, w
    return out


@njit(cache=True, nogil=True)
def uniforms(s, n):  # pragma: no cover - compiled
    """``n`` uniforms in [0, 1) (``Generator.random(n)``'s law and resolution)."""
    out = np.empty(n)
    a, b, c, w = s[0], s[1], s[2], s[3]
    for i in range(n):
        a, b, c, w, draw = _advance(a, b, c, w)
        out[i] = _as_double(draw)
    s[0], s[1], s[2], s[3] = a, b, c, w
    return out


@njit(cache=True, nogil=True)
def raw(s, n):  # pragma: no cover - compiled
    """``n`` raw draws (``SFC64.random_raw(n)``); for the test against NumPy."""
    out = np.empty(n, np.uint64)
    for i in range(n):
        out[i] = next_raw(s)
    return out
