"""The report's organisations as Mesa agents, and their weekly calendar.

Community-based organisations, NPOs and the support centre, companies and social
enterprises, the regional bank, schools and the university, the local government and
the community foundation each live in their own module. This module runs their
calendar: what happens every week (NPO outreach and activities), every month (events,
drills, finances) and every year (budgets, grants, CSR, successions, new NPOs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from model.encounters import GroupIndex, within_groups
from model.organisations import community, companies, government, npos, schools
from model.organisations.banks import Loan, RegionalBank
from model.organisations.base import Organisation
from model.organisations.community import (
    CommunityOrganisation,
    FireBrigade,
    NeighbourhoodAssociation,
    ShoppingStreet,
)
from model.organisations.companies import Company, SocialEnterprise
from model.organisations.foundations import GRANT_WEEKS, CommunityFoundation
from model.organisations.government import GRANT_WEEK, LocalGovernment
from model.organisations.npos import NPO, IntermediarySupport
from model.organisations.schools import School, University
from model.ties import Context

if TYPE_CHECKING:
    from model.kizuna_model import KizunaModel
    from model.participation import WeekContext

__all__ = [
    "NPO",
    "CommunityFoundation",
    "CommunityOrganisation",
    "Company",
    "FireBrigade",
    "IntermediarySupport",
    "Loan",
    "LocalGovernment",
    "NeighbourhoodAssociation",
    "Organisation",
    "RegionalBank",
    "School",
    "ShoppingStreet",
    "SocialEnterprise",
    "University",
]

# weeks of the month (week % 4) and of the year (week % 52) when things happen
DRILL_WEEK, EVENT_WEEK, FINANCE_WEEK = 1, 2, 3
BUDGET_WEEK, CSR_WEEK, FOUNDING_WEEK = 1, 26, 39


def week_encounters(
    model: KizunaModel, wk: WeekContext, volunteers: np.ndarray
) -> tuple[list[np.ndarray], list[np.ndarray], list[int], np.ndarray]:
    """Encounters organisations create this week, as (u list, v list, context list), and
    residents who volunteered through a drill or a school volunteer day."""
    us: list[np.ndarray] = []
    vs: list[np.ndarray] = []
    cs: list[int] = []
    extra: list[np.ndarray] = []

    def add(u: np.ndarray, v: np.ndarray, ctx: Context) -> None:
        us.append(u)
        vs.append(v)
        cs.append(int(ctx))

    month_week = model.week % 4
    year_week = model.week % 52
    add(*npos.activities(model, wk, volunteers), Context.NPO)
    add(*government.coordinators(model), Context.COORDINATOR)
    if month_week == EVENT_WEEK:
        add(*community.association_events(model, wk), Context.ASSOCIATION)
    if month_week == DRILL_WEEK and model.fire_brigade is not None:
        came, u, v = community.brigade_drills(model, wk)
        add(u, v, Context.ASSOCIATION)
        extra.append(came)
    if year_week in schools.volunteer_day_weeks(model.params.school_days):
        came, u, v = schools.volunteer_day(model, wk)
        add(u, v, Context.SCHOOL)
        extra.append(came)
    add(*schools.open_college(model, wk), Context.EVENT)
    if year_week == community.ShoppingStreet.FESTIVAL_WEEK:
        add(*community.festival(model, wk), Context.EVENT)
    while model.pending_cross_sector:
        people = model.pending_cross_sector.pop()
        add(
            *within_groups(
                GroupIndex.build(people, np.zeros(len(people), np.int64)), 4.0, model.rng
            ),
            Context.CROSS_SECTOR,
        )
    came = np.concatenate(extra) if extra else np.empty(0, np.int64)
    return us, vs, cs, came


def calendar(model: KizunaModel, wk: WeekContext) -> None:
    """Monthly finances and the year's budgets, grants, CSR, successions and foundings."""
    month_week = model.week % 4
    year_week = model.week % 52
    if year_week == BUDGET_WEEK and model.government is not None:
        model.government.yearly_budget()
    if month_week == FINANCE_WEEK:
        community.collect_dues(model, wk)
        npos.monthly_finances(model)
        for se in list(model.social_enterprises):
            if se.active:
                se.monthly()
        if model.bank is not None:
            model.bank.monthly()
    if year_week == GRANT_WEEK and model.government is not None:
        model.government.grant_round()
    if year_week in {w % 52 for w in GRANT_WEEKS} and model.foundation is not None:
        model.foundation.grant_round()
    if year_week == CSR_WEEK:
        companies.yearly(model)
        community.yearly(model)
    if year_week == FOUNDING_WEEK:
        model.flows["npos_founded"] += npos.found_npos(model, wk.idx)
        npos.yearly_learning(model)
