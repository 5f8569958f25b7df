"""Resident state as one structure of numpy arrays, with reusable slots.

Each resident owns a slot (row) in every array. Dead and departed residents free their
slot for the next newcomer, so tie endpoints and agent handles stay valid indices and no
array is ever compacted mid-run. Whole-population rules index ``alive_idx()``.
"""

from __future__ import annotations

import numpy as np

NEVER = np.iinfo(np.int32).min // 2  # "week" of an event that never happened
NO_EMPLOYER = -1
OUTSIDE_EMPLOYER = -2  # works outside the municipality
N_GIFT_BUCKETS = 13  # four-week buckets covering the last 52 weeks

# name -> dtype, fill value for a fresh slot
COLUMNS: dict[str, tuple[type, object]] = {
    "alive": (np.bool_, False),
    "age": (np.float32, 0.0),
    "female": (np.bool_, False),
    "household": (np.int32, -1),
    "cell": (np.int32, -1),
    "employer": (np.int32, NO_EMPLOYER),
    "school": (np.int32, -1),
    "work_u": (np.float32, 0.5),  # fixed rank in the employment draw: who works
    "frailty_u": (np.float32, 0.0),  # individual frailty offset (standard normal)
    "income_u": (np.float32, 0.0),  # individual earnings rank (standard normal)
    "mortality_rr": (np.float32, 1.0),  # relative risk of death from frailty_u
    "frailty": (np.float32, 0.0),
    "awareness": (np.float32, 0.0),
    "propensity": (np.float32, 0.0),
    "sociability": (np.float32, 1.0),  # how much one seeks company (mean 1)
    "free_time": (np.float32, 0.0),
    "income": (np.float32, 0.0),  # yen per year
    "motivation": (np.float32, 1.0),
    "trust": (np.float32, 0.0),
    "trust0": (np.float32, 0.0),  # level trust drifts back to
    "gift_success": (np.float32, 0.0),  # memory of gifts whose effect one saw
    "last_volunteer_week": (np.int32, NEVER),
    "last_donation_week": (np.int32, NEVER),
    "last_local_gift_week": (np.int32, NEVER),  # gave to a cause in town (NPO, foundation, chest)
    "last_place_week": (np.int32, NEVER),
    "last_served_week": (np.int32, NEVER),  # an NPO's activity reached one as someone served
    "arrival_week": (np.int32, 0),
    "study_u": (np.float32, 1.0),  # fixed draw: who studies at a local university
    # the organisation one volunteers with (kind code from model.attachment) and its id
    "attach_kind": (np.int8, 0),
    "attach_id": (np.int32, -1),
    "informed_npo": (np.int32, -1),  # index of the NPO one last heard of
    "informed_week": (np.int32, NEVER),
    "brigade": (np.bool_, False),  # member of the volunteer fire corps
}

# per set of columns a caller writes itself, the (column, default) pairs allocate writes
_DEFAULTS: dict[frozenset[str], tuple[tuple[str, object], ...]] = {}


class Population:
    """Growable struct-of-arrays; attribute access returns the full column."""

    def __init__(self, capacity: int) -> None:
        self.capacity = 0
        self._free: list[int] = []
        # the alive slots change only in allocate/release; the weekly rules ask for them
        # (and their number) about a dozen times a week, so they are kept, not recounted
        self._alive_idx: np.ndarray | None = None
        self._count: int | None = None
        for name, (dtype, fill) in COLUMNS.items():
            setattr(self, name, np.full(0, fill, dtype=dtype))
        self.gifts = np.zeros((N_GIFT_BUCKETS, 0), dtype=np.float32)
        self._grow(max(capacity, 16))

    # --- typed views for static checkers -------------------------------------------------------
    alive: np.ndarray
    age: np.ndarray
    female: np.ndarray
    household: np.ndarray
    cell: np.ndarray
    employer: np.ndarray
    school: np.ndarray
    work_u: np.ndarray
    frailty_u: np.ndarray
    income_u: np.ndarray
    mortality_rr: np.ndarray
    frailty: np.ndarray
    awareness: np.ndarray
    propensity: np.ndarray
    sociability: np.ndarray
    free_time: np.ndarray
    income: np.ndarray
    motivation: np.ndarray
    trust: np.ndarray
    trust0: np.ndarray
    gift_success: np.ndarray
    last_volunteer_week: np.ndarray
    last_donation_week: np.ndarray
    last_local_gift_week: np.ndarray
    last_place_week: np.ndarray
    last_served_week: np.ndarray
    arrival_week: np.ndarray
    study_u: np.ndarray
    attach_kind: np.ndarray
    attach_id: np.ndarray
    informed_npo: np.ndarray
    informed_week: np.ndarray
    brigade: np.ndarray

    def _grow(self, new_capacity: int) -> None:
        old = self.capacity
        for name, (dtype, fill) in COLUMNS.items():
            column = np.full(new_capacity, fill, dtype=dtype)
            column[:old] = getattr(self, name)
            setattr(self, name, column)
        gifts = np.zeros((N_GIFT_BUCKETS, new_capacity), dtype=np.float32)
        gifts[:, :old] = self.gifts
        self.gifts = gifts
        # new slots are handed out lowest first; released ones are reused before them
        self._free.extend(range(new_capacity - 1, old - 1, -1))
        self.capacity = new_capacity

    def allocate(self, n: int, written: frozenset[str] = frozenset()) -> np.ndarray:
        """Claim ``n`` fresh slots (filled with defaults, marked alive). ``written`` names
        columns the caller sets for every new slot straight away: writing their defaults
        first would change nothing (a town adds residents twice a week, a few at a time,
        so each column costs more than its few values)."""
        if n > len(self._free):
            self._grow(max(2 * self.capacity, self.capacity + n))
        slots = np.array([self._free.pop() for _ in range(n)], dtype=np.int64)
        defaults = _DEFAULTS.get(written)
        if defaults is None:
            defaults = _DEFAULTS[written] = tuple(
                (name, fill)
                for name, (_dtype, fill) in COLUMNS.items()
                if name != "alive" and name not in written  # alive is set just below
            )
        for name, fill in defaults:
            getattr(self, name)[slots] = fill
        self.gifts[:, slots] = 0.0
        self.alive[slots] = True
        self._alive_idx = None
        self._count = None
        return slots

    def release(self, slots: np.ndarray) -> None:
        """Free the slots of residents who died or left."""
        slots = np.asarray(slots, dtype=np.int64)
        self._alive_idx = None
        self._count = None
        self.alive[slots] = False
        self.household[slots] = -1
        self.cell[slots] = -1
        self._free.extend(np.sort(slots)[::-1].tolist())

    def disposition(self, slots: np.ndarray, scale: float) -> np.ndarray:
        """Civic propensity scaled by the model's ``propensity_scale``: the willingness
        behind every voluntary act (volunteering, drills, leading, founding)."""
        return np.clip(self.propensity[slots] * scale, 0.0, 1.0)

    def alive_idx(self) -> np.ndarray:
        """The alive slots in ascending order; shared and read-only until slots change."""
        if self._alive_idx is None:
            idx = np.flatnonzero(self.alive)
            idx.flags.writeable = False
            self._alive_idx = idx
        return self._alive_idx

    def count(self) -> int:
        """How many slots are alive (``len(alive_idx())``), counted once per change."""
        if self._count is None:
            self._count = int(np.count_nonzero(self.alive))
        return self._count

    def within(
        self, column: str, week: int, weeks: int = 52, slots: np.ndarray | None = None
    ) -> np.ndarray:
        """Whether the event in ``column`` (e.g. "last_volunteer_week") happened in the
        ``weeks`` weeks up to and including ``week`` (the surveys' "last 12 months")."""
        last = getattr(self, column)
        if slots is not None:
            last = last[slots]
        return (last != NEVER) & (week - last < weeks)

    @property
    def size(self) -> int:
        return len(self.alive_idx())
