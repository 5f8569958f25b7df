"""The town map: residents by state (or a heat layer for large towns), organisations and
places as markers, damage after a disaster, and the ties inside one district.

Everything is drawn from the population arrays in a few vectorised calls; only the
organisations (tens to hundreds) are visited one by one. Residents sit at their home
cell with a fixed offset from their slot number, so the dots do not jump between
frames and drawing takes nothing from the model's random generator.
"""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba_array
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from experiments.viz.states import (
    COLOURS,
    IN_NEED,
    ISOLATED,
    LABELS,
    VOLUNTEERING,
    ResidentStates,
    resident_states,
)
from model import KizunaModel, Place, Resident

LARGE_TOWN = 20_000  # above this many residents the map shows a heat layer, not dots
VIEWS = ("auto", "dots", "heat")
HEAT_LAYERS = ("residents", "volunteered this year", "isolated", "in need", "disaster damage")
MANY_COMPANIES = 60  # above this many, company markers would hide the map
_LAYER_STATE = {"volunteered this year": VOLUNTEERING, "isolated": ISOLATED, "in need": IN_NEED}
# organisation kind -> (legend label, marker, colour)
MARKERS: dict[str, tuple[str, str, str]] = {
    "government": ("town hall", "*", "#000000"),
    "bank": ("regional bank", "D", "#6a3d9a"),
    "foundation": ("community foundation", "h", "#b15928"),
    "fire_brigade": ("fire corps", "X", "#e31a1c"),
    "shopping_street": ("shopping street", "v", "#ff7f00"),
    "association": ("neighbourhood association", "^", "#7570b3"),
    "npo": ("NPO", "s", "#e6ab02"),
    "intermediary": ("NPO support centre", "s", "#a6761d"),
    "company": ("company", "x", "#969696"),
    "social_enterprise": ("social enterprise", "P", "#66a61e"),
    "school": ("school", "p", "#1f78b4"),
    "university": ("university", "p", "#0b3c6b"),
    "place": ("place for mutual assistance", "o", "#ffffff"),
}
_RGBA = to_rgba_array(COLOURS)  # per-point colours as numbers: strings cost a parse each
_EDGE = to_rgba_array(["none", "#000000"])
_R2 = (0.7548776662466927, 0.5698402909980532)  # a low-discrepancy step (Roberts' R2)


def use_heat(model: KizunaModel, view: str = "auto") -> bool:
    """Whether the map draws a heat layer: asked for, or a town too large for dots."""
    if view == "auto":
        return model.population_size > LARGE_TOWN
    return view == "heat"


def offsets(slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each resident's fixed place within its cell (0.1-0.9 of a cell each way)."""
    s = slots.astype(np.float64)
    return 0.1 + 0.8 * ((s * _R2[0]) % 1.0), 0.1 + 0.8 * ((s * _R2[1]) % 1.0)


def heat_layer(model: KizunaModel, states: ResidentStates, layer: str) -> np.ndarray:
    """Per cell (width x height): residents, the share of them in a state, or damage
    (NaN where nobody lives)."""
    geo = model.geography
    count = np.bincount(states.cells, minlength=geo.n_cells).astype(float)
    if layer == "residents":
        values = count
    elif layer == "disaster damage":
        values = model.cell_damage.astype(float)
    else:
        hit = states.state == _LAYER_STATE[layer]
        with np.errstate(invalid="ignore", divide="ignore"):
            values = np.bincount(states.cells, weights=hit, minlength=geo.n_cells) / count
    values[count == 0] = np.nan
    return values.reshape(geo.width, geo.height)


def organisation_sites(model: KizunaModel) -> dict[str, np.ndarray]:
    """Cell index of every active organisation and place, by kind."""
    sites: dict[str, list[int]] = {}
    for cls, agents in model.agents_by_type.items():
        if cls is Resident:
            continue
        for agent in agents:
            kind = "place" if isinstance(agent, Place) else getattr(agent, "kind", "")
            if kind in MARKERS and getattr(agent, "active", True):
                sites.setdefault(kind, []).append(agent.cell_index)
    return {k: np.asarray(v, np.int64) for k, v in sites.items()}


def district_cells(model: KizunaModel, district: int) -> np.ndarray:
    return np.flatnonzero(model.geography.district == district)


def default_district(model: KizunaModel) -> int:
    """The district at the centre of the map (the most populous if the centre has none)."""
    geo = model.geography
    centre = (geo.width // 2) * geo.height + geo.height // 2
    if geo.district[centre] >= 0:
        return int(geo.district[centre])
    pop = model.population
    d = geo.district[pop.cell[pop.alive_idx()]]
    return int(np.bincount(d[d >= 0]).argmax()) if (d >= 0).any() else 0


def _draw_sites(ax, model: KizunaModel, size: float) -> list[Line2D]:
    handles = []
    for kind, cells in organisation_sites(model).items():
        if kind == "company" and len(cells) > MANY_COMPANIES:
            continue
        label, marker, colour = MARKERS[kind]
        x, y = model.geography.xy(cells)
        edge = "#000000" if kind in ("place", "government") else colour
        filled = marker not in ("x",)  # matplotlib ignores edges on unfilled markers
        ax.scatter(
            x + 0.5, y + 0.5, s=size / 2.5 if kind == "company" else size, marker=marker,
            c=colour, edgecolors=edge if filled else None, linewidths=0.8, zorder=4,
        )  # fmt: skip
        handles.append(
            Line2D([], [], ls="", marker=marker, color=colour, markeredgecolor=edge, label=label)
        )
    return handles


def _state_handles(states: ResidentStates) -> list[Line2D]:
    counts = states.counts()
    return [
        Line2D([], [], ls="", marker="o", color=COLOURS[k], label=f"{LABELS[k]} ({counts[k]:,})")
        for k in range(len(LABELS))
    ]


def town_map(
    model: KizunaModel, view: str = "auto", layer: str = "residents", district: int | None = None
) -> Figure:
    """The whole town; ``district`` is outlined."""
    geo = model.geography
    states = resident_states(model)
    fig = Figure(figsize=(7.6, 5.2))  # fixed layout: the map left, its legend right
    ax = fig.add_axes((0.01, 0.02, 0.62, 0.9))
    ax.set_facecolor("#f7f7f7")
    extent = (0, geo.width, 0, geo.height)
    if model.cell_damage.any():
        damage = np.ma.masked_equal(model.cell_damage.reshape(geo.width, geo.height).T, 0)
        ax.imshow(damage, origin="lower", extent=extent, cmap="Reds", vmin=0, vmax=1, alpha=0.45)
    handles: list = []
    if use_heat(model, view):
        values = heat_layer(model, states, layer).T
        image = ax.imshow(
            values, origin="lower", extent=extent, cmap="viridis", interpolation="nearest",
            alpha=0.9, vmin=0,
        )  # fmt: skip
        bar = fig.colorbar(image, cax=fig.add_axes((0.64, 0.08, 0.015, 0.4)))
        unit = {"residents": "residents", "disaster damage": "damage (0-1)"}.get(layer, "share")
        bar.set_label(unit, fontsize=8)
        title = f"heat layer: {layer}"
    else:
        dx, dy = offsets(states.slots)
        x, y = geo.xy(states.cells)
        size = float(np.clip(36_000 / max(len(states.slots), 1), 0.8, 14))
        order = np.argsort(states.state, kind="stable")  # rarer states drawn on top
        state = states.state[order]
        ax.scatter(
            (x + dx)[order], (y + dy)[order], s=np.where(state == IN_NEED, 3 * size, size),
            c=_RGBA[state], edgecolors=_EDGE[(state == IN_NEED).astype(int)],
            linewidths=0.4, zorder=2,
        )  # fmt: skip
        handles += _state_handles(states)
        title = "residents by state"
    handles += _draw_sites(ax, model, size=40)
    if district is not None:
        cells = district_cells(model, district)
        if len(cells):
            x, y = geo.xy(cells)
            ax.add_patch(
                Rectangle(
                    (x.min(), y.min()), x.max() - x.min() + 1, y.max() - y.min() + 1,
                    fill=False, ec="#111111", lw=1.6, ls="--", zorder=5,
                )
            )  # fmt: skip
    ax.set_xlim(0, geo.width)
    ax.set_ylim(0, geo.height)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"{model.population_size:,} residents, week {model.week}: {title}", fontsize=11)
    fig.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(0.65, 0.95), fontsize=8, frameon=False
    )
    return fig


def district_ties(model: KizunaModel, district: int, strong_only: bool = False) -> Figure:
    """The residents of one district and the ties among them (strong ties darker; weak
    ones faint, or left out with ``strong_only``, since a district's weak ties are many)."""
    geo = model.geography
    pop = model.population
    states = resident_states(model)
    inside = np.zeros(pop.capacity, bool)
    home = np.isin(states.cells, district_cells(model, district))
    inside[states.slots[home]] = True
    net = model.ties
    a, b, w = net.a, net.b, net.weight
    both = inside[a] & inside[b]
    strong = w[both] >= model.params.strong_threshold
    dx, dy = offsets(np.arange(pop.capacity))
    cx, cy = geo.xy(np.maximum(pop.cell, 0))
    px, py = cx + dx, cy + dy
    ea, eb = a[both], b[both]
    segments = np.stack([np.column_stack([px[ea], py[ea]]), np.column_stack([px[eb], py[eb]])], 1)

    fig = Figure(figsize=(5.0, 5.2))
    ax = fig.add_axes((0.02, 0.02, 0.96, 0.86))
    ax.set_facecolor("#f7f7f7")
    if not strong_only:
        ax.add_collection(
            LineCollection(segments[~strong], colors="#6baed6", linewidths=0.4, alpha=0.3)
        )
    ax.add_collection(LineCollection(segments[strong], colors="#08306b", linewidths=0.9))
    slots = states.slots[home]
    ax.scatter(
        px[slots], py[slots], s=14, c=_RGBA[states.state[home]],
        edgecolors="#333333", linewidths=0.3, zorder=2,
    )  # fmt: skip
    cells = district_cells(model, district)
    if len(cells):
        x, y = geo.xy(cells)
        ax.set_xlim(x.min(), x.max() + 1)
        ax.set_ylim(y.min(), y.max() + 1)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    leaving = int((inside[a] ^ inside[b]).sum())
    n_isolated = int((states.state[home] == ISOLATED).sum())
    ax.set_title(
        f"district {district}: {home.sum():,} residents, {both.sum():,} ties among them\n"
        f"({strong.sum():,} strong), {leaving:,} ties to other districts, "
        f"{n_isolated:,} isolated",
        fontsize=9,
    )
    return fig
