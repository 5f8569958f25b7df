"""Functions with known sensitivity indices, to check a sweep's machinery end to end.

A sweep file with ``model: ishigami`` runs the same sampling, replication, analysis and
output code as a model sweep, on the Ishigami function (Ishigami & Homma 1990), whose
first-order and total Sobol' indices are known in closed form.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from SALib.test_functions import Ishigami

from experiments.sweep_file import SweepFile

A, B = 7.0, 0.1  # the usual constants


def ishigami_indices(a: float = A, b: float = B) -> pd.DataFrame:
    """Analytic S1 and ST of x1, x2, x3 on U(-pi, pi)^3."""
    pi4, pi8 = np.pi**4, np.pi**8
    v1 = 0.5 * (1 + b * pi4 / 5) ** 2
    v2 = a**2 / 8
    v13 = 8 * b**2 * pi8 / 225
    total = v1 + v2 + v13
    return pd.DataFrame(
        {
            "input": ["x1", "x2", "x3"],
            "S1": [v1 / total, v2 / total, 0.0],
            "ST": [(v1 + v13) / total, v2 / total, v13 / total],
        }
    )


def evaluate(sweep: SweepFile, X: np.ndarray) -> pd.DataFrame:
    """One row per point and replication; ``noise`` adds seeded normal noise per
    replication, standing in for a stochastic model."""
    order = [sweep.columns.index(name) for name in ("x1", "x2", "x3")]
    y = Ishigami.evaluate(X[:, order], A=A, B=B)
    rows = []
    for rep in range(sweep.replications):
        rng = np.random.default_rng(np.random.SeedSequence(sweep.seed, spawn_key=(rep,)))
        noisy = y + (rng.normal(0.0, sweep.noise, len(y)) if sweep.noise else 0.0)
        rows.append(pd.DataFrame({"point": np.arange(len(y)), "replication": rep, "y": noisy}))
    return pd.concat(rows, ignore_index=True).sort_values(
        ["point", "replication"], ignore_index=True
    )
