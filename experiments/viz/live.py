"""Changes to a running town: the report's paths switched on and off, a disaster now.

A path chosen in the app runs from the coming week, at its chosen intensity, until it
is switched off (it then stops at the coming week); changing its intensity stops the
running one and starts a new one, so its ``on_start``/``on_end`` (opening places,
say) happen as in a scenario. Timings and targets of a scenario's paths are not kept:
in the app a path is simply on or off, for everyone.
"""

from __future__ import annotations

from collections.abc import Mapping

from experiments.scenario import Scenario
from model import KizunaModel
from model.disasters import DisasterRecord
from model.interventions import CATALOGUE, IMAGES, InterventionSet, get_path
from model.interventions.base import Intervention

# the 27 paths grouped by the report's three images, in catalogue order
BY_IMAGE: dict[str, tuple[type[Intervention], ...]] = {
    image: tuple(p for p in CATALOGUE if p.image == image) for image in IMAGES
}


def scenario_paths(base: Scenario) -> dict[int, float]:
    """Path number -> intensity for every path the scenario switches on (its last entry
    for a path wins; no intensity means the path's default)."""
    out: dict[int, float] = {}
    for iv in base.interventions:
        path = iv.path_class
        out[path.number] = (
            float(iv.intensity) if iv.intensity is not None else path.default_intensity()
        )
    return out


def running_paths(model: KizunaModel) -> dict[int, float]:
    """Path number -> intensity of the paths that will run in the coming week."""
    coming = model.week + 1
    return {
        iv.number: iv.intensity
        for iv in model.interventions
        if iv.start <= coming and (iv.end is None or iv.end > coming)
    }


def apply_paths(model: KizunaModel, chosen: Mapping[int, float]) -> None:
    """Make the paths of the coming week those in ``chosen`` (number -> intensity)."""
    coming = model.week + 1
    keep: list[Intervention] = []
    kept: set[int] = set()
    for iv in model.interventions:
        wanted = (
            iv.number in chosen
            and iv.intensity == float(chosen[iv.number])
            and iv.number not in kept
        )
        if iv.end is not None and iv.end <= coming:
            if wanted and iv.active and iv.end == coming:  # switched off, then on again
                iv.end = None
                kept.add(iv.number)
                keep.append(iv)
            elif iv.active:  # stops at the coming step, which runs its on_end
                keep.append(iv)
        elif wanted:
            kept.add(iv.number)
            keep.append(iv)
        elif iv.start < coming:  # it has run: stop it at the coming week
            iv.end = coming
            keep.append(iv)
        # else it never started, and dropping it is enough
    for number, intensity in sorted(chosen.items()):
        if number not in kept:
            keep.append(get_path(number)(intensity=float(intensity), start=coming))
    model.interventions = InterventionSet(keep)


def strike_now(model: KizunaModel, severity: float = 0.7) -> DisasterRecord:
    """An earthquake at the centre of the map, then the week it strikes in; returns
    what happened (``record.needy`` are the people it put in need)."""
    shock = model.strike("earthquake", severity=severity, epicentre=(0.5, 0.5), radius=0.4)
    model.step()
    return next(r for r in reversed(model.disaster_records) if r.shock is shock)
