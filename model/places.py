"""Places for mutual assistance (ibasho, paths 1 and 3): fixed meeting places on the grid.

A place is a community salon, cafe or hall that residents nearby drop into; elders use
them most ("kayoi-no-ba"). Visitors on the same week meet each other, which is how a
place builds ties among people who would otherwise stay home. Each resident considers
only the nearest place; the chance to go falls with distance and frailty and rises
with awareness.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa.discrete_space import FixedAgent

if TYPE_CHECKING:
    from model.kizuna_model import KizunaModel

ALL_AGES_BOOST = 5.0  # younger residents come this much more often to all-age places


class Place(FixedAgent):
    """A place for mutual assistance fixed to one grid cell."""

    def __init__(
        self,
        model: KizunaModel,
        cell_index: int,
        capacity: int,
        kind: str = "salon",
        all_ages: bool = False,
    ) -> None:
        super().__init__(model)
        self.cell_index = int(cell_index)
        self.cell = model.cells[self.cell_index]
        self.kind = kind
        self.all_ages = all_ages  # open to and run for every age (path 3), not mainly elders
        self.capacity = int(capacity)
        self.visits_last_week = 0
        self.visits_total = 0
        self.damage = 0.0  # share of its capacity lost to a disaster, healing week by week

    def __repr__(self) -> str:
        return f"Place({self.kind}, cell={self.cell_index}, capacity={self.capacity})"


def visit_places(
    model: KizunaModel, idx: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """This week's visitors (slots) and the index of the place each visits."""
    places = model.places
    if not places:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    p = model.params
    pop = model.population
    nearest, dist = model.nearest_place()
    cell = pop.cell[idx]
    d = dist[cell]
    reach = d <= p.place_radius
    age = pop.age[idx]
    all_ages = np.array([pl.all_ages for pl in places])[nearest[cell]]
    other = p.place_visit_other * (1.0 + ALL_AGES_BOOST * all_ages)
    base = np.where(age >= 65, p.place_visit_elder, other)
    prob = (
        base
        * (0.4 + 1.2 * pop.awareness[idx])
        * (1.0 - 0.7 * pop.frailty[idx])
        * np.exp(-d / max(p.place_radius, 1) * 1.5)
        * reach
    )
    go = rng.random(len(idx)) < prob
    visitors = idx[go]
    where = nearest[cell[go]].astype(np.int64)
    # over capacity: a random subset gets in
    capacity = np.array([round(pl.capacity * (1.0 - pl.damage)) for pl in places])
    counts = np.bincount(where, minlength=len(places))
    if (counts > capacity).any():
        rank = np.empty(len(where), np.int64)
        order = np.lexsort((rng.random(len(where)), where))
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        rank[order] = np.arange(len(where)) - np.repeat(starts, counts)
        ok = rank < capacity[where]
        visitors, where = visitors[ok], where[ok]
        counts = np.bincount(where, minlength=len(places))
    for pl, c in zip(places, counts.tolist(), strict=True):
        pl.visits_last_week = c
        pl.visits_total += c
    pop.last_place_week[visitors] = model.week
    return visitors, where
