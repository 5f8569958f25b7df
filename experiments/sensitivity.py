"""Sensitivity indices from a sweep's outputs: SALib's Sobol', Morris and eFAST with
bootstrap intervals, how much of the variance is seed noise, and how the indices settle
as the sample grows.

Everything returns tidy tables (one row per outcome, input and index) so the CSVs,
figures and tests read the same numbers.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from SALib.analyze import fast as fast_analyze
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze

CONF_LEVEL = 0.95
INDICES = {
    "sobol": ("S1", "ST"),
    "fast": ("S1", "ST"),
    "morris": ("mu_star", "sigma", "mu"),
}


def block_size(method: str, problem: dict) -> int:
    """Rows of the sample that belong to one base sample (Sobol') or trajectory (Morris)."""
    k = len(set(problem["groups"])) if problem.get("groups") else problem["num_vars"]
    return k + 2 if method == "sobol" else k + 1


def analyse(
    method: str,
    problem: dict,
    X: np.ndarray,
    Y: np.ndarray,
    *,
    seed: int,
    num_resamples: int,
    levels: int = 4,
    conf_level: float = CONF_LEVEL,
) -> pd.DataFrame:
    """Indices of one output: columns input, index, value, conf (half-width), lo, hi."""
    if method == "sobol":
        res = sobol_analyze.analyze(
            problem, Y, calc_second_order=False, num_resamples=num_resamples,
            conf_level=conf_level, seed=seed,
        )  # fmt: skip
    elif method == "fast":
        with warnings.catch_warnings():  # SALib: eFAST's bootstrap intervals are indicative
            warnings.simplefilter("ignore", UserWarning)
            res = fast_analyze.analyze(
                problem, Y, M=4, num_resamples=num_resamples, conf_level=conf_level, seed=seed
            )
    else:
        res = morris_analyze.analyze(
            problem, X, Y, num_resamples=num_resamples, conf_level=conf_level,
            num_levels=levels, seed=seed,
        )  # fmt: skip
    names = list(res["names"]) if "names" in res else _names(problem)
    rows = []
    for index in INDICES[method]:
        values = np.asarray(res[index], dtype=float)
        confs = np.asarray(res.get(f"{index}_conf", np.full(len(values), np.nan)), dtype=float)
        for name, v, c in zip(names, values, confs, strict=True):
            rows.append({"input": name, "index": index, "value": v, "conf": c})
    out = pd.DataFrame(rows)
    out["lo"] = out["value"] - out["conf"]
    out["hi"] = out["value"] + out["conf"]
    return out


def _names(problem: dict) -> list[str]:
    if problem.get("groups"):
        return list(dict.fromkeys(problem["groups"]))
    return list(problem["names"])


def noise_share(outputs: pd.DataFrame, outcome: str) -> dict[str, float]:
    """How much of the spread is seed noise rather than the inputs.

    ``single_run``: the within-point (replication) variance as a share of the variance
    of single runs; ``analysed``: the noise left in the point means the indices use
    (within variance / replications) as a share of the variance of those means."""
    by_point = outputs.groupby("point")[outcome]
    reps = by_point.count()
    within = by_point.var(ddof=1).mean() if (reps >= 2).all() else np.nan
    total = outputs[outcome].var(ddof=1)
    means = by_point.mean()
    r = float(reps.mean())
    return {
        "outcome": outcome,
        "replications": r,
        "variance_single_runs": float(total),
        "variance_within_points": float(within),
        "noise_share_single_run": float(within / total) if total > 0 else np.nan,
        "noise_share_analysed": float(within / r / means.var(ddof=1))
        if means.var(ddof=1) > 0
        else np.nan,
    }


def convergence(
    method: str,
    problem: dict,
    X: np.ndarray,
    Y: np.ndarray,
    *,
    seed: int,
    num_resamples: int,
    levels: int = 4,
) -> pd.DataFrame:
    """Indices recomputed on the first 1/8, 1/4, 1/2 and all of the base samples
    (Sobol') or trajectories (Morris); eFAST's design cannot be cut, so it has none."""
    if method == "fast":
        return pd.DataFrame(columns=["samples", "input", "index", "value", "conf", "lo", "hi"])
    block = block_size(method, problem)
    n = len(Y) // block
    sizes = sorted({max(2, n // d) for d in (8, 4, 2, 1)})
    frames = []
    for size in sizes:
        rows = size * block
        table = analyse(
            method, problem, X[:rows], Y[:rows], seed=seed, num_resamples=num_resamples,
            levels=levels,
        )  # fmt: skip
        table.insert(0, "samples", size)
        frames.append(table)
    return pd.concat(frames, ignore_index=True)
