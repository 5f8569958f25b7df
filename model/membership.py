"""Neighbourhood-association membership of households: who joins, who drops out.

Membership fell from about 78% of households (2010) toward 72% (2020) in MIC surveys:
young single renters rarely join, families with school children do, and frail elders
living alone drop out when they can no longer take their turn at duties. Newcomers
join at the region's rate when they arrive (see ``demography.arrivals``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from model.households import HouseholdView

if TYPE_CHECKING:
    from model.kizuna_model import KizunaModel


def update_membership(model: KizunaModel, hv: HouseholdView) -> None:
    p = model.params
    n_hh = len(hv.size)
    # nobody taking over makes an association fade, and households drift away from it
    district = model.household_district()
    vitality = np.fromiter((a.vitality for a in model.associations), float, len(model.associations))
    u = model.rng.random(n_hh)
    turnover(
        hv.size, hv.frail, hv.oldest, hv.pupils, district, vitality, model.households.member,
        u, p.association_leave_rate, p.association_join_rate,
    )  # fmt: skip


@njit(cache=True, nogil=True)
def turnover(
    size: np.ndarray,
    frail: np.ndarray,
    oldest: np.ndarray,
    pupils: np.ndarray,
    district: np.ndarray,
    vitality: np.ndarray,
    member: np.ndarray,
    u: np.ndarray,
    leave_rate: float,
    join_rate: float,
) -> None:  # pragma: no cover
    """This week's joins and quits, household by household (``member`` in place).

    Leaving: twice as likely for young single households, 2.5 times for frail elders
    living alone, half for families with pupils, and up to three times in a fading
    association; joining: 0.4 times for young singles, twice for families with pupils.
    The factors multiply in this order, as the array rule did."""
    for h in range(len(size)):
        if size[h] <= 0:
            continue
        alone = size[h] == 1
        if member[h]:
            leave = leave_rate
            if alone and oldest[h] < 35:
                leave *= 2.0
            if alone and frail[h]:
                leave *= 2.5
            if pupils[h]:
                leave *= 0.5
            d = district[h]
            fading = 1.0 - vitality[d] if d >= 0 else 0.0
            leave *= 1.0 + 2.0 * fading
            if u[h] < leave / 52.0:
                member[h] = False
        else:
            join = join_rate
            if alone and oldest[h] < 35:
                join *= 0.4
            if pupils[h]:
                join *= 2.0
            if u[h] < join / 52.0:
                member[h] = True
