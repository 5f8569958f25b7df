"""New residents' lasting traits, drawn in one compiled call from the model's generator.

``demography.init_traits`` runs for every birth and every arriving household, a few
residents at a time: as NumPy calls it was eight draws and fourteen gathers and
scatters, each costing more in dispatch than its few numbers. Numba draws from the
model's generator (through its ``kernel_rng`` handle) exactly as NumPy does, so one loop
per trait, in the order of the array calls, gives the same numbers
(``tests/test_kernels_demography.py`` checks them).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from model.kernel_rng import generator


@njit(cache=True, nogil=True)
def draw_traits(
    h, slots, log_rr, propensity, sociability, awareness, trust0, trust, frailty_u,
    income_u, work_u, study_u, motivation,
):  # fmt: skip  # pragma: no cover - compiled
    """Each trait's draws for all ``slots`` in turn, stored as float32 as NumPy's
    assignment rounds them; returns the exponent of each one's mortality relative risk
    (``log_rr * frailty_u - log_rr**2 / 2`` in float32), whose exp stays with NumPy."""
    rng = generator(h)
    n = slots.shape[0]
    for k in range(n):
        propensity[slots[k]] = rng.beta(0.8, 2.2)  # most mildly disposed, a minority strongly
    for k in range(n):
        sociability[slots[k]] = rng.gamma(1.5625, 0.64)  # mean 1, coefficient of variation 0.8
    for k in range(n):
        awareness[slots[k]] = rng.beta(2.5, 4.0)  # near the town's steady state
    for k in range(n):
        t0 = rng.beta(2.0, 3.0)
        trust0[slots[k]] = t0
        trust[slots[k]] = t0
    for k in range(n):
        frailty_u[slots[k]] = rng.standard_normal()
    for k in range(n):
        income_u[slots[k]] = rng.standard_normal()
    for k in range(n):
        work_u[slots[k]] = rng.random()
    for k in range(n):
        study_u[slots[k]] = rng.random()
    z = np.empty(n, np.float32)
    scale = np.float32(log_rr)
    shift = np.float32(log_rr**2 / 2)
    for k in range(n):
        motivation[slots[k]] = 1.0
        z[k] = scale * frailty_u[slots[k]] - shift
    return z
