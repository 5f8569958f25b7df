"""Figures of the validation report: volunteering by age against the survey, population
pyramids against the census input, and the degree distribution of the tie network."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy.stats import poisson

from experiments.store import save_figure
from experiments.summary import BAND
from experiments.validation import ValidationRun, profile_table
from model.regions import get_region
from model.targets import BY_KEY, PROFILE_GROUPS
from model.vital_rates import FEMALE_SHARE, N_AGE_GROUPS

COLOURS = {"urban_ward": "tab:purple", "suburban": "tab:blue", "rural_town": "tab:green"}
GROUP_LABELS = {"10_19": "10-19", "20_24": "20-24", "25_29": "25-29", "30_39": "30s",
                "40_49": "40s", "50_59": "50s", "60_64": "60-64", "65_plus": "65+",
                "75_plus": "75+"}  # fmt: skip


def volunteer_profile(runs: list[ValidationRun]):
    """Model rate by survey age group (median, 5-95% band) per region, with what the
    national survey publishes: the overall rate, the rate of those 65+, and which age
    groups are highest and lowest."""
    table = profile_table(runs)
    groups = [*PROFILE_GROUPS, "75_plus"]
    x = np.arange(len(groups))
    fig, ax = plt.subplots(figsize=(8.5, 4.8))
    for region, sub in table.groupby("region", sort=False):
        q = sub.groupby("group")["rate"].quantile([BAND[0], 0.5, BAND[1]]).unstack()
        q = q.reindex(groups)
        c = COLOURS.get(str(region), "grey")
        ax.fill_between(x, q[BAND[0]], q[BAND[1]], color=c, alpha=0.15)
        ax.plot(x, q[0.5], "o-", color=c, label=f"model, {region} (median, 5-95%)")
    total, elders = BY_KEY["volunteer_rate"], BY_KEY["volunteer_rate_65_plus"]
    ax.axhline(float(total.value), color="black", ls="--", lw=1,
               label=f"survey: all aged 10+, {100 * float(total.value):.1f}%")  # fmt: skip
    i65 = groups.index("65_plus")
    err = [[elders.value - elders.low], [elders.high - elders.value]]
    ax.errorbar([i65], [elders.value], yerr=err, fmt="s", color="black", capsize=4,
                label="survey: 65+, about 25% (band)")  # fmt: skip
    for key, word in (("volunteer_peak", "highest"), ("volunteer_lowest", "lowest")):
        g = groups.index(str(BY_KEY[key].value))
        ax.annotate(f"survey: {word}", (g, 0.0), xytext=(g, 0.03), ha="center", fontsize=8,
                    arrowprops={"arrowstyle": "-|>", "color": "black"})  # fmt: skip
    ax.set_xticks(x, [GROUP_LABELS[g] for g in groups])
    ax.set_ylim(bottom=0)
    ax.set_xlabel("age group")
    ax.set_ylabel("volunteered in the last year")
    ax.set_title(
        "Volunteering by age, year 1, against the Survey on Time Use and Leisure Activities 2016"
    )
    ax.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    return fig


def population_pyramid(runs: list[ValidationRun]):
    """Each region's residents by five-year age group and sex: the census profile the
    town is built from, the model at week 0 and at the end (medians over replications)."""
    regions = list(dict.fromkeys(r.region for r in runs))
    fig, axes = plt.subplots(1, len(regions), figsize=(4.6 * len(regions), 5.2), squeeze=False)
    y = np.arange(N_AGE_GROUPS)
    for ax, region in zip(axes[0], regions, strict=True):
        stack = np.stack([r.pyramid for r in runs if r.region == region]).astype(float)
        shares = stack / stack.sum(axis=(2, 3), keepdims=True)  # within each time
        med = np.median(shares, axis=0)
        census = get_region(region).age_distribution()
        census = np.stack([census * (1 - FEMALE_SHARE), census * FEMALE_SHARE])
        for sex, sign in ((0, -1), (1, 1)):
            label = ("women" if sex else "men") + ", model end"
            colour = "tab:blue" if sex else "tab:orange"
            ax.barh(y, sign * 100 * med[1, sex], color=colour, alpha=0.55, height=0.9, label=label)
            ax.step(sign * 100 * med[0, sex], y, where="mid", color="grey", lw=1,
                    label="model, week 0" if sex else None)  # fmt: skip
            ax.step(sign * 100 * census[sex], y, where="mid", color="black", lw=1.2, ls="--",
                    label="census input" if sex else None)  # fmt: skip
        ax.axvline(0, color="black", lw=0.5)
        ax.set_yticks(y[::2], [f"{5 * i}" for i in y[::2]])
        lim = 100 * max(med.max(), census.max()) * 1.1
        ax.set_xlim(-lim, lim)
        ticks = ax.get_xticks()
        ax.set_xticks(ticks, [f"{abs(t):g}" for t in ticks])
        ax.set_xlabel("% of residents (men left, women right)")
        years = int(runs[0].table["week"].max()) / 52
        ax.set_title(f"{region}, week 0 and year {years:g}")
    axes[0][0].set_ylabel("age (five-year groups)")
    axes[0][0].legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return fig


def degree_distribution(runs: list[ValidationRun]):
    """Share of residents by number of ties outside their household at the end (all ties
    and strong ties), per region, with a Poisson of the same mean for contrast: a tail
    far above it marks hubs that random mixing would not make."""
    regions = list(dict.fromkeys(r.region for r in runs))
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4))
    for ax, attr, what in (
        (axes[0], "degree", "all ties"),
        (axes[1], "strong_degree", "strong ties"),
    ):
        for region in regions:
            counts = np.sum([getattr(r, attr) for r in runs if r.region == region], axis=0)
            share = counts / counts.sum()
            k = np.arange(len(share))
            keep = share > 0
            c = COLOURS.get(region, "grey")
            ax.plot(k[keep], share[keep], "o", ms=3, color=c, label=f"{region}")
            mean = float((k * share).sum())
            ax.plot(k[: int(mean * 4) + 5], poisson.pmf(k[: int(mean * 4) + 5], mean), "-",
                    color=c, lw=0.8, alpha=0.7, label=f"Poisson, mean {mean:.1f}")  # fmt: skip
        ax.set_yscale("log")
        ax.set_ylim(bottom=1e-5)
        ax.set_xlabel(f"{what} outside the household")
        ax.set_ylabel("share of residents")
        ax.set_title(f"Degree distribution, {what}, last week")
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def write_figures(runs: list[ValidationRun], out_dir: Path) -> dict[str, Path]:
    figures = {
        "volunteer_age_profile": volunteer_profile,
        "population_pyramid": population_pyramid,
        "degree_distribution": degree_distribution,
    }
    paths = {}
    for name, draw in figures.items():
        fig = draw(runs)
        path = out_dir / "figures" / f"{name}.png"
        save_figure(fig, path)
        plt.close(fig)
        paths[name] = path
    return paths


def degree_table(runs: list[ValidationRun]) -> pd.DataFrame:
    """Residents by number of ties outside the household, summed over replications."""
    rows = []
    for region in dict.fromkeys(r.region for r in runs):
        mine = [r for r in runs if r.region == region]
        all_ties = np.sum([r.degree for r in mine], axis=0)
        strong = np.sum([r.strong_degree for r in mine], axis=0)
        for k in range(len(all_ties)):
            if all_ties[k] or strong[k]:
                rows.append({"region": region, "ties": k, "residents_all": int(all_ties[k]),
                             "residents_strong": int(strong[k])})  # fmt: skip
    return pd.DataFrame(rows)
