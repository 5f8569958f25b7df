"""Schools and the university (report challenges 18-20, paths 17-18).

Pupils and students are residents (``population.school``), so school encounters come
from here. A school's volunteer and citizenship programme gives its pupils access to
volunteering; twice a year it holds a school-wide volunteer day. The university is the
town's local base for learning about community work: its open college brings adults
nearby together to learn about local challenges.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from model.encounters import GroupIndex, within_groups
from model.kernel_rng import generator, handle
from model.organisations.base import Organisation

if TYPE_CHECKING:
    from model.kizuna_model import KizunaModel
    from model.participation import WeekContext

LEVELS = ("elementary", "lower_secondary", "upper_secondary", "university")


class School(Organisation):
    kind = "school"

    def __init__(self, model: KizunaModel, school_id: int, level: int) -> None:
        super().__init__(model, int(model.venues.school_cell[school_id]), LEVELS[level])
        self.school_id = int(school_id)
        self.level = int(level)

    @property
    def programme(self) -> float:
        """Strength of the volunteer and citizenship programme (0-1)."""
        return float(self.model.school_programme[self.school_id])

    @programme.setter
    def programme(self, value: float) -> None:
        self.model.school_programme[self.school_id] = value

    @property
    def pupils(self) -> int:
        pop = self.model.population
        return int((pop.alive & (pop.school == self.school_id)).sum())


class University(School):
    """The university as a local base (challenge 20): besides its students, it runs an
    open college where adults nearby learn about the town's challenges together."""

    kind = "university"
    REACH = 12  # cells

    def __init__(self, model: KizunaModel, school_id: int, level: int) -> None:
        super().__init__(model, school_id, level)
        self._near: np.ndarray | None = None

    @property
    def near_cells(self) -> np.ndarray:
        """Per cell, whether it lies within ``REACH`` of the university (the map and the
        campus do not move, so this is worked out once)."""
        if self._near is None:
            geo = self.model.geography
            self._near = geo.chebyshev(np.arange(geo.n_cells), self.cell_index) <= self.REACH
        return self._near


def open_college(model: KizunaModel, wk: WeekContext) -> tuple[np.ndarray, np.ndarray]:
    """This week's open-college class: adults near the university come (more with a
    stronger programme), grow more aware of local challenges, and meet each other."""
    uni = model.university
    if uni is None:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    pop = model.population
    idx = wk.idx
    near = uni.near_cells
    # the NumPy rule multiplied the float32 free time by the weak Python scalar: float32
    scale = np.float32(model.params.open_college * uni.programme)
    come = _attend(
        handle(model.rng), idx, pop.cell, pop.age, pop.free_time, near, scale, pop.awareness
    )
    model.tallies.add("open_college_attendances", len(come))  # challenge 20
    return within_groups(GroupIndex.build(come, np.zeros(len(come), np.int64)), 3.0, model.rng)


def volunteer_day_weeks(days: float) -> set[int]:
    """Weeks of the year holding a school volunteer day, spread through the year."""
    n = max(0, round(days))
    return {int(6 + i * 46 / max(n, 1)) for i in range(n)}


def volunteer_day(model: KizunaModel, wk: WeekContext) -> tuple[np.ndarray, ...]:
    """Pupils join their school's volunteer day (it counts as volunteering) and meet."""
    pop = model.population
    idx = wk.idx
    school = pop.school[idx]
    pupil = school >= 0
    strength = model.school_programme[np.maximum(school, 0)] * pupil
    willing = pop.disposition(idx, model.params.propensity_scale) > 0
    join = willing & (model.rng.random(len(idx)) < model.params.school_day_participation * strength)
    who = idx[join]
    pop.last_volunteer_week[who] = model.week
    model.tallies.add("school_day_participations", len(who))  # challenge 19
    u, v = within_groups(GroupIndex.build(who, pop.school[who]), 3.0, model.rng)
    return who, u, v


@njit(cache=True, nogil=True)
def _attend(h, idx, cell, age, free_time, near, scale, awareness):  # pragma: no cover
    """Who comes (``_comes``, a uniform drawn for every resident in ``idx``), each a
    tenth of the way closer to full awareness (float32, as the NumPy rule had it), in
    one compiled call: the Python steps around it cost more than the pass itself."""
    u = generator(h).random(idx.shape[0])
    come = idx[_comes(idx, cell, age, free_time, near, scale, u)]
    for s in come:
        awareness[s] = awareness[s] + np.float32(0.1) * (np.float32(1.0) - awareness[s])
    return come


@njit(cache=True, nogil=True)
def _comes(
    idx: np.ndarray,
    cell: np.ndarray,
    age: np.ndarray,
    free_time: np.ndarray,
    near: np.ndarray,
    scale: np.float32,
    u: np.ndarray,
) -> np.ndarray:  # pragma: no cover
    """Who comes to the open college: adults (25+) living near the university, with a
    chance of ``scale`` times their free time (float32, as the NumPy rule had it)."""
    come = np.zeros(len(idx), np.bool_)
    for i in range(len(idx)):
        s = idx[i]
        if near[cell[s]] and age[s] >= 25:
            come[i] = u[i] < scale * free_time[s]
    return come
