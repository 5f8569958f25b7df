"""Figures of a sweep: index bars with intervals, Morris mu*-sigma, convergence."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from experiments.store import save_figure

MAIN = {"sobol": ("S1", "ST"), "fast": ("S1", "ST"), "morris": ("mu_star",)}


def _grid(n: int, width: float = 4.2, height: float = 3.2):
    cols = min(3, n)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, axes.flat


def index_bars(method: str, indices: pd.DataFrame, noise: pd.DataFrame):
    """Per outcome: each input's indices with their 95% bootstrap intervals, and the
    seed-noise share in the title so noise is not read as an effect."""
    outcomes = list(dict.fromkeys(indices["outcome"]))
    fig, axes = _grid(len(outcomes), height=max(3.0, 0.28 * indices["input"].nunique() + 1.2))
    share = (
        noise.set_index("outcome")["noise_share_analysed"]
        if "noise_share_analysed" in noise
        else {}
    )
    for ax, outcome in zip(axes, outcomes, strict=False):
        table = indices[indices["outcome"] == outcome]
        inputs = list(dict.fromkeys(table["input"]))
        y = np.arange(len(inputs))
        kinds = MAIN[method]
        h = 0.8 / len(kinds)
        for j, kind in enumerate(kinds):
            t = table[table["index"] == kind].set_index("input").loc[inputs]
            ax.barh(y + j * h, t["value"], height=h, label=kind,
                    xerr=t["conf"].fillna(0).to_numpy(), capsize=2, alpha=0.85)  # fmt: skip
        ax.set_yticks(y + h * (len(kinds) - 1) / 2, inputs, fontsize=7)
        ax.invert_yaxis()
        ax.axvline(0, color="grey", lw=0.6)
        noise_text = ""
        if outcome in share and np.isfinite(share[outcome]):
            noise_text = f"\n(seed noise: {share[outcome]:.0%} of the variance analysed)"
        ax.set_title(f"{outcome}{noise_text}", fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
        ax.legend(fontsize=7)
    fig.suptitle(f"{method} indices with 95% bootstrap intervals", fontsize=10)
    fig.tight_layout()
    return fig


def morris_plane(indices: pd.DataFrame):
    """mu* against sigma: far right is influential; high sigma means interactions or
    non-linearity."""
    outcomes = list(dict.fromkeys(indices["outcome"]))
    fig, axes = _grid(len(outcomes))
    for ax, outcome in zip(axes, outcomes, strict=False):
        t = indices[indices["outcome"] == outcome].pivot(
            index="input", columns="index", values="value"
        )
        ax.scatter(t["mu_star"], t["sigma"], s=14)
        for name, row in t.iterrows():
            ax.annotate(str(name), (row["mu_star"], row["sigma"]), fontsize=6)
        ax.set_xlabel("mu*", fontsize=8)
        ax.set_ylabel("sigma", fontsize=8)
        ax.set_title(outcome, fontsize=8)
        ax.tick_params(labelsize=7)
    fig.suptitle("Morris screening: mu* against sigma", fontsize=10)
    fig.tight_layout()
    return fig


def convergence_lines(method: str, conv: pd.DataFrame):
    """The main index of each input as the sample grows, with its interval."""
    kind = "ST" if method == "sobol" else "mu_star"
    outcomes = list(dict.fromkeys(conv["outcome"]))
    fig, axes = _grid(len(outcomes))
    for ax, outcome in zip(axes, outcomes, strict=False):
        t = conv[(conv["outcome"] == outcome) & (conv["index"] == kind)]
        for name, g in t.groupby("input", sort=False):
            ax.plot(g["samples"], g["value"], marker="o", ms=3, lw=1, label=str(name))
            ax.fill_between(g["samples"], g["lo"], g["hi"], alpha=0.12)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("base samples" if method == "sobol" else "trajectories", fontsize=8)
        ax.set_ylabel(kind, fontsize=8)
        ax.set_title(outcome, fontsize=8)
        ax.tick_params(labelsize=7)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=6, loc="lower center", ncol=min(6, len(labels)))
    fig.suptitle(f"Convergence of {kind} as the sample grows", fontsize=10)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


def write_sweep_figures(
    method: str, indices: pd.DataFrame, conv: pd.DataFrame, noise: pd.DataFrame, out_dir: Path
) -> list[Path]:
    made = []
    if indices.empty:
        return made
    figures = [("indices", index_bars(method, indices, noise))]
    if method == "morris":
        figures.append(("morris", morris_plane(indices)))
    if not conv.empty:
        figures.append(("convergence", convergence_lines(method, conv)))
    for name, fig in figures:
        path = Path(out_dir) / f"{name}.png"
        save_figure(fig, path)
        plt.close(fig)
        made.append(path)
    return made
