"""Image 2, vitalizing local communities (report paths 10-18): foundations of local
agents, regional banks, companies and social enterprises, drills, schools, universities."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from model.encounters import GroupIndex, within_groups
from model.interventions.base import IMAGES, Intervention
from model.organisations.npos import active_npos

if TYPE_CHECKING:
    from model.kizuna_model import KizunaModel
    from model.params import Params
    from model.participation import WeekContext

IMAGE = IMAGES[1]
MONTH = 4


class Path10Foundations(Intervention):
    number = 10
    slug = "foundations_of_local_agents"
    wording = "Vitalize local communities through reinforcing the foundations of diverse agents"
    image = IMAGE
    acts_on = ("local government", "NPOs")
    mechanism = "the municipality's grant budget for NPOs grows (capacity-building grants)"
    intensity_meaning = "1 = grant budget five times the baseline"
    indicator = "npo_reserve_months"
    cost_model = "the extra grants themselves (through the ledger) plus 1 million yen to run"

    def param_changes(self, p: Params) -> dict[str, float]:
        return {
            "grant_budget": p.grant_budget * (1.0 + 4.0 * self.intensity),
            "grant_max": p.grant_max * (1.0 + 4.0 * self.intensity),
        }

    def yearly_cost(self, model: KizunaModel) -> float:
        return 1_000_000.0 * self.intensity


class Path11RegionalBanks(Intervention):
    number = 11
    slug = "regional_financial_institutions"
    wording = (
        "Vitalize the activities of regional financial institutions aiming for coexistence and "
        "mutual prosperity with the community"
    )
    image = IMAGE
    acts_on = ("regional bank", "NPOs", "social enterprises")
    mechanism = (
        "the bank lends on easier terms, offers growth loans to sound NPOs and social "
        "enterprises, advises more clients and hosts a local platform where people from "
        "associations, NPOs and firms meet (the report's challenge 17)"
    )
    intensity_meaning = (
        "1 = credit threshold halved, five times the advice, growth loans offered, "
        "a platform meeting a month"
    )
    indicator = "loans_outstanding"
    cost_model = "5 million yen per year at intensity 1 (advisory staff, paid by the bank)"
    payer = "bank"

    def param_changes(self, p: Params) -> dict[str, float]:
        return {
            "loan_threshold": p.loan_threshold * (1.0 - 0.5 * self.intensity),
            "bank_advice": p.bank_advice * (1.0 + 4.0 * self.intensity),
            "platform_meetings": p.platform_meetings + 12.0 * self.intensity,
        }

    def weekly(self, model: KizunaModel, wk: WeekContext):
        """Monthly, the bank offers a growth loan to clients without one."""
        bank = model.bank
        if bank is None or model.week % MONTH != 2:
            return None
        borrowing = {id(loan.borrower) for loan in bank.loans}
        for org in [*active_npos(model), *model.social_enterprises]:
            eligible = org.active and org.kind != "intermediary" and id(org) not in borrowing
            if eligible and model.rng.random() < self.intensity / 3.0:
                bank.apply(org, 3 * org.monthly_costs)
        return None

    def yearly_cost(self, model: KizunaModel) -> float:
        return 5_000_000.0 * self.intensity


class Path12RetireeKnowHow(Intervention):
    number = 12
    slug = "retired_bankers_know_how"
    wording = (
        "Establish a system for regional financial institutions to utilize the know-how of "
        "retired employees"
    )
    image = IMAGE
    acts_on = ("regional bank", "retired employees", "NPOs", "social enterprises")
    mechanism = "retired bank staff advise NPOs and social enterprises every month"
    intensity_meaning = "retired advisers per 10,000 residents"
    max_intensity = 10.0
    indicator = "npo_know_how"
    cost_model = "1 million yen per adviser per year (expenses; the bank pays)"
    payer = "bank"

    def param_changes(self, p: Params) -> dict[str, float]:
        return {"retiree_advisers": p.retiree_advisers + self.intensity * 4.0}

    def yearly_cost(self, model: KizunaModel) -> float:
        return 1_000_000.0 * self.intensity * model.population_size / 10_000


class Path13CoreBusiness(Intervention):
    number = 13
    slug = "core_business_for_social_challenges"
    wording = (
        "Engage in efforts to link the core businesses of companies with solution of "
        "social challenges"
    )
    image = IMAGE
    acts_on = ("companies", "social enterprises", "NPOs")
    mechanism = (
        "firms put more of their business toward local challenges: bigger community "
        "budgets, and purchases from social enterprises"
    )
    intensity_meaning = "1 = community budgets tripled, social enterprises' market +30%"
    indicator = "csr_donations"
    cost_model = "the larger CSR budgets (through the ledger); nothing extra"
    payer = "companies"

    def param_changes(self, p: Params) -> dict[str, float]:
        return {
            "csr_per_employee_large": p.csr_per_employee_large * (1.0 + 2.0 * self.intensity),
            "csr_per_employee_small": p.csr_per_employee_small * (1.0 + 2.0 * self.intensity),
            "se_market": p.se_market * (1.0 + 0.3 * self.intensity),
        }

    def yearly_cost(self, model: KizunaModel) -> float:
        return 0.0


class Path14SocialEnterprises(Intervention):
    number = 14
    slug = "social_enterprise_self_reliance"
    wording = "Make efforts toward self-reliance and development of social enterprises"
    image = IMAGE
    acts_on = ("social enterprises", "local government", "support centre")
    mechanism = "management support for social enterprises: their know-how, so revenue, rises"
    intensity_meaning = "1 = monthly management support for every social enterprise"
    indicator = "se_self_reliance"
    cost_model = "1 million yen per social enterprise per year at intensity 1"

    def weekly(self, model: KizunaModel, wk: WeekContext):
        if model.week % MONTH == 0:
            for se in model.social_enterprises:
                if se.active:
                    se.know_how += 0.05 * self.intensity * (1.0 - se.know_how)
        return None

    def yearly_cost(self, model: KizunaModel) -> float:
        active = sum(se.active for se in model.social_enterprises)
        return 1_000_000.0 * self.intensity * active


class Path15SocializeSmes(Intervention):
    number = 15
    slug = "socialization_of_smes"
    wording = "Promote the socialization of local SMEs"
    image = IMAGE
    acts_on = ("small firms", "local government")
    mechanism = "support for small firms that turn toward social purposes: more convert"
    intensity_meaning = "1 = conversions fifty times as frequent (5% of small firms a year)"
    indicator = "social_enterprises"
    cost_model = "50,000 yen per small firm per year at intensity 1 (advice, seminars)"

    def param_changes(self, p: Params) -> dict[str, float]:
        return {
            "sme_conversion_rate": min(1.0, p.sme_conversion_rate * (1.0 + 49.0 * self.intensity))
        }

    def yearly_cost(self, model: KizunaModel) -> float:
        return 50_000.0 * self.intensity * model.venues.n_workplaces


class Path16NeighbourDrills(Intervention):
    number = 16
    slug = "kinjo_through_disaster_drills"
    wording = (
        'Restore "Kinjyo" relationships (relationships of mutual assistance with neighbors) '
        "using opportunities of disaster drills, etc."
    )
    image = IMAGE
    acts_on = ("neighbourhood associations", "fire corps", "residents")
    mechanism = (
        "monthly neighbourhood disaster drills: residents of the same block practise "
        "together, so ties between neighbours grow strong, and the district gets ready "
        "(its safety checks after a disaster start sooner and reach every household)"
    )
    intensity_meaning = (
        "chance a resident joins the month's drill (scaled by the association's vitality)"
    )
    targets = frozenset({"districts"})
    indicator = "mean_strong_degree"
    cost_model = "50,000 yen per district-drill"

    def weekly(self, model: KizunaModel, wk: WeekContext):
        if model.week % MONTH != 1:
            return None
        pop = model.population
        idx = wk.idx
        vitality = np.fromiter((a.vitality for a in model.associations), float)
        targeted = (
            np.ones(0, np.bool_) if self.target.everyone else self.target.residents(model, idx)
        )
        u = model.rng.random(len(idx))
        # districts that drill get ready: checks start sooner and reach every household
        n_d = len(model.drill_readiness)
        residents = np.zeros(n_d, np.int64)
        drilled = np.zeros(n_d, np.int64)
        come = idx[
            _drill(
                idx, pop.cell, model.geography.district, pop.age, targeted, vitality,
                self.intensity, u, residents, drilled,
            )
        ]  # fmt: skip
        share = np.divide(drilled, residents, out=np.zeros(n_d), where=residents > 0)
        gain = model.params.drill_readiness_gain * share
        model.drill_readiness += gain * (1.0 - model.drill_readiness)
        # neighbours drill together block by block: partners come from one's own block
        return within_groups(GroupIndex.build(come, pop.cell[come]), 3.0, model.rng)

    def yearly_cost(self, model: KizunaModel) -> float:
        districts = (
            model.geography.n_districts
            if self.target.districts is None
            else len(self.target.districts)
        )
        return 50_000.0 * 12 * districts * min(1.0, 2.0 * self.intensity)


class Path17SchoolCurriculum(Intervention):
    number = 17
    slug = "citizenship_in_school_curriculum"
    wording = "Promote CSP activities in the school curriculum"
    image = IMAGE
    acts_on = ("schools", "pupils")
    mechanism = "volunteering and citizenship learning in the curriculum: school programmes grow"
    intensity_meaning = "share of the gap to a full programme closed"
    indicator = "volunteer_rate_10_19"
    cost_model = "1 million yen per school per year at intensity 1"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._before: np.ndarray | None = None

    def on_start(self, model: KizunaModel) -> None:
        self._before = model.school_programme.copy()
        model.school_programme += self.intensity * (1.0 - model.school_programme)

    def on_end(self, model: KizunaModel) -> None:
        if self._before is not None:
            model.school_programme[:] = self._before

    def yearly_cost(self, model: KizunaModel) -> float:
        return 1_000_000.0 * self.intensity * len(model.schools)


class Path18UniversityExperts(Intervention):
    number = 18
    slug = "experts_trained_by_universities"
    wording = (
        "Promote Development and certification of experts by universities in collaboration with "
        "companies, NPOs, etc. and the government"
    )
    image = IMAGE
    acts_on = ("university", "NPOs", "local government", "companies")
    mechanism = (
        "the university trains and certifies coordinators and NPO managers: NPOs gain "
        "know-how, coordinators make more introductions"
    )
    intensity_meaning = "1 = every NPO's staff trained within a year; coordinators' work doubled"
    indicator = "npo_know_how"
    cost_model = "10 million yen per year at intensity 1 (the programme)"

    def param_changes(self, p: Params) -> dict[str, float]:
        return {"coordinator_introductions": p.coordinator_introductions * (1.0 + self.intensity)}

    def weekly(self, model: KizunaModel, wk: WeekContext):
        if model.week % 13 == 0:  # a cohort a quarter
            for npo in active_npos(model):
                npo.know_how += 0.05 * self.intensity * (1.0 - npo.know_how)
        return None

    def yearly_cost(self, model: KizunaModel) -> float:
        return 10_000_000.0 * self.intensity


PATHS = (
    Path10Foundations,
    Path11RegionalBanks,
    Path12RetireeKnowHow,
    Path13CoreBusiness,
    Path14SocialEnterprises,
    Path15SocializeSmes,
    Path16NeighbourDrills,
    Path17SchoolCurriculum,
    Path18UniversityExperts,
)


@njit(cache=True, nogil=True)
def _drill(
    idx: np.ndarray,
    cell: np.ndarray,
    cell_district: np.ndarray,
    age: np.ndarray,
    targeted: np.ndarray,
    vitality: np.ndarray,
    intensity: float,
    u: np.ndarray,
    residents: np.ndarray,
    drilled: np.ndarray,
) -> np.ndarray:  # pragma: no cover
    """Who joins the month's drill (targeted residents aged 6+ in a district, with a
    chance of ``intensity`` times its association's vitality), counting residents and
    drillers per district in the same pass (residents outside any district count in
    district 0, as ``np.maximum(district, 0)`` had them). An empty ``targeted`` means
    everyone is targeted."""
    come = np.zeros(len(idx), np.bool_)
    everyone = len(targeted) == 0
    for i in range(len(idx)):
        s = idx[i]
        d = cell_district[cell[s]]
        residents[max(d, 0)] += 1
        joins = d >= 0 and (everyone or targeted[i]) and age[s] >= 6
        if joins and u[i] < intensity * vitality[d]:
            come[i] = True
            drilled[d] += 1
    return come
