"""Households: a home cell and neighbourhood-association membership per household.

Japanese neighbourhood associations (jichikai / chonaikai) enrol households, not
people, so membership lives here. Households are never reused: an id that empties
stays empty, and sizes are recounted from the residents each week.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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
        index = GroupIndex.build(idx, household)
        oldest = np.zeros(n_households)
        if len(index.members):
            oldest[index.group] = np.maximum.reduceat(age[index.order], index.first)

        def any_of(mask: np.ndarray) -> np.ndarray:
            return np.bincount(household[mask], minlength=n_households) > 0

        return cls(
            index=index,
            size=np.bincount(household, minlength=n_households),
            oldest=oldest,
            pupils=any_of(school >= 0),
            infants=any_of(age < 6),
            frail=any_of(frailty > 0.6),
        )
