"""Build the starting population: people with ages and sexes, grouped into households.

People come first, drawn from the region's age structure, so the age profile matches
the census exactly in expectation; households are then assembled the way Japanese
households are composed: elders alone (at the region's living-alone rate), elder
couples, families (a mother, usually a father, and children whose ages fit hers),
couples, single people, young adults still living with their parents, and elders
living with an adult child (three generations). Partners are matched by age rank,
which keeps age gaps realistic without a per-person search.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.regions import RegionProfile
from model.vital_rates import FEMALE_SHARE, MAX_AGE, N_AGE_GROUPS

# households with children under 18 by number of children: 1, 2, 3, 4 (2015 census:
# about 44%, 41%, 13%, 2%; 1.7 children on average)
CHILDREN_PER_FAMILY = np.array([0.44, 0.41, 0.13, 0.02])
LONE_PARENT_SHARE = 0.10  # of families with children, share without a father in the home


@dataclass
class SynthPopulation:
    age: np.ndarray
    female: np.ndarray
    household: np.ndarray  # household index 0..n_households-1
    n_households: int


def _draw_people(profile: RegionProfile, n: int, rng: np.random.Generator):
    group = rng.choice(N_AGE_GROUPS, size=n, p=profile.age_distribution())
    age = group * 5.0 + rng.random(n) * 5.0
    age = np.minimum(age, MAX_AGE - 1e-3)
    female = rng.random(n) < FEMALE_SHARE[group]
    return age, female


def _sample_by_target(
    pool: np.ndarray, pool_age: np.ndarray, targets: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Pick ``len(targets)`` pool members whose age distribution follows ``targets``.

    Each candidate is weighted by demand / supply in its one-year age bin, so the picks
    have the ages the targets ask for. Returns pool members (fewer if the pool is short).
    """
    k = min(len(targets), len(pool))
    if k == 0:
        return np.empty(0, np.int64)
    bins = np.arange(0, 111)
    demand = np.histogram(targets, bins=bins)[0].astype(float)
    supply = np.histogram(pool_age, bins=bins)[0].astype(float)
    ratio = np.divide(demand, supply, out=np.zeros_like(demand), where=supply > 0)
    # a little mass everywhere so nearby ages can stand in when a bin runs dry
    w = ratio[np.clip(pool_age.astype(int), 0, 109)] + 1e-3
    return rng.choice(pool, size=k, replace=False, p=w / w.sum())


def _rank_pair(
    left: np.ndarray, left_key: np.ndarray, right: np.ndarray, right_key: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Pair two equally long groups by the rank of their keys (youngest with youngest)."""
    return left[np.argsort(left_key, kind="stable")], right[np.argsort(right_key, kind="stable")]


def _nearest(sorted_keys: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Index into ``sorted_keys`` of the value nearest each target."""
    pos = np.clip(np.searchsorted(sorted_keys, targets), 1, len(sorted_keys) - 1)
    left = sorted_keys[pos - 1]
    right = sorted_keys[pos]
    return np.where(np.abs(targets - left) <= np.abs(right - targets), pos - 1, pos)


def synthesise(profile: RegionProfile, n: int, rng: np.random.Generator) -> SynthPopulation:
    age, female = _draw_people(profile, n, rng)
    hh = np.full(n, -1, dtype=np.int64)
    next_id = 0

    def found(members: np.ndarray) -> np.ndarray:
        """Each member starts a household of their own; returns the new ids."""
        nonlocal next_id
        ids = np.arange(next_id, next_id + len(members))
        hh[members] = ids
        next_id += len(members)
        return ids

    def join(members: np.ndarray, heads: np.ndarray) -> None:
        hh[members] = hh[heads]

    everyone = np.arange(n)
    elders = everyone[age >= 65]
    children = everyone[age < 18]

    # --- elders: alone, as couples, or later with family -------------------------------------
    p_alone = np.where(female[elders], profile.alone_65_female, profile.alone_65_male)
    alone = rng.random(len(elders)) < p_alone
    found(elders[alone])
    rest = elders[~alone]
    as_couple = rest[rng.random(len(rest)) < profile.elder_couple_share]
    with_family = list(rest[~np.isin(rest, as_couple)])
    men = as_couple[~female[as_couple]]
    women = as_couple[female[as_couple]]
    k = min(len(men), len(women))
    men_k = rng.permutation(men)[:k]
    women_k = rng.permutation(women)[:k]
    m, w = _rank_pair(men_k, age[men_k], women_k, age[women_k])
    found(m)
    join(w, m)
    with_family.extend(np.setdiff1d(as_couple, np.concatenate((m, w))).tolist())
    with_family = np.array(with_family, dtype=np.int64)

    # --- families: children grouped into siblings, then a mother and usually a father ------
    families = np.empty(0, np.int64)
    if len(children):
        # siblings are neighbours in age order blurred by a few years; family sizes follow
        # the census mix of 1, 2 and 3+ children
        order = np.argsort(age[children] + rng.normal(0.0, 3.0, len(children)))
        sizes = rng.choice(len(CHILDREN_PER_FAMILY), size=len(children), p=CHILDREN_PER_FAMILY) + 1
        ends = np.cumsum(sizes)
        sizes = sizes[: np.searchsorted(ends, len(children)) + 1]
        sizes[-1] -= int(sizes.sum()) - len(children)
        family_of = np.repeat(np.arange(len(sizes)), sizes)
        siblings = children[order]
        oldest = np.zeros(len(sizes))
        np.maximum.at(oldest, family_of, age[siblings])
        mother_target = np.clip(oldest + rng.normal(29.0, 4.5, len(sizes)), 18, 59.9)
        cand = everyone[(hh < 0) & female & (age >= 18) & (age < 60)]
        mothers = _sample_by_target(cand, age[cand], mother_target, rng)
        fam = np.argsort(mother_target, kind="stable")[: len(mothers)]
        mothers = mothers[np.argsort(age[mothers], kind="stable")]
        found(mothers)
        has_mother = np.zeros(len(sizes), bool)
        has_mother[fam] = True
        mother_of = np.full(len(sizes), -1)
        mother_of[fam] = mothers
        kids_ok = has_mother[family_of]
        join(siblings[kids_ok], mother_of[family_of[kids_ok]])
        found(siblings[~kids_ok])  # only when a tiny town runs out of women
        families = mothers
        with_father = families[rng.random(len(families)) >= LONE_PARENT_SHARE]
        cand_fathers = everyone[(hh < 0) & ~female & (age >= 18) & (age < 70)]
        father_target = age[with_father] + rng.normal(2.0, 3.0, len(with_father))
        fathers = _sample_by_target(cand_fathers, age[cand_fathers], father_target, rng)
        fam = with_father[np.argsort(father_target)][: len(fathers)]
        fathers = fathers[np.argsort(age[fathers], kind="stable")]
        hh[fathers] = hh[fam]

    # --- other adults under 65: alone, couples, or living with kin ----------------------------
    adults = everyone[(hh < 0) & (age >= 18) & (age < 65)]
    # census one-person rates by age band; parents were placed first, so the rate among
    # those left is the band's rate times (band size / those left in the band)
    p_alone = np.zeros(len(adults))
    for lo, hi, rate in ((18, 35, profile.young_alone_share), (35, 65, profile.middle_alone_share)):
        in_band = (age[adults] >= lo) & (age[adults] < hi)
        n_band = int(((age >= lo) & (age < hi)).sum())
        p_alone[in_band] = min(0.95, rate * n_band / max(int(in_band.sum()), 1))
    alone_adults = adults[rng.random(len(adults)) < p_alone]
    found(alone_adults)
    rest = np.setdiff1d(adults, alone_adults)
    young = rest[age[rest] < 35]
    stay = young[rng.random(len(young)) < profile.young_adults_with_parents]
    rest = np.setdiff1d(rest, stay)
    p_partner = np.where(
        age[rest] < 25, 0.05, np.where(age[rest] < 30, 0.3, profile.adults_partnered)
    )
    partnered = rest[rng.random(len(rest)) < p_partner]
    men = rng.permutation(partnered[~female[partnered]])
    women = rng.permutation(partnered[female[partnered]])
    k = min(len(men), len(women))
    m, w = _rank_pair(men[:k], age[men[:k]], women[:k], age[women[:k]])
    found(m)
    join(w, m)
    with_kin = rest[hh[rest] < 0]

    # elders living with family first take in an unpartnered adult child: a very common
    # Japanese household (a widowed parent and a middle-aged son or daughter)
    kin_target = age[with_family] - rng.normal(30.0, 4.0, len(with_family))
    kids = _sample_by_target(with_kin, age[with_kin], kin_target, rng)
    if len(kids):
        parents = with_family[np.argsort(kin_target, kind="stable")][: len(kids)]
        kids = kids[np.argsort(age[kids], kind="stable")]
        found(parents)
        join(kids, parents)
        with_family = with_family[hh[with_family] < 0]
        with_kin = with_kin[hh[with_kin] < 0]

    # the rest join a household holding someone the right age to be their parent (or
    # child); households of elders alone are excluded so the census living-alone rate holds
    size = np.bincount(hh[hh >= 0], minlength=next_id)
    hosts = everyone[(hh >= 0) & (age >= 18) & (age < 90)]
    hosts = hosts[~((size[hh[hosts]] == 1) & (age[hosts] >= 65))]
    hosts = hosts[np.argsort(age[hosts], kind="stable")]
    kin_gap = np.where((age[with_kin] < 35) | (rng.random(len(with_kin)) < 0.5), 28.0, -28.0)
    for joiners, gap in ((stay, 29.0), (with_family, -30.0), (with_kin, kin_gap)):
        if len(joiners) == 0:
            continue
        if len(hosts) < 2:
            found(joiners)
            continue
        target = age[joiners] + rng.normal(gap, 4.0, len(joiners))
        join(joiners, hosts[_nearest(age[hosts], target)])

    leftover = everyone[hh < 0]  # only in degenerate tiny towns
    if len(leftover):
        found(leftover)
    # compact ids to 0..H-1
    _, household = np.unique(hh, return_inverse=True)
    return SynthPopulation(
        age=age.astype(np.float32),
        female=female,
        household=household.astype(np.int32),
        n_households=int(household.max()) + 1,
    )
