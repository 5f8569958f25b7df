"""The per-week outcomes table: what the model reports, with units and definitions.

``OUTCOMES`` is the single list of reported quantities; the model's DataCollector has
one model reporter per entry, so each step adds one tidy row. A "stock" is a state at
the end of the week (a rate, a count of people); a "flow" is what happened during the
week (births, yen given) and is summed, not sampled, when summarising a year.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from model import background, dashboard, gathered_sums, resilience
from model import outcome_kernels as ok
from model.attachment import NPO as NPO_ATTACHED
from model.background import Pending
from model.gathered_sums import gathered_mean
from model.pairwise import mean
from model.ties import Neighbours, PendingCensus

if TYPE_CHECKING:
    from model.kizuna_model import KizunaModel

CLUSTERING_SAMPLE = 500  # residents sampled for the clustering estimate each week
CLUSTERING_WEDGES = 5  # wedges checked per sampled resident (s.e. about 0.01)
GENERATIONS = (30.0, 65.0)  # age bands <30, 30-64, 65+ for bridging ties

# survey age groups for the volunteer rate: (label, lowest age, highest age exclusive)
VOLUNTEER_AGE_GROUPS = (
    ("10_19", 10, 20),
    ("20_24", 20, 25),
    ("25_29", 25, 30),
    ("30_39", 30, 40),
    ("40_49", 40, 50),
    ("50_59", 50, 60),
    ("60_64", 60, 65),
    ("65_plus", 65, 200),
    ("75_plus", 75, 200),
)
_GROUP_LO = np.array([lo for _, lo, _ in VOLUNTEER_AGE_GROUPS], np.float64)
_GROUP_HI = np.array([hi for _, _, hi in VOLUNTEER_AGE_GROUPS], np.float64)
# (position of the group's count in the tallies, outcome name), worked out once
_GROUP_KEYS = tuple(
    (ok.GROUPS + 2 * g, f"volunteer_rate_{label}")
    for g, (label, _, _) in enumerate(VOLUNTEER_AGE_GROUPS)
)


@dataclass(frozen=True)
class Outcome:
    name: str
    group: str  # population, ties, participation, places
    kind: str  # "stock" or "flow"
    unit: str
    description: str


def _o(name: str, group: str, kind: str, unit: str, description: str) -> Outcome:
    return Outcome(name, group, kind, unit, description)


OUTCOMES: tuple[Outcome, ...] = (
    # population
    _o("population", "population", "stock", "residents", "residents living in the town"),
    _o("households", "population", "stock", "households", "households with at least one resident"),
    _o("mean_household_size", "population", "stock", "residents", "residents per household"),
    _o("share_0_14", "population", "stock", "share", "residents aged 0-14"),
    _o("share_15_64", "population", "stock", "share", "residents aged 15-64"),
    _o("share_65_plus", "population", "stock", "share", "residents aged 65 and over"),
    _o("share_75_plus", "population", "stock", "share", "residents aged 75 and over"),
    _o("elders_living_alone", "population", "stock", "share", "of those 65+, share living alone"),
    _o("births", "population", "flow", "residents", "births this week"),
    _o("deaths", "population", "flow", "residents", "deaths this week"),
    _o("in_migrants", "population", "flow", "residents", "residents who moved in this week"),
    _o("out_migrants", "population", "flow", "residents", "residents who moved out this week"),
    # ties
    _o("ties", "ties", "stock", "ties", "ties between residents"),
    _o("mean_degree", "ties", "stock", "ties/resident", "ties per resident"),
    _o("mean_strong_degree", "ties", "stock", "ties/resident", "strong ties per resident"),
    _o("mean_tie_strength", "ties", "stock", "weight", "mean weight of a tie (0-1)"),
    _o("elder_mean_degree", "ties", "stock", "ties/resident",
       "ties outside the household per resident aged 65+"),
    _o("clustering", "ties", "stock", "coefficient",
       "mean local clustering, estimated from 2,500 sampled wedges a week (s.e. ~0.01)"),
    _o("isolated_share", "ties", "stock", "share",
       "residents with no tie outside their household"),
    _o("isolated_elders_alone", "ties", "stock", "share",
       "of elders (65+) living alone, share with no tie outside their household"),
    _o("no_close_friend_60_plus", "ties", "stock", "share",
       "of those 60+, share with no strong tie outside the household "
       "(Ageing White Paper: about 26% in 2015)"),
    _o("bridging_age_share", "ties", "stock", "share",
       "of ties outside households, share linking generations (<30, 30-64, 65+)"),
    _o("ties_formed", "ties", "flow", "ties", "ties formed this week"),
    _o("ties_dissolved", "ties", "flow", "ties", "ties dissolved this week"),
    # participation
    _o("volunteer_rate", "participation", "stock", "share",
       "of those 10+, share who volunteered in the last 52 weeks (national survey measure)"),
    *(
        _o(f"volunteer_rate_{label}", "participation", "stock", "share",
           f"volunteer rate (last 52 weeks) of those aged {label.replace('_', '-')}")
        for label, _, _ in VOLUNTEER_AGE_GROUPS
    ),
    _o("volunteer_rate_male", "participation", "stock", "share", "volunteer rate of men 10+"),
    _o("volunteer_rate_female", "participation", "stock", "share", "volunteer rate of women 10+"),
    _o("volunteer_rate_employees", "participation", "stock", "share",
       "volunteer rate of adults working for local firms"),
    _o("volunteers_this_week", "participation", "flow", "residents", "residents who volunteered"),
    _o("donor_rate", "participation", "stock", "share",
       "of adults (20+), share who gave money in the last 52 weeks (Giving Japan measure)"),
    _o("local_donor_rate", "participation", "stock", "share",
       "of adults, share who gave to a cause in town (an NPO, the foundation, the community "
       "chest) in the last 52 weeks"),
    _o("giving_yen", "participation", "flow", "yen", "money given this week"),
    _o("giving_yen_last_year", "participation", "stock", "yen", "money given in the last 52 weeks"),
    _o("gift_per_donor_mean", "participation", "stock", "yen",
       "mean given per donor over the last 52 weeks"),
    _o("gift_per_donor_median", "participation", "stock", "yen",
       "median given per donor over the last 52 weeks"),
    _o("association_membership", "participation", "stock", "share",
       "households in the neighbourhood association"),
    _o("awareness_mean", "participation", "stock", "0-1",
       "mean awareness of local challenges, 10+ (challenge 1)"),
    _o("trust_mean", "participation", "stock", "0-1", "mean trust in NPOs, adults"),
    _o("motivation_mean", "participation", "stock", "0-1", "mean volunteer motivation, 10+"),
    _o("free_time_mean", "participation", "stock", "0-1", "mean free time, adults"),
    # organisations and money
    _o("active_npos", "organisations", "stock", "NPOs", "NPOs operating (support centre excluded)"),
    _o("npo_capacity_mean", "organisations", "stock", "capacity units",
       "mean NPO capacity: (staff + 0.3 x active volunteers) x (0.5 + know-how) x funding"),
    _o("npo_staff", "organisations", "stock", "people", "paid staff of all NPOs"),
    _o("npo_know_how", "organisations", "stock", "0-1", "mean know-how of NPOs"),
    _o("npo_reserve_months", "organisations", "stock", "months",
       "mean NPO reserves, in months of their costs"),
    _o("volunteers_per_npo", "organisations", "stock", "residents",
       "residents volunteering with an NPO (attached), per NPO"),
    _o("npos_founded", "organisations", "flow", "NPOs", "NPOs founded this week"),
    _o("npos_closed", "organisations", "flow", "NPOs", "NPOs closed this week"),
    _o("social_enterprises", "organisations", "stock", "firms", "social enterprises operating"),
    _o("se_self_reliance", "organisations", "stock", "ratio",
       "mean self-reliance of social enterprises: revenue over costs, last 12 months "
       "(undefined in a town without any)"),
    _o("se_self_reliant_share", "organisations", "stock", "share",
       "social enterprises whose revenue covered their costs over the last 12 months "
       "(undefined in a town without any)"),
    _o("loans_outstanding", "organisations", "stock", "yen",
       "owed to the regional bank by NPOs and social enterprises"),
    _o("loans_issued", "organisations", "flow", "yen", "new loans this week"),
    _o("loan_defaults", "organisations", "flow", "loans", "loans defaulted this week"),
    _o("grants_paid", "organisations", "flow", "yen",
       "grants to NPOs from the municipality and the community foundation"),
    _o("gifts_direct", "organisations", "flow", "yen", "residents' gifts straight to local NPOs"),
    _o("gifts_foundation", "organisations", "flow", "yen",
       "residents' gifts to the community foundation"),
    _o("gifts_community_chest", "organisations", "flow", "yen",
       "the yearly collection through associations (to the community chest)"),
    _o("gifts_outside", "organisations", "flow", "yen", "residents' gifts to causes outside town"),
    _o("csr_donations", "organisations", "flow", "yen", "companies' gifts to NPOs and foundations"),
    _o("social_investment", "organisations", "flow", "yen",
       "residents' savings invested locally (social investment fund, crowdfunding)"),
    _o("intervention_cost", "organisations", "flow", "yen",
       "running costs of the report's paths switched on in this scenario"),
    _o("association_vitality", "organisations", "stock", "0-1",
       "mean vitality of neighbourhood associations (falls while nobody takes over)"),
    _o("associations_with_leader", "organisations", "stock", "share",
       "neighbourhood associations that have a leader"),
    _o("npo_volunteer_share", "organisations", "stock", "share",
       "of those 10+, share volunteering with an NPO"),
    _o("fire_brigade_members", "organisations", "stock", "residents",
       "members of the volunteer fire corps"),
    # places
    _o("places", "places", "stock", "places", "places for mutual assistance"),
    _o("place_visits", "places", "flow", "visits", "visits to places this week"),
    _o("elders_at_places", "places", "stock", "share",
       "of those 65+, share who visited a place in the last 8 weeks"),
)  # fmt: skip
# disasters (model/resilience.py) and the report's 24 challenges (model/dashboard.py)
OUTCOMES += tuple(_o(*spec) for spec in resilience.OUTCOME_SPECS)
OUTCOMES += tuple(
    _o(c.outcome, "challenges", "stock", c.unit, c.indicator) for c in dashboard.CHALLENGES
)

OUTCOME_NAMES = tuple(o.name for o in OUTCOMES)
OUTCOME_BY_NAME = {o.name: o for o in OUTCOMES}


@dataclass
class TieCensus:
    """Each slot's ties by class (see ``TieNetwork.census``), counted once a week."""

    by_class: np.ndarray  # (capacity, 4): household weak/strong, outside weak/strong
    n_outside: int
    n_bridge: int
    sample: np.ndarray | None = None  # the clustering sample, if drawn before the census
    neighbours: Neighbours | None = None  # the sample's ties, gathered in the same pass

    @property
    def degree(self) -> np.ndarray:
        return self.by_class.sum(axis=1)


def generations(age: np.ndarray) -> np.ndarray:
    """Each age's band of ``GENERATIONS`` as ``np.searchsorted(GENERATIONS, age,
    side="right")`` gives it (NaN past every band), in one compiled pass over the column
    (comparisons in its dtype, as NumPy compares it with a Python number)."""
    return ok.generation_bands(age, _bounds_in(age.dtype)[0])


def tie_census(model: KizunaModel, sample: np.ndarray | None = None) -> TieCensus:
    """The week's tie census; with a clustering ``sample`` (see ``clustering_sample``) it
    also gathers the sample's neighbour lists, saving the estimate a pass over the ties."""
    pop = model.population
    args = (pop.household, generations(pop.age), model.params.strong_threshold, pop.capacity)
    if sample is None:
        return TieCensus(*model.ties.census(*args))
    by_class, n_out, n_bridge, neighbours = model.ties.census_with_neighbours(*args, sample)
    return TieCensus(by_class, n_out, n_bridge, sample, neighbours)


def tie_census_later(model: KizunaModel, sample: np.ndarray) -> PendingCensus:
    """``tie_census`` with a sample, counted on the helper thread (``model.background``)
    while the week goes on: start it only once nothing will move, add or remove
    residents before it is collected."""
    pop = model.population
    args = (pop.household, generations(pop.age), model.params.strong_threshold, pop.capacity)
    raw = model.ties.census_later(*args, sample)
    return PendingCensus(
        raw,
        lambda census: TieCensus(*census[:3], sample, census[3]),
        raw.by_class,
        sample,
        raw.counted,
    )


def clustering_sample(model: KizunaModel, idx: np.ndarray) -> np.ndarray:
    """The residents (sorted, unique) whose wedges estimate clustering this week: all of
    them in a small town, else ``CLUSTERING_SAMPLE`` drawn from ``model.metrics_rng``."""
    if len(idx) > CLUSTERING_SAMPLE:
        return np.sort(model.metrics_rng.choice(idx, CLUSTERING_SAMPLE, replace=False))
    return idx


def measure(model: KizunaModel, census: TieCensus | Pending | None = None) -> dict[str, float]:
    """Compute every outcome for the current week.

    Every share over residents is a ratio of counts from one compiled pass
    (``outcome_kernels.resident_tallies``); the same numbers as one mask per share.
    ``census`` may still be being counted on the helper thread (``tie_census_later``):
    the outcomes that do not need it are taken first.
    """
    pop = model.population
    net = model.ties
    idx = pop.alive_idx()
    n = len(idx)
    week = model.week
    flows = model.flows
    p = model.params
    if census is None:
        census = tie_census(model, clustering_sample(model, idx))
    adt = pop.age.dtype.type  # thresholds compared in the age column's type, as NumPy does
    by_class = census.by_class  # (being filled, for a census still being counted)
    tallies = background.later(
        ok.resident_tallies, idx, pop.age, pop.female, pop.household, pop.employer,
        pop.attach_kind, NPO_ATTACHED, pop.brigade, by_class, pop.last_volunteer_week,
        pop.last_donation_week, pop.last_local_gift_week, pop.last_place_week, week, 8,
        model.households.member, adt(p.volunteer_min_age), adt(p.donor_min_age),
        *_bounds_in(pop.age.dtype)[1:],
    )  # fmt: skip  # queued on the helper behind the census
    estimate: Pending | None = None  # the clustering, estimated there after the tallies
    if isinstance(census, PendingCensus) and census.sample is not None:
        estimate = net.clustering_later(
            census, len(census.sample), CLUSTERING_WEDGES, model.metrics_rng
        )
    given, donor_amounts, per_donor = gathered_sums.gift_summary(pop.gifts, idx)
    parts = dashboard.indicator_parts(model)
    resilient = resilience.outcomes(model)
    if not isinstance(census, TieCensus):
        census = census.result()
    if estimate is None:
        sample = census.sample if census.sample is not None else clustering_sample(model, idx)
        estimate = background.Done(
            net.average_clustering(
                sample, pop.capacity, CLUSTERING_WEDGES, model.metrics_rng, census.neighbours
            )
        )
    c, ten, adults, eighteen = tallies.result()
    c = c.tolist()
    n_hh = c[ok.HOUSEHOLDS]

    out: dict[str, float] = {
        "population": float(n),
        "households": float(n_hh),
        "mean_household_size": float(n / max(n_hh, 1)),
        "share_0_14": _ratio(c[ok.UNDER_15], n),
        "share_15_64": _ratio(c[ok.AGE_15_64], n),
        "share_65_plus": _ratio(c[ok.AGE_65], n),
        "share_75_plus": _ratio(c[ok.AGE_75], n),
        "elders_living_alone": _ratio(c[ok.ELDER_ALONE], c[ok.AGE_65]),
        "births": flows["births"],
        "deaths": flows["deaths"],
        "in_migrants": flows["in_migrants"],
        "out_migrants": flows["out_migrants"],
    }

    # ties: the census counted each resident's ties by (outside household, strong)
    n_out, n_bridge = census.n_outside, census.n_bridge
    out.update(
        {
            "ties": float(len(net)),
            "mean_degree": _ratio(c[ok.DEGREE], n),
            "mean_strong_degree": _ratio(c[ok.STRONG_DEGREE], n),
            "mean_tie_strength": array_mean(net.weight) if len(net) else np.nan,
            "elder_mean_degree": _ratio(c[ok.ELDER_OUT_DEGREE], c[ok.AGE_65]),
            "clustering": estimate.result(),
            "isolated_share": _ratio(c[ok.ISOLATED], n),
            "isolated_elders_alone": _ratio(c[ok.ISOLATED_ELDER_ALONE], c[ok.ELDER_ALONE]),
            "no_close_friend_60_plus": _ratio(c[ok.AGE_60_NO_CLOSE], c[ok.AGE_60]),
            "bridging_age_share": n_bridge / n_out if n_out else np.nan,
            "ties_formed": flows["ties_formed"],
            "ties_dissolved": flows["ties_dissolved"],
        }
    )

    # participation
    out["volunteer_rate"] = _ratio(c[ok.CAN_VOL_VOL], c[ok.CAN_VOL])
    for at, key in _GROUP_KEYS:
        out[key] = _ratio(c[at + 1], c[at])
    out.update(
        {
            "volunteer_rate_male": _ratio(c[ok.MALE_VOL], c[ok.MALE]),
            "volunteer_rate_female": _ratio(c[ok.FEMALE_VOL], c[ok.FEMALE]),
            "volunteer_rate_employees": _ratio(c[ok.EMPLOYEES_VOL], c[ok.EMPLOYEES]),
            "volunteers_this_week": flows["volunteers"],
            "donor_rate": _ratio(c[ok.ADULT_DONOR], c[ok.ADULT]),
            "local_donor_rate": _ratio(c[ok.ADULT_LOCAL_DONOR], c[ok.ADULT]),
            "giving_yen": flows["giving_yen"],
            "giving_yen_last_year": given,
            "gift_per_donor_mean": per_donor,
            "gift_per_donor_median": _median(donor_amounts) if len(donor_amounts) else np.nan,
            "association_membership": _ratio(c[ok.MEMBER_HOUSEHOLDS], n_hh),
            "awareness_mean": gathered_mean(pop.awareness, ten),
            "trust_mean": gathered_mean(pop.trust, adults),
            "motivation_mean": gathered_mean(pop.motivation, ten),
            "free_time_mean": gathered_mean(pop.free_time, eighteen),
        }
    )
    out.update(organisation_outcomes(model, c))
    out.update(
        {
            "places": float(len(model.places)),
            "place_visits": flows["place_visits"],
            "elders_at_places": _ratio(c[ok.ELDER_AT_PLACE], c[ok.AGE_65]),
        }
    )
    out.update(resilient)
    out.update(dashboard.indicators(model, out, parts))  # reuses figures measured above
    return out


def array_mean(values: np.ndarray) -> float:
    """``float(values.mean())`` of a non-empty float array without ``np.mean``'s Python
    layer: the same sum (``np.add.reduce``), divided as it divides (by an intp count,
    rounded back to the values' dtype)."""
    total = np.add.reduce(values)
    return float(total.dtype.type(total / np.intp(len(values))))


@functools.cache
def _bounds_in(dtype: np.dtype) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Age bounds in the age column's dtype (as NumPy compares the column with a Python
    number), cast once per dtype: the generations', the volunteer age groups' lower and
    upper."""
    return (
        np.array(GENERATIONS).astype(dtype),
        _GROUP_LO.astype(dtype),
        _GROUP_HI.astype(dtype),
    )


def _median(values: np.ndarray) -> float:
    """``float(np.median(values))`` of a non-empty float array without NaN: the same
    order statistics (one partition) and the same mean of the middle two, without
    ``np.median``'s dispatch (a sizeable part of a small town's week)."""
    n = len(values)
    half = n // 2
    if n % 2:
        return float(np.partition(values, half)[half])
    part = np.partition(values, (half - 1, half))
    return (float(part[half - 1]) + float(part[half])) / 2.0


def _ratio(count: int, of: int) -> float:
    """A share (or a mean of integer counts): NaN when there is nothing to share out."""
    return count / of if of else np.nan


def organisation_outcomes(model: KizunaModel, counts: list[int]) -> dict[str, float]:
    """Organisations' outcomes; ``counts`` are the week's ``resident_tallies``."""
    capacity: list[float] = []  # of the NPOs proper that operate, in one pass
    know_how: list[float] = []
    reserve: list[float] = []
    staff = 0
    for n in model.npos:
        if n.active and n.kind == "npo":
            capacity.append(n.capacity)
            know_how.append(n.know_how)
            reserve.append(n.funds / max(n.monthly_costs, 1.0))
            staff += n.staff
    reliance = [x.self_reliance for x in model.social_enterprises if x.active]
    moved = model.ledger.week_totals(model.week)
    assoc = model.associations
    n_npos = len(capacity)
    return {
        "active_npos": float(n_npos),
        "npo_capacity_mean": mean(capacity) if n_npos else np.nan,
        "npo_staff": float(staff),
        "npo_know_how": mean(know_how) if n_npos else np.nan,
        "npo_reserve_months": mean(reserve) if n_npos else np.nan,
        "volunteers_per_npo": counts[ok.ATTACHED] / n_npos if n_npos else np.nan,
        "npos_founded": model.flows["npos_founded"],
        "npos_closed": model.flows["npos_closed"],
        "social_enterprises": float(len(reliance)),
        "se_self_reliance": mean(reliance) if reliance else np.nan,
        "se_self_reliant_share": sum(r >= 1.0 for r in reliance) / len(reliance)
        if reliance
        else np.nan,
        "loans_outstanding": model.bank.outstanding if model.bank is not None else 0.0,
        "loans_issued": model.flows["loans_issued"],
        "loan_defaults": model.flows["loan_defaults"],
        "grants_paid": float(moved["government_grant"] + moved["foundation_grant"]),
        "gifts_direct": float(moved["gift_direct"]),
        "gifts_foundation": float(moved["gift_foundation"]),
        "gifts_community_chest": float(moved["community_chest"]),
        "gifts_outside": float(moved["gift_outside"]),
        "csr_donations": float(moved["csr_donation"]),
        "social_investment": float(moved["social_investment"]),
        "intervention_cost": model.flows["intervention_cost"],
        "association_vitality": mean([a.vitality for a in assoc]) if assoc else np.nan,
        "associations_with_leader": sum(a.leader >= 0 for a in assoc) / len(assoc)
        if assoc
        else np.nan,
        "npo_volunteer_share": _ratio(counts[ok.CAN_VOL_ATTACHED], counts[ok.CAN_VOL]),
        "fire_brigade_members": float(counts[ok.BRIGADE]),
    }
