"""Neighbourhood-association membership of households: who joins, who drops out.

Membership fell from about 78% of households (2010) toward 72% (2020) in MIC surveys:
young single renters rarely join, families with school children do, and frail elders
living alone drop out when they can no longer take their turn at duties. Newcomers
join at the region's rate when they arrive (see ``demography.arrivals``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from model.households import HouseholdView

if TYPE_CHECKING:
    from model.kizuna_model import KizunaModel


def update_membership(model: KizunaModel, hv: HouseholdView) -> None:
    p = model.params
    size = hv.size
    n_hh = len(size)
    frail_alone = (size == 1) & hv.frail
    young_single = (size == 1) & (hv.oldest < 35)

    leave = np.full(n_hh, p.association_leave_rate)
    leave[young_single] *= 2.0
    leave[frail_alone] *= 2.5
    leave[hv.pupils] *= 0.5
    join = np.full(n_hh, p.association_join_rate)
    join[young_single] *= 0.4
    join[hv.pupils] *= 2.0

    # nobody taking over makes an association fade, and households drift away from it
    district = model.household_district()
    vitality = np.fromiter((a.vitality for a in model.associations), float, len(model.associations))
    fading = np.where(district >= 0, 1.0 - vitality[np.maximum(district, 0)], 0.0)
    leave *= 1.0 + 2.0 * fading

    live = size > 0
    member = model.households.member
    u = model.rng.random(n_hh)
    quits = live & member & (u < leave / 52.0)
    joins = live & ~member & (u < join / 52.0)
    member[quits] = False
    member[joins] = True
