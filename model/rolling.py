"""Rolling yearly tallies of things organisations do (advice sessions, meetings, ...).

The outcomes table reports stocks and weekly flows; several of the report's challenges
are best read as "how many per year" (bank advice sessions, platform meetings). A ring
buffer of 52 weekly slots keeps each tally's last year, so the figure is defined from
the first weeks on (scaled up to a year while fewer than 52 weeks have passed, which
includes the warm-up) and costs nothing to keep.

It also follows up the municipality's grant rounds (challenge 23): each round's NPOs,
their capacity when the grant was paid and the yen they got are kept, and 26 weeks
later the round is evaluated by a naive before/after difference of capacity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

WEEKS = 52
FOLLOW_UP_WEEKS = 26  # a grant round is evaluated this many weeks after it was paid


@dataclass
class GrantCohort:
    """One grant round: who got money, their capacity at the time, and how much."""

    week: int
    npos: list[Any]  # the NPO objects (capacity and active are read at evaluation)
    capacity: np.ndarray
    yen: np.ndarray


@dataclass(frozen=True)
class GrantEvaluation:
    """A round's naive effect: capacity after minus capacity at the grant, summed over
    its NPOs (an NPO that closed since counts with capacity 0), per million yen."""

    grant_week: int
    evaluated_week: int
    capacity_gain: float
    yen: float

    @property
    def gain_per_million(self) -> float:
        return self.capacity_gain / (self.yen / 1e6) if self.yen > 0 else 0.0


class RollingTallies:
    """Named counters summed over the last 52 weeks, and grant rounds to follow up."""

    def __init__(self) -> None:
        # one row of 52 weekly slots per tally, in one table: a week opens its slot in
        # every tally at once, and the last-year sums are one row-wise sum, kept until
        # the table changes (a row's sum is NumPy's sum of that row alone, to the bit)
        self._row: dict[str, int] = {}
        self._table = np.zeros((8, WEEKS))
        self._sums: np.ndarray | None = None
        self._slot = 0
        self._weeks_seen = 0
        self.pending_grants: list[GrantCohort] = []
        self.grant_evaluations: list[GrantEvaluation] = []

    def start_week(self, week: int) -> None:
        """Open the slot for ``week`` (called once a week, warm-up included) and evaluate
        grant rounds paid more than ``FOLLOW_UP_WEEKS`` ago, so a round paid in week
        ``g`` is judged on capacity at the end of week ``g + 26``."""
        self._slot = week % WEEKS
        self._weeks_seen += 1
        self._table[:, self._slot] = 0.0
        self._sums = None
        while self.pending_grants and week - self.pending_grants[0].week > FOLLOW_UP_WEEKS:
            self._evaluate(self.pending_grants.pop(0), week - 1)

    def add(self, name: str, amount: float = 1.0) -> None:
        row = self._row.get(name)
        if row is None:
            row = self._new_row(name)
        self._table[row, self._slot] += amount
        self._sums = None

    def _new_row(self, name: str) -> int:
        """A zeroed row for a tally never added to (the table doubles when full)."""
        row = len(self._row)
        if row == len(self._table):
            table = np.zeros((2 * row, WEEKS))
            table[:row] = self._table
            self._table = table
        self._row[name] = row
        return row

    def last_year(self, name: str) -> float:
        """Sum over the last 52 weeks (0 for a tally never added to)."""
        row = self._row.get(name)
        if row is None:
            return 0.0
        sums = self._sums
        if sums is None:
            sums = self._sums = self._table[: len(self._row)].sum(axis=1)
        return float(sums[row])

    def per_year(self, name: str) -> float:
        """The tally's yearly rate: last-year sum, scaled up while under a year has passed."""
        seen = min(max(self._weeks_seen, 1), WEEKS)
        return self.last_year(name) * WEEKS / seen

    # --- grant follow-up (challenge 23) --------------------------------------------------
    def record_grants(self, week: int, npos: list[Any], yen: list[float]) -> None:
        """Remember a grant round: the NPOs paid, their capacity now, the yen each got."""
        paid = [(npo, float(y)) for npo, y in zip(npos, yen, strict=True) if y > 0]
        if not paid:
            return
        self.pending_grants.append(
            GrantCohort(
                week,
                [npo for npo, _ in paid],
                np.array([float(npo.capacity) for npo, _ in paid]),
                np.array([y for _, y in paid]),
            )
        )

    def _evaluate(self, cohort: GrantCohort, week: int) -> None:
        now = np.array([float(n.capacity) if n.active else 0.0 for n in cohort.npos])
        self.grant_evaluations.append(
            GrantEvaluation(
                cohort.week, week, float((now - cohort.capacity).sum()), float(cohort.yen.sum())
            )
        )

    def grant_effect(self) -> float:
        """Capacity gained per million yen in the latest evaluated round (0 before any)."""
        if not self.grant_evaluations:
            return 0.0
        return self.grant_evaluations[-1].gain_per_million
