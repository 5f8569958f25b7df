"""The challenge dashboard: one measured indicator for each of the report's 24 challenges.

The report (*Promoting the Society of Mutual Assistance*, 2015) organises the efforts of
eight agents into 24 challenges. Each challenge here has the report's own wording, one
indicator the model can measure, its unit and how it is computed. Every indicator is
an outcome (group "challenges", named ``challenge_NN_slug``), so it is in the weekly
outcomes table and, for its last week of the final year, in ``summary.csv``.

Several challenges are about things the model represents only in part (the report's
"information sharing", "mutual understanding", cooperation between governments); their
indicators are proxies, and ``how`` says so. Counts "per year" are rolling sums over the
last 52 weeks (``model.tallies``; the warm-up counts, so they are full years from week 0
on with the default 52-week warm-up, and scaled up to a year before that). Everything is
array arithmetic over residents, a short loop over organisations, or (challenge 22) a
compiled look at the roster's ties: about 0.3 ms a week in a town of 10,000, under 2% of
a week's step.

An indicator is NaN only when what it is a share or mean of does not exist (a town
without social enterprises has no self-reliance share); the grant-effect indicator
(challenge 23) is 0 until the first grant round has been followed up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from model import outcome_kernels
from model.attachment import NPO as NPO_ATTACHED
from model.gathered_sums import gathered_mean
from model.organisations.community import household_access
from model.pairwise import mean
from model.population import NEVER
from model.tie_kernels import LOW_MASK, PAIR_BITS

if TYPE_CHECKING:
    from model.kizuna_model import KizunaModel

NAN = float("nan")
RECENT_WEEKS = 8  # "in touch lately" for elders in need (challenge 7), as for places
FRAIL = 0.4  # frailty above which an elder counts as in need (as elder-care NPOs serve)
YEAR = 52

AGENTS = (
    "Local residents",
    "Community-based organizations",
    "NPOs, etc.",
    "Companies",
    "Social enterprises",
    "Regional financial institutions",
    "Educational institutions",
    "Government",
)


@dataclass(frozen=True)
class Challenge:
    number: int
    slug: str
    agent: str  # one of AGENTS, as the report names it
    wording: str  # the report's own words
    indicator: str  # what is measured, in one line (the outcome's description)
    unit: str
    how: str = ""  # how it is computed from the model's state, and what it leaves out

    @property
    def outcome(self) -> str:
        return f"challenge_{self.number:02d}_{self.slug}"


def _c(number: int, slug: str, wording: str, indicator: str, unit: str, how: str) -> Challenge:
    agent_of = (1, 1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 6, 6, 6, 7, 7, 7, 8, 8, 8, 8)
    return Challenge(number, slug, AGENTS[agent_of[number - 1] - 1], wording, indicator, unit, how)


CHALLENGES: tuple[Challenge, ...] = (
    _c(1, "awareness",
       "Recognize the challenges which exist in the local community and have an awareness "
       "as a stakeholder",
       "mean awareness of local challenges, residents 10+", "0-1",
       "Mean of residents' awareness (0-1) over those aged 10 and over; awareness grows "
       "with information (association circulars, school and employer programmes, NPOs, "
       "places), volunteering and the open college, moves toward one's ties' awareness, "
       "and fades otherwise. Same figure as awareness_mean."),
    _c(2, "mutual_assistance",
       "Establish a better local community through making efforts for mutual assistance",
       "share of residents 10+ who volunteered or gave to a local cause in the last 12 "
       "months", "share",
       "Of residents aged 10+, the share whose last volunteering or last gift to a cause in "
       "town (an NPO, the community foundation, the community chest) was in the last 52 "
       "weeks. Gifts to causes outside town do not count."),
    _c(3, "association_information",
       "Share information such as the contents of activities of community-based "
       "organizations",
       "mean reach of neighbourhood-association information (circulars, notices)", "0-1",
       "Mean over all residents of how much of their association's information reaches "
       "them: the association's vitality (0-1) if their household is a member, else 0 "
       "(the model's association_access, which also raises access to volunteering and "
       "awareness)."),
    _c(4, "cbo_attendances",
       "Vitalize activities by community-based organizations, etc.",
       "attendances at community-organisation activities per resident per year",
       "attendances/resident/year",
       "Attendances in the last 52 weeks at neighbourhood-association monthly events, "
       "fire-corps drills and the shopping street's summer festival, divided by the "
       "current population."),
    _c(5, "informed_of_npos",
       "Share information on volunteer or donation opportunities",
       "share of residents 10+ who heard of a local NPO in the last 12 months", "share",
       "Of residents aged 10+, the share who last heard of a local NPO (its outreach, the "
       "support centre, a volunteer among their ties, a coordinator) in the last 52 weeks, "
       "whether or not that NPO still operates."),
    _c(6, "npo_staff",
       "Develop human resources in intermediary organizations and reinforce their "
       "financial base",
       "paid staff of NPOs and the support centre per 10,000 residents",
       "staff/10,000 residents",
       "Paid staff of all active NPOs, the intermediary support centre included, per "
       "10,000 residents. NPOs hire when reserves allow a year of costs and lay off when "
       "they fall below two months, so staff follow the financial base."),
    _c(7, "elders_in_need_reached",
       "Identify and share local challenges",
       "share of elders living alone or frail who were in touch with an NPO or a place in "
       "the last 8 weeks", "share",
       "Of residents 65+ who live alone or have frailty above 0.4 (the people elder-care "
       "NPOs serve), the share served at an NPO's activity, volunteering with an NPO, or "
       "visiting a place for mutual assistance in the last 8 weeks: how many of the "
       "town's hidden needs its organisations have found."),
    _c(8, "firms_with_programme",
       "Increase a role of companies as actors that support the community",
       "share of companies running an employee volunteering programme", "share",
       "Of local companies (workplaces run by a company, not a social enterprise, with at "
       "least one resident employee), the share with an employee volunteering programme "
       "(more likely in firms of 30+; path 19 starts more)."),
    _c(9, "csr_per_employee",
       "Promote sustainable development of companies through CSR activities",
       "companies' community (CSR) budgets per company employee per year",
       "yen/employee/year",
       "Yen companies set aside for community programmes and gifts (ledger channel "
       "csr_budget) over the last 52 weeks, divided by the residents now working for local "
       "companies. Budgets are set once a year (week 26 of each year), so with a warm-up "
       "of 26 weeks or less this is 0 until week 26."),
    _c(10, "employees_reached_by_csr",
       "Actively share information on the CSR activities of companies",
       "share of company employees whose firm shares volunteering opportunities "
       "(programme)", "share",
       "Of residents working for local companies, the share whose employer runs a "
       "volunteering programme, which is how the model lets a firm's CSR information "
       "reach people (it raises their access to volunteering). A proxy: the model has no "
       "separate channel for CSR publicity to the wider public."),
    _c(11, "employee_volunteer_rate",
       "Increase employees' motivation and establish social brands through CSR activities",
       "volunteer rate (last 12 months) of adults working for local firms", "share",
       "Of residents 18+ employed by a local firm (company or social enterprise), the share "
       "who volunteered in the last 52 weeks. Same figure as volunteer_rate_employees; "
       "social brands are not modelled."),
    _c(12, "se_self_reliant_share",
       "Make social enterprises economically self-reliant",
       "share of social enterprises whose revenue covered their costs over the last 12 "
       "months", "share",
       "Of active social enterprises, the share whose income over the last twelve months "
       "(the expected ratio for one younger than a month) is at least their costs. "
       "Undefined (NaN) in a town without social enterprises."),
    _c(13, "se_know_how",
       "Improve management know-how of social enterprise operators",
       "mean management know-how of social enterprises", "0-1",
       "Mean know-how (0-1) of active social enterprises; it rises with bank advice, "
       "platform meetings and retired bankers' advice, and raises revenue. Undefined "
       "(NaN) in a town without social enterprises."),
    _c(14, "se_share_of_firms",
       "Facilitate local SMEs' entry into social enterprises",
       "social enterprises as a share of local firms", "share",
       "Active social enterprises over local firms: companies with at least one resident "
       "employee plus active social enterprises. Small firms convert now and then "
       "(path 15 raises the rate)."),
    _c(15, "bank_advice",
       "Increase a role of regional financial institutions as advisors",
       "bank advice sessions per NPO or social enterprise per year",
       "sessions/organisation/year",
       "Advice sessions the regional bank gave in the last 52 weeks (its own advisers and "
       "retired staff, path 12), divided by the active NPOs (support centre included) and "
       "social enterprises that could receive them."),
    _c(16, "orgs_in_touch_with_bank",
       "Promote information exchange and mutual understanding among financial "
       "institutions and NPOs, etc.",
       "share of NPOs and social enterprises that borrowed from the bank or met it at a "
       "platform in the last 12 months", "share",
       "Of active NPOs (support centre excluded) and social enterprises, the share with a "
       "loan outstanding, a new loan in the last 52 weeks, or a platform meeting with the "
       "regional bank in the last 52 weeks: relations in which the bank has to understand "
       "their accounts and they its terms. Advice is left to challenge 15 (with the "
       "default two sessions a month it reaches nearly every organisation in a small "
       "town, so it would tell little here)."),
    _c(17, "platform_meetings",
       "Establish a local platform for cooperation centering around regional financial "
       "institutions",
       "local platform meetings hosted by the bank per year", "meetings/year",
       "Platform meetings the regional bank hosted in the last 52 weeks (association "
       "leaders, NPO volunteers and people from the largest firms meet). None in the "
       "baseline: path 11 holds one a month at intensity 1 (or set the parameter "
       "platform_meetings)."),
    _c(18, "youth_volunteer_rate",
       "Develop human resources that will play a central role in promoting the society of "
       "mutual assistance in the future by educational institutions",
       "volunteer rate (last 12 months) of residents aged 10-19", "share",
       "Of residents aged 10-19, the share who volunteered in the last 52 weeks (school "
       "volunteer days count). Same figure as volunteer_rate_10_19."),
    _c(19, "school_volunteer_days",
       "Increase the opportunities of CSR activities in school education",
       "school volunteer-day participations per pupil per year",
       "participations/pupil/year",
       "Pupils' and students' participations in school-wide volunteer days over the last "
       "52 weeks, divided by the residents now enrolled at a local school or university."),
    _c(20, "open_college",
       "Promote CSR activities by universities as local bases",
       "open-college attendances per 1,000 adults (25+) per year",
       "attendances/1,000 adults/year",
       "Attendances at the university's open college in the last 52 weeks per 1,000 "
       "residents aged 25+ (those it admits). 0 in a town without a university."),
    _c(21, "budget_to_voluntary_sector",
       "Understand the importance of solving challenges through voluntary efforts",
       "share of the municipality's community budget going to NPOs and community "
       "organisations", "share",
       "Over the last 52 weeks, the municipality's grants to NPOs and the support centre's "
       "contract (government_grant) plus its subsidies to associations and the fire corps "
       "(association_subsidy), over its community budget (budget); the rest goes on formal "
       "services. The budget comes in week 1 of each year, so with a warm-up shorter than "
       "52 weeks this is NaN at week 0 (no budget yet)."),
    _c(22, "cross_sector_ties",
       "Need cooperation within government and in a wider area among neighboring local "
       "governments",
       "share of organisations' people tied to someone from another sector", "share",
       "A proxy: the model has one municipality and no departments or neighbours, so it "
       "measures cooperation across organisational boundaries instead. Of the people who "
       "would sit at a cross-sector platform (association, fire-corps and shopping-street "
       "leaders, two volunteers of each NPO, someone from each of the ten largest firms), "
       "the share with a tie to one of them from another sector (community organisation, "
       "NPO, firm; a person with two roles counts in the first)."),
    _c(23, "capacity_per_grant_yen",
       "Need researches on the impact of providing grants for NPO activities, etc.",
       "NPO capacity gained per million yen of municipal grants (latest round, 26 weeks "
       "on)", "capacity units/million yen",
       "Each yearly grant round (week 13) is followed up 26 weeks later: the change in "
       "capacity of the NPOs it paid (an NPO that closed counts as capacity 0), summed, "
       "per million yen granted. The latest evaluated round is reported until the next "
       "one, and 0 before any round has been followed up: with the default 52-week "
       "warm-up the warm-up's round (week -39) is evaluated in week -13, with a warm-up "
       "under 40 weeks the first value comes in week 40. Naive: a before/after "
       "difference with no comparison group, so it includes whatever else changed "
       "capacity (staff, volunteers, reserves, disasters)."),
    _c(24, "coordinator_introductions",
       "Expect government employees to play a role as coordinators to solve local "
       "challenges",
       "coordinator introductions to NPOs per 10,000 residents per year",
       "introductions/10,000 residents/year",
       "Residents the municipality's coordinators introduced to an NPO in the last 52 "
       "weeks, per 10,000 current residents (path 4 adds coordinators)."),
)  # fmt: skip

CHALLENGE_BY_NUMBER = {c.number: c for c in CHALLENGES}
_OUTCOME_NUMBERS = tuple((c.outcome, c.number) for c in CHALLENGES)


def _ratio(count: int, of: int) -> float:
    return count / of if of else NAN


def _per(amount: float, count: float, scale: float = 1.0) -> float:
    return float(amount * scale / count) if count > 0 else NAN


def _cross_sector_share(model: KizunaModel, candidates: tuple[np.ndarray, ...]) -> float:
    """Challenge 22: share of the platform roster tied to a roster member of another sector
    (``candidates``: the week's ``outcome_kernels.roster_candidates``)."""
    pop = model.population
    roster = model.organisation_people(candidates)
    if len(roster) == 0:
        return NAN
    leaders = [o.leader for o in model.community_organisations() if o.leader >= 0]
    tied = _tied_across(
        model.ties.key, roster, np.asarray(leaders, np.int64), pop.attach_kind,
        NPO_ATTACHED, pop.employer, pop.capacity,
    )  # fmt: skip
    return tied / len(roster)


@njit(cache=True, nogil=True)
def _tied_across(
    key: np.ndarray,
    roster: np.ndarray,
    leaders: np.ndarray,
    attach_kind: np.ndarray,
    npo_kind: int,
    employer: np.ndarray,
    capacity: int,
) -> int:  # pragma: no cover
    """How many of ``roster`` have a tie to a roster member of another sector: community
    organisation leader (0), else NPO volunteer (1), else firm employee (2), else 0 (a
    person with two roles counts in the first); -1 marks slots off the roster.

    Ties are sorted packed keys (lower slot << PAIR_BITS | higher slot), so a tie between
    two roster members lies in the run of keys whose lower slot is the lower one: only the
    roster's runs are read, not every tie."""
    sector = np.full(capacity, -1, np.int8)
    for s in roster:
        sector[s] = 1 if attach_kind[s] == npo_kind else (2 if employer[s] >= 0 else 0)
    for s in leaders:
        sector[s] = 0
    tied = np.zeros(capacity, np.bool_)
    first = roster.astype(np.int64) << PAIR_BITS  # each roster member's lowest key
    lo = np.searchsorted(key, first)
    hi = np.searchsorted(key, first + (1 << PAIR_BITS))
    for k in range(roster.shape[0]):
        x = roster[k]
        for e in range(lo[k], hi[k]):
            y = key[e] & LOW_MASK
            if sector[y] >= 0 and sector[y] != sector[x]:
                tied[x] = True
                tied[y] = True
    n = 0
    for s in roster:
        n += tied[s]
    return n


def indicators(
    model: KizunaModel, measured: dict[str, float], parts: dict[int, float] | None = None
) -> dict[str, float]:
    """Every challenge's indicator for the current week, keyed by outcome name;
    challenges that are outcomes already (1, 11, 12, 18) are read from ``measured``, the
    others are ``parts`` (``indicator_parts``, computed now if not given)."""
    values = indicator_parts(model) if parts is None else dict(parts)
    values.update(
        {
            1: measured["awareness_mean"],
            11: measured["volunteer_rate_employees"],
            12: measured["se_self_reliant_share"],
            18: measured["volunteer_rate_10_19"],
        }
    )
    return {outcome: values[number] for outcome, number in _OUTCOME_NUMBERS}


def indicator_parts(model: KizunaModel) -> dict[int, float]:
    """The indicators that are not outcomes already, by challenge number: nothing in
    them needs the week's tie census, so ``measure`` takes them while it is counted.

    Masks run over every slot (``alive`` picks the residents) rather than gathering the
    living first: contiguous comparisons are the cheapest thing numpy does."""
    pop = model.population
    tallies = model.tallies
    week = model.week
    alive = pop.alive
    idx = pop.alive_idx()
    n = len(idx)
    ten, active, informed, in_need, reached, pupils, age_25 = outcome_kernels.challenge_tallies(
        idx, pop.age, pop.age.dtype.type(model.params.volunteer_min_age),
        pop.last_volunteer_week, pop.last_local_gift_week, pop.informed_week, week,
        model.lives_alone, pop.frailty, pop.frailty.dtype.type(FRAIL), pop.last_served_week,
        pop.last_place_week, RECENT_WEEKS, pop.attach_kind, NPO_ATTACHED, pop.school,
    ).tolist()  # fmt: skip

    # firms: every workplace is run by a company unless it became a social enterprise;
    # shares of company staff are staff-weighted sums over workplaces (exact counts)
    # (the roster's candidates count each workplace's living staff, as a bincount would)
    n_wp = model.venues.n_workplaces
    candidates = outcome_kernels.roster_candidates(
        alive, pop.attach_kind, NPO_ATTACHED, pop.attach_id, len(model.npos), pop.employer, n_wp
    )
    if len(candidates[1]) != n_wp or len(model.programme) != n_wp:
        raise ValueError("workplaces' staff and programmes must cover every workplace")
    ses = [se for se in model.social_enterprises if se.active]
    se_workplaces = np.array([se.workplace for se in model.social_enterprises], np.int64)
    # residents working for companies, those of them in a programme, companies with
    # staff and those of them with a programme
    at_company, with_programme, companies, programme_companies = outcome_kernels.company_counts(
        candidates[1], model.programme, se_workplaces, n_wp
    )

    npos = [x for x in model.npos if x.active]
    proper_npos = [x for x in npos if x.kind == "npo"]
    bank = model.bank
    borrowers = {id(loan.borrower) for loan in bank.loans} if bank is not None else set()
    in_touch = [
        id(o) in borrowers or week - getattr(o, "bank_contact_week", NEVER) < YEAR
        for o in (*proper_npos, *ses)
    ]

    budget = tallies.last_year("yen_budget")
    to_voluntary = tallies.last_year("yen_government_grant") + tallies.last_year(
        "yen_association_subsidy"
    )

    return {
        2: _ratio(active, ten),
        3: gathered_mean(household_access(model), pop.household[idx]),
        4: _per(tallies.per_year("cbo_attendances"), n),
        5: _ratio(informed, ten),
        6: _per(sum(x.staff for x in npos), n, 10_000),
        7: _ratio(reached, in_need),
        8: _ratio(programme_companies, companies),
        9: _per(tallies.last_year("yen_csr_budget"), at_company),
        10: _ratio(with_programme, at_company),
        13: mean([se.know_how for se in ses]) if ses else NAN,
        14: _per(len(ses), companies + len(ses)),
        15: _per(tallies.per_year("bank_advice"), len(npos) + len(ses)),
        16: sum(in_touch) / len(in_touch) if in_touch else NAN,
        17: tallies.per_year("platform_meetings"),
        19: _per(tallies.per_year("school_day_participations"), pupils),
        20: _per(tallies.per_year("open_college_attendances"), age_25, 1_000),
        21: _per(to_voluntary, budget),
        22: _cross_sector_share(model, candidates),
        23: tallies.grant_effect(),
        24: _per(tallies.per_year("coordinator_introductions"), n, 10_000),
    }
