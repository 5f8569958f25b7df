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
