"""Which organisation a volunteer works with, and who they volunteer alongside.

A resident who volunteers for the first time in a while joins an organisation: an NPO
they have recently heard of (from its outreach, the support centre, a coordinator or
someone who volunteers there), their school's programme, their employer's programme,
their neighbourhood association, or else informal help in their district. They stay
attached while they keep volunteering, and drift away after half a year without it.
Volunteers of the same organisation meet each other; that is how volunteering makes
ties, and how an organisation's capacity grows with its volunteers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from model.population import NEVER

if TYPE_CHECKING:
    from model.kizuna_model import KizunaModel
    from model.participation import WeekContext

NONE, ASSOCIATION, NPO, SCHOOL, COMPANY, INFORMAL = range(6)
KIND_NAMES = ("none", "association", "npo", "school", "company", "informal")
DETACH_WEEKS = 26
COMPANY_CHOICE = 0.5  # employees with a programme volunteer through it half the time
ASSOCIATION_CHOICE = 0.8  # members help through their association most of the time


def attach(model: KizunaModel, wk: WeekContext, volunteers: np.ndarray) -> None:
    pop = model.population
    p = model.params
    idx = wk.idx
    detach_stale(idx, pop.attach_kind, pop.attach_id, pop.last_volunteer_week, model.week - 1)

    new = volunteers[pop.attach_kind[volunteers] == NONE]
    if len(new) == 0:
        return
    u = model.rng.random((len(new), 3))
    choose(
        new, pop.informed_npo, model.npo_active(), pop.informed_week, model.week,
        p.informed_memory, pop.household, model.household_district(),
        model.households.member, pop.school, pop.employer, model.programme, u,
        p.npo_choice, pop.attach_kind, pop.attach_id,
    )  # fmt: skip


@njit(cache=True, nogil=True)
def choose(
    new: np.ndarray,
    informed_npo: np.ndarray,
    npo_active: np.ndarray,
    informed_week: np.ndarray,
    week: int,
    memory: int,
    household: np.ndarray,
    household_district: np.ndarray,
    member: np.ndarray,
    school: np.ndarray,
    employer: np.ndarray,
    programme: np.ndarray,
    u: np.ndarray,
    npo_choice: float,
    attach_kind: np.ndarray,
    attach_id: np.ndarray,
) -> None:  # pragma: no cover
    """Attach each new volunteer ``new[i]`` (uniforms ``u[i]``) in one pass, as the
    NumPy rule's masks did: an NPO they recently heard of that still runs (if
    ``u[i, 0] < npo_choice``), else their school, else their employer's programme
    (``u[i, 1] < COMPANY_CHOICE``), else their member household's association
    (``u[i, 2] < ASSOCIATION_CHOICE``), else informal help in their district (0 when
    outside any). A slot listed twice keeps its last choice, as fancy assignment did."""
    for i in range(len(new)):
        s = new[i]
        heard = informed_npo[s]
        last = informed_week[s]
        knows = heard >= 0 and npo_active[max(heard, 0)] and last != NEVER and week - last < memory
        h = household[s]
        d = household_district[h]
        emp = employer[s]
        kind = INFORMAL
        ident = max(d, 0)
        if knows and u[i, 0] < npo_choice:
            kind = NPO
            ident = heard
        elif school[s] >= 0:
            kind = SCHOOL
            ident = school[s]
        elif emp >= 0 and programme[max(emp, 0)] and u[i, 1] < COMPANY_CHOICE:
            kind = COMPANY
            ident = emp
        elif member[h] and d >= 0 and u[i, 2] < ASSOCIATION_CHOICE:
            kind = ASSOCIATION
        attach_kind[s] = kind
        attach_id[s] = ident


@njit(cache=True, nogil=True)
def detach_stale(
    idx: np.ndarray, kind: np.ndarray, ident: np.ndarray, last: np.ndarray, week: int
) -> None:  # pragma: no cover
    """Detach residents attached to an organisation who have not volunteered in the
    ``DETACH_WEEKS`` weeks up to ``week`` (``Population.within``'s test), in one pass."""
    for s in idx:
        if kind[s] != NONE and not (last[s] != NEVER and week - last[s] < DETACH_WEEKS):
            kind[s] = NONE
            ident[s] = -1


def activity_groups(model: KizunaModel, volunteers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Volunteers not with an NPO (NPOs run their own activities), and a group key per
    volunteer: volunteers of the same organisation share a key."""
    pop = model.population
    kind = pop.attach_kind[volunteers].astype(np.int64)
    keep = kind != NPO
    who = volunteers[keep]
    key = kind[keep] * (1 << 24) + np.maximum(pop.attach_id[who], 0)
    return who, key
