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
from model.kernel_rng import choice_cdf, choose, generator, handle
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


@njit(cache=True, nogil=True)
def _near(
    rng, rate, capacity, centres, radius, width, height, start, count, members
):  # pragma: no cover - compiled
    """Random residents living within ``radius`` cells of each centre: a Poisson(``rate``
    times the centre's ``capacity``) number of draws for each, draws landing on empty
    cells giving nobody; (resident slot, centre position) pairs.

    Drawn as the array steps did (``tests/test_kernels_organisations.py``'s reference):
    the Poisson counts (NumPy draws an array of means one at a time), then every draw's
    x offset, every y offset, and a uniform for each draw that lands on an inhabited
    cell, to pick one of its residents."""
    counts = np.empty(capacity.shape[0], np.int64)
    for i in range(capacity.shape[0]):
        counts[i] = rng.poisson(rate * capacity[i])
    total = counts.sum()
    if total == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    dx = rng.integers(-radius, radius + 1, total)
    dy = rng.integers(-radius, radius + 1, total)
    owner, target = _landing(centres, counts, dx, dy, width, height, count)
    u = rng.random(owner.shape[0])
    return _pick(target, u, start, count, members), owner


@njit(cache=True, nogil=True)
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


@njit(cache=True, nogil=True)
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
    cells = model.cell_index()
    geo = model.geography
    centre = model.intermediary
    everywhere = centre is not None and centre.active and len(npos) > 1
    others = [n for n in npos if n is not centre] if everywhere else []
    _tell_near_and_far(
        handle(model.rng), p.npo_outreach, np.array([n.capacity for n in npos]),
        np.array([n.cell_index for n in npos]), p.npo_reach, geo.width, geo.height,
        cells.start, cells.count, cells.members, np.array([n.index for n in npos]),
        centre.capacity if everywhere else -1.0, pop.alive_idx(),
        np.array([n.capacity for n in others], np.float64) + 1e-9,
        np.array([n.index for n in others], np.int64), pop.informed_npo, pop.informed_week,
        model.week,
    )  # fmt: skip


@njit(cache=True, nogil=True)
def _tell_near_and_far(
    h, rate, capacity, centres, radius, width, height, start, count, members, index,
    centre_capacity, idx, other_weight, other_index, informed_npo, informed_week, week,
):  # fmt: skip  # pragma: no cover - compiled
    """``outreach`` in one compiled call, drawing as the array steps did: the residents
    near each NPO (``_near``), then, unless ``centre_capacity`` is negative, the centre's
    Poisson(``rate`` x its capacity) residents anywhere and the NPO each hears of (as
    ``pick_by_weight`` over ``other_weight``). Later news overwrites earlier, in that
    order, as NumPy's fancy assignment does."""
    rng = generator(h)
    heard, by = _near(rng, rate, capacity, centres, radius, width, height, start, count, members)
    for k in range(heard.shape[0]):
        informed_npo[heard[k]] = index[by[k]]
        informed_week[heard[k]] = week
    if centre_capacity < 0:
        return
    k = rng.poisson(rate * centre_capacity)
    extra = idx[rng.integers(0, idx.shape[0], k)]
    cdf = choice_cdf(other_weight)
    for j in range(k):
        informed_npo[extra[j]] = other_index[choose(rng, cdf)]
        informed_week[extra[j]] = week


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
    v_slots, v_npo, counts = _npo_volunteers(
        volunteers, pop.attach_kind, attachment.NPO, pop.attach_id, len(model.npos)
    )
    counts = counts.tolist()
    for npo in npos:
        npo.active_volunteers = counts[npo.index]
        npo.update_capacity()
    cells = model.cell_index()
    geo = model.geography
    people, groups, served_counts = _serve(
        handle(model.rng), p.npo_served, np.array([n.capacity for n in npos]),
        np.array([n.cell_index for n in npos]), p.npo_reach, geo.width, geo.height,
        cells.start, cells.count, cells.members, np.array([FIELDS.index(n.field) for n in npos]),
        np.array([n.index for n in npos]), pop.age, model.lives_alone, pop.frailty,
        pop.last_served_week, model.week, v_slots, v_npo,
    )  # fmt: skip
    for npo, n in zip(npos, served_counts.tolist(), strict=True):
        npo.served_last_week = n
    return within_groups(GroupIndex.build(people, groups), p.npo_contacts, model.rng)


@njit(cache=True, nogil=True)
def _npo_volunteers(volunteers, attach_kind, npo, attach_id, n_npos):  # pragma: no cover
    """This week's volunteers who volunteer for an NPO (in ``volunteers``' order), their
    NPOs, and how many each NPO has (``np.bincount(..., minlength=n_npos)``)."""
    slots = np.empty(volunteers.shape[0], np.int64)
    k = 0
    size = n_npos
    for s in volunteers:
        if attach_kind[s] == npo:
            slots[k] = s
            k += 1
            size = max(size, attach_id[s] + 1)
    slots = slots[:k].copy()
    which = np.empty(k, attach_id.dtype)
    counts = np.zeros(size, np.int64)
    for j in range(k):
        which[j] = attach_id[slots[j]]
        counts[which[j]] += 1
    return slots, which, counts


@njit(cache=True, nogil=True)
def _serve(
    h, rate, capacity, centres, radius, width, height, start, count, members, field, index,
    age, lives_alone, frailty, last_served_week, week, v_slots, v_npo,
):  # fmt: skip  # pragma: no cover - compiled
    """The people each NPO serves this week (``_near``, kept when they fit its field:
    elder care serves those 65+ living alone or frailer than 0.4, child support those
    under 15, the rest anyone), marked as served; then the week's activity groups (its
    volunteers first, then those served, with their NPO) and how many each NPO served."""
    rng = generator(h)
    served, by = _near(rng, rate, capacity, centres, radius, width, height, start, count, members)
    n_v = v_slots.shape[0]
    people = np.empty(n_v + served.shape[0], np.int64)
    groups = np.empty(n_v + served.shape[0], np.int64)
    people[:n_v] = v_slots
    groups[:n_v] = v_npo
    served_counts = np.zeros(capacity.shape[0], np.int64)
    k = n_v
    for j in range(served.shape[0]):
        s = served[j]
        f = field[by[j]]
        if f == _ELDER_CARE:
            fits = age[s] >= 65 and (lives_alone[s] or frailty[s] > np.float32(0.4))
        elif f == _CHILD_SUPPORT:
            fits = age[s] < 15
        else:
            fits = True
        if fits:
            last_served_week[s] = week  # challenge 7
            served_counts[by[j]] += 1
            people[k] = s
            groups[k] = index[by[j]]
            k += 1
    return people[:k].copy(), groups[:k].copy(), served_counts


_ELDER_CARE = FIELDS.index("elder_care")
_CHILD_SUPPORT = FIELDS.index("child_support")


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


@njit(cache=True, nogil=True)
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


@njit(cache=True, nogil=True)
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


@njit(cache=True, nogil=True)
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
