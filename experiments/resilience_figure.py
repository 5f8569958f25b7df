"""The resilience figure of a run with shocks: community function around the first shock,
who reached the people in need, how fast, and who died."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from experiments.store import save_figure
from experiments.summary import bands_over_time
from model.disasters import DAYS, SOURCES
from model.resilience import RECOVERED

BEFORE = 8  # weeks shown before the shock


def resilience_figure(frames: list[pd.DataFrame], disasters: pd.DataFrame, title: str):
    """Four panels; ``disasters`` is the per-run resilience table (all replications)."""
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5))
    first = int(disasters["week"].min())
    weeks = [int(w) for w in sorted(disasters["week"].unique())]

    ax = axes[0, 0]
    bands = bands_over_time(frames, "community_function")
    bands = bands[bands.index >= first - BEFORE]
    rel = bands.index - first
    ax.fill_between(rel, bands["p05"], bands["p95"], alpha=0.25, label="5-95% band")
    ax.plot(rel, bands["median"], lw=1.6, label="median")
    ax.axhline(RECOVERED, ls="--", lw=0.8, color="grey", label=f"{RECOVERED:.0%} (recovered)")
    for w in weeks:
        ax.axvline(w - first, color="firebrick", lw=0.8, alpha=0.6)
    ax.set_title("community function (1 = the week before the shock)", fontsize=10)
    ax.set_xlabel(f"weeks after the shock of week {first}")
    ax.set_ylabel("index")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3)

    ax = axes[0, 1]
    helped = np.array([disasters[f"helped_{s}"].sum() for s in SOURCES], float)
    total = max(float(disasters["in_need"].sum()), 1.0)
    share = helped / total
    ax.bar(range(len(SOURCES)), share, color="tab:green")
    ax.bar(len(SOURCES), 1.0 - share.sum(), color="tab:grey")
    ax.set_xticks(range(len(SOURCES) + 1), [*SOURCES, "nobody\n(first week)"], fontsize=8)
    ax.set_title("who reached the people in need first (share)", fontsize=10)
    ax.grid(alpha=0.3, axis="y")

    ax = axes[1, 0]
    days = np.arange(1, DAYS + 1)
    cols = [f"reached_day_{d}" for d in days]
    reached = disasters[cols].to_numpy(float) / np.maximum(disasters[["in_need"]].to_numpy(), 1)
    for row in reached:
        ax.plot(days, row, color="tab:blue", alpha=0.25, lw=0.8)
    ax.plot(days, np.median(reached, axis=0), color="tab:blue", lw=2, label="median")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("day")
    ax.set_title("share of people in need reached, by day", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)

    ax = axes[1, 1]
    groups = {
        "0-64": ("deaths_0_64", "population_0_64"),
        "65-74": ("deaths_65_74", "population_65_74"),
        "75+": ("deaths_75_plus", "population_75_plus"),
        "frail elders\nliving alone": ("frail_alone_deaths", "frail_alone_population"),
    }
    rates = [1000 * disasters[d].sum() / max(disasters[n].sum(), 1) for d, n in groups.values()]
    ax.bar(range(len(groups)), rates, color=["tab:red"] * 3 + ["darkred"])
    ax.set_xticks(range(len(groups)), list(groups), fontsize=8)
    ax.set_ylabel("per 1,000 residents of the group")
    ax.set_title("deaths per 1,000 residents, by group", fontsize=10)
    ax.grid(alpha=0.3, axis="y")

    n = disasters["replication"].nunique()
    fig.suptitle(f"{title}: resilience ({n} replications, {len(weeks)} shock(s))")
    fig.tight_layout()
    return fig


def write_resilience_figure(
    frames: list[pd.DataFrame], disasters: pd.DataFrame, out_dir: str | Path, title: str
) -> Path:
    path = Path(out_dir) / "resilience.png"
    fig = resilience_figure(frames, disasters, title)
    save_figure(fig, path)
    plt.close(fig)
    return path
