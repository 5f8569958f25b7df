"""What state each resident is in, for the map: one code per resident, from the arrays.

A resident is coloured by the first that holds of: in need in a recent disaster,
volunteering (in the last 12 months, the national survey's measure), isolated (no tie
outside the household, as ``isolated_share`` counts it), or none of these.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model import KizunaModel
from model.outcomes import tie_census

OTHER, ISOLATED, VOLUNTEERING, IN_NEED = 0, 1, 2, 3
LABELS = ("other", "isolated (no tie outside home)", "volunteered this year", "in need")
COLOURS = ("#bdbdbd", "#d95f02", "#1b9e77", "#e7298a")
IN_NEED_WEEKS = 8  # how long after a disaster the people it put in need stay marked


@dataclass(frozen=True)
class ResidentStates:
    """Alive residents' slots, home cells and state codes (parallel arrays)."""

    slots: np.ndarray
    cells: np.ndarray
    state: np.ndarray

    def counts(self) -> np.ndarray:
        return np.bincount(self.state, minlength=len(LABELS))


def in_need(model: KizunaModel, slots: np.ndarray) -> np.ndarray:
    """Whether each resident fell into need in a disaster of the last ``IN_NEED_WEEKS``
    weeks (a newcomer who took the slot of someone who died does not count)."""
    pop = model.population
    flag = np.zeros(pop.capacity, bool)
    for record in model.disaster_records:
        if model.week - record.shock.week < IN_NEED_WEEKS:
            needy = record.needy[pop.alive[record.needy]]
            flag[needy[pop.arrival_week[needy] <= record.shock.week]] = True
    return flag[slots]


def isolated(model: KizunaModel, slots: np.ndarray) -> np.ndarray:
    """No tie outside one's household (weak or strong)."""
    outside = tie_census(model).by_class[:, 2:].sum(axis=1)
    return outside[slots] == 0


def resident_states(model: KizunaModel) -> ResidentStates:
    pop = model.population
    slots = pop.alive_idx()
    state = np.full(len(slots), OTHER, np.int8)
    state[isolated(model, slots)] = ISOLATED
    state[pop.within("last_volunteer_week", model.week, slots=slots)] = VOLUNTEERING
    state[in_need(model, slots)] = IN_NEED
    return ResidentStates(slots, pop.cell[slots], state)
