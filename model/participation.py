"""Free time, awareness, volunteering, donating and trust: the weekly participation rules.

All rules are multiplicative hazards over the whole population, so each mechanism moves
its outcome monotonically and any factor at zero (no propensity, no free time) stops
participation outright. The national survey's measures are reproduced directly:
"volunteered in the last 12 months" (Survey on Time Use and Leisure Activities) and
"gave money in the last 12 months" (Giving Japan).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from model import ledger
from model import participation_kernels as kernels
from model.background import Then
from model.households import HouseholdView
from model.organisations.community import vitality_by_district
from model.organisations.npos import pick_by_weight
from model.population import N_GIFT_BUCKETS, NEVER, NO_EMPLOYER
from model.ties import Adjacency

if TYPE_CHECKING:
    from model.kizuna_model import KizunaModel

ACCESS_ASSOCIATION = 0.5  # circulars (kairanban) and events of a lively association (ch. 3)
ACCESS_PLACE = 0.3  # notices and invitations at a place one visited in the last 8 weeks
ACCESS_NPO = 0.4  # having recently heard of a local NPO (challenge 5)
ACCESS_COMPANY = 0.3  # an employer's volunteering programme
PLACE_MEMORY_WEEKS = 8


@dataclass
class WeekContext:
    """Quantities derived once per week and shared by the participation rules."""

    idx: np.ndarray  # alive slots
    households: HouseholdView
    access: np.ndarray  # per alive resident, 0-1
    peer_volunteer: np.ndarray  # tie-weighted share of ties who volunteered this year
    peer_donor: np.ndarray
    peer_awareness: np.ndarray
    has_ties: np.ndarray
    adjacency: Adjacency  # the tie network at the start of the week


def update_free_time(model: KizunaModel, idx: np.ndarray, hv: HouseholdView) -> None:
    """Time free for community life: age, paid work and care (mostly on women).

    From 6 to 17 a child has 0.35 free, an adult 0.75, less 0.40 for a local job or 0.45
    for a job elsewhere; adults lose 0.25 (women) or 0.08 (men) with an infant at home
    and 0.15 / 0.05 caring for a frail member (unless frail themselves); then clipped to
    0.05-1 and scaled by (1 - frailty)^2 (see ``participation_kernels.free_time``)."""
    pop = model.population
    kernels.free_time(
        idx, pop.age, pop.female, pop.employer, pop.household, pop.frailty, hv.infants,
        hv.frail, NO_EMPLOYER, pop.free_time,
    )  # fmt: skip


def access_to_opportunities(model: KizunaModel, idx: np.ndarray, hv: HouseholdView) -> np.ndarray:
    """Chance of hearing about and being asked to join local activities (challenges 3, 5):
    one's association (as lively as it is), school programme, employer's programme, an
    NPO one has heard of, and a place one visits."""
    pop = model.population
    bonus = model.interventions.bonus("access_bonus", model, idx)
    # the association's part (``community.household_access``) is read per resident
    return kernels.access(
        idx, model.household_district(), model.households.member,
        vitality_by_district(model), pop.household, pop.school, model.school_programme,
        pop.last_place_week, model.week, PLACE_MEMORY_WEEKS, pop.informed_npo,
        model.npo_active(), pop.informed_week, model.params.informed_memory, pop.employer,
        model.programme, NEVER, ACCESS_ASSOCIATION, ACCESS_PLACE, ACCESS_NPO, ACCESS_COMPANY,
        np.asarray(bonus, np.float64).reshape(-1),
    )  # fmt: skip


def per_resident(values: np.ndarray | float, n: int) -> np.ndarray:
    """``values`` (a scalar or one per resident) as a float64 array of ``n``: the array
    itself when it already is one (the kernels only read it), else a filled copy."""
    if isinstance(values, np.ndarray) and values.dtype == np.float64 and values.shape == (n,):
        return values
    return np.broadcast_to(np.asarray(values, np.float64), (n,)).copy()


def knows_npo(model: KizunaModel, slots: np.ndarray) -> np.ndarray:
    """Whether each resident has recently heard of an NPO that is still active."""
    pop = model.population
    heard = pop.informed_npo[slots]
    return (
        (heard >= 0)
        & model.npo_active()[np.maximum(heard, 0)]
        & pop.within("informed_week", model.week, model.params.informed_memory, slots=slots)
    )


def peer_values(model: KizunaModel) -> np.ndarray:
    """What each resident's ties see of them: volunteered and gave this year, awareness."""
    pop = model.population
    return kernels.peer_values(
        pop.last_volunteer_week, pop.last_donation_week, pop.awareness, model.week, 52, NEVER
    )


def peer_shares_later(model: KizunaModel, idx: np.ndarray, adjacency: Adjacency) -> Then:
    """Tie-weighted shares of one's ties who volunteered and gave this year, and their
    mean awareness (of ``peer_values``): what each resident's ties show them. Summed on
    the helper thread while the week's context is gathered (it reads the lists, the
    volunteering and giving weeks and awareness, none of which the context changes)."""
    return Then(adjacency.peer_shares_later(idx, peer_values(model)), _columns)


def _columns(result: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, ...]:
    shares, has = result
    return shares[:, 0], shares[:, 1], shares[:, 2], has


def school_parent(model: KizunaModel, idx: np.ndarray, hv: HouseholdView) -> np.ndarray:
    """Adults 25-59 with a child at school: PTA and children's-association duties rotate
    among them, which is why volunteering peaks in the 40s."""
    age = model.population.age[idx]
    return hv.pupils[model.population.household[idx]] & (age >= 25) & (age < 60)


def volunteer_hazard(model: KizunaModel, wk: WeekContext, sign: float = 1.0) -> np.ndarray:
    """Weekly volunteering hazard of each resident in ``wk.idx`` (no side effects): the
    product of disposition, awareness, peers, access, school-parent duties, an employer's
    programme, free time, motivation, age, the paths' factors and post-disaster
    solidarity (see ``participation_kernels.volunteer_hazard``); ``sign=-1.0`` gives
    the hazards negated (exactly), as ``expm1`` takes them."""
    p = model.params
    pop = model.population
    idx = wk.idx
    factor = model.interventions.factor("volunteer_factor", model, idx)
    return kernels.volunteer_hazard(
        idx, pop.propensity, np.float32(p.propensity_scale), np.float32(p.volunteer_hazard),
        np.float32(p.volunteer_awareness_floor), np.float32(1.0 - p.volunteer_awareness_floor),
        pop.awareness, wk.peer_volunteer, p.volunteer_peer_effect, wk.access,
        p.volunteer_access_effect, wk.households.pupils, pop.household, p.school_parent_effect,
        model.programme, pop.employer, p.company_programme_effect, pop.free_time,
        pop.motivation, pop.age, np.float32(p.volunteer_min_age),
        per_resident(factor, len(idx)), model.solidarity, pop.cell, sign,
    )  # fmt: skip


def volunteer(model: KizunaModel, wk: WeekContext) -> np.ndarray:
    """Who volunteers this week; updates motivation and the last-volunteered week."""
    p = model.params
    pop = model.population
    idx = wk.idx
    # volunteering when u < -expm1(-hazard); motivation recovers, volunteering wears
    # it (float32, as the array rule had it)
    u = model.rng.random(len(idx))
    return kernels.motivate(
        idx, u, np.expm1(volunteer_hazard(model, wk, -1.0)), pop.motivation,
        np.float32(p.motivation_recovery), np.float32(1.0 - p.burnout),
        pop.last_volunteer_week, model.week,
    )  # fmt: skip


def update_awareness(model: KizunaModel, wk: WeekContext, volunteers: np.ndarray) -> None:
    """Awareness grows with access to information, drifts towards one's ties' awareness,
    jumps with volunteering and decays (see ``participation_kernels.update_awareness``)."""
    p = model.params
    pop = model.population
    did = np.zeros(pop.capacity, dtype=bool)
    did[volunteers] = True
    kernels.update_awareness(
        wk.idx, pop.awareness, p.awareness_info, wk.access, p.awareness_peer, wk.has_ties,
        wk.peer_awareness, p.awareness_volunteer, did, p.awareness_decay,
    )  # fmt: skip


def update_trust(model: KizunaModel, wk: WeekContext, volunteers: np.ndarray) -> None:
    """Trust drifts back to one's own level and grows with volunteering; the memory of
    gifts whose effect one saw fades (see ``participation_kernels.update_trust``)."""
    p = model.params
    pop = model.population
    kernels.update_trust(
        wk.idx, volunteers, pop.trust, pop.trust0, pop.gift_success,
        np.float32(p.trust_decay), np.float32(p.trust_volunteer), np.float32(0.99),
    )  # fmt: skip


def income_factor(income: np.ndarray) -> np.ndarray:
    """Giving rises with income, less than proportionally (Giving Japan)."""
    return np.clip(np.sqrt(income / 3.0e6), 0.2, 2.5)


def route_gifts(model: KizunaModel, donors: np.ndarray, amounts: np.ndarray) -> None:
    """Send residents' direct gifts through the ledger: to a local NPO (the one the donor
    heard of, else one in proportion to its capacity), through the community
    foundation, or to causes outside the town (most gifts, unless the donor knows a
    local NPO: paths 22-24 are about changing that)."""
    if len(donors) == 0:
        return
    p = model.params
    rng = model.rng
    knows = knows_npo(model, donors)
    local = rng.random(len(donors)) < np.where(knows, p.local_giving_informed, p.local_giving)
    npos = [n for n in model.npos if n.active and n.kind == "npo"]
    foundation = model.foundation
    via_foundation = local & (rng.random(len(donors)) < p.foundation_visibility)
    if foundation is None:
        via_foundation[:] = False
    direct = local & ~via_foundation
    if not npos:
        direct[:] = False
    outside = ~(direct | via_foundation)
    model.population.last_local_gift_week[donors[~outside]] = model.week
    book = model.ledger
    book.transfer(ledger.RESIDENTS, ledger.OUTSIDE, "gift_outside", float(amounts[outside].sum()))
    if via_foundation.any():
        foundation.receive(
            ledger.RESIDENTS, "gift_foundation", float(amounts[via_foundation].sum())
        )
    if direct.any():
        index = np.array([n.index for n in npos])
        # better-known (bigger) NPOs get more, with diminishing returns (the draws of
        # rng.choice(len(npos), size, p=weight / weight.sum()), without its checks)
        weight = np.sqrt(np.array([n.capacity for n in npos])) + 1e-9
        chosen = index[pick_by_weight(rng, weight, int(np.count_nonzero(direct)))]
        heard = model.population.informed_npo[donors[direct]]
        # whether the NPO one heard of is among them: np.isin(heard, index) as a lookup
        listed = np.zeros(len(model.npos) + 1, bool)
        listed[index] = True
        chosen = np.where(knows[direct] & listed[heard], heard, chosen)
        per_npo = np.bincount(chosen, weights=amounts[direct], minlength=len(model.npos))
        for i in np.flatnonzero(per_npo):
            model.npos[int(i)].receive(ledger.RESIDENTS, "gift_direct", float(per_npo[i]))


def _record_gifts(model: KizunaModel, donors: np.ndarray, amounts: np.ndarray) -> None:
    pop = model.population
    bucket = (model.week // 4) % N_GIFT_BUCKETS
    np.add.at(pop.gifts[bucket], donors, amounts.astype(np.float32))
    pop.last_donation_week[donors] = model.week
    rng = model.rng
    seen = donors[rng.random(len(donors)) < model.params.gift_success_rate]
    pop.gift_success[seen] += 0.5 * (1.0 - pop.gift_success[seen])
    pop.trust[seen] += model.params.trust_success * (1.0 - pop.trust[seen])


def start_gift_period(model: KizunaModel) -> None:
    """Clear the four-week bucket that is about to be reused (its gifts are a year old)."""
    model.population.gifts[(model.week // 4) % N_GIFT_BUCKETS] = 0.0


def donation_hazard(model: KizunaModel, wk: WeekContext) -> tuple[np.ndarray, np.ndarray]:
    """Monthly giving hazard and income factor of each resident in ``wk.idx``: the
    product of the base hazard, disposition, income, trust, awareness, peers, gifts
    whose effect one saw, age and the paths' factors (in one compiled pass, see
    ``participation_kernels.donation_hazard``)."""
    p = model.params
    pop = model.population
    idx = wk.idx
    factor = model.interventions.factor("donation_factor", model, idx)
    return kernels.donation_hazard(
        idx, pop.income, pop.propensity, pop.trust, pop.awareness, pop.gift_success, pop.age,
        np.float32(p.donation_hazard), np.float32(p.donation_trust_floor),
        np.float32(1.0 - p.donation_trust_floor), wk.peer_donor, p.donation_peer_effect,
        np.float32(p.donation_success_effect), np.float32(p.donor_min_age),
        per_resident(factor, len(idx)),
    )  # fmt: skip


def gift_amounts(model: KizunaModel, inc: np.ndarray) -> np.ndarray:
    """Heavy-tailed (log-normal) direct gifts in whole yen."""
    p = model.params
    return np.round(np.exp(model.rng.normal(np.log(p.gift_median * inc), p.gift_sigma)))


def donate(model: KizunaModel, wk: WeekContext) -> tuple[np.ndarray, np.ndarray]:
    """Monthly direct giving; returns donors and amounts in yen."""
    g, inc = donation_hazard(model, wk)
    gives = model.rng.random(len(wk.idx)) < -np.expm1(-g)
    donors = wk.idx[gives]
    amounts = gift_amounts(model, inc[gives])
    _record_gifts(model, donors, amounts)
    route_gifts(model, donors, amounts)
    return donors, amounts


def seed_history(model: KizunaModel, wk: WeekContext, before_week: int) -> None:
    """Give residents a plausible past year of volunteering and giving.

    The warm-up would otherwise start from a town where nobody has ever taken part, so
    peer effects would start at zero. Each resident's chance over the past year comes
    from their own hazards, with the peer shares set to the town's expected rates (two
    passes make those rates self-consistent).
    """
    pop = model.population
    rng = model.rng
    idx = wk.idx
    adult = pop.age[idx] >= model.params.donor_min_age
    can_vol = pop.age[idx] >= model.params.volunteer_min_age
    vol_rate, don_rate = 0.0, 0.0
    for _ in range(2):
        wk.peer_volunteer = np.full(len(idx), vol_rate)
        wk.peer_donor = np.full(len(idx), don_rate)
        p_vol = -np.expm1(-52 * volunteer_hazard(model, wk))
        g, inc = donation_hazard(model, wk)
        p_don = -np.expm1(-13 * g)
        vol_rate = float(p_vol[can_vol].mean()) if can_vol.any() else 0.0
        don_rate = float(p_don[adult].mean()) if adult.any() else 0.0
    vol = rng.random(len(idx)) < p_vol
    don = rng.random(len(idx)) < p_don
    pop.last_volunteer_week[idx[vol]] = before_week - rng.integers(1, 53, int(vol.sum()))
    weeks = before_week - 4 * rng.integers(1, 14, int(don.sum()))
    donors = idx[don]
    pop.last_donation_week[donors] = weeks
    amounts = gift_amounts(model, inc[don]).astype(np.float32)
    pop.gifts[(weeks // 4) % N_GIFT_BUCKETS, donors] = amounts


def community_chest(model: KizunaModel, wk: WeekContext) -> tuple[np.ndarray, np.ndarray]:
    """The yearly association collection (Red Feather): one adult per member household."""
    p = model.params
    pop = model.population
    rng = model.rng
    idx = wk.idx
    adult = idx[pop.age[idx] >= p.donor_min_age]
    if len(adult) == 0:
        return np.empty(0, np.int64), np.empty(0)
    hh = pop.household[adult]
    # one random adult speaks for each household
    order = np.lexsort((rng.random(len(adult)), hh))
    first = order[np.concatenate(([True], hh[order][1:] != hh[order][:-1]))]
    rep = adult[first]
    rep_hh = pop.household[rep]
    gives = model.households.member[rep_hh] & (rng.random(len(rep)) < p.collection_household_rate)
    donors = rep[gives]
    amounts = np.round(np.exp(rng.normal(np.log(p.collection_gift_median), 0.5, len(donors))))
    _record_gifts(model, donors, amounts)
    # the collection goes to the community chest, which grants it back to local causes
    dest = model.foundation.account if model.foundation is not None else ledger.OUTSIDE
    model.ledger.transfer(ledger.RESIDENTS, dest, "community_chest", float(amounts.sum()))
    if model.foundation is not None:
        pop.last_local_gift_week[donors] = model.week
    return donors, amounts
