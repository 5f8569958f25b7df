"""Mesa's parameter inputs for the app, filled from a scenario file.

These are the inputs SolaraViz draws in its "Model Parameters" card and passes to
``VizTown`` on Reset: region kind, size, seed and a few mechanism sliders. The paths
and the disaster button act on the running town instead (see ``live``).
"""

from __future__ import annotations

from typing import Any

from mesa.visualization import Slider

from experiments.scenario import Scenario
from experiments.viz.town import MAX_POPULATION, MIN_POPULATION, POPULATION_CAP, SLIDERS
from model.params import Params, param_table
from model.regions import REGION_KINDS

_UNITS = {row["name"]: row["unit"] for row in param_table()}
SIZES = (500, 1_000, 2_000, 3_000, 5_000, 10_000, 20_000, 50_000, 100_000)


def scenario_size(base: Scenario) -> int:
    size = base.region.population or base.region.resolved_profile().default_population
    return int(min(max(size, MIN_POPULATION), MAX_POPULATION))


def start_values(base: Scenario) -> dict[str, Any]:
    """``VizTown``'s arguments at start-up: the scenario's, with the town capped at
    ``POPULATION_CAP`` residents so the page answers quickly."""
    size = scenario_size(base)
    params = base.params()
    return {
        "base": base,
        "region_kind": base.region.kind,
        "population": min(size, POPULATION_CAP),
        "seed": str(base.seed),
        **{name: float(getattr(params, name)) for name, *_ in SLIDERS},
    }


def model_params(base: Scenario) -> dict[str, Any]:
    """SolaraViz ``model_params``: every input starts at the scenario's value."""
    start = start_values(base)
    out: dict[str, Any] = {
        "base": base,  # fixed: passed through to VizTown on Reset
        "region_kind": {
            "type": "Select",
            "value": start["region_kind"],
            "values": list(REGION_KINDS),
            "label": "region kind",
        },
        # a list, not a slider: Mesa's sliders do not show their value
        "population": {
            "type": "Select",
            "value": start["population"],
            "values": sorted({*SIZES, start["population"], scenario_size(base)}),
            "label": "residents",
        },
        "seed": {"type": "InputText", "value": start["seed"], "label": "seed"},
    }
    for name, lo, hi, step in SLIDERS:
        value = start[name]
        out[name] = Slider(
            f"{name.replace('_', ' ')} ({_UNITS[name]})",
            value,
            min(lo, value),
            max(hi, value),
            step,
            dtype=float,
        )
    return out


def describe(params: Params, names: tuple[str, ...] = tuple(n for n, *_ in SLIDERS)) -> str:
    """The sliders' values in use, in a line."""
    return ", ".join(f"{n.replace('_', ' ')} {getattr(params, n):g}" for n in names)
