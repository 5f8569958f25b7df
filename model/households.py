"""Households: a home cell and neighbourhood-association membership per household.

Japanese neighbourhood associations (jichikai / chonaikai) enrol households, not
people, so membership lives here. Households are never reused: an id that empties
stays empty, and sizes are recounted from the residents each week.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from model.encounters import GroupIndex


class Households:
    def __init__(self) -> None:
        self.cell = np.empty(0, np.int32)
        self.member = np.empty(0, np.bool_)
        self.formed_week = np.empty(0, np.int32)

    def __len__(self) -> int:
        return len(self.cell)

    def add(self, cells: np.ndarray, member: np.ndarray, week: int) -> np.ndarray:
        """Create households in the given cells; returns their ids."""
        start = len(self.cell)
        self.cell = np.concatenate((self.cell, np.asarray(cells, np.int32)))
        self.member = np.concatenate((self.member, np.asarray(member, np.bool_)))
        self.formed_week = np.concatenate((self.formed_week, np.full(len(cells), week, np.int32)))
        return np.arange(start, len(self.cell))

    def sizes(self, household_of_alive: np.ndarray) -> np.ndarray:
        return np.bincount(household_of_alive, minlength=len(self.cell))

    def free_dwellings(
        self, alive: np.ndarray, household: np.ndarray, capacity: np.ndarray
    ) -> np.ndarray:
        """Each free dwelling's cell, cells in order: ``capacity`` less the households
        with someone living in them (``alive`` slots of the ``household`` column), as
        ``np.repeat(cells, vacancy)``; one compiled pass instead of five array passes."""
        return _free_dwellings(alive, household, self.cell, capacity)


@dataclass
class HouseholdView:
    """This week's per-household facts, computed once and shared by the weekly rules."""

    index: GroupIndex  # residents grouped by household
    size: np.ndarray  # residents per household id
    oldest: np.ndarray  # age of the oldest member
    pupils: np.ndarray  # has a member at school
    infants: np.ndarray  # has a child under 6
    frail: np.ndarray  # has a member with frailty above 0.6

    @classmethod
    def build(
        cls, idx: np.ndarray, household: np.ndarray, age: np.ndarray, school: np.ndarray,
        frailty: np.ndarray, n_households: int,
    ) -> HouseholdView:  # fmt: skip
        """From per-resident arrays aligned with ``idx`` (the alive slots)."""
        # household ids only index: the int32 column needs no int64 copy
        size, oldest, pupils, infants, frail = _household_facts_at(
            np.arange(len(idx)), household, age, school, frailty, n_households
        )
        return cls(GroupIndex.build(idx, household), size, oldest, pupils, infants, frail)

    @classmethod
    def of_slots(
        cls, idx: np.ndarray, household: np.ndarray, age: np.ndarray, school: np.ndarray,
        frailty: np.ndarray, n_households: int,
    ) -> HouseholdView:  # fmt: skip
        """``build`` from whole population columns ``age``, ``school`` and ``frailty``
        (read at ``idx`` inside the compiled pass, not gathered first); ``household`` is
        aligned with ``idx``, as for ``build``."""
        size, oldest, pupils, infants, frail = _household_facts_at(
            idx, household, age, school, frailty, n_households
        )
        return cls(GroupIndex.build(idx, household), size, oldest, pupils, infants, frail)

    def mark_alone(self, idx: np.ndarray, household: np.ndarray, alone: np.ndarray) -> None:
        """Set ``alone`` (one flag per slot) to whether each slot in ``idx`` (household
        ``household``, aligned) lives on its own; every other slot to False."""
        _mark_alone(idx, household, self.size, alone)


@njit(cache=True, nogil=True)
def _free_dwellings(alive, household, household_cell, capacity):  # pragma: no cover
    lived_in = np.zeros(len(household_cell), np.bool_)
    for k in range(len(alive)):
        lived_in[household[alive[k]]] = True
    vacancy = capacity.astype(np.int64)
    for h in range(len(household_cell)):
        if lived_in[h]:
            vacancy[household_cell[h]] -= 1
    total = 0
    for c in range(len(vacancy)):
        total += max(vacancy[c], 0)
    free = np.empty(total, np.int64)
    j = 0
    for c in range(len(vacancy)):
        for _ in range(vacancy[c]):
            free[j] = c
            j += 1
    return free


@njit(cache=True, error_model="numpy", nogil=True)
def _household_facts_at(idx, household, age, school, frailty, n_households):  # pragma: no cover
    """Per household id, in one pass over the residents at ``idx`` (``household`` aligned
    with ``idx``; the columns read at ``idx``): size, the oldest member's age, and whether
    anyone is at school, under 6, or frail (frailty above 0.6)."""
    size = np.zeros(n_households, np.int64)
    oldest = np.zeros(n_households)
    pupils = np.zeros(n_households, np.bool_)
    infants = np.zeros(n_households, np.bool_)
    frail = np.zeros(n_households, np.bool_)
    for k in range(household.shape[0]):
        h = household[k]
        s = idx[k]
        a = age[s]
        size[h] += 1
        oldest[h] = max(oldest[h], np.float64(a))
        pupils[h] |= school[s] >= 0
        infants[h] |= a < 6
        frail[h] |= frailty[s] > np.float32(0.6)
    return size, oldest, pupils, infants, frail


@njit(cache=True, error_model="numpy", nogil=True)
def _mark_alone(idx, household, size, alone):  # pragma: no cover - compiled
    """``alone[:] = False; alone[idx] = size[household] == 1`` in one pass."""
    alone[:] = False
    for k in range(idx.shape[0]):
        alone[idx[k]] = size[household[k]] == 1
