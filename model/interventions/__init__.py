"""The report's 27 paths as interventions, and how a town runs them.

``CATALOGUE`` lists every path class in order; ``get_path`` finds one by number or
slug. ``InterventionSet`` is what the model holds: it switches paths on and off at
their weeks, recomputes the parameters from the baseline ones, collects the
per-resident factors the weekly rules multiply in, runs the weekly actions and pays
the running costs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from model import ledger
from model.interventions import establishing_ties, promoting_participation, vitalizing_communities
from model.interventions.base import IMAGES, ORGANISATION_KINDS, Intervention, Target
from model.ties import Context

if TYPE_CHECKING:
    from model.kizuna_model import KizunaModel
    from model.params import Params
    from model.participation import WeekContext

CATALOGUE: tuple[type[Intervention], ...] = (
    *establishing_ties.PATHS,
    *vitalizing_communities.PATHS,
    *promoting_participation.PATHS,
)
assert [p.number for p in CATALOGUE] == list(range(1, 28))
BY_NUMBER = {p.number: p for p in CATALOGUE}
BY_SLUG = {p.slug: p for p in CATALOGUE}

# context of the encounters a path's weekly action creates
WEEKLY_CONTEXT = {2: Context.EVENT, 16: Context.ASSOCIATION}


def get_path(key: int | str) -> type[Intervention]:
    """A path class by number (1-27) or slug."""
    if isinstance(key, int) and not isinstance(key, bool):
        if key in BY_NUMBER:
            return BY_NUMBER[key]
    elif isinstance(key, str):
        if key in BY_SLUG:
            return BY_SLUG[key]
        if key.isdigit() and int(key) in BY_NUMBER:
            return BY_NUMBER[int(key)]
    raise KeyError(key)


class InterventionSet:
    """The interventions of one run, in catalogue order."""

    def __init__(self, interventions: Iterable[Intervention] = ()) -> None:
        self.items = sorted(interventions, key=lambda iv: iv.number)
        self._hooked: dict[str, tuple[tuple[bool, ...], list[Intervention]]] = {}
        self._active: tuple[tuple[bool, ...], list[Intervention]] | None = None

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def active(self) -> list[Intervention]:
        """The active paths (a fresh list)."""
        return list(self._active_paths())

    def _active_flags(self) -> tuple[bool, ...]:
        return tuple([iv.active for iv in self.items])

    def _active_paths(self) -> list[Intervention]:
        """The active paths, kept while the same paths are active (shared: do not change)."""
        key = self._active_flags()
        cached = self._active
        if cached is None or cached[0] != key:
            self._active = cached = (key, [iv for iv in self.items if iv.active])
        return cached[1]

    def update(self, model: KizunaModel) -> bool:
        """Switch paths on or off for this week; returns whether anything changed."""
        changed = False
        for iv in self.items:
            due = iv.due(model.week)
            if due and not iv.active:
                iv.active = True
                iv.on_start(model)
                changed = True
            elif iv.active and not due:
                iv.active = False
                iv.on_end(model)
                changed = True
        return changed

    def params(self, base: Params) -> Params:
        """The baseline parameters with every active path's changes, in order."""
        p = base
        for iv in self.active:
            changes = iv.param_changes(p)
            if changes:
                p = p.replace(**changes)
        return p

    def hooked(self, hook: str) -> list[Intervention]:
        """Active paths that override ``hook`` (the others would only return None); kept
        while the same paths are active."""
        key = self._active_flags()
        cached = self._hooked.get(hook)
        if cached is None or cached[0] != key:
            default = getattr(Intervention, hook)
            paths = [
                iv
                for iv in self.items
                if iv.active and (getattr(type(iv), hook) is not default or hook in vars(iv))
            ]
            self._hooked[hook] = cached = (key, paths)
        return cached[1]

    def factor(self, hook: str, model: KizunaModel, slots: np.ndarray) -> np.ndarray | float:
        """Product of the active paths' per-resident factors for ``hook`` (1 if none)."""
        out: np.ndarray | float | None = None
        for iv in self.hooked(hook):
            f = getattr(iv, hook)(model, slots)
            if f is not None:
                if out is not None:
                    out = out * f
                elif _floating(f):  # 1.0 * f is f, bit for bit: skip that product
                    out = f
                else:
                    out = 1.0 * f
        return 1.0 if out is None else out

    def bonus(self, hook: str, model: KizunaModel, slots: np.ndarray) -> np.ndarray | float:
        """Sum of the active paths' per-resident additions for ``hook`` (0 if none)."""
        out: np.ndarray | float = 0.0
        for iv in self.hooked(hook):
            b = getattr(iv, hook)(model, slots)
            if b is not None:
                out = out + b
        return out

    def weekly(self, model: KizunaModel, wk: WeekContext):
        """Run the active paths' weekly actions and pay this week's costs.

        Each path's cost (``Intervention.weekly_cost_item``) is worked out right after its
        action and booked in one batch (``Ledger.transfer_batch``) before the next action
        and at the end: the same ledger rows in the same order, for a fraction of the
        per-transfer calls. Returns (u arrays, v arrays, contexts) of the encounters
        they created.
        """
        us, vs, cs = [], [], []
        cost = 0.0
        book = model.ledger
        batch: list[tuple[str, str | None, int]] = []
        acting = self.hooked("weekly")  # the others' weekly would only return None
        for iv in self._active_paths():
            if iv in acting:
                if batch:  # an action may book money too: the costs so far go first
                    book.transfer_batch(batch, ledger.OPERATIONS, "intervention")
                    batch = []
                met = iv.weekly(model, wk)
                if met is not None:
                    us.append(met[0])
                    vs.append(met[1])
                    cs.append(int(WEEKLY_CONTEXT.get(iv.number, Context.EVENT)))
            item = iv.weekly_cost_item(model)
            if item is not None:
                batch.append(item)
                cost += float(item[2])
        book.transfer_batch(batch, ledger.OPERATIONS, "intervention")
        model.flows["intervention_cost"] += cost
        return us, vs, cs


def _floating(x: object) -> bool:
    """Whether ``1.0 * x`` would be ``x`` itself: a float or an array of floats."""
    if isinstance(x, np.ndarray):
        return x.dtype.kind == "f"
    return isinstance(x, float)


def catalogue_table() -> list[dict]:
    """One row per path, for `kizuna paths` and the documentation."""
    return [p.describe() for p in CATALOGUE]


__all__ = [
    "BY_NUMBER",
    "BY_SLUG",
    "CATALOGUE",
    "IMAGES",
    "ORGANISATION_KINDS",
    "Intervention",
    "InterventionSet",
    "Target",
    "catalogue_table",
    "get_path",
]
