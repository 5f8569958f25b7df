"""Compiled loops the organisations share (numba).

Organisations look up a few people out of many (an NPO's first volunteers, a firm's
first worker); a loop that stops caring once it has them beats sorting everyone.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def first_per_group(keys: np.ndarray, wanted: np.ndarray, k: int) -> np.ndarray:  # pragma: no cover
    """Positions of the first ``k`` elements of each wanted group, in order.

    ``keys[i]`` is element ``i``'s group (0 <= key < len(wanted)); ``wanted[g]`` says
    whether group ``g`` counts.
    """
    seen = np.zeros(len(wanted), np.int64)
    out = np.empty(len(keys), np.int64)
    n = 0
    for i in range(len(keys)):
        g = keys[i]
        if wanted[g] and seen[g] < k:
            seen[g] += 1
            out[n] = i
            n += 1
    return out[:n]
