"""Plain reference versions that the fast paths are tested against."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from model.venues import SCHOOL_LEVELS
from model.vital_kernels import _birth_chances, _group
from model.vital_rates import (
    FERTILITY,
    FERTILITY_FIRST_GROUP,
    WEEKLY_DEATH_FEMALE,
    WEEKLY_DEATH_MALE,
)

if TYPE_CHECKING:
    from model.kizuna_model import KizunaModel


class ListLedger:
    """The ledger as a list of rows, scanned from the end (the definition)."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, str, str, str, int]] = []
        self.week = 0

    def transfer(self, source: str, dest: str, channel: str, amount: float) -> int:
        yen = round(amount)
        if yen > 0:
            self.rows.append((self.week, source, dest, channel, yen))
        return max(yen, 0)

    def week_totals(self, week: int) -> dict[str, int]:
        totals: dict[str, int] = defaultdict(int)
        for w, _s, _d, channel, yen in reversed(self.rows):
            if w != week:
                if w < week:
                    break
                continue
            totals[channel] += yen
        return totals


# --- the weekly vital events one at a time, as the model drew them before
# ``demography.vital_events`` fused them (the fused passes are tested against these)
@njit
def dying(
    idx: np.ndarray, age: np.ndarray, female: np.ndarray, mortality_rr: np.ndarray,
    male_rate: np.ndarray, female_rate: np.ndarray, u: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """Slots whose draw ``u`` falls below their weekly hazard (by age group and sex)
    times their personal relative risk."""
    die = np.zeros(len(idx), np.bool_)
    for k in range(len(idx)):
        s = idx[k]
        g = _group(age[s])
        h = female_rate[g] if female[s] else male_rate[g]
        die[k] = u[k] < h * np.float64(mortality_rr[s])
    return idx[die]


@njit
def birth_chances(
    idx: np.ndarray, age: np.ndarray, female: np.ndarray, household: np.ndarray,
    n_households: int, fertility: np.ndarray, first_group: int, scale: float,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Women 15-49 (in slot order) and their weekly chance of giving birth.

    Only women living with a man of working age (18-64) can give birth; each age
    group's rate is concentrated on them (boost = all women / partnered women).
    """
    men = np.zeros(n_households, np.int64)
    n_women = 0
    for k in range(len(idx)):
        s = idx[k]
        a = age[s]
        if female[s]:
            if a >= 15 and a < 50:
                n_women += 1
        elif a >= 18 and a < 65:
            men[household[s]] += 1
    n_groups = len(fertility)
    women = np.empty(n_women, idx.dtype)
    group = np.empty(n_women, np.int64)
    partnered = np.empty(n_women, np.bool_)
    n_all = np.zeros(n_groups, np.int64)
    n_partnered = np.zeros(n_groups, np.int64)
    j = 0
    for k in range(len(idx)):
        s = idx[k]
        a = age[s]
        if female[s] and a >= 15 and a < 50:
            g = _group(a) - first_group
            women[j] = s
            group[j] = g
            partnered[j] = men[household[s]] > 0
            n_all[g] += 1
            if partnered[j]:
                n_partnered[g] += 1
            j += 1
    chance = _birth_chances(n_all, n_partnered, group, partnered, fertility, scale)
    return women, chance


def deaths(model: KizunaModel, idx: np.ndarray) -> np.ndarray:
    pop = model.population
    u = model.rng.random(len(idx))
    return dying(
        idx, pop.age, pop.female, pop.mortality_rr, WEEKLY_DEATH_MALE, WEEKLY_DEATH_FEMALE, u
    )


def births(model: KizunaModel, idx: np.ndarray) -> np.ndarray:
    """Mothers giving birth this week (women 15-49 living with a man of working age)."""
    pop = model.population
    # nearly all births in Japan are to couples: each age group's births are concentrated
    # on its partnered women so the group's total stays at the national rate
    women, chance = birth_chances(
        idx, pop.age, pop.female, pop.household, len(model.households),
        FERTILITY, FERTILITY_FIRST_GROUP, model.region.fertility_scale,
    )  # fmt: skip
    give_birth = model.rng.random(len(women)) < chance
    return women[give_birth]


def sorted_difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.setdiff1d(a, b)`` for sorted, unique slot arrays (as the weekly events
    return them), by binary search instead of sorting both again."""
    if len(b) == 0 or len(a) == 0:
        return a
    at = np.minimum(np.searchsorted(b, a), len(b) - 1)
    return a[b[at] != a]


def reference_neighbours(idx, home, n, draws, cells, width, height, radius, same, age, accept):
    """Chance meetings near home, one branch per test: the block itself or one of the
    ring's (none with radius 0), skipping empty blocks, oneself and the thinned."""
    side = 2 * radius + 1
    ring = side * side - 1
    u, v, d = [], [], 0
    for i, me in enumerate(idx.tolist()):
        x, y = divmod(int(home[i]), height)
        for _ in range(n[i]):
            r_away, r_off, r_pick, r_keep = draws[d]
            d += 1
            tx, ty = x, y
            if r_away >= same:
                if ring == 0:
                    continue
                off = int(r_off * ring)
                off += off >= ring // 2
                tx, ty = x + off // side - radius, y + off % side - radius
                if not (0 <= tx < width and 0 <= ty < height):
                    continue
            c = tx * height + ty
            if cells.count[c] == 0:
                continue
            other = int(cells.members[cells.start[c] + int(r_pick * cells.count[c])])
            gap = abs(int(age[me]) - int(age[other]))
            if other != me and r_keep < accept[min(gap, 127)]:
                u.append(me)
                v.append(other)
    return np.array(u, np.int64), np.array(v, np.int64)


def school_for(venues, age: np.ndarray, cell: np.ndarray) -> np.ndarray:
    """School id of each resident by age and home cell (-1 if not of school age), level
    by level with masks, as the model placed pupils before ``Venues.place_pupils``."""
    out = np.full(len(age), -1, dtype=np.int32)
    for level, (_name, lo, hi, _per) in enumerate(SCHOOL_LEVELS):
        sel = (age >= lo) & (age < hi + 1)
        out[sel] = venues.nearest_school[level, cell[sel]]
    return out


def coordinators(model: KizunaModel) -> tuple[np.ndarray, np.ndarray]:
    """``organisations.government.coordinators`` as array steps (before it was compiled)."""
    from model import attachment
    from model.organisations.government import COORDINATOR_MATCH
    from model.organisations.npos import pick_by_weight

    pop = model.population
    p = model.params
    npos = [n for n in model.npos if n.active]
    n = model.rng.poisson(p.coordinator_introductions * model.population_size / 10_000)
    if not npos or n == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    free = np.flatnonzero(pop.alive & (pop.age >= 15) & (pop.attach_kind != attachment.NPO))
    if len(free) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    people = free[model.rng.integers(0, len(free), n)]
    model.tallies.add("coordinator_introductions", n)
    weight = np.array([x.capacity for x in npos]) + 1e-9
    chosen = pick_by_weight(model.rng, weight, n)
    index = np.array([x.index for x in npos])[chosen]
    pop.informed_npo[people] = index
    pop.informed_week[people] = model.week
    willing = np.clip(pop.propensity[people] * p.propensity_scale, 0.0, 1.0)
    willing = willing * pop.free_time[people]
    join = model.rng.random(n) < COORDINATOR_MATCH * willing / max(willing.mean(), 1e-9)
    pop.attach_kind[people[join]] = attachment.NPO
    pop.attach_id[people[join]] = index[join]
    pop.last_volunteer_week[people[join]] = model.week
    vol = np.flatnonzero(pop.alive & (pop.attach_kind == attachment.NPO))
    if len(vol) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    counts = np.bincount(pop.attach_id[vol], minlength=len(model.npos))
    starts = np.cumsum(counts) - counts
    members = vol[np.argsort(pop.attach_id[vol], kind="stable")]
    k = counts[index]
    has = k > 0
    pick = model.rng.integers(0, k[has])
    return people[has].astype(np.int64), members[starts[index[has]] + pick]


# --- NPOs, as array steps ---------------------------------------------------------------------
def residents_near(rng, cells, width, height, centres, counts, radius):
    """``npos._near`` as array steps, given the Poisson counts (drawn before it)."""
    owner = np.repeat(np.arange(len(centres)), counts)
    if len(owner) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    centre = np.asarray(centres)[owner]
    cx, cy = centre // height, centre % height
    tx = cx + rng.integers(-radius, radius + 1, len(owner))
    ty = cy + rng.integers(-radius, radius + 1, len(owner))
    ok = (tx >= 0) & (tx < width) & (ty >= 0) & (ty < height)
    owner, tx, ty = owner[ok], tx[ok], ty[ok]
    target = tx * height + ty
    cnt = cells.count[target]
    has = cnt > 0
    owner, target, cnt = owner[has], target[has], cnt[has]
    pick = cells.members[cells.start[target] + (rng.random(len(owner)) * cnt).astype(np.int64)]
    return pick, owner


def npo_activities(model: KizunaModel, volunteers: np.ndarray):
    """``npos.activities`` before it was compiled."""
    from model import attachment
    from model.encounters import GroupIndex, within_groups
    from model.organisations.npos import FIELDS

    pop = model.population
    p = model.params
    npos = [n for n in model.npos if n.active]
    if not npos:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    mine = pop.attach_kind[volunteers] == attachment.NPO
    v_slots = volunteers[mine]
    v_npo = pop.attach_id[v_slots]
    counts = np.bincount(v_npo, minlength=len(model.npos)).tolist()
    for npo in npos:
        npo.active_volunteers = counts[npo.index]
        npo.update_capacity()
    cap = np.array([n.capacity for n in npos])
    centres = np.array([n.cell_index for n in npos])
    geo = model.geography
    served, by = residents_near(
        model.rng, model.cell_index(), geo.width, geo.height, centres,
        model.rng.poisson(p.npo_served * cap), p.npo_reach,
    )  # fmt: skip
    field = np.array([FIELDS.index(n.field) for n in npos])[by]
    age = pop.age[served]
    fits = np.where(
        field == FIELDS.index("elder_care"),
        (age >= 65) & (model.lives_alone[served] | (pop.frailty[served] > 0.4)),
        np.where(field == FIELDS.index("child_support"), age < 15, True),
    )
    served, by = served[fits], by[fits]
    pop.last_served_week[served] = model.week
    index = np.array([n.index for n in npos])
    served_counts = np.bincount(by, minlength=len(npos))
    for npo, n in zip(npos, served_counts.tolist(), strict=True):
        npo.served_last_week = n
    people = np.concatenate((v_slots, served))
    groups = np.concatenate((v_npo, index[by]))
    return within_groups(GroupIndex.build(people, groups), p.npo_contacts, model.rng)


def npo_outreach(model: KizunaModel) -> None:
    """``npos.outreach`` before it was compiled."""
    from model.organisations.npos import pick_by_weight

    npos = [n for n in model.npos if n.active]
    if not npos:
        return
    p = model.params
    pop = model.population
    cap = np.array([n.capacity for n in npos])
    centres = np.array([n.cell_index for n in npos])
    geo = model.geography
    heard, by = residents_near(
        model.rng, model.cell_index(), geo.width, geo.height, centres,
        model.rng.poisson(p.npo_outreach * cap), p.npo_reach,
    )  # fmt: skip
    index = np.array([n.index for n in npos])
    told = index[by]
    centre = model.intermediary
    if centre is not None and centre.active and len(npos) > 1:
        others = [n for n in npos if n is not centre]
        k = model.rng.poisson(p.npo_outreach * centre.capacity)
        idx = pop.alive_idx()
        extra = idx[model.rng.integers(0, len(idx), k)]
        weights = np.array([n.capacity for n in others]) + 1e-9
        about = np.array([n.index for n in others])[pick_by_weight(model.rng, weights, k)]
        heard = np.concatenate((heard, extra))
        told = np.concatenate((told, about))
    pop.informed_npo[heard] = told
    pop.informed_week[heard] = model.week


def init_traits(model: KizunaModel, slots: np.ndarray) -> None:
    """``demography.init_traits`` as the array steps it was before it was compiled."""
    from model.demography import FRAILTY_MORTALITY_LOG_RR

    rng = model.rng
    pop = model.population
    n = len(slots)
    pop.propensity[slots] = rng.beta(0.8, 2.2, n)
    pop.sociability[slots] = rng.gamma(1.5625, 0.64, n)
    pop.awareness[slots] = rng.beta(2.5, 4.0, n)
    t0 = rng.beta(2.0, 3.0, n)
    pop.trust0[slots] = t0
    pop.trust[slots] = t0
    pop.frailty_u[slots] = rng.standard_normal(n)
    pop.mortality_rr[slots] = np.exp(
        FRAILTY_MORTALITY_LOG_RR * pop.frailty_u[slots] - FRAILTY_MORTALITY_LOG_RR**2 / 2
    )
    pop.income_u[slots] = rng.standard_normal(n)
    pop.work_u[slots] = rng.random(n)
    pop.study_u[slots] = rng.random(n)
    pop.motivation[slots] = 1.0


def arrival_members(
    rng: np.random.Generator, mix: np.ndarray, n_hh: int, join_share: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``demography._arrival_draws`` as the array steps ``arrivals`` took before it was
    compiled: each member's household, age and sex, and each household's joining."""
    from model.demography import (
        _ARRIVAL_AGE_HI,
        _ARRIVAL_AGE_LO,
        _ARRIVAL_COUPLE,
        _ARRIVALS,
    )
    from model.vital_rates import FEMALE_SHARE

    kind = rng.choice(len(mix), size=n_hh, p=mix / mix.sum())
    first = rng.uniform(_ARRIVAL_AGE_LO[kind], _ARRIVAL_AGE_HI[kind])
    couple = _ARRIVAL_COUPLE[kind]
    first_female = ~couple & (rng.random(n_hh) < 0.5)
    partner_age = np.maximum(18.0, first - rng.normal(2.0, 2.0, n_hh))
    kids = np.where(
        kind == _ARRIVALS.index("family"),
        1 + rng.binomial(2, 0.4, n_hh),
        (kind == _ARRIVALS.index("young_couple")) & (rng.random(n_hh) < 0.3),
    ).astype(np.int64)
    oldest_child = np.clip(partner_age - 20.0, 1.0, 15.0)
    hh = np.arange(n_hh)
    partners = hh[couple]
    child_of = np.repeat(hh, kids)
    member_of = np.concatenate((hh, partners, child_of))
    age = np.concatenate(
        (first, partner_age[couple], rng.uniform(0.0, oldest_child[child_of]))
    ).astype(np.float32)
    female = np.concatenate(
        (first_female, np.ones(len(partners), bool), rng.random(len(child_of)) < FEMALE_SHARE[0])
    )
    joins = rng.random(n_hh) < join_share
    return member_of, age, female, joins
