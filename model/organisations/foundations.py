"""Community foundations and civil funds (report paths 22-25).

The foundation pools gifts from residents (given to it directly, or through the yearly
community-chest collection run by the associations) and from companies, and twice a
year grants most of what it holds to local NPOs in proportion to what they do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from model.organisations.base import Organisation

if TYPE_CHECKING:
    from model.kizuna_model import KizunaModel

GRANT_WEEKS = (26, 52)


class CommunityFoundation(Organisation):
    kind = "foundation"

    def __init__(self, model: KizunaModel, cell_index: int) -> None:
        super().__init__(model, cell_index, "community foundation")
        self.grants_paid = 0.0

    def grant_round(self) -> float:
        model = self.model
        npos = [n for n in model.npos if n.active and n.kind == "npo"]
        pot = model.params.foundation_payout * max(self.funds, 0)
        if not npos or pot < 1:
            return 0.0
        weight = np.sqrt(np.array([n.capacity for n in npos])) + 1e-9  # need, not size alone
        paid = 0.0
        for npo, yen in zip(npos, (pot * weight / weight.sum()).tolist(), strict=True):
            paid += self.pay(npo.account, "foundation_grant", yen)
        self.grants_paid += paid
        return paid
