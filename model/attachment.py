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
    rng = model.rng
    npo_active = model.npo_active()
    heard = pop.informed_npo[new]
    knows_npo = (
        (heard >= 0)
        & npo_active[np.maximum(heard, 0)]
        & pop.within("informed_week", model.week, p.informed_memory, slots=new)
    )
    hh = pop.household[new]
    district = model.household_district()[hh]
    member = model.households.member[hh] & (district >= 0)
    school = pop.school[new]
    employer = pop.employer[new]
    programme = (employer >= 0) & model.programme[np.maximum(employer, 0)]
    u = rng.random((len(new), 3))
    to_npo = knows_npo & (u[:, 0] < p.npo_choice)
    to_school = ~to_npo & (school >= 0)
    to_company = ~to_npo & ~to_school & programme & (u[:, 1] < COMPANY_CHOICE)
    to_assoc = ~to_npo & ~to_school & ~to_company & member & (u[:, 2] < ASSOCIATION_CHOICE)
    # the choices exclude each other, so plain masked writes do what np.select did
    kind = np.full(len(new), INFORMAL, np.int8)
    kind[to_npo] = NPO
    kind[to_school] = SCHOOL
    kind[to_company] = COMPANY
    kind[to_assoc] = ASSOCIATION
    ident = np.maximum(district, 0)
    ident[to_npo] = heard[to_npo]
    ident[to_school] = school[to_school]
    ident[to_company] = employer[to_company]
    pop.attach_kind[new] = kind
    pop.attach_id[new] = ident


@njit(cache=True)
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
