"""The page: Mesa's SolaraViz for the controls, and the town drawn beside them.

SolaraViz supplies the sidebar (step, play, reset, play speed, and the town's inputs,
which apply on Reset). The town itself is drawn by ``Town`` below rather than through
SolaraViz's draggable grid, whose layout library does not load under the Vue 3 front
end of this Solara version (the grid stays empty and the page logs an error).
``Town`` re-renders on Mesa's ``update_counter`` like any SolaraViz component.

Each browser session gets its own town, built from the scenario file named by
``KIZUNA_VIZ_SCENARIO`` (the command line sets it; default: the shipped baseline).
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from html import escape
from typing import Any

import solara
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz
from mesa.visualization.utils import force_update, update_counter

from experiments.scenario import Scenario, load_scenario
from experiments.viz import challenges, charts, controls
from experiments.viz import map as town_map
from experiments.viz.live import BY_IMAGE, apply_paths, scenario_paths, strike_now
from experiments.viz.server import DEFAULT_SCENARIO, SCENARIO_ENV
from experiments.viz.town import VizTown

DPI = charts.DPI
TABLE_STYLE = "font-size: 0.75rem; line-height: 1.25"


def scenario_file() -> str:
    return os.environ.get(SCENARIO_ENV) or str(DEFAULT_SCENARIO)


def png(figure: Figure, dpi: int = DPI) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


@solara.component
def Picture(
    town: VizTown,
    draw: Callable[[], Figure],
    dependencies: list[Any],
    name: str,
    width: str = "100%",
):
    """A figure as a PNG, redrawn only when ``dependencies`` change, under the town's
    lock: it reads arrays a step rewrites (and the charts' figure is reused)."""

    def render() -> bytes:
        with town.lock:
            return png(draw())

    data = solara.use_memo(render, dependencies)
    solara.Image(data, width=width, classes=[f"kizuna-{name}"])


@solara.component
def Header(town: VizTown, paths: solara.Reactive[dict[int, float]]):
    """The week in figures (what the browser test reads), and the disaster button."""
    update_counter.get()  # each part subscribes: a parent's re-render skips unchanged children
    severity = solara.use_reactive(0.7)

    def strike() -> None:
        with town.lock:
            strike_now(town, severity.value)
        force_update()

    headline, figures = charts.summary(town)
    with solara.Card(margin=0, classes=["kizuna-status"]):
        solara.HTML(unsafe_innerHTML=f"<b>{escape(headline)}</b> · {escape(figures)}")
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.Button(
                "Strike an earthquake now", color="error", on_click=strike, icon_name="mdi-flash"
            )
            solara.SliderFloat(
                "severity", value=severity, min=0.1, max=1.0, step=0.05, thumb_label=True
            )
        chosen = ", ".join(f"{n} ({i:g})" for n, i in sorted(paths.value.items())) or "none"
        solara.Text(
            f"{town.base.name}: {town.region.kind}, seed {town.seed}; "
            f"{controls.describe(town.base_params)}. Paths on: {chosen}. "
            "The town's inputs (left) apply on Reset; paths and disasters act on the "
            "running town from the coming week.",
            style={"font-size": "0.8rem", "color": "#555"},
        )


@solara.component
def MapCard(town: VizTown):
    """The map, and the ties inside one district (a whole town's ties are a hairball)."""
    update_counter.get()
    view = solara.use_reactive("auto")
    layer = solara.use_reactive(town_map.HEAT_LAYERS[0])
    chosen = solara.use_reactive(None)
    strong_only = solara.use_reactive(True)
    districts = [str(d) for d in range(max(town.geography.n_districts, 1))]
    district = chosen.value if chosen.value in districts else None
    district = int(district) if district is not None else town_map.default_district(town)
    week = (town, town.steps, len(town.disaster_records))
    with solara.Columns([3, 2]):
        with solara.Card("Town map", margin=0):
            with solara.Row():
                solara.Select("map", values=list(town_map.VIEWS), value=view)
                solara.Select("heat layer", values=list(town_map.HEAT_LAYERS), value=layer)
            Picture(
                town,
                lambda: town_map.town_map(town, view.value, layer.value, district),
                [*week, view.value, layer.value, district],
                "map",
            )
            solara.Text(
                f"Dots above {town_map.LARGE_TOWN:,} residents become a heat layer "
                "('auto'); red shading is disaster damage.",
                style={"font-size": "0.75rem", "color": "#666"},
            )
        with solara.Card("Ties in one district", margin=0):
            with solara.Row():
                solara.Select(
                    "district",
                    values=districts,
                    value=str(district),
                    on_value=chosen.set,
                )
                solara.Checkbox(label="strong ties only", value=strong_only)
            Picture(
                town,
                lambda: town_map.district_ties(town, district, strong_only.value),
                [*week, district, strong_only.value],
                "ties",
            )


@solara.component
def ChartsCard(town: VizTown):
    update_counter.get()
    panels = solara.use_memo(charts.Charts, [town])
    with solara.Card("Participation, ties, isolation and resilience", margin=0):
        Picture(
            town,
            lambda: panels.update(town),
            [town, town.steps],
            "charts",
            width=f"min(100%, {charts.WIDTH_PX}px)",  # not blown up past its pixels
        )


@solara.component
def ChallengesCard(town: VizTown):
    """Plain HTML: Solara's Markdown would fetch a diagram library from the internet."""
    update_counter.get()
    with (
        solara.Card("The report's 24 challenges", margin=0),
        solara.Column(style={"max-height": "420px", "overflow-y": "auto"}),
    ):
        solara.HTML(unsafe_innerHTML=challenges.html(town), style=TABLE_STYLE)


@solara.component
def PathsCard(paths: solara.Reactive[dict[int, float]]):
    """The 27 paths by the report's three images: a switch and an intensity each."""

    def switch(number: int, default: float, on: bool) -> None:
        chosen = {k: v for k, v in paths.value.items() if k != number}
        if on:
            chosen[number] = default
        paths.set(chosen)

    def set_intensity(number: int, value: float) -> None:
        paths.set({**paths.value, number: float(value)})

    with (
        solara.Card("The report's 27 paths (on from the coming week)", margin=0),
        solara.Columns([1, 1, 1]),
    ):
        for image, group in BY_IMAGE.items():
            with solara.Column(gap="0px"):
                solara.Text(image.capitalize(), style={"font-weight": "bold"})
                for path in group:
                    on = path.number in paths.value
                    # Vuetify's own widgets: Solara's checkbox has no compact form
                    solara.v.Checkbox(
                        label=f"{path.number}. {path.slug.replace('_', ' ')}",
                        v_model=on,
                        on_v_model=lambda v, p=path: switch(p.number, p.default_intensity(), v),
                        density="compact",
                        hide_details=True,
                    )
                    if on:
                        solara.v.Slider(
                            label="intensity",
                            v_model=paths.value[path.number],
                            on_v_model=lambda v, p=path: set_intensity(p.number, v),
                            min=0.0,
                            max=path.max_intensity,
                            step=path.max_intensity / 20,
                            thumb_label=True,
                            density="compact",
                            hide_details=True,
                        )
                        solara.Text(
                            path.intensity_meaning, style={"font-size": "0.72rem", "color": "#666"}
                        )


@solara.component
def Town(model: solara.Reactive[VizTown], paths: solara.Reactive[dict[int, float]]):
    """Everything drawn from the running town; re-rendered after every step."""
    update_counter.get()
    town = model.value

    def sync_paths() -> None:
        with town.lock:
            apply_paths(town, paths.value)

    solara.use_effect(sync_paths, [town, paths.value])  # a new town (Reset) gets them too
    with solara.Column(style={"padding": "4px 12px", "gap": "12px"}):
        Header(town, paths)
        MapCard(town)
        ChartsCard(town)
        ChallengesCard(town)
        PathsCard(paths)


@solara.component
def Page():
    base: Scenario = solara.use_memo(lambda: load_scenario(scenario_file()), [])
    first = solara.use_memo(lambda: VizTown(**controls.start_values(base)), [])
    params = solara.use_memo(lambda: controls.model_params(base), [])
    model = solara.use_reactive(first)
    paths = solara.use_reactive(solara.use_memo(lambda: scenario_paths(base), []))
    solara.Title(f"kizuna: {base.name}")
    SolaraViz(model, components=[], model_params=params, name=f"kizuna · {base.name}")
    Town(model, paths)
