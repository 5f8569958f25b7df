"""Paired comparison of scenarios run with common random numbers.

Replication i of every scenario starts from the same generator, so the difference
``x_i(scenario) - x_i(first)`` cancels most of the noise both share (the same town, the
same first encounters). The interval of the mean paired difference is Student's t on
those differences; the unpaired (Welch) interval is reported beside it, so the gain
from pairing is visible. Cost per unit of outcome is the mean extra intervention spend
over the horizon divided by the mean difference, with a paired bootstrap interval, and
only where the difference's interval excludes zero (otherwise its sign is unknown).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from experiments.runner import RunResult
from experiments.summary import BAND, n_years, year_figures
from model.outcomes import OUTCOME_BY_NAME, OUTCOMES

LEVEL = 0.90  # two-sided interval level for differences (and the 5-95% band)
BOOTSTRAP = 2000  # resamples for the cost-per-unit interval


def final_values(results: list[RunResult], year: int | None = None) -> pd.DataFrame:
    """Each replication's figures for ``year`` (default the last): rows are replications,
    columns outcomes; plus ``intervention_cost_total``, the yen spent over the horizon."""
    if not results:
        return pd.DataFrame(columns=[o.name for o in OUTCOMES])
    year = n_years(results[0].table) if year is None else year
    rows = {}
    for r in results:
        row = year_figures(r.table, year)
        run = r.table[r.table["week"] >= 1]
        row["intervention_cost_total"] = float(run["intervention_cost"].sum())
        rows[r.spec.replication] = row
    out = pd.DataFrame.from_dict(rows, orient="index").sort_index()
    out.index.name = "replication"
    return out


def t_interval(d: np.ndarray, level: float = LEVEL) -> tuple[float, float]:
    """Student's t interval of the mean of ``d`` (a point when all values agree)."""
    n = len(d)
    if n < 2:
        return (np.nan, np.nan)
    mean, se = float(np.mean(d)), float(np.std(d, ddof=1) / np.sqrt(n))
    if se == 0.0:
        return (mean, mean)
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * se
    return (mean - half, mean + half)


def welch_interval(a: np.ndarray, b: np.ndarray, level: float = LEVEL) -> tuple[float, float]:
    """Welch's interval of mean(a) - mean(b), treating the samples as independent."""
    na, nb = len(a), len(b)
    if na < 2 or nb < 2:
        return (np.nan, np.nan)
    va, vb = np.var(a, ddof=1) / na, np.var(b, ddof=1) / nb
    diff = float(np.mean(a) - np.mean(b))
    se = float(np.sqrt(va + vb))
    if se == 0.0:
        return (diff, diff)
    dof = (va + vb) ** 2 / (va**2 / (na - 1) + vb**2 / (nb - 1))
    half = float(stats.t.ppf(0.5 + level / 2, dof)) * se
    return (diff - half, diff + half)


def _paired(values: dict[str, pd.DataFrame], base: str, other: str, column: str):
    """The replications both scenarios have a value for: (other, base) arrays."""
    joined = pd.concat(
        [values[other][column].rename("x"), values[base][column].rename("b")], axis=1, join="inner"
    ).dropna()
    return joined["x"].to_numpy(float), joined["b"].to_numpy(float)


def comparison_table(
    values: dict[str, pd.DataFrame], order: list[str], level: float = LEVEL
) -> pd.DataFrame:
    """One row per (outcome, scenario): the scenario's median, band and mean, and for
    every scenario after the first its difference from the first: mean and median of the
    paired differences, their t interval (``diff_lo``-``diff_hi``), their own 5-95% spread
    (``diff_p05``-``diff_p95``) and the unpaired Welch interval for contrast."""
    base = order[0]
    rows = []
    for o in OUTCOMES:
        for name in order:
            v = values[name][o.name].astype(float).dropna() if len(values[name]) else pd.Series()
            row = {
                "outcome": o.name,
                "group": o.group,
                "unit": o.unit,
                "scenario": name,
                "replications": len(values[name]),
                "defined": len(v),
                "median": float(v.median()) if len(v) else np.nan,
                "p05": float(v.quantile(BAND[0])) if len(v) else np.nan,
                "p95": float(v.quantile(BAND[1])) if len(v) else np.nan,
                "mean": float(v.mean()) if len(v) else np.nan,
            }
            if name != base:
                x, b = _paired(values, base, name, o.name)
                d = x - b
                lo, hi = t_interval(d, level)
                ulo, uhi = welch_interval(
                    values[name][o.name].dropna().to_numpy(float),
                    values[base][o.name].dropna().to_numpy(float),
                    level,
                )
                row.update(
                    pairs=len(d),
                    diff_mean=float(d.mean()) if len(d) else np.nan,
                    diff_median=float(np.median(d)) if len(d) else np.nan,
                    diff_lo=lo,
                    diff_hi=hi,
                    diff_p05=float(np.quantile(d, BAND[0])) if len(d) else np.nan,
                    diff_p95=float(np.quantile(d, BAND[1])) if len(d) else np.nan,
                    unpaired_lo=ulo,
                    unpaired_hi=uhi,
                    distinguishable=bool(len(d) > 1 and (lo > 0 or hi < 0)),
                )
            rows.append(row)
    return pd.DataFrame(rows)


def per_unit(unit: str) -> tuple[str, float]:
    """How a cost per unit is quoted: shares per percentage point, others per unit."""
    if unit == "share":
        return ("percentage point", 100.0)
    if unit == "0-1":
        return ("0.01", 100.0)  # an index on a 0-1 scale
    return (unit, 1.0)


def cost_table(
    values: dict[str, pd.DataFrame],
    comparison: pd.DataFrame,
    order: list[str],
    *,
    seed: int,
    level: float = LEVEL,
) -> pd.DataFrame:
    """Yen of extra intervention spend over the horizon per unit of outcome difference,
    for each scenario (after the first) that spends more than the first, and each outcome
    whose paired difference is distinguishable from zero."""
    base = order[0]
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0xC057,)))
    rows = []
    for name in order[1:]:
        xc, bc = _paired(values, base, name, "intervention_cost_total")
        dc = xc - bc
        if not len(dc) or dc.mean() <= 0:
            continue
        found = comparison[(comparison["scenario"] == name) & comparison["distinguishable"]]
        for _, c in found.iterrows():
            if c["outcome"] == "intervention_cost":
                continue
            label, scale = per_unit(c["unit"])
            joined = pd.concat(
                [
                    values[name][c["outcome"]].rename("x"),
                    values[base][c["outcome"]].rename("b"),
                    values[name]["intervention_cost_total"].rename("xc"),
                    values[base]["intervention_cost_total"].rename("bc"),
                ],
                axis=1,
                join="inner",
            ).dropna()
            do = (joined["x"] - joined["b"]).to_numpy(float) * scale
            dcost = (joined["xc"] - joined["bc"]).to_numpy(float)
            ratio = dcost.mean() / do.mean()
            idx = rng.integers(0, len(do), size=(BOOTSTRAP, len(do)))
            with np.errstate(divide="ignore", invalid="ignore"):
                boot = dcost[idx].mean(axis=1) / do[idx].mean(axis=1)
            boot = boot[np.isfinite(boot)]
            lo, hi = (
                np.quantile(boot, [(1 - level) / 2, (1 + level) / 2])
                if len(boot)
                else (np.nan,) * 2
            )
            rows.append(
                {
                    "scenario": name,
                    "outcome": c["outcome"],
                    "per": label,
                    "extra_cost_yen": float(dcost.mean()),
                    "difference": float(do.mean()),
                    "yen_per_unit": float(ratio),
                    "yen_per_unit_lo": float(lo),
                    "yen_per_unit_hi": float(hi),
                    "description": OUTCOME_BY_NAME[c["outcome"]].description,
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "scenario", "outcome", "per", "extra_cost_yen", "difference", "yen_per_unit",
            "yen_per_unit_lo", "yen_per_unit_hi", "description",
        ],
    )  # fmt: skip


def weekly_differences(
    base: list[pd.DataFrame], other: list[pd.DataFrame], column: str
) -> pd.DataFrame:
    """Weekly median and 5-95% band of the paired difference (other - base), matching
    replications by number; for fan charts of the difference over time."""
    b = {int(df["replication"].iloc[0]): df.set_index("week")[column] for df in base}
    x = {int(df["replication"].iloc[0]): df.set_index("week")[column] for df in other}
    common = sorted(set(b) & set(x))
    wide = pd.concat([x[r] - b[r] for r in common], axis=1)
    return pd.DataFrame(
        {
            "median": wide.median(axis=1),
            "p05": wide.quantile(BAND[0], axis=1),
            "p95": wide.quantile(BAND[1], axis=1),
        }
    )
