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


@njit(inline="always")
def _birth_chances(n_all, n_partnered, group, partnered, fertility, scale):
    """Each woman's weekly chance of a birth: her age group's fertility, raised by the
    group's share of women not living with a partner (births happen to partnered women
    only), capped at 0.9 a year."""
    boost = np.zeros(n_all.shape[0])
    for g in range(n_all.shape[0]):
        if n_partnered[g] > 0:
            boost[g] = np.float64(n_all[g]) / np.float64(n_partnered[g])
    chance = np.empty(group.shape[0])
    for j in range(group.shape[0]):
        g = group[j]
        annual = fertility[g] * scale * boost[g] * (1.0 if partnered[j] else 0.0)
        chance[j] = min(annual, 0.9) / 52.0
    return chance


@njit(cache=True, nogil=True)
def _group(age: float) -> int:
    """Five-year age group, as ``vital_rates.age_group`` (floor of age/5, capped)."""
    return min(int(np.floor(np.float64(age) / 5.0)), N_AGE_GROUPS - 1)


@njit(cache=True, nogil=True)
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


# --- the week's three events in two passes ----------------------------------------------------
# deaths, births and moves out draw, in this order, one uniform per resident, one per woman
# 15-49, one per resident and one per household id. PCG64 fills a float64 array one
# ``next_double`` at a time, so one ``random(total)`` holds exactly those four runs of
# draws back to back. The first pass below counts the women (how many draws births take)
# and everything that needs no draw; the second decides all three events at once.


@njit(cache=True, nogil=True)
def week_chances(
    idx: np.ndarray, age: np.ndarray, female: np.ndarray, household: np.ndarray,
    n_households: int, fertility: np.ndarray, first_group: int, scale: float,
    weekly_rate: np.ndarray, youth_exodus: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Women 15-49 (slot order) with their weekly chance of giving birth, as
    ``birth_chances``; each household id's weekly chance of moving out, as in
    ``leaving`` (the mean rate of its members who are not young adults, 0 if none);
    and each resident's age group (a division the second pass need not repeat).

    Branch-free where the test is a coin toss per resident (sex, age bands): a counter
    grows by a bool, a sum by ``0.0`` or a rate times ``1.0``, which leave it exactly as
    skipping would."""
    n = len(idx)
    men = np.zeros(n_households, np.int64)
    rate_sum = np.zeros(n_households)
    count = np.zeros(n_households, np.int64)
    women = np.empty(n, idx.dtype)
    groups = np.empty(n, np.int8)
    n_women = 0
    for k in range(n):
        s = idx[k]
        a = age[s]
        h = household[s]
        g = _group(a)
        groups[k] = g
        is_female = female[s]
        women[n_women] = s
        n_women += is_female & (a >= 15) & (a < 50)
        men[h] += (not is_female) & (a >= 18) & (a < 65)
        young = (a >= 18) & (a < 30)
        weekly = weekly_rate[g] * (youth_exodus if (a >= 15) & (a < 25) else 1.0)
        rate_sum[h] += 0.0 if young else weekly
        count[h] += not young
    women = women[:n_women].copy()
    n_groups = len(fertility)
    group = np.empty(n_women, np.int64)
    partnered = np.empty(n_women, np.bool_)
    n_all = np.zeros(n_groups, np.int64)
    n_partnered = np.zeros(n_groups, np.int64)
    for j in range(n_women):
        s = women[j]
        g = _group(age[s]) - first_group
        group[j] = g
        partnered[j] = men[household[s]] > 0
        n_all[g] += 1
        n_partnered[g] += partnered[j]
    chance = _birth_chances(n_all, n_partnered, group, partnered, fertility, scale)
    moving = np.zeros(n_households)
    for h in range(n_households):
        if count[h] > 0:
            moving[h] = rate_sum[h] / count[h]
    return women, chance, moving, groups


@njit(cache=True, nogil=True)
def week_events(
    idx: np.ndarray, age: np.ndarray, female: np.ndarray, mortality_rr: np.ndarray,
    frailty: np.ndarray, household: np.ndarray, lives_alone: np.ndarray,
    death_rate: np.ndarray, weekly_rate: np.ndarray, youth_exodus: float,
    care_entry_rate: float, elder_alone_move_rate: float, women: np.ndarray,
    birth_chance: np.ndarray, move_chance: np.ndarray, groups: np.ndarray, u: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """The dead, those leaving town (not the dead) and the mothers still in town, from
    ``week_chances`` and the week's draws ``u`` (deaths, births, moves, households, back
    to back): the same comparisons as ``dying``, ``birth_chances`` with its draw, and
    ``leaving``, each in slot order. ``death_rate`` is the men's weekly hazards by age
    group followed by the women's."""
    n = len(idx)
    n_women = len(birth_chance)
    u_birth = n
    u_leave = n + n_women
    u_household = 2 * n + n_women
    n_groups = len(death_rate) // 2
    dead = np.empty(n, idx.dtype)
    leaving = np.empty(n, idx.dtype)
    n_dead = 0
    n_leaving = 0
    for k in range(n):
        s = idx[k]
        a = age[s]
        g = np.int64(groups[k])
        hazard = death_rate[g + n_groups * np.int64(female[s])]
        die = u[k] < hazard * np.float64(mortality_rr[s])
        young = (a >= 18) & (a < 30)
        chance = weekly_rate[g] * (youth_exodus if a < 25 else 1.0) if young else 0.0
        if a >= 65:  # (below 65 care and kin add 0.0 / 52.0: nothing)
            alone = lives_alone[s]
            f = frailty[s]
            f2 = f * f  # float32, as numpy squares a float32 column
            care = care_entry_rate * np.float64(f2) * (1.5 if alone else 1.0)
            to_kin = elder_alone_move_rate if alone else 0.0
            chance = chance + (care + to_kin) / 52.0
        h = household[s]
        leave = (u[u_leave + k] < chance) | (u[u_household + h] < move_chance[h])
        dead[n_dead] = s  # kept only if counted
        n_dead += die
        leaving[n_leaving] = s
        n_leaving += leave & (not die)
    dead = dead[:n_dead].copy()
    leaving = leaving[:n_leaving].copy()
    # births: women in slot order against the (sorted) dead and leaving
    mothers = np.empty(n_women, idx.dtype)
    n_mothers = 0
    i = 0
    m = 0
    for j in range(n_women):
        s = women[j]
        while i < n_dead and dead[i] < s:
            i += 1
        while m < n_leaving and leaving[m] < s:
            m += 1
        gone = (i < n_dead and dead[i] == s) or (m < n_leaving and leaving[m] == s)
        if u[u_birth + j] < birth_chance[j] and not gone:
            mothers[n_mothers] = s
            n_mothers += 1
    return dead, leaving, mothers[:n_mothers].copy()


# --- frailty ----------------------------------------------------------------------------------
# ``update_frailty``'s logistic curve in float32, as numpy computes it from float32 columns
# and Python floats; the exp between the two passes stays with numpy (its float32 exp is
# vectorised and need not round as LLVM's does).


@njit(cache=True, nogil=True)
def frailty_exponent(idx: np.ndarray, age: np.ndarray, frailty_u: np.ndarray) -> np.ndarray:
    """``-((age - 85) / 6 + 0.8 * frailty_u)`` at ``idx``, in float32."""
    out = np.empty(idx.shape[0], np.float32)
    for k in range(idx.shape[0]):
        s = idx[k]
        z = (age[s] - np.float32(85.0)) / np.float32(6.0) + np.float32(0.8) * frailty_u[s]
        out[k] = -z
    return out


@njit(cache=True, nogil=True)
def set_frailty(idx: np.ndarray, e: np.ndarray, frailty: np.ndarray) -> None:
    """``frailty[idx] = 1 / (1 + e)`` in float32."""
    for k in range(idx.shape[0]):
        frailty[idx[k]] = np.float32(1.0) / (np.float32(1.0) + e[k])
