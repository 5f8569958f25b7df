"""`kizuna validate-model`: the baseline region kinds against their calibration targets.

Each region kind's shipped scenario (``scenarios/urban_ward.yaml``, ``baseline.yaml``,
``rural_town.yaml``) runs its replications; every target of ``model/targets.py`` that
holds for the region is read off each run's weekly outcomes, and the median and 5-95%
band over replications is set beside the published figure with a pass/miss mark. The
runs also keep what the figures need and the weekly table cannot hold: the population
pyramid at the start and the end, and the degree distribution of the tie network.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.runner import RunFailure, RunSpec, plan_runs
from experiments.scenario import Scenario, load_scenario
from experiments.summary import BAND, year_figures
from model.outcomes import tie_census
from model.targets import PROFILE_GROUPS, Target, format_value, targets_for
from model.vital_rates import N_AGE_GROUPS, age_group

ROOT = Path(__file__).resolve().parents[1]
REGION_SCENARIOS = {
    "suburban": ROOT / "scenarios" / "baseline.yaml",
    "urban_ward": ROOT / "scenarios" / "urban_ward.yaml",
    "rural_town": ROOT / "scenarios" / "rural_town.yaml",
}
MAX_DEGREE = 200  # degree histograms are cut here (the last bin holds the rest)


@dataclass
class ValidationRun:
    """One replication of one region kind: weekly outcomes plus the end-state snapshots."""

    spec: RunSpec
    region: str
    table: pd.DataFrame
    pyramid: np.ndarray  # (2 times: week 0, last week; 2 sexes: male, female; age groups)
    degree: np.ndarray  # residents by number of ties outside their household, last week
    strong_degree: np.ndarray  # same, strong ties only
    seconds: float


def _pyramid(model) -> np.ndarray:
    pop = model.population
    idx = pop.alive_idx()
    group = age_group(pop.age[idx])
    female = pop.female[idx].astype(np.int64)
    counts = np.bincount(female * N_AGE_GROUPS + group, minlength=2 * N_AGE_GROUPS)
    return counts.reshape(2, N_AGE_GROUPS)


def _degrees(model) -> tuple[np.ndarray, np.ndarray]:
    idx = model.population.alive_idx()
    by_class = tie_census(model).by_class[idx]  # household weak/strong, outside weak/strong
    outside = np.minimum(by_class[:, 2] + by_class[:, 3], MAX_DEGREE)
    strong = np.minimum(by_class[:, 3], MAX_DEGREE)
    return (
        np.bincount(outside, minlength=MAX_DEGREE + 1),
        np.bincount(strong, minlength=MAX_DEGREE + 1),
    )


def validation_run(spec: RunSpec) -> ValidationRun | RunFailure:
    """Run one replication and keep what validation reads (a failure comes back as a
    record, so one bad run does not stop the others)."""
    try:
        t0 = time.perf_counter()
        model = spec.scenario.build_model(spec.rng())
        start = _pyramid(model)
        for _ in range(spec.weeks):
            model.step()
        degree, strong = _degrees(model)
        table = model.outcomes()
        return ValidationRun(
            spec, spec.scenario.region.kind, table, np.stack([start, _pyramid(model)]),
            degree, strong, time.perf_counter() - t0,
        )  # fmt: skip
    except Exception as exc:
        return RunFailure.of(spec, exc, traceback.format_exc())


# --- planning ---------------------------------------------------------------------------------
def region_scenarios(
    *,
    replications: int | None = None,
    years: float | None = None,
    population: int | None = None,
) -> list[Scenario]:
    """The shipped scenario of each region kind, with the options applied."""
    out = []
    for path in REGION_SCENARIOS.values():
        scenario = load_scenario(path)
        data = scenario.model_dump()
        if population is not None:
            data["region"] = {**data["region"], "population": population, "grid_size": None}
        if years is not None:
            data["horizon"] = {"years": years}
        if replications is not None:
            data["replications"] = replications
        out.append(Scenario.model_validate(data))
    return out


def plan(scenarios: list[Scenario], seed: int | None = None) -> list[RunSpec]:
    return [spec for s in scenarios for spec in plan_runs(s, seed)]


# --- reading targets off runs -----------------------------------------------------------------
def full_years(table: pd.DataFrame) -> int:
    return int(table["week"].max()) // 52


def measure(target: Target, table: pd.DataFrame) -> float | str | None:
    """The target's quantity in one run (None when the run is too short for it)."""
    years = full_years(table)
    if years < target.needs_years:
        return None
    if target.measure == "level":
        return float(year_figures(table, target.year)[target.outcome])
    if target.measure == "annual_change":
        first = year_figures(table, 1)[target.outcome]
        last = year_figures(table, years)[target.outcome]
        return float((last - first) / (years - 1))
    if target.measure == "growth":
        pop = table.set_index("week")[target.outcome]
        weeks = int(table["week"].max())
        return float((pop.iloc[-1] / pop.loc[0]) ** (52 / weeks) - 1)
    rates = year_figures(table, target.year)
    profile = {g: rates[f"volunteer_rate_{g}"] for g in PROFILE_GROUPS}
    pick = max if target.measure == "peak_group" else min
    return pick(profile, key=profile.get)


def profile_table(runs: list[ValidationRun], year: int = 1) -> pd.DataFrame:
    """Volunteer rate by survey age group: one row per (region, replication, group)."""
    rows = []
    for r in runs:
        if full_years(r.table) < year:
            continue
        rates = year_figures(r.table, year)
        for g in (*PROFILE_GROUPS, "75_plus"):
            rows.append(
                {"region": r.region, "replication": r.spec.replication, "group": g,
                 "rate": float(rates[f"volunteer_rate_{g}"])}
            )  # fmt: skip
    return pd.DataFrame(rows, columns=["region", "replication", "group", "rate"])


def evaluate(runs: list[ValidationRun]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(one row per target and region: published figure, band, model median and band,
    verdict; one row per target, region and replication: the measured value)."""
    per_run, rows = [], []
    regions = list(dict.fromkeys(r.region for r in runs))
    profiles = profile_table(runs)
    for region in regions:
        mine = [r for r in runs if r.region == region]
        for t in targets_for(region):
            values = [measure(t, r.table) for r in mine]
            per_run += [
                {"target": t.key, "region": region, "replication": r.spec.replication, "value": v}
                for r, v in zip(mine, values, strict=True)
            ]
            rows.append(_verdict(t, region, values, profiles))
    return pd.DataFrame(rows), pd.DataFrame(per_run)


def _verdict(t: Target, region: str, values: list, profiles: pd.DataFrame) -> dict:
    row = {
        "target": t.key, "region": region, "quantity": t.quantity, "unit": t.unit,
        "published": t.value_text(), "match": t.band_text(),
        "low": t.low, "high": t.high, "median": np.nan, "p05": np.nan, "p95": np.nan,
        "model": "", "replications": len(values), "verdict": "", "source": t.source,
    }  # fmt: skip
    got = [v for v in values if v is not None]
    if not got:
        row["verdict"] = f"not run (needs {t.needs_years} simulated years)"
        return row
    if t.measure in ("peak_group", "lowest_group"):
        # the median profile's extreme group; how many single runs agree shows the noise
        med = profiles[profiles["region"] == region].groupby("group")["rate"].median()
        med = med.reindex(list(PROFILE_GROUPS))
        group = med.idxmax() if t.measure == "peak_group" else med.idxmin()
        agree = sum(v == t.value for v in got)
        row.update(model=f"{group} ({agree} of {len(got)} runs: {t.value})")
        row["verdict"] = "pass" if group == t.value else "miss"
        return row
    arr = np.asarray(got, dtype=float)
    med, lo, hi = np.median(arr), np.quantile(arr, BAND[0]), np.quantile(arr, BAND[1])
    row.update(median=med, p05=lo, p95=hi)
    fmt = [format_value(x, t.unit) for x in (med, lo, hi)]
    row["model"] = f"{fmt[0]} [{fmt[1]} to {fmt[2]}]"
    row["verdict"] = "pass" if t.low <= med <= t.high else "miss"  # type: ignore[operator]
    return row
