"""Mechanism constants of the weekly rules, each with its unit and where it comes from.

Region-specific statistics live in ``regions.py``; everything here holds for any
municipality. Every parameter says where its default comes from (``SOURCE_KINDS``):
a published statistic or a paper (named), a calibration to a target in ``targets.py``
(named by key; ``kizuna validate-model`` checks it), a definition of a measure, a policy
lever (off or neutral in the baseline), or plainly an assumption, which a shipped sweep
file varies (``docs/ODD.md`` lists which). A scenario can override any field by name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from typing import Any

_FRACTION_UNITS = {"probability", "share", "share of the gap to 1", "weight"}

SOURCE_KINDS = {
    "statistic": "a published statistic, named in ref",
    "literature": "a value taken from a paper, named in ref",
    "calibrated": "tuned until the baseline meets the calibration targets named in ref",
    "definition": "fixes what a measure counts (ref says which definition)",
    "lever": "a policy or scenario knob, off or neutral in the baseline",
    "assumption": "a judgement; a shipped sweep file varies it",
}


def _p(
    default: float,
    unit: str,
    doc: str,
    source: str = "assumption",
    hi: float | None = None,
    ref: str = "",
) -> Any:
    """A parameter: default, unit, what it means, the kind of source its value has (with
    ``ref`` naming the statistic, paper, target keys or definition), and the largest value
    that makes sense (1 for probabilities, shares and weights)."""
    if source not in SOURCE_KINDS:
        raise ValueError(f"unknown source kind {source!r}")
    if hi is None and unit in _FRACTION_UNITS:
        hi = 1.0
    meta = {"unit": unit, "doc": doc, "source": source, "ref": ref, "hi": hi}
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Params:
    """All mechanism parameters; immutable so a run's settings cannot drift."""

    # --- encounters -------------------------------------------------------------------
    neighbourhood_contacts: float = _p(
        2.5, "encounters/resident/week", "chance meetings near home, before homophily"
    )
    neighbourhood_radius: int = _p(2, "cells", "how far a walk to meet neighbours reaches")
    same_block_share: float = _p(
        0.55, "share", "of neighbourhood encounters, share inside one's own block"
    )
    work_contacts: float = _p(3.0, "encounters/worker/week", "meetings among co-workers")
    school_contacts: float = _p(4.0, "encounters/pupil/week", "meetings among classmates")
    place_contacts: float = _p(3.0, "encounters/visit", "people met per visit to a place")
    activity_contacts: float = _p(
        2.0, "encounters/volunteer/week", "fellow volunteers met in local activities"
    )
    homophily_age_scale: float = _p(
        12.0,
        "years",
        "age gap at which an encounter is 1/e as likely to happen (McPherson et al. 2001)",
    )

    visit_rate: float = _p(
        0.95,
        "visits/resident/week",
        "calls on friends and neighbours one already knows, at full free time; the "
        "closest ties are visited most, which is how strong ties outside the home last",
    )

    # --- ties ---------------------------------------------------------------------------
    form_neighbourhood: float = _p(0.05, "probability", "new tie from a neighbourhood meeting")
    form_work: float = _p(0.06, "probability", "new tie from a workplace meeting")
    form_school: float = _p(0.08, "probability", "new tie from a school meeting")
    form_place: float = _p(0.15, "probability", "new tie from meeting at a place")
    form_activity: float = _p(0.15, "probability", "new tie from volunteering together")
    form_introduction: float = _p(0.30, "probability", "new tie when a friend introduces")
    tie_strengthen: float = _p(
        0.10, "share of the gap to 1", "how much one encounter strengthens a tie"
    )
    tie_decay: float = _p(0.03, "per week", "share of tie strength lost each week", hi=1.0)
    tie_floor: float = _p(0.07, "weight", "ties weaker than this dissolve")
    strong_threshold: float = _p(
        0.5,
        "weight",
        "ties at least this strong count as strong ('kinjo') ties",
        "definition",
        ref="the model's line between close and casual ties; no_close_friend_60_plus and "
        "strong-degree outcomes count ties at or above it",
    )
    introduction_rate: float = _p(
        0.05,
        "per resident-week",
        "chance a resident introduces two of their ties to each other "
        "(triadic closure, Jin, Girvan & Newman 2001)",
        hi=1.0,
    )

    # --- awareness (challenge 1) ----------------------------------------------------------
    awareness_info: float = _p(
        0.030, "per week", "awareness gained from full access to local information", hi=1.0
    )
    awareness_peer: float = _p(0.030, "per week", "pull toward the awareness of one's ties", hi=1.0)
    awareness_volunteer: float = _p(0.050, "per week", "awareness gained by volunteering", hi=1.0)
    awareness_decay: float = _p(0.020, "per week", "awareness forgotten each week", hi=1.0)

    # --- volunteering -------------------------------------------------------------------
    volunteer_hazard: float = _p(
        0.05,
        "per week",
        "weekly volunteering hazard of a fully disposed resident",
        "calibrated",
        ref="volunteer_rate",
    )
    propensity_scale: float = _p(
        1.0,
        "multiplier",
        "scales every resident's civic propensity (0 = nobody volunteers)",
        "lever",
        ref="neutral at 1: the calibrated town",
    )
    volunteer_awareness_floor: float = _p(
        0.25, "share", "volunteering disposition of someone with no awareness"
    )
    volunteer_peer_effect: float = _p(
        1.5, "relative", "extra disposition when all one's ties volunteered this year"
    )
    volunteer_access_effect: float = _p(
        1.5, "relative", "extra disposition with full access to opportunities"
    )
    school_parent_effect: float = _p(
        1.0,
        "relative",
        "extra disposition of parents of pupils: PTA and children's-association duties "
        "rotate among them (why the national rate peaks in the 40s)",
        "calibrated",
        ref="volunteer_peak",
    )
    burnout: float = _p(
        0.04, "per volunteer-week", "share of motivation a week's effort uses", hi=1.0
    )
    motivation_recovery: float = _p(0.03, "per week", "share of lost motivation restored", hi=1.0)
    volunteer_min_age: float = _p(
        10.0,
        "years",
        "youngest age counted and able to volunteer",
        "definition",
        ref="the Survey on Time Use and Leisure Activities counts those aged 10+",
    )

    # --- donating -----------------------------------------------------------------------
    donation_hazard: float = _p(
        0.095,
        "per month",
        "monthly giving hazard of a fully disposed adult",
        "calibrated",
        ref="donor_rate",
    )
    donation_trust_floor: float = _p(0.3, "share", "giving disposition with no trust in NPOs")
    donation_peer_effect: float = _p(1.0, "relative", "extra disposition when all ties give")
    donation_success_effect: float = _p(
        0.8, "relative", "extra disposition after a gift whose effect one saw (path 22)"
    )
    gift_success_rate: float = _p(0.3, "probability", "chance a donor sees the gift's effect")
    collection_household_rate: float = _p(
        0.55,
        "probability",
        "chance an association household gives to the annual community-chest collection "
        "(Red Feather), through one adult",
        "calibrated",
        ref="donor_rate",
    )
    collection_gift_median: float = _p(
        1000.0, "yen", "median community-chest gift (collections ask for about 500-2,000 yen)"
    )
    gift_median: float = _p(
        3200.0,
        "yen",
        "median direct gift at median income (with the spread below, it sets the median "
        "and mean per donor)",
        "calibrated",
        ref="gift_per_donor_median, gift_per_donor_mean",
    )
    gift_sigma: float = _p(
        1.9,
        "log-yen",
        "spread of direct gifts (heavy tail)",
        "calibrated",
        ref="gift_per_donor_mean",
    )
    donor_min_age: float = _p(
        20.0,
        "years",
        "youngest age counted and able to give",
        "definition",
        ref="Giving Japan counts adults (aged 20+)",
    )

    # --- trust ----------------------------------------------------------------------------
    trust_volunteer: float = _p(0.02, "per week", "trust in NPOs gained by volunteering", hi=1.0)
    trust_success: float = _p(0.10, "per event", "trust gained by seeing a gift's effect", hi=1.0)
    trust_decay: float = _p(0.020, "per week", "trust drifting back to its initial level", hi=1.0)

    # --- places for mutual assistance (ibasho) --------------------------------------------
    place_radius: int = _p(6, "cells", "catchment of a place (Chebyshev distance)")
    place_visit_elder: float = _p(
        0.07,
        "per week",
        "visit probability of a nearby, aware resident aged 65+ (elders_at_places counts "
        "visits in the last 8 weeks)",
        "calibrated",
        hi=1.0,
        ref="elders_at_places",
    )
    place_visit_other: float = _p(0.006, "per week", "same for residents under 65", hi=1.0)
    place_capacity: int = _p(60, "visitors/week", "how many a place can host in a week")

    # --- neighbourhood association membership ------------------------------------------------
    association_leave_rate: float = _p(
        0.0095,
        "per household-year",
        "member households leaving (with joining, it sets membership's drift)",
        "calibrated",
        ref="association_membership_trend",
    )
    association_join_rate: float = _p(
        0.035,
        "per household-year",
        "non-member households joining",
        "calibrated",
        ref="association_membership, association_membership_trend",
    )

    # --- demography ----------------------------------------------------------------------------
    leave_home_rate: float = _p(
        0.05, "per year", "young adults (20-34) moving from parents to their own local home"
    )
    partnering_rate: float = _p(
        0.06, "per year", "single adults (25-44) forming a couple with a local single"
    )
    care_entry_rate: float = _p(
        0.12,
        "per year at frailty 1",
        "elders (65+) moving into residential care; scales with frailty squared and is "
        "half as high again for those living alone (about 1% of elders a year)",
    )
    elder_alone_move_rate: float = _p(
        0.045,
        "per year",
        "elders living alone moving in with children or relatives elsewhere (with care "
        "entries it sets how fast the living-alone share rises)",
        "calibrated",
        ref="elders_living_alone_trend",
    )

    # --- community-based organisations (report challenges 3-4) ---------------------------
    association_dues: float = _p(
        300.0, "yen/household/month", "neighbourhood-association dues (typically 200-500)"
    )
    association_subsidy: float = _p(
        1500.0,
        "yen/member household/year",
        "municipal commission to associations for circulars and safety work",
    )
    event_attendance: float = _p(
        0.12, "probability", "chance a member attends the monthly event of a lively association"
    )
    event_contacts: float = _p(3.0, "encounters/attendee", "people met at an event")
    event_cost: float = _p(300.0, "yen/attendee", "what an event costs its organiser")
    form_association: float = _p(0.10, "probability", "new tie from an event or drill")
    leader_threshold: float = _p(
        0.55,
        "score",
        "propensity + half the free time a member needs to take over as leader",
    )
    leader_max_age: float = _p(80.0, "years", "age at which a leader steps down")
    leader_turnover: float = _p(0.3, "per year", "chance a leader's term ends in a year", hi=1.0)
    leader_acceptance: float = _p(
        0.3,
        "probability",
        "chance a well-suited member agrees to lead when asked (scaled down for the less "
        "suited); tuned so that, with five asked, about one association in ten is left "
        "without a leader (a judgement, not a statistic)",
    )
    vitality_recovery: float = _p(
        0.15, "per year", "an association with a leader regains vitality", hi=1.0
    )
    vitality_decline: float = _p(
        0.25, "per year", "an association nobody takes over loses vitality", hi=1.0
    )
    drill_attendance: float = _p(0.7, "probability", "fire-brigade member at a monthly drill")
    brigade_allowance: float = _p(
        40_000.0,
        "yen/member/year",
        "municipal allowance to volunteer fire-corps members",
        "statistic",
        ref="FDMA standard (2021): 36,500 yen a year per member plus pay per call-out",
    )
    festival_attendance: float = _p(
        0.25, "probability", "resident near the centre at the shopping street's festival"
    )

    # --- NPOs (challenges 5-7) -----------------------------------------------------------------
    npo_staff_wage: float = _p(2_400_000.0, "yen/staff/year", "pay of an NPO staff member")
    npo_base_cost: float = _p(1_000_000.0, "yen/year", "an NPO's rent, materials and overheads")
    npo_volunteer_cost: float = _p(20_000.0, "yen/active volunteer/year", "expenses of volunteers")
    npo_market: float = _p(
        3_000.0,
        "yen/resident/year",
        "what a town spends on NPO services (fees and contracts), shared among NPOs by "
        "capacity; tuned so fees are most of NPO revenue, as Cabinet Office NPO surveys "
        "report",
    )
    npo_volunteer_weight: float = _p(
        0.3, "staff equivalents", "capacity one active volunteer adds, relative to a staff member"
    )
    npo_closure_months: float = _p(6.0, "months", "months in deficit before an NPO closes")
    npo_founding_rate: float = _p(
        0.002,
        "per eligible resident/year",
        "chance a motivated, aware volunteer (25-70) founds an NPO; eligible residents are "
        "about 3% of a town; tuned to keep the number of NPOs roughly steady",
    )
    npo_seed_funds: float = _p(300_000.0, "yen", "founder's own money for a new NPO")
    npo_outreach: float = _p(
        2.0, "residents/capacity unit/week", "people an NPO's information reaches"
    )
    npo_reach: int = _p(8, "cells", "how far an NPO's outreach and services reach")
    npo_served: float = _p(2.0, "residents/capacity unit/week", "people an NPO serves")
    npo_contacts: float = _p(2.0, "encounters/person", "people met at an NPO activity")
    form_npo: float = _p(0.15, "probability", "new tie from an NPO activity")
    know_how_learning: float = _p(
        0.03, "per year", "know-how an organisation gains from its own experience", hi=1.0
    )
    know_how_loss: float = _p(0.15, "per year", "share of know-how lost as people move on", hi=1.0)
    informed_memory: int = _p(12, "weeks", "how long hearing of an NPO stays with someone")
    npo_choice: float = _p(
        0.6,
        "probability",
        "chance a volunteer who has heard of an NPO joins it rather than the association",
    )
    word_of_mouth: float = _p(
        0.05, "probability", "chance an encounter with an NPO volunteer passes on its news"
    )

    # --- companies and social enterprises (challenges 8-14) -------------------------------------
    csr_per_employee_large: float = _p(
        10_000.0, "yen/employee/year", "community budget of firms with 50+ employees"
    )
    csr_per_employee_small: float = _p(2_000.0, "yen/employee/year", "same for smaller firms")
    csr_to_npos: float = _p(
        0.5, "share", "of CSR budgets, share given to NPOs and foundations (rest: programmes)"
    )
    programme_share_large: float = _p(
        0.3, "share", "firms with 30+ employees running an employee volunteering programme"
    )
    programme_share_small: float = _p(0.03, "share", "same for smaller firms")
    company_programme_effect: float = _p(
        1.0, "relative", "extra volunteering disposition of employees with a programme"
    )
    pro_bono_know_how: float = _p(
        0.05, "per year", "know-how a programme firm's pro bono gives its partner NPO", hi=1.0
    )
    se_market: float = _p(
        1.0,
        "revenue/costs",
        "what a social enterprise of average know-how earns against its costs",
    )
    sme_conversion_rate: float = _p(
        0.001, "per year", "small firms (3-30 employees) turning into social enterprises", hi=1.0
    )

    # --- regional bank (challenges 15-17) ----------------------------------------------------
    bank_capital: float = _p(1_000_000_000.0, "yen", "lending capital of the local branch")
    loan_rate: float = _p(0.02, "per year", "interest on loans to NPOs and social enterprises")
    loan_term: int = _p(260, "weeks", "repayment period")
    loan_threshold: float = _p(
        0.35, "score", "creditworthiness an applicant needs (0-1, from its accounts)", hi=1.0
    )
    bank_advice: float = _p(2.0, "clients/month", "organisations the bank advises")
    advice_know_how: float = _p(0.02, "per advice", "know-how one piece of advice adds", hi=1.0)
    platform_meetings: float = _p(
        0.0,
        "meetings/year",
        "local platform meetings hosted by the bank (path 11)",
        "lever",
        ref="path 11 switches it on; none in the baseline",
    )
    retiree_advisers: float = _p(
        0.0,
        "advisers",
        "retired bank staff advising NPOs and social enterprises (path 12)",
        "lever",
        ref="path 12 switches it on; none in the baseline",
    )

    # --- schools (challenges 18-20) ----------------------------------------------------------
    school_programme: float = _p(
        0.35, "share", "strength of schools' volunteer and citizenship programmes"
    )
    school_days: float = _p(2.0, "days/year", "school-wide volunteer days")
    open_college: float = _p(
        0.004,
        "per week",
        "chance an adult near the university (with free time) joins its open college "
        "in a week, at full programme strength",
    )
    school_day_participation: float = _p(0.15, "probability", "pupil joining a volunteer day")

    # --- local government (challenges 21-24) -----------------------------------------------
    grant_budget: float = _p(300.0, "yen/resident/year", "municipal grants for NPOs")
    grant_max: float = _p(1_000_000.0, "yen", "largest single grant")
    coordinator_introductions: float = _p(
        2.0, "introductions/10,000 residents/week", "people coordinators bring to NPOs"
    )
    services_per_resident: float = _p(
        5_000.0, "yen/resident/year", "formal community services the municipality delivers"
    )

    # --- community foundations and giving routes (paths 22-25) ------------------------------
    foundation_visibility: float = _p(
        0.15, "share", "of gifts kept in town, share given through the community foundation"
    )
    foundation_payout: float = _p(0.9, "share", "of its funds a foundation grants each round")
    local_giving: float = _p(
        0.35,
        "share",
        "of direct gifts, share to local causes when the donor knows no local NPO (most "
        "Japanese gifts go to national causes and disaster relief)",
    )
    local_giving_informed: float = _p(
        0.8, "share", "same when the donor has recently heard of a local NPO"
    )

    # --- disasters and recovery -----------------------------------------------------------
    disaster_need_scale: float = _p(
        1.0,
        "multiplier",
        "scales everyone's chance of falling into need in a disaster",
        "lever",
        ref="neutral at 1: need as disasters.py derives it from damage and frailty",
    )
    household_help: float = _p(
        0.35, "per day", "chance an able household member reaches someone in need", hi=1.0
    )
    neighbour_help: float = _p(
        0.1,
        "per day per tie",
        "chance each strongly tied, able neighbour within two blocks reaches them",
        hi=1.0,
    )
    safety_check_rate: float = _p(
        0.2,
        "per day",
        "chance a lively association's safety check reaches a member household in need",
        hi=1.0,
    )
    fire_corps_rescues: float = _p(
        0.05, "per member per day", "people in need the volunteer fire corps digs out"
    )
    npo_disaster_help: float = _p(
        0.5, "per capacity per day", "people in need an NPO's volunteers reach, from day two"
    )
    drill_readiness_gain: float = _p(
        0.5, "per drill", "readiness a district gains when all its residents drill", hi=1.0
    )
    formal_responders: float = _p(
        6.0,
        "rescues/10,000 residents/day",
        "what fire, police and the self-defence forces can do locally, from their delay on",
    )
    formal_delay_days: int = _p(2, "days", "when formal responders arrive")
    search_rate: float = _p(
        0.2,
        "per day",
        "chance house-to-house searches find someone nobody reported missing (from the "
        "formal responders' arrival)",
        hi=1.0,
    )
    displacement: float = _p(
        0.3, "probability", "households leaving a destroyed home (scaled by damage squared)"
    )
    recovery_rate: float = _p(
        0.02, "per week", "share of damage repaired each week without volunteers", hi=1.0
    )
    volunteer_recovery_boost: float = _p(
        4.0, "relative", "faster repair where everyone volunteers (scaled by the share who do)"
    )
    solidarity_decay: float = _p(
        0.12, "per week", "how fast the post-disaster surge of contact fades", hi=1.0
    )

    def replace(self, **changes: Any) -> Params:
        return replace(self, **changes)


def param_names() -> list[str]:
    return [f.name for f in fields(Params)]


def check_params(values: dict[str, Any]) -> Params:
    """Parameters from user input, or ``ValueError`` naming the first bad one.

    Checks: a known name, a finite number >= 0, at most the parameter's maximum, and a
    whole number where the parameter counts things (cells, visitors).
    """
    by_name = {f.name: f for f in fields(Params)}
    clean: dict[str, Any] = {}
    for name, value in values.items():
        f = by_name.get(name)
        if f is None:
            raise ValueError(f"unknown parameter {name!r}")
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise ValueError(f"parameter {name!r} must be a finite number, got {value!r}")
        if value < 0:
            raise ValueError(f"parameter {name!r} must be >= 0, got {value}")
        hi = f.metadata["hi"]
        if hi is not None and value > hi:
            raise ValueError(
                f"parameter {name!r} must be at most {hi} ({f.metadata['unit']}), got {value}"
            )
        if f.type in (int, "int"):
            if value != int(value):
                raise ValueError(
                    f"parameter {name!r} must be a whole number ({f.metadata['unit']}), got {value}"
                )
            value = int(value)
        else:
            value = float(value)
        clean[name] = value
    return Params(**clean)


def param_table() -> list[dict[str, Any]]:
    """Rows of (name, default, unit, doc, source kind, ref, max) for docs and listings."""
    return [
        {
            "name": f.name,
            "default": f.default,
            "unit": f.metadata["unit"],
            "doc": f.metadata["doc"],
            "source": f.metadata["source"],
            "ref": f.metadata["ref"],
            "max": f.metadata["hi"],
        }
        for f in fields(Params)
    ]
