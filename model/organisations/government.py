"""The local government (report challenges 21-24, paths 4 and 10).

Once a year it receives its community budget from tax revenue and spends it: grants to
NPOs in a yearly round (scored on capacity and know-how: challenge 23 asks for grants
with measured effect), subsidies to neighbourhood associations and allowances to the
fire corps, formal community services, and the support centre's contract. Its
coordinators (path 4) introduce residents to NPOs every week.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from model import attachment, ledger
from model.gathered_sums import gathered_mean
from model.kernel_rng import choice_cdf, choose, generator, handle
from model.organisations import community
from model.organisations.base import Organisation

if TYPE_CHECKING:
    from model.kizuna_model import KizunaModel

GRANT_WEEK = 13  # the grant round closes in the first quarter of the fiscal year
COORDINATOR_MATCH = 0.25  # introductions that turn into volunteering, at average willingness


class LocalGovernment(Organisation):
    kind = "government"

    def __init__(self, model: KizunaModel, cell_index: int) -> None:
        super().__init__(model, cell_index, "town hall")
        self.grants_paid = 0.0

    def yearly_budget(self) -> None:
        """Tax revenue for the year's community spending, then subsidies and services."""
        model = self.model
        p = model.params
        n = model.population_size
        per_association = community.member_households_by_district(model).tolist()
        member_hh = sum(per_association)
        brigade = int(model.population.brigade.sum())
        centre = model.intermediary
        budget = (
            n * (p.grant_budget + p.services_per_resident)
            + member_hh * p.association_subsidy
            + brigade * p.brigade_allowance
            + (12 * centre.monthly_costs if centre is not None else 0.0)
        )
        self.receive(ledger.TAXES, "budget", budget)
        for assoc, households in zip(model.associations, per_association, strict=True):
            self.pay(assoc.account, "association_subsidy", households * p.association_subsidy)
        if model.fire_brigade is not None and brigade:
            allowance = self.pay(
                model.fire_brigade.account, "association_subsidy", brigade * p.brigade_allowance
            )
            model.fire_brigade.pay(ledger.WAGES, "wages", allowance)
        self.pay(ledger.OPERATIONS, "operations", n * p.services_per_resident)

    def grant_round(self) -> float:
        """Grants to NPOs, scored on capacity and know-how, up to the yearly budget."""
        model = self.model
        p = model.params
        npos = [n for n in model.npos if n.active and n.kind == "npo"]
        if not npos:
            return 0.0
        budget = min(p.grant_budget * model.population_size, max(self.funds, 0))
        score = np.array([n.capacity * (0.5 + n.know_how) for n in npos]) + 1e-9
        award = np.minimum(budget * score / score.sum(), p.grant_max)
        paid = 0.0
        each = []
        for npo, yen in zip(npos, award.tolist(), strict=True):
            each.append(self.pay(npo.account, "government_grant", yen))
            paid += each[-1]
        self.grants_paid += paid
        model.tallies.record_grants(model.week, npos, each)  # followed up for challenge 23
        return paid


def coordinators(model: KizunaModel) -> tuple[np.ndarray, np.ndarray]:
    """Coordinators introduce residents to an NPO and one of its volunteers (path 4)."""
    pop = model.population
    p = model.params
    npos = [n for n in model.npos if n.active]
    n = model.rng.poisson(p.coordinator_introductions * model.population_size / 10_000)
    if not npos or n == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    weight = np.array([x.capacity for x in npos]) + 1e-9
    index = np.array([x.index for x in npos])
    introduced, people, partners = _introduce(
        handle(model.rng), n, pop.alive, pop.age, pop.attach_kind, attachment.NPO, weight, index,
        pop.informed_npo, pop.informed_week, model.week, pop.propensity,
        np.float32(p.propensity_scale), pop.free_time, np.float32(COORDINATOR_MATCH),
        pop.attach_id, pop.last_volunteer_week, len(model.npos),
    )  # fmt: skip
    if introduced:
        model.tallies.add("coordinator_introductions", n)  # challenge 24
    return people, partners


@njit(cache=True, nogil=True)
def _introduce(
    h, n, alive, age, attach_kind, npo, weight, index, informed_npo, informed_week, week,
    propensity, scale, free_time, match, attach_id, last_volunteer_week, n_npos,
):  # fmt: skip  # pragma: no cover - compiled
    """``n`` introductions in one compiled call (the dozen array steps it replaces cost
    ~150 us with the week's cold caches), drawing from the model's generator through
    its ``kernel_rng`` handle ``h``: whether anyone could be introduced, then
    (introduced, partner) pairs for those whose NPO has volunteers.

    The draws and the arithmetic are ``tests/references.py``'s ``coordinators``, in its
    order: ``n`` people among the free adults, their NPOs by weight (``pick_by_weight``),
    a uniform each to join (below ``match`` times their willingness over its float32
    mean), then a partner each among their NPO's volunteers (scalar ``integers`` calls
    in turn, as NumPy's array of bounds draws)."""
    rng = generator(h)
    empty = np.empty(0, np.int64)
    # one mask over all slots costs a fraction of gathering the alive residents' columns
    free = free_adults(alive, age, attach_kind, npo)
    if len(free) == 0:
        return False, empty, empty
    people = free[rng.integers(0, len(free), n)]
    cdf = choice_cdf(weight)
    npo_of = np.empty(n, np.int64)
    for i in range(n):
        npo_of[i] = index[choose(rng, cdf)]
    for i in range(n):
        informed_npo[people[i]] = npo_of[i]
        informed_week[people[i]] = week
    # a good match: the willing start volunteering there right away
    willing = np.empty(n, np.float32)
    for i in range(n):
        s = people[i]
        disposition = min(max(propensity[s] * scale, np.float32(0.0)), np.float32(1.0))
        willing[i] = disposition * free_time[s]
    mean = np.float32(gathered_mean(willing, np.arange(n)))  # ``willing.mean()``, float32
    floor = np.float32(1e-9)
    if floor > mean:
        mean = floor
    for i in range(n):
        if rng.random() < match * willing[i] / mean:
            s = people[i]
            attach_kind[s] = npo
            attach_id[s] = npo_of[i]
            last_volunteer_week[s] = week
    # meet one of the NPO's volunteers, if it has any: each NPO's volunteers as one
    # block, in slot order; a draw for each introduced person whose NPO has volunteers
    counts, starts, members = npo_rosters(alive, attach_kind, npo, attach_id, n_npos)
    if len(members) == 0:
        return True, empty, empty
    met = np.empty(n, np.int64)
    partner = np.empty(n, np.int64)
    k = 0
    for i in range(n):
        c = counts[npo_of[i]]
        if c > 0:
            met[k] = people[i]
            partner[k] = members[starts[npo_of[i]] + rng.integers(0, c)]
            k += 1
    return True, met[:k].copy(), partner[:k].copy()


@njit(cache=True, nogil=True)
def free_adults(
    alive: np.ndarray, age: np.ndarray, attach_kind: np.ndarray, npo: int
) -> np.ndarray:  # pragma: no cover
    """Living slots aged 15+ who volunteer for no NPO, ascending: ``np.flatnonzero`` of
    the three masks over all slots, in one count and one fill."""
    n = 0
    for s in range(len(alive)):
        if alive[s] and age[s] >= 15 and attach_kind[s] != npo:
            n += 1
    out = np.empty(n, np.int64)
    j = 0
    for s in range(len(alive)):
        if alive[s] and age[s] >= 15 and attach_kind[s] != npo:
            out[j] = s
            j += 1
    return out


@njit(cache=True, nogil=True)
def npo_rosters(
    alive: np.ndarray, attach_kind: np.ndarray, npo: int, attach_id: np.ndarray, n_npos: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover
    """Living NPO volunteers grouped by NPO, ascending slots within each (what a stable
    argsort of their NPOs gives): (volunteers per NPO, where each NPO's block starts,
    the volunteers). Counts run to ``n_npos`` or past the largest NPO index, as
    ``np.bincount(..., minlength=n_npos)`` does."""
    size = n_npos
    total = 0
    for s in range(len(alive)):
        if alive[s] and attach_kind[s] == npo:
            total += 1
            if attach_id[s] + 1 > size:
                size = attach_id[s] + 1
    counts = np.zeros(size, np.int64)
    for s in range(len(alive)):
        if alive[s] and attach_kind[s] == npo:
            counts[attach_id[s]] += 1
    starts = np.empty(size, np.int64)
    at = 0
    for i in range(size):
        starts[i] = at
        at += counts[i]
    fill = starts.copy()
    members = np.empty(total, np.int64)
    for s in range(len(alive)):
        if alive[s] and attach_kind[s] == npo:
            members[fill[attach_id[s]]] = s
            fill[attach_id[s]] += 1
    return counts, starts, members
