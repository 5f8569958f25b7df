"""Placing a town's organisations on its map at the start of a run.

The town hall, the regional bank, the community foundation, the support centre, the
fire station and the shopping street sit near the centre; each association district
gets its association at its most central block; schools are where the school sites
are; every local workplace is run by a company (a few small ones by social
enterprises); NPOs start where people live. Counts come from the region profile.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from model import ledger
from model.organisations.banks import RegionalBank, endow
from model.organisations.community import (
    FireBrigade,
    NeighbourhoodAssociation,
    ShoppingStreet,
    member_households_by_district,
)
from model.organisations.companies import Company, convert_to_social_enterprise
from model.organisations.foundations import CommunityFoundation
from model.organisations.government import LocalGovernment
from model.organisations.npos import FIELDS
from model.organisations.schools import School, University

if TYPE_CHECKING:
    from model.kizuna_model import KizunaModel

ASSOCIATION_RESERVE_MONTHS = 6  # associations start with half a year of dues
NPO_RESERVE_MONTHS = (4.0, 10.0)


def central_cells(model: KizunaModel, k: int) -> list[int]:
    """The ``k`` most central inhabited cells."""
    geo = model.geography
    occupied = geo.occupied()
    order = np.argsort(-geo.centrality[occupied], kind="stable")
    return [int(c) for c in occupied[order[:k]]]


def create(model: KizunaModel) -> None:
    rng = model.rng
    p = model.params
    region = model.region
    n = model.population_size
    geo = model.geography
    centre = central_cells(model, 6)

    model.government = LocalGovernment(model, centre[0])
    model.bank = RegionalBank(model, centre[1 % len(centre)])
    endow(model.bank)
    model.foundation = CommunityFoundation(model, centre[2 % len(centre)])
    model.foundation.receive(ledger.RESIDENTS, "endowment", 1_000_000)
    model.fire_brigade = FireBrigade(model, centre[3 % len(centre)], "volunteer fire corps")
    model.shopping_street = ShoppingStreet(model, centre[4 % len(centre)], "shopping street")

    # one association per district, at the district's most central inhabited block
    occupied = geo.occupied()
    model.associations = []
    for d in range(geo.n_districts):
        cells = occupied[geo.district[occupied] == d]
        best = int(cells[np.argmax(geo.centrality[cells])])
        model.associations.append(NeighbourhoodAssociation(model, best, d))

    # schools, and the university where the region has one
    venues = model.venues
    model.school_programme = np.full(venues.n_schools, p.school_programme)
    model.schools = [
        (University if int(level) == 3 else School)(model, s, int(level))
        for s, level in enumerate(venues.school_level)
    ]
    model.university = next((s for s in model.schools if isinstance(s, University)), None)

    # every local workplace is run by a company; a few small ones are social enterprises
    model.programme = np.zeros(venues.n_workplaces, bool)
    model.employers = [Company(model, w) for w in range(venues.n_workplaces)]
    pop = model.population
    staff = np.bincount(
        pop.employer[pop.alive & (pop.employer >= 0)], minlength=venues.n_workplaces
    )
    share = np.where(staff >= 30, p.programme_share_large, p.programme_share_small)
    model.programme[:] = rng.random(venues.n_workplaces) < share
    model.social_enterprises = []
    n_se = round(region.social_enterprises_per_10k * n / 10_000)
    small = np.flatnonzero((staff >= 3) & (staff <= 30))
    for w in rng.choice(small, size=min(n_se, len(small)), replace=False):
        se = convert_to_social_enterprise(model, model.employers[int(w)])
        se.receive(ledger.RESIDENTS, "endowment", 3 * se.monthly_costs)

    # NPOs where people live, and the support centre near the centre
    model.npos = []
    model.intermediary = None
    expected = region.npos_per_10k * n / 10_000
    n_npo = max(1, round(expected)) if expected > 0 else 0
    homes = pop.cell[pop.alive_idx()]
    for cell in rng.choice(homes, size=n_npo):
        model.add_npo(
            int(cell),
            staff=int(rng.poisson(5.0)),
            know_how=float(rng.beta(3, 4)),
            field=FIELDS[int(rng.integers(len(FIELDS)))],
            seed_funds=None,
        )
    if n >= 2_000:
        model.intermediary = model.add_npo(
            centre[5 % len(centre)], staff=2, know_how=0.6, intermediary=True
        )

    # opening balances
    member_households = member_households_by_district(model).tolist()
    for assoc, households in zip(model.associations, member_households, strict=True):
        assoc.receive(
            ledger.RESIDENTS,
            "endowment",
            ASSOCIATION_RESERVE_MONTHS * households * p.association_dues,
        )
    for npo in model.npos:
        months = rng.uniform(*NPO_RESERVE_MONTHS)
        npo.receive(ledger.RESIDENTS, "endowment", months * npo.monthly_costs)
