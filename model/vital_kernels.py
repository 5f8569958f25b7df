"""Compiled passes for the weekly vital events: each resident's chance to die, give birth
or move out this week, from the alive slots in one pass each.

The numpy versions took a dozen gathers and masks over the whole town per event. These
do the same arithmetic in the same order (float64, with frailty squared in float32 as
numpy does), so the chances — and the draws compared with them — are bit for bit the
same. The random numbers are drawn by the caller, never here.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from model.vital_rates import N_AGE_GROUPS


@njit(cache=True)
def _group(age: float) -> int:
    """Five-year age group, as ``vital_rates.age_group`` (floor of age/5, capped)."""
    return min(int(np.floor(np.float64(age) / 5.0)), N_AGE_GROUPS - 1)


@njit(cache=True)
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


@njit(cache=True)
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
    boost = np.zeros(n_groups)
    for g in range(n_groups):
        if n_partnered[g] > 0:
            boost[g] = np.float64(n_all[g]) / np.float64(n_partnered[g])
    chance = np.empty(n_women)
    for j in range(n_women):
        g = group[j]
        annual = fertility[g] * scale * boost[g] * (1.0 if partnered[j] else 0.0)
        chance[j] = min(annual, 0.9) / 52.0
    return women, chance


@njit(cache=True)
def leaving(
    idx: np.ndarray, age: np.ndarray, frailty: np.ndarray, household: np.ndarray,
    lives_alone: np.ndarray, weekly_rate: np.ndarray, youth_exodus: float,
    care_entry_rate: float, elder_alone_move_rate: float, u: np.ndarray, u_household: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """Slots leaving town this week: those whose draw ``u`` falls below their chance to
    leave on their own, and everyone whose household's draw ``u_household`` falls below
    its chance to move (one draw per household id).

    Young adults (18-29) leave alone at their age group's rate; elders (65+) leave for
    care (mostly the frail) or for kin (those living alone); a household moves at the
    mean rate of its members who are not young adults.
    """
    n = len(idx)
    n_households = len(u_household)
    alone_leaves = np.empty(n, np.bool_)
    rate_sum = np.zeros(n_households)
    count = np.zeros(n_households, np.int64)
    for k in range(n):
        s = idx[k]
        a = age[s]
        weekly = weekly_rate[_group(a)]
        if a >= 15 and a < 25:
            weekly = weekly * youth_exodus
        young = a >= 18 and a < 30
        elder = a >= 65
        alone = lives_alone[s]
        f = frailty[s]
        f2 = f * f  # float32, as numpy squares a float32 column
        care = (care_entry_rate if elder else 0.0) * np.float64(f2) * (1.5 if alone else 1.0)
        to_kin = elder_alone_move_rate if (elder and alone) else 0.0
        alone_leaves[k] = u[k] < (weekly if young else 0.0) + (care + to_kin) / 52.0
        h = household[s]
        if not young:
            rate_sum[h] += weekly
            count[h] += 1
    moving = np.zeros(n_households, np.bool_)
    for h in range(n_households):
        moving[h] = u_household[h] < (rate_sum[h] / count[h] if count[h] > 0 else 0.0)
    leave = np.zeros(n, np.bool_)
    for k in range(n):
        leave[k] = alone_leaves[k] or moving[household[idx[k]]]
    return idx[leave]
