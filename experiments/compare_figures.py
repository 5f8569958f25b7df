"""Figures of a comparison: every scenario's fan over time, the paired differences from
the first scenario (bars with 90% intervals), and those differences over time."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from experiments.figures import PANELS
from experiments.paired import weekly_differences
from experiments.store import save_figure
from experiments.summary import bands_over_time
from model.outcomes import OUTCOME_BY_NAME

RESILIENCE_PANEL = (
    "community_function",
    "reached_72h_share",
    "disaster_deaths",
    "disaster_left_town",
)

# The outcomes a report leads with, in this order (resilience ones when there are shocks).
KEY_OUTCOMES = (
    "mean_degree",
    "mean_strong_degree",
    "isolated_share",
    "no_close_friend_60_plus",
    "volunteer_rate",
    "donor_rate",
    "association_membership",
    "awareness_mean",
    "population",
    "elders_living_alone",
)
KEY_RESILIENCE = ("reached_72h_share", "disaster_deaths", "disaster_left_town", "resilience_loss")


def key_outcomes(frames: dict[str, list[pd.DataFrame]]) -> tuple[str, ...]:
    """The report's outcomes: resilience ones join when any scenario was struck."""
    shocked = any((df["disaster_in_need"] > 0).any() for runs in frames.values() for df in runs)
    return KEY_OUTCOMES + (KEY_RESILIENCE if shocked else ())


def _colours(order: list[str]) -> dict[str, object]:
    cmap = plt.get_cmap("tab10")
    return {name: cmap(i % 10) for i, name in enumerate(order)}


def fan_panel(
    frames: dict[str, list[pd.DataFrame]], order: list[str], outcomes: tuple[str, ...], title: str
):
    """Median line and 5-95% band of each scenario, overlaid, one axis per outcome."""
    colours = _colours(order)
    fig, axes = plt.subplots(2, 2, figsize=(11, 7), sharex=True)
    for ax, name in zip(axes.flat, outcomes, strict=False):
        for scenario in order:
            bands = bands_over_time(frames[scenario], name)
            years = bands.index / 52.0
            c = colours[scenario]
            ax.fill_between(years, bands["p05"], bands["p95"], color=c, alpha=0.18, lw=0)
            ax.plot(years, bands["median"], color=c, lw=1.6, label=scenario)
        ax.set_title(name.replace("_", " "), fontsize=10)
        ax.set_ylabel(OUTCOME_BY_NAME[name].unit)
        ax.grid(alpha=0.3)
    for ax in axes[-1]:
        ax.set_xlabel("years")
    axes.flat[0].legend(fontsize=8, title="median, 5-95% band", title_fontsize=8)
    n = min(len(frames[s]) for s in order)
    fig.suptitle(f"{title} ({n} replications per scenario, common random numbers)")
    fig.tight_layout()
    return fig


def difference_bars(table: pd.DataFrame, order: list[str], outcomes: tuple[str, ...]):
    """Mean paired difference from the first scenario with its 90% interval, one small
    axis per outcome (each in its own unit), one bar per other scenario."""
    others = order[1:]
    colours = _colours(order)
    ncols = 4
    nrows = int(np.ceil(len(outcomes) / ncols))
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(12, (1.5 + 0.45 * len(others)) * nrows), squeeze=False
    )
    for ax, name in zip(axes.flat, outcomes, strict=False):
        rows = table[(table["outcome"] == name)].set_index("scenario")
        ys = np.arange(len(others))
        for y, scenario in zip(ys, others, strict=True):
            r = rows.loc[scenario]
            mean, lo, hi = r["diff_mean"], r["diff_lo"], r["diff_hi"]
            ax.barh(y, mean, color=colours[scenario], alpha=0.85 if r["distinguishable"] else 0.35)
            if np.isfinite(lo) and np.isfinite(hi):
                ax.errorbar(mean, y, xerr=[[mean - lo], [hi - mean]], color="black", capsize=3)
        ax.axvline(0.0, color="grey", lw=0.8)
        ax.set_yticks(ys, others if ax in axes[:, 0] else [""] * len(others), fontsize=8)
        ax.set_title(name.replace("_", " "), fontsize=9)
        ax.set_xlabel(f"difference ({OUTCOME_BY_NAME[name].unit})", fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
        ax.xaxis.set_major_locator(MaxNLocator(4))  # small panels: few, readable ticks
        ax.grid(axis="x", alpha=0.3)
    for ax in axes.flat[len(outcomes) :]:
        ax.set_visible(False)
    fig.suptitle(
        f"Final year: difference from {order[0]} (mean of paired differences, 90% interval; "
        "faded: interval includes zero)",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


def differences_over_time(
    frames: dict[str, list[pd.DataFrame]], order: list[str], outcomes: tuple[str, ...]
):
    """The paired difference from the first scenario week by week: median and 5-95% band."""
    colours = _colours(order)
    ncols = 4
    nrows = int(np.ceil(len(outcomes) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(12, 2.8 * nrows), squeeze=False, sharex=True)
    for ax, name in zip(axes.flat, outcomes, strict=False):
        for scenario in order[1:]:
            d = weekly_differences(frames[order[0]], frames[scenario], name)
            years = d.index / 52.0
            c = colours[scenario]
            ax.fill_between(years, d["p05"], d["p95"], color=c, alpha=0.2, lw=0)
            ax.plot(years, d["median"], color=c, lw=1.4, label=scenario)
        ax.axhline(0.0, color="grey", lw=0.8)
        ax.set_title(name.replace("_", " "), fontsize=9)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    for ax in axes.flat[len(outcomes) :]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("years", fontsize=8)
    axes.flat[0].legend(fontsize=7)
    fig.suptitle(f"Paired difference from {order[0]} over time (median, 5-95% band)", fontsize=10)
    fig.tight_layout()
    return fig


def write_compare_figures(
    frames: dict[str, list[pd.DataFrame]],
    table: pd.DataFrame,
    order: list[str],
    out_dir: str | Path,
) -> dict[str, Path]:
    """All figures of a comparison; returns {figure name: path}, in report order."""
    out_dir = Path(out_dir)
    outcomes = key_outcomes(frames)
    made: dict[str, Path] = {}

    def save(name: str, fig) -> None:
        path = out_dir / f"{name}.png"
        save_figure(fig, path)
        plt.close(fig)
        made[name] = path

    if len(order) > 1:
        save("differences", difference_bars(table, order, outcomes))
        save("differences_over_time", differences_over_time(frames, order, outcomes))
    panels = dict(PANELS)
    if KEY_RESILIENCE[0] in outcomes:
        panels["resilience"] = RESILIENCE_PANEL
    for name, panel in panels.items():
        save(f"fan_{name}", fan_panel(frames, order, panel, name))
    keep = {p.name for p in made.values()}
    for stale in out_dir.glob("*.png"):  # figures of an earlier comparison in this folder
        if stale.name not in keep:
            stale.unlink()
    return made
