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
from numba import njit

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
    # what depends only on the home cell, worked out per cell (fewer than residents)
    all_ages = np.array([pl.all_ages for pl in places])[nearest]
    other = p.place_visit_other * (1.0 + ALL_AGES_BOOST * all_ages)
    falloff = np.exp(-dist / max(p.place_radius, 1) * 1.5)
    reach = dist <= p.place_radius
    u = rng.random(len(idx))
    go = _goes(
        idx, pop.cell, pop.age, pop.awareness, pop.frailty, u,
        other, falloff, reach, p.place_visit_elder,
    )  # fmt: skip
    visitors = idx[go]
    where = nearest[pop.cell[visitors]].astype(np.int64)
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


@njit(cache=True)
def _goes(
    idx: np.ndarray,
    cell: np.ndarray,
    age: np.ndarray,
    awareness: np.ndarray,
    frailty: np.ndarray,
    u: np.ndarray,
    other: np.ndarray,
    falloff: np.ndarray,
    reach: np.ndarray,
    elder: float,
) -> np.ndarray:  # pragma: no cover
    """Whether each resident visits their nearest place: one pass instead of a dozen
    temporaries. Same operations in the same order and precision as the NumPy rule
    (awareness and frailty terms in float32, the product in float64)."""
    go = np.zeros(len(idx), np.bool_)
    for i in range(len(idx)):
        s = idx[i]
        c = cell[s]
        base = elder if age[s] >= 65 else other[c]
        aw = np.float32(0.4) + np.float32(1.2) * awareness[s]
        fr = np.float32(1.0) - np.float32(0.7) * frailty[s]
        prob = base * aw * fr * falloff[c] * (1.0 if reach[c] else 0.0)
        go[i] = u[i] < prob
    return go
