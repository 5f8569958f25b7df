"""Live charts of the outcomes table so far, and a one-line summary of the week.

Four panels: participation, ties, isolation and resilience, read from the model's
DataCollector (the same weekly outcomes `kizuna run` writes), with disasters marked.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from model import KizunaModel
from model.disasters import SOURCES

# panel title -> (outcome, label, as a percentage)
PANELS: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "participation": (
        ("volunteer_rate", "volunteer rate (10+, last 12 months)", True),
        ("donor_rate", "donor rate (20+, last 12 months)", True),
    ),
    "ties": (
        ("mean_degree", "ties per resident", False),
        ("mean_strong_degree", "strong ties per resident", False),
    ),
    "isolation": (
        ("isolated_share", "no tie outside the household", True),
        ("isolated_elders_alone", "elders alone with no such tie", True),
        ("no_close_friend_60_plus", "60+ with no close friend", True),
    ),
}
RESILIENCE: tuple[tuple[str, str, str, str], ...] = (  # outcome, label, colour, line style
    ("disaster_in_need", "in need (all disasters)", "#e7298a", "-"),
    ("reached_24h", "reached within 24 h", "#7570b3", "--"),
    ("disaster_deaths", "died", "#252525", "-"),
)
DPI = 80  # the app's pictures: sharp enough on screen, quick to draw
SIZE = (10.5, 5.2)  # inches: the charts' figure
WIDTH_PX = round(SIZE[0] * DPI)
HELPED = tuple(f"helped_{s}" for s in SOURCES)  # first reached by each kind of helper


def series(model: KizunaModel, name: str) -> np.ndarray:
    """One outcome, week 0 to now."""
    return np.asarray(model.datacollector.model_vars[name], dtype=float)


class Charts:
    """The four panels, built once per town and updated in place each frame: a new
    figure a frame spends most of its time measuring the same labels again."""

    def __init__(self) -> None:
        # fixed margins too: a layout engine would redo the measuring every frame
        self.figure = fig = Figure(figsize=SIZE)
        fig.subplots_adjust(left=0.06, right=0.94, top=0.94, bottom=0.09, hspace=0.28, wspace=0.22)
        self.axes = axes = fig.subplots(2, 2, sharex=True).ravel()
        self.lines: dict[str, Line2D] = {}
        for ax, (title, lines) in zip(axes, PANELS.items(), strict=False):
            for name, label, _ in lines:
                (self.lines[name],) = ax.plot([], [], label=label, lw=1.4)
            ax.set_title(title, fontsize=11)
            ax.set_ylabel("%" if lines[0][2] else "ties", fontsize=8)
            ax.legend(fontsize=8, loc="upper left", frameon=False)
        ax = axes[3]
        (self.lines["community_function"],) = ax.plot([], [], color="#1b9e77", lw=1.6)
        ax.set_ylim(0, 1.6)  # room above 1 for the legend
        ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
        ax.set_ylabel("community function (green)", fontsize=8)
        ax.set_title("resilience", fontsize=11)
        self.people = ax.twinx()
        for name, label, colour, style in RESILIENCE:
            (self.lines[name],) = self.people.plot([], [], color=colour, ls=style, label=label)
        self.people.set_ylabel("people", fontsize=8)
        self.people.legend(fontsize=8, loc="upper left", frameon=False)
        for a in (*axes, self.people):
            a.tick_params(labelsize=8)
        for a in axes[2:]:
            a.set_xlabel("week", fontsize=8)
        self.marks: list[Line2D] = []

    def update(self, model: KizunaModel) -> Figure:
        weeks = np.arange(len(model.datacollector.model_vars["population"]))
        for ax, lines in zip(self.axes, PANELS.values(), strict=False):
            top = 0.0
            for name, _, pct in lines:
                values = series(model, name) * (100 if pct else 1)
                self.lines[name].set_data(weeks, values)
                top = max(top, float(np.nanmax(values, initial=0.0)))
            ax.set_ylim(0, max(top * 1.5, 1.0))  # room above the lines for the legend
        self.lines["community_function"].set_data(weeks, series(model, "community_function"))
        in_need = series(model, "disaster_in_need")
        reached = np.nan_to_num(series(model, "reached_24h_share")) * in_need
        for name, values in (
            ("disaster_in_need", in_need),
            ("reached_24h", reached),
            ("disaster_deaths", series(model, "disaster_deaths")),
        ):
            self.lines[name].set_data(weeks, values)
        self.people.set_ylim(0, max(10.0, float(in_need.max()) * 1.6))
        self.axes[0].set_xlim(0, max(len(weeks) - 1, 10))  # shared by all four
        for mark in self.marks:
            mark.remove()
        self.marks = [
            a.axvline(r.shock.week, color="#e7298a", lw=0.8, ls=":")
            for a in self.axes
            for r in model.disaster_records
        ]
        return self.figure


def calendar_date(model: KizunaModel) -> dt.date | None:
    start = getattr(getattr(model, "base", None), "start_date", None)
    return start + dt.timedelta(weeks=model.week) if start is not None else None


def summary(model: KizunaModel) -> tuple[str, str]:
    """The week in a line, as (headline, the figures the charts end on)."""
    o = model.latest
    when = calendar_date(model)
    date = f" ({when:%d %b %Y})" if when else ""
    reached = sum(o[h] for h in HELPED)
    return f"Week {model.week}{date}", (
        f"{o['population']:,.0f} residents · volunteer rate {o['volunteer_rate']:.1%} · "
        f"donor rate {o['donor_rate']:.1%} · {o['mean_degree']:.1f} ties per resident · "
        f"isolated {o['isolated_share']:.1%} · community function "
        f"{o['community_function']:.2f} · in need {o['disaster_in_need']:,.0f}, reached "
        f"{reached:,.0f}, died {o['disaster_deaths']:,.0f}"
    )
