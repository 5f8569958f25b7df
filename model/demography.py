"""Births, deaths, migration and the life course: how a town ages, shrinks or grows.

Weekly: deaths by age and sex (a frail person dies sooner than a robust one of the same
age), births to women living with a partner, moves out of town (young adults alone,
everyone else with their household) and households moving in. Yearly: school, work and
income follow age; young adults leave their parents' home; single adults pair up.
A spouse's death or the children's departure leaves elders living alone; nothing sets
that share directly after the start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from model import role_kernels, trait_kernels, vital_kernels
from model.kernel_rng import choice_cdf, choose, generator, handle
from model.population import NO_EMPLOYER, OUTSIDE_EMPLOYER
from model.venues import SCHOOL_LEVELS, STUDENT_AGES
from model.vital_rates import (
    EMPLOYMENT_FEMALE,
    EMPLOYMENT_MALE,
    FEMALE_SHARE,
    FERTILITY,
    FERTILITY_FIRST_GROUP,
    INCOME_MEDIAN_EMPLOYED_FEMALE,
    INCOME_MEDIAN_EMPLOYED_MALE,
    INCOME_MEDIAN_OTHER_ADULT,
    INCOME_MEDIAN_PENSION,
    INCOME_SIGMA,
    WEEKLY_DEATH_FEMALE,
    WEEKLY_DEATH_MALE,
    WEEKLY_OUT_MIGRATION,
)

if TYPE_CHECKING:
    from model.kizuna_model import KizunaModel

FRAILTY_MORTALITY_LOG_RR = 0.4  # log relative risk of death per s.d. of frailty offset


# --- traits and roles -----------------------------------------------------------------------
# the columns init_traits and update_frailty write for every new resident
TRAIT_COLUMNS = frozenset(
    {"propensity", "sociability", "awareness", "trust0", "trust", "frailty_u", "mortality_rr",
     "income_u", "work_u", "study_u", "motivation", "frailty"}
)  # fmt: skip


def init_traits(model: KizunaModel, slots: np.ndarray) -> None:
    """Draw lasting traits for new residents (start of the run, births, arrivals): civic
    propensity (beta), sociability (gamma, mean 1), awareness and trust (beta), frailty
    and earnings offsets (standard normal), work and study ranks (uniform), in one
    compiled call (``trait_kernels.draw_traits``). Frail people die sooner than robust
    ones of the same age and sex (proportional hazards, mean relative risk 1)."""
    pop = model.population
    z = trait_kernels.draw_traits(
        handle(model.rng), slots, FRAILTY_MORTALITY_LOG_RR, pop.propensity, pop.sociability,
        pop.awareness, pop.trust0, pop.trust, pop.frailty_u, pop.income_u, pop.work_u,
        pop.study_u, pop.motivation,
    )  # fmt: skip
    pop.mortality_rr[slots] = np.exp(z)


def update_frailty(model: KizunaModel, idx: np.ndarray) -> None:
    """Frailty rises with age along a logistic curve centred at 85, shifted per person."""
    pop = model.population
    # 1 / (1 + exp(-z)), z = (age - 85) / 6 + 0.8 frailty_u: two compiled passes around
    # numpy's float32 exp instead of eight array operations
    e = np.exp(vital_kernels.frailty_exponent(idx, pop.age, pop.frailty_u))
    vital_kernels.set_frailty(idx, e, pop.frailty)


# below this age nobody is at school or university, works or earns (the employment
# tables are zero for the first groups), so a newborn's roles are a fresh slot's defaults
FIRST_ROLE_AGE = min(
    SCHOOL_LEVELS[0][1],
    STUDENT_AGES[0],
    5 * int(np.flatnonzero(EMPLOYMENT_MALE + EMPLOYMENT_FEMALE)[0]),
)


def assign_roles(model: KizunaModel, idx: np.ndarray) -> None:
    """School, work and income from age and sex (run at the start and every year)."""
    pop = model.population
    region = model.region
    venues = model.venues
    venues.place_pupils(idx, pop.age, pop.cell, pop.school)
    # new slots and the (read-only) alive slots alike as a read-only view: one compiled
    # signature, loaded at the start, not a second one at the first year's end
    slots = idx.view()
    slots.flags.writeable = False
    # some 18-21s not in work study at the town's university (if there is one)
    works, starting = role_kernels.study_and_work(
        slots, pop.age, pop.female, pop.work_u, pop.study_u, pop.school, pop.employer,
        EMPLOYMENT_MALE, EMPLOYMENT_FEMALE, venues.university, *STUDENT_AGES,
        np.float32(region.university_share), NO_EMPLOYER,
    )  # fmt: skip
    new_employer = np.full(int(np.count_nonzero(starting)), OUTSIDE_EMPLOYER, dtype=np.int32)
    if len(new_employer):  # (drawing nothing leaves the generator as it was)
        local = model.rng.random(len(new_employer)) < region.local_work_share
        n_local = int(np.count_nonzero(local))
        if n_local:
            new_employer[local] = _workplaces(model, n_local)
    median = role_kernels.employers_and_medians(
        slots, pop.age, pop.female, pop.employer, works, starting, new_employer, NO_EMPLOYER,
        INCOME_MEDIAN_EMPLOYED_FEMALE, INCOME_MEDIAN_EMPLOYED_MALE, INCOME_MEDIAN_PENSION,
        INCOME_MEDIAN_OTHER_ADULT,
    )  # fmt: skip
    pop.income[idx] = median * region.income_scale * np.exp(INCOME_SIGMA * pop.income_u[idx])


def _workplaces(model: KizunaModel, n: int) -> np.ndarray:
    """``venues.draw_workplaces`` (``rng.choice`` by hiring weight) without the choice's
    checks, which cost more than the draw for the few arrivals of a week: the same
    cumulative sums, uniforms and search as ``rng.choice``, so the same workplaces.
    Weights that could not be probabilities go to ``draw_workplaces``, which says so."""
    weight = model.venues.workplace_weight
    total = weight.sum() if len(weight) else 0.0
    if not total > 0:
        return model.venues.draw_workplaces(n, model.rng)
    cdf = (weight / total).cumsum()
    cdf /= cdf[-1]
    return cdf.searchsorted(model.rng.random(n), side="right").astype(np.int32)


# --- weekly events --------------------------------------------------------------------------
def out_migrants(model: KizunaModel, idx: np.ndarray) -> np.ndarray:
    """Residents leaving: young adults on their own, frail elders into residential care,
    everyone else with their household."""
    pop = model.population
    region = model.region
    p = model.params
    # about 1% of those 65+ enter long-term care facilities each year, mostly the frail
    # and those with nobody at home (Survey of Institutions and Establishments for
    # Long-term Care 2015: about 4% of elders live in one, stays of 3-4 years); elders
    # living alone also move in with children or relatives elsewhere; households move
    # at the mean rate of their members who are not young adults
    u = model.rng.random(len(idx))  # one draw per resident, then one per household id
    u_household = model.rng.random(len(model.households))
    return vital_kernels.leaving(
        idx, pop.age, pop.frailty, pop.household, model.lives_alone,
        WEEKLY_OUT_MIGRATION * region.out_migration_scale, region.youth_exodus,
        p.care_entry_rate, p.elder_alone_move_rate, u, u_household,
    )  # fmt: skip


def vital_events(model: KizunaModel, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """This week's dead, those leaving town (not the dead) and the mothers still in town:
    deaths, births and ``out_migrants`` in one draw and two compiled passes.

    The draws are those of the three events drawn one at a time, in their order (one
    ``random`` call returns the same numbers as consecutive calls of the same total
    size; ``tests/references.py`` keeps that version), so the events are the same; the
    births' share of them is known after the first pass."""
    pop = model.population
    region = model.region
    p = model.params
    weekly_rate = WEEKLY_OUT_MIGRATION * region.out_migration_scale
    n_households = len(model.households)
    women, birth_chance, move_chance, groups = vital_kernels.week_chances(
        idx, pop.age, pop.female, pop.household, n_households,
        FERTILITY, FERTILITY_FIRST_GROUP, region.fertility_scale, weekly_rate, region.youth_exodus,
    )  # fmt: skip
    u = model.rng.random(2 * len(idx) + len(birth_chance) + n_households)
    return vital_kernels.week_events(
        idx, pop.age, pop.female, pop.mortality_rr, pop.frailty, pop.household,
        model.lives_alone, _DEATH_RATE, weekly_rate, region.youth_exodus,
        p.care_entry_rate, p.elder_alone_move_rate, women, birth_chance, move_chance, groups, u,
    )  # fmt: skip


# men's weekly hazards by age group, then women's (as week_events looks them up)
_DEATH_RATE = np.concatenate((WEEKLY_DEATH_MALE, WEEKLY_DEATH_FEMALE))


# household templates for arrivals: name, age range of the first adult, whether a
# partner comes along, and the chance and number of children
_ARRIVALS = ("young_single", "young_couple", "family", "single_adult", "retired_couple")
_ARRIVAL_AGE_LO = np.array([18.0, 25.0, 30.0, 30.0, 60.0])
_ARRIVAL_AGE_HI = np.array([30.0, 40.0, 46.0, 65.0, 75.0])
_ARRIVAL_COUPLE = np.array([False, True, True, False, True])


def arrivals(model: KizunaModel) -> int:
    """Households moving into town this week; returns the number of residents added."""
    rng = model.rng
    region = model.region
    n_hh = rng.poisson(region.in_migration_rate * model.population_size / 52.0)
    cells = model.vacant_cells(n_hh)  # a full town takes only as many as it has homes
    n_hh = len(cells)
    if n_hh == 0:
        return 0
    member_of, age, female, joins = _arrival_draws(
        handle(rng), np.asarray(region.arrival_mix, np.float64), n_hh,
        float(region.association_join_new),
    )  # fmt: skip
    hh_ids = model.households.add(cells, joins, model.week)
    model.add_residents(
        age=age, female=female, household=hh_ids[member_of], cell=np.asarray(cells)[member_of]
    )
    return len(member_of)


@njit(cache=True, nogil=True)
def _arrival_draws(h, mix, n_hh, join_share):  # pragma: no cover - compiled
    """The ``n_hh`` arriving households' members, drawn as the array steps did
    (``tests/references.py``'s ``arrival_members``), in one compiled call: each
    household's kind (``rng.choice`` by ``mix``: the same cumulative sums, uniforms and
    search), its first adult's age, the singles' sex, the partner's age, the children
    (a binomial per household, then a uniform per household, as ``np.where`` drew
    both), the children's ages and sexes, and whether it joins the association.
    Returns each member's household (firsts, partners, children), age (float32), sex,
    and each household's joining."""
    rng = generator(h)
    cdf = choice_cdf(mix)
    kind = np.empty(n_hh, np.int64)
    for i in range(n_hh):
        kind[i] = choose(rng, cdf)
    first = np.empty(n_hh)
    for i in range(n_hh):
        first[i] = rng.uniform(_ARRIVAL_AGE_LO[kind[i]], _ARRIVAL_AGE_HI[kind[i]])
    # singles are women half the time; in a couple the first adult is the man
    first_female = np.empty(n_hh, np.bool_)
    for i in range(n_hh):
        u = rng.random()  # (drawn for couples too)
        first_female[i] = u < 0.5 and not _ARRIVAL_COUPLE[kind[i]]
    partner_age = np.empty(n_hh)
    for i in range(n_hh):
        partner_age[i] = max(18.0, first[i] - rng.normal(2.0, 2.0))
    extra = np.empty(n_hh, np.int64)
    for i in range(n_hh):
        extra[i] = rng.binomial(2, 0.4)
    kids = np.empty(n_hh, np.int64)
    for i in range(n_hh):
        maybe = rng.random() < 0.3
        if kind[i] == _FAMILY:
            kids[i] = 1 + extra[i]
        else:
            kids[i] = 1 if kind[i] == _YOUNG_COUPLE and maybe else 0
    n_partners = 0
    for i in range(n_hh):
        n_partners += _ARRIVAL_COUPLE[kind[i]]
    n = n_hh + n_partners + kids.sum()
    member_of = np.empty(n, np.int64)
    age = np.empty(n, np.float32)
    female = np.empty(n, np.bool_)
    k = 0
    for i in range(n_hh):
        member_of[k] = i
        age[k] = first[i]
        female[k] = first_female[i]
        k += 1
    for i in range(n_hh):
        if _ARRIVAL_COUPLE[kind[i]]:
            member_of[k] = i
            age[k] = partner_age[i]
            female[k] = True
            k += 1
    children = k
    for i in range(n_hh):
        for _ in range(kids[i]):
            member_of[k] = i
            k += 1
    for c in range(children, n):  # np.clip of the partner's age less 20 to [1, 15]
        oldest = min(max(partner_age[member_of[c]] - 20.0, 1.0), 15.0)
        age[c] = rng.uniform(0.0, oldest)
    for c in range(children, n):
        female[c] = rng.random() < _GIRL_SHARE
    joins = np.empty(n_hh, np.bool_)
    for i in range(n_hh):
        joins[i] = rng.random() < join_share
    return member_of, age, female, joins


_FAMILY = _ARRIVALS.index("family")
_YOUNG_COUPLE = _ARRIVALS.index("young_couple")
_GIRL_SHARE = float(FEMALE_SHARE[0])


# --- yearly life course -----------------------------------------------------------------------
def leave_home(model: KizunaModel, idx: np.ndarray) -> int:
    """Young adults (20-34) living with a parent move to a home of their own in town."""
    pop = model.population
    rng = model.rng
    age = pop.age[idx]
    hh = pop.household[idx]
    oldest = np.zeros(len(model.households))
    np.maximum.at(oldest, hh, age)
    cand = (age >= 20) & (age < 35) & (oldest[hh] >= age + 18)
    movers = idx[cand & (rng.random(len(idx)) < model.params.leave_home_rate)]
    if len(movers) == 0:
        return 0
    cells = model.vacant_cells(len(movers))
    movers = movers[: len(cells)]
    if len(movers) == 0:
        return 0
    joins = rng.random(len(movers)) < model.region.association_join_new
    new_hh = model.households.add(cells, joins, model.week)
    model.move_residents(movers, new_hh, cells)
    return len(movers)


def partnering(model: KizunaModel, idx: np.ndarray, sizes: np.ndarray) -> int:
    """Single adults (25-44, living alone) pair up; she moves into his home."""
    pop = model.population
    rng = model.rng
    age = pop.age[idx]
    alone = sizes[pop.household[idx]] == 1
    single = idx[alone & (age >= 25) & (age < 45)]
    single = single[rng.random(len(single)) < model.params.partnering_rate]
    men = single[~pop.female[single]]
    women = single[pop.female[single]]
    k = min(len(men), len(women))
    if k == 0:
        return 0
    men = rng.permutation(men)[:k]
    women = rng.permutation(women)[:k]
    men = men[np.argsort(pop.age[men], kind="stable")]
    women = women[np.argsort(pop.age[women], kind="stable")]
    model.move_residents(women, pop.household[men].astype(np.int64), pop.cell[men].astype(np.int64))
    return k


def annual_update(model: KizunaModel) -> None:
    idx = model.population.alive_idx()
    assign_roles(model, idx)
    leave_home(model, idx)
    idx = model.population.alive_idx()
    sizes = model.households.sizes(model.population.household[idx])
    partnering(model, idx, sizes)
