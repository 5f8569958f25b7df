"""Image 1, establishing ties (report paths 1-9): places, information, coordinators,
exchanges across sectors, and what NPOs do to bring people together."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from model import attachment
from model.encounters import GroupIndex, within_groups
from model.interventions.base import IMAGES, Intervention, Target
from model.kernel_rng import generator, handle
from model.organisations.npos import active_npos

if TYPE_CHECKING:
    from model.kizuna_model import KizunaModel
    from model.params import Params
    from model.participation import WeekContext

IMAGE = IMAGES[0]
MONTH = 4  # weeks


def _per_10k(model: KizunaModel, rate: float) -> int:
    """A count that scales with town size, at least one when the rate is positive."""
    n = rate * model.population_size / 10_000
    return max(1, round(n)) if n > 0 else 0


class _Places(Intervention):
    """Open new places for mutual assistance; close them when the path ends."""

    ALL_AGES = False
    OPERATOR = "association"
    PLACE_COST = 2_500_000.0  # yen per place per year

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.opened: list = []

    def on_start(self, model: KizunaModel) -> None:
        cells = self.target.cells(model)
        k = _per_10k(model, self.intensity)
        if len(cells) == 0 or k == 0:
            return
        sites = model.rng.choice(cells, size=k, replace=len(cells) < k)
        operator = self.target.organisation or self.OPERATOR
        self.opened = [
            model.add_place(int(c), kind=f"{operator} place", all_ages=self.ALL_AGES) for c in sites
        ]

    def on_end(self, model: KizunaModel) -> None:
        for place in self.opened:
            model.remove_place(place)
        self.opened = []

    def yearly_cost(self, model: KizunaModel) -> float:
        return self.PLACE_COST * len(self.opened)


class Path01Places(_Places):
    number = 1
    slug = "places_for_mutual_assistance"
    wording = (
        'Establish "places for the society of mutual assistance" according to regional '
        "characteristics"
    )
    image = IMAGE
    acts_on = ("local government", "neighbourhood associations", "residents")
    mechanism = "opens places (community salons) where nearby residents, mostly elders, meet"
    intensity_meaning = "new places per 10,000 residents"
    max_intensity = 20.0
    targets = frozenset({"districts", "organisation"})
    organisations = ("association", "npo", "government")
    indicator = "elders_at_places"
    cost_model = "2.5 million yen per place per year (rent, materials, a part-time host)"


class Path02Forums(Intervention):
    number = 2
    slug = "local_information_and_forums"
    wording = (
        "Share information on challenges and attractiveness of the local community and set "
        "up a discussion forum"
    )
    image = IMAGE
    acts_on = ("local government", "neighbourhood associations", "residents")
    mechanism = (
        "monthly district forums on local challenges: those who come grow more aware "
        "(challenge 1) and meet"
    )
    intensity_meaning = "share of districts holding a monthly forum"
    targets = frozenset({"districts", "ages", "sex"})
    indicator = "awareness_mean"
    cost_model = "200,000 yen per forum"
    ATTENDANCE = 0.06  # of adults in a forum district, at average awareness

    def weekly(self, model: KizunaModel, wk: WeekContext):
        if model.week % MONTH != 0:
            return None
        pop = model.population
        idx = wk.idx
        n_d = model.geography.n_districts
        holds = np.zeros(max(n_d, 1), bool)
        holds[: round(self.intensity * n_d)] = True
        holds = model.rng.permutation(holds)
        targeted = (
            np.ones(0, np.bool_) if self.target.everyone else self.target.residents(model, idx)
        )
        u = model.rng.random(len(idx))
        come = idx[
            _forum(
                idx, pop.cell, model.geography.district, pop.age, pop.awareness,
                pop.free_time, targeted, holds, np.float32(self.ATTENDANCE), u,
            )
        ]  # fmt: skip
        aw = pop.awareness[come]
        pop.awareness[come] = aw + 0.15 * (1.0 - aw)
        return within_groups(
            GroupIndex.build(come, model.geography.district[pop.cell[come]]), 3.0, model.rng
        )

    def yearly_cost(self, model: KizunaModel) -> float:
        return 200_000.0 * 12 * round(self.intensity * model.geography.n_districts)


class Path03AllAgePlaces(_Places):
    number = 3
    slug = "places_run_by_diverse_agents"
    wording = (
        'Establish "places for the society of mutual assistance" by the various agents and '
        "expand the scope of their activities"
    )
    image = IMAGE
    acts_on = ("companies", "schools", "NPOs", "residents of all ages")
    mechanism = (
        "firms, schools and NPOs open their premises as places for all ages: younger "
        "residents come too and meet older ones"
    )
    intensity_meaning = "new all-age places per 10,000 residents"
    max_intensity = 20.0
    targets = frozenset({"districts", "organisation"})
    organisations = ("company", "school", "npo")
    indicator = "place_visits"
    cost_model = "1.5 million yen per place per year (premises are the host's own)"
    ALL_AGES = True
    OPERATOR = "company"
    PLACE_COST = 1_500_000.0


class Path04Coordinators(Intervention):
    number = 4
    slug = "coordinators"
    wording = "Develop human resources to serve as coordinators to solve local challenges"
    image = IMAGE
    acts_on = ("local government", "NPOs", "residents")
    mechanism = "more coordinators introduce residents to NPOs and their volunteers"
    intensity_meaning = "coordinators per 10,000 residents (each makes 2 introductions a week)"
    max_intensity = 10.0
    indicator = "npo_volunteer_share"
    cost_model = "5 million yen per coordinator per year"

    def param_changes(self, p: Params) -> dict[str, float]:
        return {"coordinator_introductions": p.coordinator_introductions + 2.0 * self.intensity}

    def yearly_cost(self, model: KizunaModel) -> float:
        return 5_000_000.0 * self.intensity * model.population_size / 10_000


class Path05Exchanges(Intervention):
    number = 5
    slug = "exchanges_across_sectors"
    wording = "Vitalize personnel exchanges beyond each sector"
    image = IMAGE
    acts_on = ("companies", "NPOs", "local government")
    mechanism = (
        "employees of local firms spend time with NPOs: they volunteer there, meet its "
        "people and bring know-how"
    )
    intensity_meaning = "share of local employees placed with an NPO over a year"
    max_intensity = 0.2
    indicator = "volunteers_per_npo"
    cost_model = "200,000 yen per placement (the employer's time and travel)"
    payer = "companies"

    def weekly(self, model: KizunaModel, wk: WeekContext):
        npos = [n for n in active_npos(model) if n.kind == "npo"]
        if not npos:
            return None
        pop = model.population
        _place_employees(
            handle(model.rng), wk.idx, pop.employer, pop.attach_kind, attachment.NPO,
            self.intensity / 52.0, np.array([n.index for n in npos]), pop.attach_id,
            pop.last_volunteer_week, model.week,
        )  # fmt: skip
        for npo in npos:
            npo.know_how += 0.002 * self.intensity * (1.0 - npo.know_how)
        return None

    def yearly_cost(self, model: KizunaModel) -> float:
        pop = model.population
        return 200_000.0 * self.intensity * _count_workers(pop.alive, pop.employer)


class Path06NpoTies(Intervention):
    number = 6
    slug = "ties_through_npo_activities"
    wording = "Establish new ties between people through NPO activities, etc."
    image = IMAGE
    acts_on = ("NPOs", "people they serve")
    mechanism = (
        "NPOs run more gatherings (meals, salons, outings) with the people they serve, "
        "where ties form more readily"
    )
    intensity_meaning = "extra activity: 1 = twice as many people served, ties twice as likely"
    indicator = "elder_mean_degree"
    cost_model = "1 million yen per NPO per year at intensity 1"

    def param_changes(self, p: Params) -> dict[str, float]:
        return {
            "npo_served": p.npo_served * (1.0 + self.intensity),
            "npo_contacts": p.npo_contacts * (1.0 + self.intensity),
            "form_npo": min(1.0, p.form_npo * (1.0 + self.intensity)),
        }

    def yearly_cost(self, model: KizunaModel) -> float:
        return 1_000_000.0 * self.intensity * len(active_npos(model))


class Path07VisibleParticipation(Intervention):
    number = 7
    slug = "visible_participation"
    wording = (
        "Increase the number of those who sympathize with NPO activities, etc. through a "
        'system of "visible" participation'
    )
    image = IMAGE
    acts_on = ("NPOs", "residents")
    mechanism = (
        "participation made visible (badges, points, open reports): one's ties' "
        "volunteering pulls harder, and word of NPOs spreads further"
    )
    intensity_meaning = "1 = peer effect tripled, word of mouth quadrupled"
    indicator = "volunteer_rate"
    cost_model = "300 yen per resident per year at intensity 1"

    def param_changes(self, p: Params) -> dict[str, float]:
        return {
            "volunteer_peer_effect": p.volunteer_peer_effect * (1.0 + 2.0 * self.intensity),
            "word_of_mouth": min(1.0, p.word_of_mouth * (1.0 + 3.0 * self.intensity)),
        }

    def yearly_cost(self, model: KizunaModel) -> float:
        return 300.0 * self.intensity * model.population_size


class Path08ExpertConsulting(Intervention):
    number = 8
    slug = "expert_consulting"
    wording = "Provide effective consulting services in collaboration with experts"
    image = IMAGE
    acts_on = ("NPOs", "intermediary support organisations", "experts")
    mechanism = "accountants, lawyers and managers advise NPOs monthly: know-how rises"
    intensity_meaning = "1 = a consultation a month for every NPO"
    indicator = "npo_know_how"
    cost_model = "600,000 yen per NPO per year at intensity 1"

    def weekly(self, model: KizunaModel, wk: WeekContext):
        if model.week % MONTH == 0:
            for npo in active_npos(model):
                npo.know_how += 0.03 * self.intensity * (1.0 - npo.know_how)
        return None

    def yearly_cost(self, model: KizunaModel) -> float:
        return 600_000.0 * self.intensity * len(active_npos(model))


class Path09InclusiveParticipation(Intervention):
    number = 9
    slug = "women_elderly_youth"
    wording = (
        "Expand the scope of NPO activities, etc. through the participation of women, the "
        "elderly and youth"
    )
    image = IMAGE
    acts_on = ("NPOs", "women", "the elderly", "youth")
    mechanism = (
        "barriers lowered for the target group (childcare during activities, transport, "
        "roles for newcomers): their volunteering disposition rises"
    )
    intensity_meaning = "1 = the target group's volunteering disposition doubled"
    targets = frozenset({"districts", "ages", "sex"})
    default_target = Target(sex="female")
    indicator = "volunteer_rate_female"
    cost_model = "500 yen per targeted resident per year at intensity 1"

    def volunteer_factor(self, model: KizunaModel, slots: np.ndarray) -> np.ndarray:
        # 1 + intensity * mask, read off the mask (the same two values, one pass)
        return np.where(self.target.residents(model, slots), 1.0 + self.intensity, 1.0)

    def yearly_cost(self, model: KizunaModel) -> float:
        return 500.0 * self.intensity * float(self.target.count(model))


PATHS = (
    Path01Places,
    Path02Forums,
    Path03AllAgePlaces,
    Path04Coordinators,
    Path05Exchanges,
    Path06NpoTies,
    Path07VisibleParticipation,
    Path08ExpertConsulting,
    Path09InclusiveParticipation,
)


@njit(cache=True, nogil=True)
def _free_employees(
    idx: np.ndarray, employer: np.ndarray, attach_kind: np.ndarray, npo: int
) -> np.ndarray:  # pragma: no cover
    """The slots of ``idx`` that work for a local firm and volunteer for no NPO, in
    order: a count and a fill instead of a mask and a gather."""
    n = 0
    for i in range(len(idx)):
        s = idx[i]
        if employer[s] >= 0 and attach_kind[s] != npo:
            n += 1
    out = np.empty(n, np.int64)
    j = 0
    for i in range(len(idx)):
        s = idx[i]
        if employer[s] >= 0 and attach_kind[s] != npo:
            out[j] = s
            j += 1
    return out


@njit(cache=True, nogil=True)
def _place_employees(
    h, idx, employer, attach_kind, npo, chance, index, attach_id, last_volunteer_week, week
):  # pragma: no cover - compiled
    """Path 5's placements in one compiled call: each free employee (``_free_employees``)
    is placed with a uniform below ``chance``, then each placed one with an NPO of
    ``index`` drawn uniformly (the draws of the two NumPy calls it replaces, in turn)."""
    rng = generator(h)
    employees = _free_employees(idx, employer, attach_kind, npo)
    u = rng.random(employees.shape[0])
    placed = employees[u < chance]
    which = rng.integers(0, index.shape[0], placed.shape[0])
    for k in range(placed.shape[0]):
        s = placed[k]
        attach_kind[s] = npo
        attach_id[s] = index[which[k]]
        last_volunteer_week[s] = week


@njit(cache=True, nogil=True)
def _forum(
    idx: np.ndarray,
    cell: np.ndarray,
    cell_district: np.ndarray,
    age: np.ndarray,
    awareness: np.ndarray,
    free_time: np.ndarray,
    targeted: np.ndarray,
    holds: np.ndarray,
    attendance: np.float32,
    u: np.ndarray,
) -> np.ndarray:  # pragma: no cover
    """Who comes to a forum: targeted residents aged 15+ whose district holds one
    (district -1 reads the last entry, as NumPy's negative index did), with a float32
    chance growing with awareness and free time. Empty ``targeted``: everyone."""
    come = np.zeros(len(idx), np.bool_)
    everyone = len(targeted) == 0
    half = np.float32(0.5)
    for i in range(len(idx)):
        s = idx[i]
        d = cell_district[cell[s]]
        held = holds[d] if d >= 0 else holds[len(holds) + d]
        if held and (everyone or targeted[i]) and age[s] >= 15:
            come[i] = u[i] < attendance * (half + awareness[s]) * (half + free_time[s])
    return come


@njit(cache=True, nogil=True)
def _count_workers(alive: np.ndarray, employer: np.ndarray) -> int:  # pragma: no cover
    """Living residents who work for a local firm (``count_nonzero`` of the mask)."""
    n = 0
    for s in range(len(alive)):
        if alive[s] and employer[s] >= 0:
            n += 1
    return n
