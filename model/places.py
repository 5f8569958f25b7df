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
    other, falloff, reach = _per_cell(places, nearest, dist, p.place_visit_other, p.place_radius)
    u = rng.random(len(idx))
    visitors, where = _visitors(
        idx, pop.cell, pop.age, pop.awareness, pop.frailty, u,
        other, falloff, reach, p.place_visit_elder, nearest,
    )  # fmt: skip
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


# the per-cell terms of the last call, with what they came from (places only change when
# one opens or closes, which gives a fresh ``nearest`` array; the parameters with a path)
_LAST_PER_CELL: list[tuple] = []


def _per_cell(
    places: list[Place], nearest: np.ndarray, dist: np.ndarray, other_rate: float, radius: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What depends only on the home cell (fewer cells than residents): the visit rate
    of those under 65, the fall-off with distance and whether the place is in reach.
    Kept while the places, their nearest-place table and the parameters stay the same."""
    all_ages = tuple(pl.all_ages for pl in places)
    key = (all_ages, other_rate, radius)
    last = _LAST_PER_CELL[0] if _LAST_PER_CELL else None  # one entry, read at once
    if last is not None and last[0] is nearest and last[1] is dist and last[2] == key:
        return last[3]
    other = other_rate * (1.0 + ALL_AGES_BOOST * np.array(all_ages)[nearest])
    falloff = np.exp(-dist / max(radius, 1) * 1.5)
    reach = dist <= radius
    _LAST_PER_CELL[:] = [(nearest, dist, key, (other, falloff, reach))]
    return other, falloff, reach


@njit(cache=True, nogil=True)
def _visitors(
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
    nearest: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover
    """Who visits their nearest place, and which place (int64), in one pass instead of
    a dozen temporaries. Same operations in the same order and precision as the NumPy
    rule (awareness and frailty terms in float32, the product in float64)."""
    visitors = np.empty(len(idx), np.int64)
    where = np.empty(len(idx), np.int64)
    n = 0
    for i in range(len(idx)):
        s = idx[i]
        c = cell[s]
        base = elder if age[s] >= 65 else other[c]
        aw = np.float32(0.4) + np.float32(1.2) * awareness[s]
        fr = np.float32(1.0) - np.float32(0.7) * frailty[s]
        prob = base * aw * fr * falloff[c] * (1.0 if reach[c] else 0.0)
        if u[i] < prob:
            visitors[n] = s
            where[n] = nearest[c]
            n += 1
    return visitors[:n], where[:n]
