"""Fan charts of outcomes over time: median line and 5-95% band across replications."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from experiments.store import save_figure
from experiments.summary import bands_over_time
from model.outcomes import OUTCOME_BY_NAME

PANELS: dict[str, tuple[str, ...]] = {
    "ties": ("mean_degree", "mean_strong_degree", "isolated_share", "no_close_friend_60_plus"),
    "participation": ("volunteer_rate", "donor_rate", "association_membership", "awareness_mean"),
    "population": ("population", "share_65_plus", "elders_living_alone", "mean_household_size"),
}


def fan_chart(frames: list[pd.DataFrame], outcomes: tuple[str, ...], title: str):
    fig, axes = plt.subplots(2, 2, figsize=(10, 6.5), sharex=True)
    for ax, name in zip(axes.flat, outcomes, strict=False):
        bands = bands_over_time(frames, name)
        years = bands.index / 52.0
        ax.fill_between(years, bands["p05"], bands["p95"], alpha=0.25, label="5-95% band")
        ax.plot(years, bands["median"], lw=1.6, label="median")
        meta = OUTCOME_BY_NAME[name]
        ax.set_title(name.replace("_", " "), fontsize=10)
        ax.set_ylabel(meta.unit)
        ax.grid(alpha=0.3)
    for ax in axes[-1]:
        ax.set_xlabel("years")
    axes.flat[0].legend(fontsize=8)
    fig.suptitle(f"{title} ({len(frames)} replications)")
    fig.tight_layout()
    return fig


def write_figures(frames: list[pd.DataFrame], out_dir: str | Path, title: str) -> list[Path]:
    out_dir = Path(out_dir)
    paths = []
    for name, outcomes in PANELS.items():
        fig = fan_chart(frames, outcomes, f"{title}: {name}")
        path = out_dir / f"{name}.png"
        save_figure(fig, path)
        plt.close(fig)
        paths.append(path)
    return paths
