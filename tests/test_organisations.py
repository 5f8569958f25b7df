"""The organisations behave as the report describes them (common random numbers: the
same seeds in both arms, so the difference is the mechanism's)."""

from __future__ import annotations

import numpy as np
import pytest

from model import ledger
from model.attachment import NPO as ATTACHED_TO_NPO
from model.organisations import (
    NPO,
    CommunityFoundation,
    Company,
    FireBrigade,
    LocalGovernment,
    NeighbourhoodAssociation,
    RegionalBank,
    School,
    ShoppingStreet,
    SocialEnterprise,
    community,
)
from tests.towns import small_town


@pytest.fixture(scope="module")
def town():
    model = small_town(3000, seed=5)
    for _ in range(8):
        model.step()
    return model


def test_organisations_are_mesa_agents_placed_on_the_map(town):
    by_type = town.agents_by_type
    assert len(by_type[LocalGovernment]) == len(by_type[RegionalBank]) == 1
    assert len(by_type[CommunityFoundation]) == len(by_type[FireBrigade]) == 1
    assert len(by_type[ShoppingStreet]) == 1
    assert len(by_type[NeighbourhoodAssociation]) == town.geography.n_districts
    assert len(by_type[NPO]) >= 1
    assert len(by_type[School]) >= 3
    n_firms = len(by_type[Company]) + len(by_type.get(SocialEnterprise, []))
    assert n_firms == town.venues.n_workplaces
    # each association sits in its own district; the town hall and bank near the centre
    for assoc in by_type[NeighbourhoodAssociation]:
        assert town.geography.district[assoc.cell_index] == assoc.district
    centrality = town.geography.centrality
    assert centrality[town.government.cell_index] >= np.quantile(centrality, 0.9)
    assert centrality[town.bank.cell_index] >= np.quantile(centrality, 0.9)


def lonely_npo(model, funds: float = 0.0) -> NPO:
    """An NPO with no staff, no volunteers and (so) no income."""
    npo = model.add_npo(int(model.population.cell[model.population.alive_idx()[0]]))
    npo.know_how = 0.0
    if funds:
        npo.receive(ledger.RESIDENTS, "endowment", funds)
    return npo


def test_an_npo_with_no_income_closes():
    model = small_town(2000, seed=2, warmup_weeks=8)
    poor = lonely_npo(model)
    rich = lonely_npo(model, funds=50_000_000)  # the same NPO, with reserves to live on
    for _ in range(40):
        model.step()
        poor.capacity = rich.capacity = 0.0
    assert not poor.active and poor.closed_week is not None
    assert poor not in model.agents_by_type[NPO]
    assert rich.active
    assert model.outcomes()["npos_closed"].sum() >= 1


def test_the_bank_lends_less_to_an_organisation_with_a_worse_account():
    model = small_town(2000, seed=4, warmup_weeks=4)
    good = lonely_npo(model, funds=5_000_000)
    bad = lonely_npo(model, funds=100_000)
    for npo in (good, bad):
        npo.staff = 2
        npo.know_how = 0.5
        npo.founded_week = model.week - 5 * 52
    good.income_12m, good.costs_12m = [600_000.0] * 12, [500_000.0] * 12
    bad.income_12m, bad.costs_12m = [350_000.0] * 12, [500_000.0] * 12
    bank = model.bank
    assert bank.credit_score(good) > bank.credit_score(bad)
    assert bank.offer(good, 3_000_000) > bank.offer(bad, 3_000_000)
    lent_good = bank.apply(good, 3_000_000)
    lent_bad = bank.apply(bad, 3_000_000)
    assert lent_good > lent_bad
    assert good.funds == 5_000_000 + lent_good
    # an organisation that defaulted before gets nothing
    bad.defaulted = True
    assert bank.offer(bad, 3_000_000) == 0


def employee_volunteer_rate(model) -> float:
    pop = model.population
    idx = pop.alive_idx()
    employees = idx[(pop.employer[idx] >= 0) & (pop.age[idx] >= 18)]
    return float(pop.within("last_volunteer_week", model.week, slots=employees).mean())


def test_employee_volunteering_raises_volunteering_among_employees():
    rates = {}
    for programme in (False, True):
        values = []
        for seed in (1, 2, 3):
            model = small_town(2500, seed=seed, warmup_weeks=26)
            model.programme[:] = programme
            for _ in range(26):
                model.step()
            values.append(employee_volunteer_rate(model))
        rates[programme] = np.mean(values)
    assert rates[True] > rates[False] + 0.03


def test_a_grant_raises_the_recipients_capacity():
    capacity = {}
    for granted in (False, True):
        model = small_town(2500, seed=6, warmup_weeks=8)
        npo = lonely_npo(model, funds=300_000)
        npo.staff = 2
        npo.know_how = 0.4
        for week in range(12):
            if granted and week == 1:
                model.government.receive(ledger.TAXES, "budget", 3_000_000)
                model.government.pay(npo.account, "government_grant", 3_000_000)
            model.step()
        capacity[granted] = npo.capacity
    assert capacity[True] > capacity[False] * 1.2


def test_a_dying_associations_members_meet_less():
    met = {}
    for vitality in (1.0, 0.1):
        model = small_town(3000, seed=8, warmup_weeks=8)
        assoc = model.associations[0]
        assoc.vitality = vitality
        wk, _ = model._week_context()
        members = set(assoc.member_slots().tolist())
        count = 0
        for _ in range(6):  # six monthly events
            u, _ = community.association_events(model, wk)
            count += sum(1 for a in u.tolist() if a in members)
        met[vitality] = count
    assert met[0.1] < 0.3 * met[1.0]


def test_nobody_taking_over_makes_an_association_fade():
    model = small_town(3000, seed=9, warmup_weeks=8)
    # the leader's term ends and everyone asked declines
    model.params = model.params.replace(leader_acceptance=0.0, leader_turnover=1.0)
    assoc = model.associations[0]
    before = assoc.vitality
    for _ in range(3):
        assoc.succession()
    assert assoc.leader == community.NO_LEADER
    assert assoc.vitality < before * 0.6


def test_ties_to_npo_volunteers_spread_word_of_the_npo(town):
    pop = town.population
    attached = np.flatnonzero(pop.alive & (pop.attach_kind == ATTACHED_TO_NPO))
    assert len(attached) > 0
    assert (pop.informed_npo[pop.alive] >= 0).any()


def test_school_programmes_give_pupils_access_to_volunteering():
    low = small_town(2000, seed=3, warmup_weeks=4)
    high = small_town(2000, seed=3, warmup_weeks=4)
    low.school_programme[:] = 0.0
    high.school_programme[:] = 0.9
    for model in (low, high):
        for _ in range(13):
            model.step()
    assert (
        high.outcomes()["volunteer_rate_10_19"].iloc[-1]
        > low.outcomes()["volunteer_rate_10_19"].iloc[-1]
    )


def test_the_universitys_open_college_raises_awareness_nearby():
    aware = {}
    for strength in (0.0, 1.0):
        model = small_town(4000, seed=2, warmup_weeks=4)
        assert model.university is not None
        model.university.programme = strength
        model.params = model.params.replace(open_college=0.05)
        for _ in range(13):
            model.step()
        pop = model.population
        idx = pop.alive_idx()
        near = model.geography.chebyshev(pop.cell[idx], model.university.cell_index) <= 12
        aware[strength] = float(pop.awareness[idx[near & (pop.age[idx] >= 25)]].mean())
    assert aware[1.0] > aware[0.0] + 0.01
