"""NPOs and the intermediary support organisation (report challenges 5-7, paths 6-9, 23).

An NPO has paid staff, volunteers (residents attached to it), funds and know-how; its
*capacity* comes from all four:

    capacity = (staff + w * active volunteers) * (0.5 + know-how) * funding factor

where the funding factor falls from 1 toward 0.4 as reserves drop below three months
of costs. Capacity sets how many people its information reaches and how many it
serves each week; volunteers and the people served meet at its activities. Fees for
services bring in most of its money (more capacity, more fees); gifts, grants and
loans the rest. An NPO that stays in deficit too long closes; motivated volunteers
found new ones. The intermediary support organisation (the town's volunteer and NPO
support centre) passes know-how to NPOs and tells residents about them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from model import attachment, ledger
from model.encounters import GroupIndex, within_groups
from model.organisations.base import Organisation

if TYPE_CHECKING:
    from model.kizuna_model import KizunaModel
    from model.participation import WeekContext

FIELDS = ("elder_care", "child_support", "community")
RESERVE_MONTHS = 3.0  # reserves at which funding stops limiting capacity


class NPO(Organisation):
    kind = "npo"

    def __init__(
        self,
        model: KizunaModel,
        cell_index: int,
        index: int,
        staff: int = 0,
        know_how: float = 0.3,
        field: str = "community",
    ) -> None:
        super().__init__(model, cell_index)
        self.index = index  # position in model.npos (stable after closing)
        self.staff = int(staff)
        self.know_how = float(know_how)
        self.field = field
        self.deficit_months = 0
        self.active_volunteers = 0  # attached volunteers who volunteered this week
        self.volunteer_average = 0.0  # smoothed over about a month
        self.capacity = 0.0
        self.served_last_week = 0
        self.closed_week: int | None = None
        self.damage = 0.0  # share of capacity lost to a disaster, healing week by week

    @property
    def monthly_costs(self) -> float:
        p = self.model.params
        yearly = (
            self.staff * p.npo_staff_wage
            + p.npo_base_cost
            + self.volunteer_average * p.npo_volunteer_cost
        )
        return yearly / 12.0

    def update_capacity(self) -> None:
        p = self.model.params
        self.volunteer_average += 0.25 * (self.active_volunteers - self.volunteer_average)
        reserve = self.funds / max(self.monthly_costs, 1.0)
        funding = min(max(0.4 + 0.6 * reserve / RESERVE_MONTHS, 0.4), 1.0)  # np.clip, scalar
        people = self.staff + p.npo_volunteer_weight * self.volunteer_average
        self.capacity = people * (0.5 + self.know_how) * funding * (1.0 - self.damage)

    def monthly(self, fees: float) -> None:
        """Fees in; wages and costs out; hire, lay off, borrow, or close."""
        model = self.model
        p = model.params
        self.receive(ledger.MARKET, "revenue", fees)
        wages = self.pay(ledger.WAGES, "wages", self.staff * p.npo_staff_wage / 12.0)
        costs = p.npo_base_cost + self.volunteer_average * p.npo_volunteer_cost
        costs = self.pay(ledger.OPERATIONS, "operations", costs / 12.0)
        self.close_month(wages + costs)
        monthly = max(self.monthly_costs, 1.0)
        if self.funds > 12 * (monthly + p.npo_staff_wage / 12.0):
            self.staff += 1  # a year of reserves even with another salary
        elif self.funds < 2 * monthly and self.staff > 0:
            self.staff -= 1
        if self.funds < 0 and model.bank is not None:
            model.bank.apply(self, 6 * monthly)
        self.deficit_months = self.deficit_months + 1 if self.funds < 0 else 0
        if self.deficit_months >= p.npo_closure_months:
            self.close()

    def close(self) -> None:
        """Closing: volunteers are released; the bank writes off what is left unpaid."""
        model = self.model
        pop = model.population
        mine = (pop.attach_kind == attachment.NPO) & (pop.attach_id == self.index)
        pop.attach_kind[mine] = 0
        pop.attach_id[mine] = -1
        pop.informed_npo[pop.informed_npo == self.index] = -1
        self.capacity = 0.0
        self.closed_week = model.week
        model.flows["npos_closed"] = model.flows.get("npos_closed", 0.0) + 1.0
        if model.bank is not None:
            model.bank.write_off(self)
        super().close()


class IntermediarySupport(NPO):
    """The town's volunteer and NPO support centre: advice for NPOs, outreach for all."""

    kind = "intermediary"

    def monthly(self, fees: float = 0.0) -> None:
        # run on a municipal contract: the centre's costs are covered, it does not close
        p = self.model.params
        self.model.government.pay(self.account, "government_grant", self.monthly_costs)
        wages = self.pay(ledger.WAGES, "wages", self.staff * p.npo_staff_wage / 12.0)
        costs = self.pay(ledger.OPERATIONS, "operations", p.npo_base_cost / 12.0)
        self.close_month(wages + costs)
        for npo in active_npos(self.model):
            if npo is not self:
                npo.know_how += p.advice_know_how * 0.5 * (1.0 - npo.know_how)


def active_npos(model: KizunaModel) -> list[NPO]:
    return [n for n in model.npos if n.active]


def residents_near(
    model: KizunaModel, centres: np.ndarray, counts: np.ndarray, radius: int
) -> tuple[np.ndarray, np.ndarray]:
    """Random residents living within ``radius`` cells of each centre, ``counts[i]``
    draws for centre ``i`` (draws landing on empty cells give nobody).

    Returns (resident slots, centre position) pairs.
    """
    cells = model.cell_index()
    geo = model.geography
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    rng = model.rng
    dx = rng.integers(-radius, radius + 1, total)
    dy = rng.integers(-radius, radius + 1, total)
    owner, target = _landing(
        np.asarray(centres, np.int64), np.asarray(counts, np.int64), dx, dy,
        geo.width, geo.height, cells.count,
    )  # fmt: skip
    u = rng.random(len(owner))
    return _pick(target, u, cells.start, cells.count, cells.members), owner


@njit(cache=True)
def _landing(
    centres: np.ndarray,
    counts: np.ndarray,
    dx: np.ndarray,
    dy: np.ndarray,
    width: int,
    height: int,
    occupants: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover
    """Cells the ``counts[i]`` offset draws around centre ``i`` land on, keeping those
    inside the grid and inhabited: (centre position, cell) per kept draw."""
    owner = np.empty(len(dx), np.int64)
    target = np.empty(len(dx), np.int64)
    k = 0
    j = 0
    for i in range(len(centres)):
        cx = centres[i] // height
        cy = centres[i] % height
        for _ in range(counts[i]):
            tx = cx + dx[j]
            ty = cy + dy[j]
            j += 1
            if tx < 0 or tx >= width or ty < 0 or ty >= height:
                continue
            t = tx * height + ty
            if occupants[t] > 0:
                owner[k] = i
                target[k] = t
                k += 1
    return owner[:k], target[:k]


@njit(cache=True)
def _pick(
    target: np.ndarray, u: np.ndarray, start: np.ndarray, count: np.ndarray, members: np.ndarray
) -> np.ndarray:  # pragma: no cover
    """A resident of each target cell: the ``int(u * count)``-th in the cell's list."""
    pick = np.empty(len(target), np.int64)
    for k in range(len(target)):
        t = target[k]
        pick[k] = members[start[t] + np.int64(u[k] * count[t])]
    return pick


def pick_by_weight(rng: np.random.Generator, weight: np.ndarray, n: int) -> np.ndarray:
    """``rng.choice(len(weight), size=n, p=weight / weight.sum())`` without its checks
    (most of its cost for a few NPOs): the same cumulative sums, the same ``n``
    uniforms, the same search, so the same draws."""
    cdf = (weight / weight.sum()).cumsum()
    cdf /= cdf[-1]
    return cdf.searchsorted(rng.random(n), side="right").astype(np.int64)


def outreach(model: KizunaModel) -> None:
    """NPOs' information reaches residents near them (challenge 5); the support centre
    tells people about NPOs anywhere in town."""
    npos = active_npos(model)
    if not npos:
        return
    p = model.params
    pop = model.population
    cap = np.array([n.capacity for n in npos])
    centres = np.array([n.cell_index for n in npos])
    heard, by = residents_near(model, centres, model.rng.poisson(p.npo_outreach * cap), p.npo_reach)
    index = np.array([n.index for n in npos])
    told = index[by]
    centre = model.intermediary
    if centre is not None and centre.active and len(npos) > 1:
        others = [n for n in npos if n is not centre]
        k = model.rng.poisson(p.npo_outreach * centre.capacity)
        idx = pop.alive_idx()
        extra = idx[model.rng.integers(0, len(idx), k)]
        weights = np.array([n.capacity for n in others]) + 1e-9
        about = np.array([n.index for n in others])[pick_by_weight(model.rng, weights, k)]
        heard = np.concatenate((heard, extra))
        told = np.concatenate((told, about))
    pop.informed_npo[heard] = told
    pop.informed_week[heard] = model.week


def activities(model: KizunaModel, wk: WeekContext, volunteers: np.ndarray):
    """This week's NPO activities: each NPO's active volunteers and the people it serves
    (elders living alone, children, or anyone nearby, by its field) meet.

    Updates each NPO's active volunteers and capacity; returns the encounters.
    """
    pop = model.population
    p = model.params
    npos = active_npos(model)
    if not npos:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    mine = pop.attach_kind[volunteers] == attachment.NPO
    v_slots = volunteers[mine]
    v_npo = pop.attach_id[v_slots]
    counts = np.bincount(v_npo, minlength=len(model.npos)).tolist()
    for npo in npos:
        npo.active_volunteers = counts[npo.index]
        npo.update_capacity()
    cap = np.array([n.capacity for n in npos])
    centres = np.array([n.cell_index for n in npos])
    served, by = residents_near(model, centres, model.rng.poisson(p.npo_served * cap), p.npo_reach)
    field = np.array([FIELDS.index(n.field) for n in npos])[by]
    age = pop.age[served]
    fits = np.where(
        field == FIELDS.index("elder_care"),
        (age >= 65) & (model.lives_alone[served] | (pop.frailty[served] > 0.4)),
        np.where(field == FIELDS.index("child_support"), age < 15, True),
    )
    served, by = served[fits], by[fits]
    pop.last_served_week[served] = model.week  # challenge 7
    index = np.array([n.index for n in npos])
    served_counts = np.bincount(by, minlength=len(npos))
    for npo, n in zip(npos, served_counts.tolist(), strict=True):
        npo.served_last_week = n
    people = np.concatenate((v_slots, served))
    groups = np.concatenate((v_npo, index[by]))
    return within_groups(GroupIndex.build(people, groups), p.npo_contacts, model.rng)


def word_of_mouth(model: KizunaModel, u: np.ndarray, v: np.ndarray) -> None:
    """Meeting an NPO's volunteer can pass on news of the NPO (recruiting through ties):
    each encounter side that volunteers for an NPO takes a uniform, the u sides' first."""
    pop = model.population
    # who volunteers for an NPO does not change while news passes: count both sides first
    n_u, n_v = _tellers(u, v, pop.attach_kind, attachment.NPO)
    first = model.rng.random(n_u)
    second = model.rng.random(n_v)
    _pass_on(
        u, v, first, second, pop.attach_kind, attachment.NPO, model.params.word_of_mouth,
        model.week, pop.attach_id, pop.informed_npo, pop.informed_week,
    )  # fmt: skip


@njit(cache=True)
def _tellers(
    u: np.ndarray, v: np.ndarray, attach_kind: np.ndarray, npo: int
) -> tuple[int, int]:  # pragma: no cover
    """How many encounters have an NPO volunteer on the ``u`` side, and on the ``v`` side."""
    n_u = 0
    n_v = 0
    for e in range(len(u)):
        if attach_kind[u[e]] == npo:
            n_u += 1
        if attach_kind[v[e]] == npo:
            n_v += 1
    return n_u, n_v


@njit(cache=True)
def _pass_on(
    u: np.ndarray,
    v: np.ndarray,
    first: np.ndarray,
    second: np.ndarray,
    attach_kind: np.ndarray,
    npo: int,
    p: float,
    week: int,
    attach_id: np.ndarray,
    informed_npo: np.ndarray,
    informed_week: np.ndarray,
) -> None:  # pragma: no cover
    """News from ``u`` to ``v`` (uniforms ``first``), then from ``v`` to ``u``
    (``second``): each encounter whose telling side volunteers for an NPO takes the
    next uniform; below ``p``, the other side hears of that NPO (later encounters
    overwrite earlier ones, as NumPy's fancy assignment does)."""
    _tell(u, v, first, attach_kind, npo, p, week, attach_id, informed_npo, informed_week)
    _tell(v, u, second, attach_kind, npo, p, week, attach_id, informed_npo, informed_week)


@njit(cache=True)
def _tell(
    a: np.ndarray,
    b: np.ndarray,
    chances: np.ndarray,
    attach_kind: np.ndarray,
    npo: int,
    p: float,
    week: int,
    attach_id: np.ndarray,
    informed_npo: np.ndarray,
    informed_week: np.ndarray,
) -> None:  # pragma: no cover
    """One direction of ``_pass_on``: from the ``a`` sides to the ``b`` sides."""
    j = 0
    for e in range(len(a)):
        if attach_kind[a[e]] == npo:
            if chances[j] < p:
                informed_npo[b[e]] = attach_id[a[e]]
                informed_week[b[e]] = week
            j += 1


def found_npos(model: KizunaModel, idx: np.ndarray) -> int:
    """Once a year, motivated and aware volunteers (25-70) may found an NPO."""
    p = model.params
    pop = model.population
    age = pop.age[idx]
    eligible = (
        (age >= 25)
        & (age < 70)
        & (pop.disposition(idx, p.propensity_scale) > 0.5)
        & (pop.awareness[idx] > 0.45)
        & pop.within("last_volunteer_week", model.week, slots=idx)
    )
    founders = idx[eligible & (model.rng.random(len(idx)) < p.npo_founding_rate)]
    for slot in founders.tolist():
        npo = model.add_npo(
            int(pop.cell[slot]),
            staff=0,
            know_how=float(model.rng.beta(2, 5)),
            field=FIELDS[int(model.rng.integers(len(FIELDS)))],
            seed_funds=p.npo_seed_funds,
        )
        pop.attach_kind[slot] = attachment.NPO
        pop.attach_id[slot] = npo.index
    return len(founders)


def yearly_learning(model: KizunaModel) -> None:
    """Experience adds know-how; staff and volunteers moving on take some away."""
    p = model.params
    for npo in active_npos(model):
        npo.know_how += p.know_how_learning * (1.0 - npo.know_how)
        npo.know_how -= p.know_how_loss * npo.know_how


def monthly_finances(model: KizunaModel) -> None:
    """The town's demand for NPO services (fees and contracts) is shared among NPOs by
    capacity; then each NPO settles its month."""
    npos = [n for n in active_npos(model) if n.kind == "npo"]
    market = model.params.npo_market * model.population_size / 12.0
    total = sum(n.capacity for n in npos)
    for npo in npos:
        npo.monthly(market * npo.capacity / total if total > 0 else 0.0)
    if model.intermediary is not None and model.intermediary.active:
        model.intermediary.monthly()
