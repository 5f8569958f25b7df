"""Summaries over replications: each outcome's year figure, median and 5-95% band.

A year's figure for a stock outcome (a rate, a count of people) is its value at the
year's last week; for a flow (births, yen given) it is the sum over the year's weeks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from model.outcomes import OUTCOMES

BAND = (0.05, 0.95)


def year_figures(df: pd.DataFrame, year: int) -> pd.Series:
    """One replication's figures for simulated year ``year`` (1 = weeks 1-52).

    A year cut short by the horizon uses the weeks it has.
    """
    last = min(52 * year, int(df["week"].max()))
    first = 52 * (year - 1) + 1
    weeks = df[(df["week"] >= first) & (df["week"] <= last)]
    at_end = df.loc[df["week"] == last].iloc[0]
    return pd.Series(
        {o.name: (weeks[o.name].sum() if o.kind == "flow" else at_end[o.name]) for o in OUTCOMES}
    )


def n_years(df: pd.DataFrame) -> int:
    return max(1, int(np.ceil(df["week"].max() / 52)))


def _band_rows(values: pd.DataFrame) -> pd.DataFrame:
    """Median, band and mean per outcome (columns) over replications (rows).

    Some outcomes are undefined in some towns (the self-reliance share of social
    enterprises where there are none): those replications are left out of the
    statistics and ``defined`` says how many had a value."""
    rows = []
    for o in OUTCOMES:
        v = values[o.name].astype(float).dropna()
        rows.append(
            {
                "outcome": o.name,
                "group": o.group,
                "kind": o.kind,
                "unit": o.unit,
                "median": float(v.median()) if len(v) else np.nan,
                "p05": float(v.quantile(BAND[0])) if len(v) else np.nan,
                "p95": float(v.quantile(BAND[1])) if len(v) else np.nan,
                "mean": float(v.mean()) if len(v) else np.nan,
                "replications": len(values),
                "defined": len(v),  # replications where the outcome has a value
                "description": o.description,
            }
        )
    return pd.DataFrame(rows)


def summarise(frames: list[pd.DataFrame], year: int | None = None) -> pd.DataFrame:
    """Final-year (or a given year's) figures across replications."""
    if not frames:
        raise ValueError("no replications to summarise")
    year = n_years(frames[0]) if year is None else year
    values = pd.DataFrame([year_figures(df, year) for df in frames])
    out = _band_rows(values)
    out.insert(0, "year", year)
    return out


def yearly(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Every simulated year's figures across replications, in one long table."""
    return pd.concat(
        [summarise(frames, y) for y in range(1, n_years(frames[0]) + 1)], ignore_index=True
    )


def bands_over_time(frames: list[pd.DataFrame], column: str) -> pd.DataFrame:
    """Weekly median and 5-95% band of one outcome across replications (for fan charts)."""
    wide = pd.concat([df.set_index("week")[column] for df in frames], axis=1)
    return pd.DataFrame(
        {
            "median": wide.median(axis=1),
            "p05": wide.quantile(BAND[0], axis=1),
            "p95": wide.quantile(BAND[1], axis=1),
        }
    )


def money_flows(ledgers: list[pd.DataFrame]) -> pd.DataFrame:
    """Where the money went over the simulated weeks: yen per (source kind, destination
    kind, channel), median and band over replications. A kind is an account's prefix
    ("npo", "external", "sink"...); the warm-up's flows are left out."""
    totals = []
    for flows in ledgers:
        run = flows[flows["week"] >= 1]
        kinds = run.assign(
            source=run["source"].str.split(":").str[0],
            destination=run["destination"].str.split(":").str[0],
        )
        # keep the name of external sources and sinks: "external:taxes", "sink:wages"
        for col in ("source", "destination"):
            named = run[col].str.startswith(("external:", "sink:"))
            kinds.loc[named, col] = run.loc[named, col]
        totals.append(kinds.groupby(["source", "destination", "channel"])["amount"].sum())
    wide = pd.concat(totals, axis=1).fillna(0.0)
    out = pd.DataFrame(
        {
            "median": wide.median(axis=1),
            "p05": wide.quantile(BAND[0], axis=1),
            "p95": wide.quantile(BAND[1], axis=1),
            "mean": wide.mean(axis=1),
        }
    ).reset_index()
    return out.sort_values("median", ascending=False, ignore_index=True)
