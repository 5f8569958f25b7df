"""Image 3, promoting participation (report paths 19-27): corporate volunteering, easier
and more visible volunteering, giving, community foundations and social investment."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from model import ledger
from model.interventions.base import IMAGES, Intervention
from model.organisations.npos import active_npos

if TYPE_CHECKING:
    from model.kizuna_model import KizunaModel
    from model.params import Params
    from model.participation import WeekContext

IMAGE = IMAGES[2]
MONTH = 4
QUARTER = 13


class Path19CorporateVolunteering(Intervention):
    number = 19
    slug = "csr_and_pro_bono"
    wording = "Organic collaboration with CSR and pro-bono activities of companies"
    image = IMAGE
    acts_on = ("companies", "employees", "NPOs")
    mechanism = (
        "firms without an employee volunteering programme start one (with pro bono for "
        "their partner NPO): their staff volunteer more"
    )
    intensity_meaning = "share of firms without a programme that start one"
    indicator = "volunteer_rate_employees"
    cost_model = "100,000 yen per firm that starts a programme, per year"
    payer = "companies"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.started: np.ndarray = np.empty(0, np.int64)

    def on_start(self, model: KizunaModel) -> None:
        off = np.flatnonzero(~model.programme)
        self.started = off[model.rng.random(len(off)) < self.intensity]
        model.programme[self.started] = True

    def on_end(self, model: KizunaModel) -> None:
        model.programme[self.started] = False

    def yearly_cost(self, model: KizunaModel) -> float:
        return 100_000.0 * len(self.started)


class Path20EasyParticipation(Intervention):
    number = 20
    slug = "easy_participation"
    wording = "Develop an environment where people can easily participate in volunteer activities"
    image = IMAGE
    acts_on = ("volunteer centre", "NPOs", "residents")
    mechanism = (
        "short, flexible opportunities and matching (a volunteer centre for everyone): "
        "more access to opportunities, and time counts for less"
    )
    intensity_meaning = "1 = everyone's access raised by 0.2 and the busiest's disposition doubled"
    targets = frozenset({"districts", "ages", "sex"})
    indicator = "volunteer_rate"
    cost_model = "300 yen per resident per year at intensity 1"

    def access_bonus(self, model: KizunaModel, slots: np.ndarray) -> np.ndarray | float:
        if self.target.everyone:  # x * True is x: one value for all
            return 0.2 * self.intensity
        return 0.2 * self.intensity * self.target.residents(model, slots)

    def volunteer_factor(self, model: KizunaModel, slots: np.ndarray) -> np.ndarray:
        free_time = model.population.free_time
        if self.target.everyone:  # x * True is x: no mask to multiply by
            return _busy_factor(slots, free_time, np.float32(self.intensity))
        busy = 1.0 - free_time[slots]  # the less time, the more it helps
        return 1.0 + self.intensity * busy * self.target.residents(model, slots)

    def yearly_cost(self, model: KizunaModel) -> float:
        return 300.0 * self.intensity * model.population_size


class Path21VisibleVolunteering(Intervention):
    number = 21
    slug = "visualize_volunteering"
    wording = '"Visualize" volunteer activities'
    image = IMAGE
    acts_on = ("NPOs", "associations", "volunteers")
    mechanism = "recognition of volunteers: motivation recovers faster and wears less"
    intensity_meaning = "1 = recovery tripled, burnout halved"
    indicator = "motivation_mean"
    cost_model = "200 yen per resident per year at intensity 1"

    def param_changes(self, p: Params) -> dict[str, float]:
        return {
            "motivation_recovery": min(1.0, p.motivation_recovery * (1.0 + 2.0 * self.intensity)),
            "burnout": p.burnout * (1.0 - 0.5 * self.intensity),
        }

    def yearly_cost(self, model: KizunaModel) -> float:
        return 200.0 * self.intensity * model.population_size


class Path22SuccessfulDonations(Intervention):
    number = 22
    slug = "successful_donation_experience"
    wording = "Develop fund flows within the community through experience of successful donations"
    image = IMAGE
    acts_on = ("NPOs", "donors")
    mechanism = (
        "NPOs show donors what their gifts did: more donors see the effect, which makes "
        "them give again and keeps more gifts in town"
    )
    intensity_meaning = "1 = every donor sees the effect; local share of gifts +20 points"
    indicator = "trust_mean"
    cost_model = "1 million yen per NPO per year at intensity 1 (reporting)"

    def param_changes(self, p: Params) -> dict[str, float]:
        return {
            "gift_success_rate": p.gift_success_rate + self.intensity * (1.0 - p.gift_success_rate),
            "donation_success_effect": p.donation_success_effect * (1.0 + self.intensity),
            "local_giving": min(1.0, p.local_giving + 0.2 * self.intensity),
        }

    def yearly_cost(self, model: KizunaModel) -> float:
        return 1_000_000.0 * self.intensity * len(active_npos(model))


class Path23Fundraising(Intervention):
    number = 23
    slug = "fundraising_capacity"
    wording = "Improve the fund-raising capacity of fund raisers and reinforce the foundations"
    image = IMAGE
    acts_on = ("NPOs", "donors")
    mechanism = (
        "NPOs learn to raise funds: their appeals reach further and more of those who "
        "hear of them give to them"
    )
    intensity_meaning = "1 = outreach doubled; informed donors' local share +15 points"
    indicator = "local_donor_rate"
    cost_model = "1 million yen per NPO per year at intensity 1 (training, campaigns)"

    def param_changes(self, p: Params) -> dict[str, float]:
        return {
            "npo_outreach": p.npo_outreach * (1.0 + self.intensity),
            "local_giving_informed": min(1.0, p.local_giving_informed + 0.15 * self.intensity),
        }

    def yearly_cost(self, model: KizunaModel) -> float:
        return 1_000_000.0 * self.intensity * len(active_npos(model))


class Path24FoundationRecognition(Intervention):
    number = 24
    slug = "community_foundation_recognition"
    wording = "Increase recognition of community foundations and civil funds in the local community"
    image = IMAGE
    acts_on = ("community foundation", "residents")
    mechanism = "publicity for the community foundation: more local gifts go through it"
    intensity_meaning = "1 = the foundation's share of local gifts quadrupled (at most all)"
    indicator = "gifts_foundation"
    cost_model = "200 yen per resident per year at intensity 1"

    def param_changes(self, p: Params) -> dict[str, float]:
        return {
            "foundation_visibility": min(
                1.0, p.foundation_visibility * (1.0 + 3.0 * self.intensity)
            )
        }

    def yearly_cost(self, model: KizunaModel) -> float:
        return 200.0 * self.intensity * model.population_size


class Path25FoundationCollaboration(Intervention):
    number = 25
    slug = "foundation_collaboration"
    wording = (
        "Promote collaboration among community foundations and civil funds, and reinforce their "
        "functions"
    )
    image = IMAGE
    acts_on = ("community foundation", "other funds", "NPOs")
    mechanism = (
        "the community foundation works with funds outside town: they match its grants, "
        "and it pays out more of what it holds"
    )
    intensity_meaning = "yen matched per yen granted (and payout raised toward all funds)"
    indicator = "grants_paid"
    cost_model = (
        "2 million yen per year at intensity 1 (coordination); matched funds flow "
        "through the ledger"
    )
    payer = "foundation"

    def param_changes(self, p: Params) -> dict[str, float]:
        return {
            "foundation_payout": p.foundation_payout
            + 0.5 * self.intensity * (1 - p.foundation_payout)
        }

    def weekly(self, model: KizunaModel, wk: WeekContext):
        foundation = model.foundation
        if foundation is not None and model.week % 26 == 25:  # just before a grant round
            foundation.receive(
                ledger.OTHER_FUNDS, "matched_funds", self.intensity * max(foundation.funds, 0)
            )
        return None

    def yearly_cost(self, model: KizunaModel) -> float:
        return 2_000_000.0 * min(self.intensity, 1.0)


class Path26SocialInvestment(Intervention):
    number = 26
    slug = "social_investment"
    wording = "Vitalize fund flows in the community through promotion of social investments"
    image = IMAGE
    acts_on = ("regional bank", "residents", "social enterprises", "NPOs")
    mechanism = (
        "a local social investment fund: residents' savings flow to the bank for lending "
        "to NPOs and social enterprises, on easier terms"
    )
    intensity_meaning = "1 = 2,000 yen per resident a year invested; credit threshold -30%"
    indicator = "loans_outstanding"
    cost_model = "5 million yen per year at intensity 1 (running the fund; the bank pays)"
    payer = "bank"

    def param_changes(self, p: Params) -> dict[str, float]:
        return {"loan_threshold": p.loan_threshold * (1.0 - 0.3 * self.intensity)}

    def weekly(self, model: KizunaModel, wk: WeekContext):
        if model.bank is not None and model.week % MONTH == 0:
            model.bank.receive(
                ledger.RESIDENTS,
                "social_investment",
                2_000.0 * self.intensity * model.population_size / 13.0,
            )
            # the fund's managers go looking for borrowers
            for org in [*active_npos(model), *model.social_enterprises]:
                if org.active and org.kind != "intermediary" and org.funds < 3 * org.monthly_costs:
                    model.bank.apply(org, 3 * org.monthly_costs * self.intensity)
        return None

    def yearly_cost(self, model: KizunaModel) -> float:
        return 5_000_000.0 * self.intensity


class Path27DirectInvestment(Intervention):
    number = 27
    slug = "expand_social_investment"
    wording = "Consider various efforts to expand social investments"
    image = IMAGE
    acts_on = ("NPOs", "social enterprises", "residents")
    mechanism = (
        "crowdfunding and social impact bonds: NPOs and social enterprises raise money "
        "from residents each quarter, more the more know-how they have"
    )
    intensity_meaning = "1 = each raises up to 1 million yen a quarter"
    indicator = "social_investment"
    cost_model = "3 million yen per year at intensity 1 (the platform)"

    def weekly(self, model: KizunaModel, wk: WeekContext):
        if model.week % QUARTER != 0:
            return None
        for org in [*active_npos(model), *model.social_enterprises]:
            if org.active and org.kind != "intermediary":
                raised = 1_000_000.0 * self.intensity * (0.3 + org.know_how) * model.rng.random()
                org.receive(ledger.RESIDENTS, "social_investment", raised)
        return None

    def yearly_cost(self, model: KizunaModel) -> float:
        return 3_000_000.0 * self.intensity


PATHS = (
    Path19CorporateVolunteering,
    Path20EasyParticipation,
    Path21VisibleVolunteering,
    Path22SuccessfulDonations,
    Path23Fundraising,
    Path24FoundationRecognition,
    Path25FoundationCollaboration,
    Path26SocialInvestment,
    Path27DirectInvestment,
)


@njit(cache=True, nogil=True)
def _busy_factor(
    slots: np.ndarray, free_time: np.ndarray, intensity: np.float32
) -> np.ndarray:  # pragma: no cover
    """Path 20's factor for everyone in one pass: ``1 + intensity * (1 - free time)``,
    in float32 as NumPy computes it with the float32 column (``intensity`` as
    float32, as NumPy cast the Python float)."""
    out = np.empty(len(slots), np.float32)
    one = np.float32(1.0)
    for k in range(len(slots)):
        out[k] = one + intensity * (one - free_time[slots[k]])
    return out
