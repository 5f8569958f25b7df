"""Compiled passes for ``demography.assign_roles``: who studies, who works and who needs
an employer, then employers and income medians, around the rule's random draws.

The numpy rule took about thirty small array operations, which cost more than the
work itself for the handful of residents a week's arrivals bring. These do the same
comparisons in the same precision (float32 columns against float64 rates; the
university share as the float32 numpy compares a float32 column with), so the roles are
bit for bit the same. The draws and the income's exp stay with numpy in the caller.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from model.vital_kernels import _group


@njit(cache=True, nogil=True)
def study_and_work(
    idx: np.ndarray, age: np.ndarray, female: np.ndarray, work_u: np.ndarray,
    study_u: np.ndarray, school: np.ndarray, employer: np.ndarray,
    employment_male: np.ndarray, employment_female: np.ndarray, university: int,
    student_lo: int, student_hi: int, university_share: np.float32, no_employer: int,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Whether each resident at ``idx`` works and whether they start work (works, no
    employer yet). Students (18-21s not in work who draw below the university share)
    get ``school = university`` here when the town has one (``university >= 0``);
    ``school`` must already hold school places from ``Venues.place_pupils``."""
    n = len(idx)
    works = np.empty(n, np.bool_)
    starting = np.empty(n, np.bool_)
    for k in range(n):
        s = idx[k]
        a = age[s]
        g = _group(a)
        rate = employment_female[g] if female[s] else employment_male[g]
        pupil = school[s] >= 0
        if university >= 0:
            student = (
                a >= student_lo
                and a < student_hi
                and np.float64(work_u[s]) >= rate
                and study_u[s] < university_share
            )
            if student:
                school[s] = university
                pupil = True
        works[k] = np.float64(work_u[s]) < rate and not pupil
        starting[k] = works[k] and employer[s] == no_employer
    return works, starting


@njit(cache=True, nogil=True)
def employers_and_medians(
    idx: np.ndarray, age: np.ndarray, female: np.ndarray, employer: np.ndarray,
    works: np.ndarray, starting: np.ndarray, new_employer: np.ndarray, no_employer: int,
    employed_female: float, employed_male: float, pension: float, other_adult: float,
) -> np.ndarray:  # fmt: skip
    """Hand ``new_employer`` (in order) to those starting work, clear the employer of
    those not working, and return each resident's income median (employed by sex;
    otherwise a pension from 65, another adult's income from 18, else nothing)."""
    median = np.empty(len(idx))
    j = 0
    for k in range(len(idx)):
        s = idx[k]
        a = age[s]
        if starting[k]:
            employer[s] = new_employer[j]
            j += 1
        if not works[k]:
            employer[s] = no_employer
        if works[k]:
            median[k] = employed_female if female[s] else employed_male
        elif a >= 65:
            median[k] = pension
        elif a >= 18:
            median[k] = other_adult
        else:
            median[k] = 0.0
    return median


@njit(cache=True, nogil=True)
def school_places(
    idx: np.ndarray, age: np.ndarray, cell: np.ndarray, nearest: np.ndarray,
    first_age: np.ndarray, last_age: np.ndarray, school: np.ndarray,
) -> None:  # fmt: skip
    """``Venues.place_pupils`` in one pass: each resident's nearest school
    (``nearest[level, cell]``) of the last level whose ages (first to last, inclusive of
    the whole last year) hold their age, else -1."""
    for k in range(idx.shape[0]):
        s = idx[k]
        a = age[s]
        place = -1
        for level in range(first_age.shape[0]):
            if a >= first_age[level] and a < last_age[level] + 1:
                place = nearest[level, cell[s]]
        school[s] = place
