"""The town the app shows: a KizunaModel built from the app's controls.

Mesa's SolaraViz rebuilds the model on Reset by calling its class with the control
values as keyword arguments, so the controls map one to one onto ``VizTown``'s
signature. The scenario file is the starting point; the controls override its region
kind, size, seed and a handful of mechanism constants. Paths are not built in here:
they are switched on and off live (``live.apply_paths``), from the coming week.
"""

from __future__ import annotations

import threading
from typing import Any

from experiments.scenario import Scenario
from model import KizunaModel
from model.params import Params, check_params
from model.regions import get_region

POPULATION_CAP = 3_000  # residents at start-up unless the user asks for more: a snappy page
MIN_POPULATION = 200
MAX_POPULATION = 100_000

# (parameter, lowest, highest, step): the mechanisms a class most often asks about
SLIDERS: tuple[tuple[str, float, float, float], ...] = (
    ("visit_rate", 0.0, 2.0, 0.05),
    ("form_neighbourhood", 0.0, 0.2, 0.005),
    ("tie_decay", 0.005, 0.1, 0.005),
    ("volunteer_hazard", 0.0, 0.15, 0.005),
    ("volunteer_peer_effect", 0.0, 3.0, 0.1),
    ("donation_hazard", 0.0, 0.3, 0.005),
)
_DEFAULT = Params()


def parse_seed(text: Any, fallback: int) -> int:
    """The seed typed into the app; anything but a whole number >= 0 keeps ``fallback``
    (the page shows the seed in use, so a typo is visible rather than an error)."""
    try:
        value = int(str(text).strip().replace(",", "").replace("_", ""))
    except ValueError:
        return fallback
    return value if 0 <= value < 2**63 else fallback


def town_kwargs(
    base: Scenario,
    region_kind: str,
    population: int,
    seed: int,
    parameters: dict[str, float],
) -> dict[str, Any]:
    """KizunaModel's arguments for the scenario ``base`` with the controls' overrides.

    The scenario's own region statistics and grid apply only while the region kind (and,
    for the grid, the size) are the scenario's; its scheduled disasters always apply.
    """
    same_kind = region_kind == base.region.kind
    profile = base.region.resolved_profile() if same_kind else get_region(region_kind)
    population = min(max(int(population), MIN_POPULATION), MAX_POPULATION)
    scenario_size = base.region.population or profile.default_population
    grid = base.region.grid_size if same_kind and population == scenario_size else None
    return {
        "region": profile,
        "population": population,
        "params": check_params({**base.parameters, **parameters}),
        "rng": seed,
        "warmup_weeks": base.warmup_weeks,
        "grid_side": grid,
        "shocks": base.build_shocks(),
    }


class VizTown(KizunaModel):
    """A KizunaModel whose constructor takes the app's controls.

    ``lock`` serialises the play loop's steps with the page's own changes (a path
    switched on, a disaster struck) and with drawing, which read the arrays a step
    rewrites.
    """

    def __init__(
        self,
        base: Scenario,
        region_kind: str = "suburban",
        population: int = POPULATION_CAP,
        seed: str | int = "0",
        visit_rate: float = _DEFAULT.visit_rate,
        form_neighbourhood: float = _DEFAULT.form_neighbourhood,
        tie_decay: float = _DEFAULT.tie_decay,
        volunteer_hazard: float = _DEFAULT.volunteer_hazard,
        volunteer_peer_effect: float = _DEFAULT.volunteer_peer_effect,
        donation_hazard: float = _DEFAULT.donation_hazard,
    ) -> None:
        self.lock = threading.RLock()
        self.base = base
        self.seed = parse_seed(seed, base.seed)
        parameters = {
            "visit_rate": visit_rate,
            "form_neighbourhood": form_neighbourhood,
            "tie_decay": tie_decay,
            "volunteer_hazard": volunteer_hazard,
            "volunteer_peer_effect": volunteer_peer_effect,
            "donation_hazard": donation_hazard,
        }
        super().__init__(**town_kwargs(base, region_kind, population, self.seed, parameters))

    def step(self) -> None:
        with self.lock:
            super().step()
