"""Community-based organisations: neighbourhood associations, the fire brigade and the
shopping street (report challenges 3-4, path 16).

Each covers an area, has members, and has a leader who ages. Once a year a leader who
died, moved or reached the age limit is replaced by the most willing member; if no
member is willing enough, nobody takes over and the organisation's *vitality* falls
year by year. Vitality scales everything the organisation does: how many members come
to its monthly events (where they meet), how much its circulars raise awareness, and
how many households stay members.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from model import ledger
from model.encounters import GroupIndex, within_groups
from model.organisations.base import Organisation

if TYPE_CHECKING:
    from model.kizuna_model import KizunaModel
    from model.participation import WeekContext

NO_LEADER = -1
CANDIDATES_ASKED = 5
UPKEEP_SHARE = 0.8  # of dues, share spent on the district's upkeep each month


class CommunityOrganisation(Organisation):
    """Shared by all community-based organisations: a leader and a vitality."""

    kind = "cbo"

    def __init__(self, model: KizunaModel, cell_index: int, name: str | None = None) -> None:
        super().__init__(model, cell_index, name)
        self.leader = NO_LEADER  # resident slot
        self.vitality = float(model.rng.uniform(0.7, 1.0))

    def member_slots(self) -> np.ndarray:
        raise NotImplementedError

    def succession(
        self, members: np.ndarray | None = None, score: np.ndarray | None = None
    ) -> None:
        """Replace a leader who is gone or too old by the most willing member, if any.

        ``members`` (ascending slots) and their ``score`` may be passed in when the
        caller has them for all associations at once (see ``yearly``)."""
        model = self.model
        pop = model.population
        if members is None:
            members = self.member_slots()
        leader_ok = (
            self.leader != NO_LEADER
            and pop.alive[self.leader]
            and pop.age[self.leader] < model.params.leader_max_age
            and np.isin(self.leader, members)
            and model.rng.random() >= model.params.leader_turnover  # terms rotate
        )
        if not leader_ok:
            self.leader = pick_leader(model, members, score)
        p = model.params
        if self.leader != NO_LEADER:
            self.vitality += p.vitality_recovery * (1.0 - self.vitality)
        else:
            self.vitality -= p.vitality_decline * self.vitality


def leader_score(model: KizunaModel, slots: np.ndarray) -> np.ndarray:
    """How willing and able a member is to lead: propensity plus half the free time,
    for adults below the leaders' age limit."""
    pop = model.population
    age = pop.age[slots]
    ok = (age >= 30) & (age < model.params.leader_max_age - 2)
    willing = pop.disposition(slots, model.params.propensity_scale)
    return np.where(ok & (willing > 0), willing + 0.5 * pop.free_time[slots], -1.0)


def pick_leader(model: KizunaModel, members: np.ndarray, score: np.ndarray | None = None) -> int:
    """Ask the most willing members in turn; each says yes with a chance that grows with
    how far their score clears the threshold (most people decline such a burden)."""
    if len(members) == 0:
        return NO_LEADER
    p = model.params
    if score is None:
        score = leader_score(model, members)
    for i in np.argsort(-score)[:CANDIDATES_ASKED]:
        accept = np.clip((score[i] - p.leader_threshold) / 0.5, 0.0, 1.0) * p.leader_acceptance
        if model.rng.random() < accept:
            return int(members[i])
    return NO_LEADER


class NeighbourhoodAssociation(CommunityOrganisation):
    """The jichikai of one district: member households, dues, circulars, monthly events."""

    kind = "association"

    def __init__(self, model: KizunaModel, cell_index: int, district: int) -> None:
        super().__init__(model, cell_index, f"association of district {district}")
        self.district = int(district)

    def member_slots(self) -> np.ndarray:
        model = self.model
        pop = model.population
        idx = pop.alive_idx()
        hh = pop.household[idx]
        district = model.household_district()[hh]
        return idx[(district == self.district) & model.households.member[hh]]

    @property
    def member_households(self) -> int:
        return int(member_households_by_district(self.model)[self.district])


class FireBrigade(CommunityOrganisation):
    """The volunteer fire corps (shobodan): members drill monthly; they are the first
    organised responders in a disaster."""

    kind = "fire_brigade"

    def member_slots(self) -> np.ndarray:
        pop = self.model.population
        return np.flatnonzero(pop.alive & pop.brigade)

    def recruit(self) -> None:
        """Keep the corps at its target size: members retire at 60; the most willing
        working-age residents (mostly men) are asked to join."""
        model = self.model
        pop = model.population
        pop.brigade &= pop.age < 60
        target = round(model.region.brigade_per_1000 * model.population_size / 1000)
        short = target - int(pop.brigade.sum())
        if short <= 0:
            return
        idx = pop.alive_idx()
        age = pop.age[idx]
        eligible = (age >= 18) & (age < 50) & ~pop.brigade[idx]
        # about 3% of members are women (FDMA 2015)
        willing = pop.disposition(idx, model.params.propensity_scale)
        weight = willing * (1.0 + 0.3 * pop.free_time[idx]) * np.where(pop.female[idx], 0.03, 1.0)
        eligible &= weight > 0
        cand = idx[eligible]
        w = weight[eligible]
        if len(cand) == 0:
            return
        pick = model.rng.choice(cand, size=min(short, len(cand)), replace=False, p=w / w.sum())
        pop.brigade[pick] = True
        if self.leader == NO_LEADER:
            self.leader = pick_leader(model, self.member_slots())


class ShoppingStreet(CommunityOrganisation):
    """The shopping-street association at the centre: member firms, a summer festival."""

    kind = "shopping_street"
    RADIUS = 3  # cells around the centre counted as the street
    FESTIVAL_RADIUS = 10
    FESTIVAL_WEEK = 30  # late July

    def member_firms(self) -> np.ndarray:
        venues = self.model.venues
        d = self.model.geography.chebyshev(venues.workplace_cell, self.cell_index)
        return np.flatnonzero(d <= self.RADIUS)

    def member_slots(self) -> np.ndarray:
        """Residents working in the street's firms (the pool its leaders come from)."""
        pop = self.model.population
        firms = np.zeros(max(self.model.venues.n_workplaces, 1), bool)
        firms[self.member_firms()] = True
        idx = pop.alive_idx()
        emp = pop.employer[idx]
        return idx[(emp >= 0) & firms[np.maximum(emp, 0)]]


# --- weekly and yearly rules over all associations at once -----------------------------------
def member_households_by_district(model: KizunaModel) -> np.ndarray:
    """Live member households of each association, in one pass over all households
    (asking each association in turn would cost associations x households)."""
    pop = model.population
    sizes = model.households.sizes(pop.household[pop.alive_idx()])
    live = (sizes > 0) & model.households.member
    district = model.household_district()[live]
    return np.bincount(district[district >= 0], minlength=len(model.associations))


def association_members(model: KizunaModel) -> list[np.ndarray]:
    """Each association's member slots (ascending, as ``member_slots`` gives them), from
    one stable sort of all member residents by district."""
    pop = model.population
    idx = pop.alive_idx()
    hh = pop.household[idx]
    district = model.household_district()[hh]
    keep = model.households.member[hh] & (district >= 0)
    slots, district = idx[keep], district[keep]
    order = np.argsort(district, kind="stable")
    slots = slots[order]
    bounds = np.concatenate(
        ([0], np.cumsum(np.bincount(district, minlength=len(model.associations))))
    )
    return [slots[bounds[k] : bounds[k + 1]] for k in range(len(model.associations))]


def vitality_by_district(model: KizunaModel) -> np.ndarray:
    return np.fromiter((a.vitality for a in model.associations), float, len(model.associations))


def association_events(model: KizunaModel, wk: WeekContext) -> tuple[np.ndarray, np.ndarray]:
    """Monthly events: members come (more often to lively associations) and meet.

    Returns the attendees' encounters; the associations pay the events' costs.
    """
    p = model.params
    pop = model.population
    idx = wk.idx
    district = model.household_district()
    u = model.rng.random(len(idx))
    attendees = idx[
        _event_goers(
            idx, pop.household, district, model.households.member, pop.age, pop.free_time,
            vitality_by_district(model), p.event_attendance, u,
        )
    ]  # fmt: skip
    model.tallies.add("cbo_attendances", len(attendees))  # challenge 4
    where = district[pop.household[attendees]]
    counts = np.bincount(where, minlength=len(model.associations))
    for assoc, n in zip(model.associations, counts.tolist(), strict=True):
        if n:
            assoc.pay(ledger.OPERATIONS, "operations", n * p.event_cost)
    return within_groups(GroupIndex.build(attendees, where), p.event_contacts, model.rng)


@njit(cache=True, nogil=True)
def _event_goers(
    idx: np.ndarray,
    household: np.ndarray,
    district: np.ndarray,
    member: np.ndarray,
    age: np.ndarray,
    free_time: np.ndarray,
    vitality: np.ndarray,
    attendance: float,
    u: np.ndarray,
) -> np.ndarray:  # pragma: no cover
    """Who comes to this month's association events: residents aged 6+ of member
    households, with a chance of attendance x vitality x (0.5 + free time), the last
    factor in float32 as the NumPy rule had it."""
    come = np.zeros(len(idx), np.bool_)
    for i in range(len(idx)):
        s = idx[i]
        h = household[s]
        d = district[h]
        if d >= 0 and member[h] and age[s] >= 6:
            come[i] = u[i] < attendance * vitality[d] * (np.float32(0.5) + free_time[s])
    return come


def collect_dues(model: KizunaModel, wk: WeekContext) -> None:
    """Monthly dues from member households to their district's association."""
    sizes = wk.households.size
    live = sizes > 0
    district = model.household_district()
    paying = live & model.households.member & (district >= 0)
    per = np.bincount(district[paying], minlength=len(model.associations))
    for assoc, n in zip(model.associations, per.tolist(), strict=True):
        if n:
            dues = assoc.receive(ledger.RESIDENTS, "dues", n * model.params.association_dues)
            # street lights, cleaning, crime prevention: most dues are spent as they come
            assoc.pay(ledger.OPERATIONS, "operations", UPKEEP_SHARE * dues)


def household_access(model: KizunaModel) -> np.ndarray:
    """Per household: its association's vitality if it is a member, else 0."""
    district = model.household_district()
    vitality = vitality_by_district(model)
    member = model.households.member & (district >= 0)
    return np.where(member, vitality[np.maximum(district, 0)], 0.0)


def association_access(model: KizunaModel, idx: np.ndarray) -> np.ndarray:
    """Vitality of each resident's association if their household is a member, else 0:
    how much of the association's information (circulars, notices) reaches them.

    Read off per resident in one compiled pass (the rule of ``household_access``)."""
    return _resident_access(
        idx, model.population.household, model.household_district(), model.households.member,
        vitality_by_district(model),
    )  # fmt: skip


@njit(cache=True, nogil=True)
def _resident_access(
    idx: np.ndarray,
    household: np.ndarray,
    district: np.ndarray,
    member: np.ndarray,
    vitality: np.ndarray,
) -> np.ndarray:  # pragma: no cover
    """Per resident of ``idx``: their association's vitality if their household is a
    member in a district, else 0 (``household_access`` read at their household)."""
    out = np.empty(len(idx))
    for k in range(len(idx)):
        h = household[idx[k]]
        d = district[h]
        out[k] = vitality[d] if member[h] and d >= 0 else 0.0
    return out


def brigade_drills(model: KizunaModel, wk: WeekContext) -> tuple[np.ndarray, ...]:
    """Monthly drills: members who come count as volunteering and meet each other."""
    pop = model.population
    idx = wk.idx
    members = idx[pop.brigade[idx]]
    willing = pop.disposition(members, model.params.propensity_scale) > 0
    come = members[willing & (model.rng.random(len(members)) < model.params.drill_attendance)]
    model.tallies.add("cbo_attendances", len(come))  # challenge 4
    pop.last_volunteer_week[come] = model.week
    u, v = within_groups(
        GroupIndex.build(come, np.zeros(len(come), np.int64)), model.params.event_contacts,
        model.rng,
    )  # fmt: skip
    return come, u, v


def festival(model: KizunaModel, wk: WeekContext) -> tuple[np.ndarray, np.ndarray]:
    """The shopping street's summer festival: residents nearby come and meet."""
    street = model.shopping_street
    if street is None or not street.active:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    p = model.params
    pop = model.population
    idx = wk.idx
    near = model.geography.chebyshev(pop.cell[idx], street.cell_index) <= street.FESTIVAL_RADIUS
    chance = p.festival_attendance * street.vitality * (0.5 + pop.free_time[idx]) * near
    come = idx[model.rng.random(len(idx)) < chance]
    model.tallies.add("cbo_attendances", len(come))  # challenge 4
    street.receive(ledger.MARKET, "revenue", len(come) * p.event_cost)  # stalls and sponsors
    street.pay(ledger.OPERATIONS, "operations", len(come) * p.event_cost)
    return within_groups(
        GroupIndex.build(come, np.zeros(len(come), np.int64)), p.event_contacts, model.rng
    )


def yearly(model: KizunaModel) -> None:
    """Succession and vitality for every community organisation; brigade recruitment;
    the municipality's subsidies and allowances."""
    members = association_members(model)
    everyone = np.concatenate(members) if members else np.empty(0, np.int64)
    score = leader_score(model, everyone)  # elementwise, so one pass serves every association
    start = 0
    for assoc, mine in zip(model.associations, members, strict=True):
        assoc.succession(mine, score[start : start + len(mine)])
        start += len(mine)
    for org in model.community_organisations()[len(model.associations) :]:
        org.succession()
    if model.fire_brigade is not None:
        model.fire_brigade.recruit()
