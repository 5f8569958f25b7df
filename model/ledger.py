"""The ledger: every yen that moves, with its source, destination and channel.

Accounts are strings: ``"npo:3"``, ``"bank:0"``, ``"government"``... An organisation's
funds *are* its ledger balance, so money can only move by ``transfer`` and every
flow is recorded. Money enters the town from explicit external sources (residents'
pockets, taxes, markets, deposits, company earnings) and leaves through explicit
sinks (wages, operating costs), so an analyst can follow each yen: where it came from,
which channel carried it, and where it went. Amounts are whole yen (int64).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

# where money comes from outside the modelled organisations
RESIDENTS = "external:residents"  # households' own money: gifts, dues, seed funds
TAXES = "external:taxes"  # the municipality's general revenue
MARKET = "external:market"  # customers paying for goods and services
COMPANY_EARNINGS = "external:company_earnings"  # the part of profits set aside for CSR
DEPOSITS = "external:deposits"  # the bank's lending capital
OTHER_FUNDS = "external:other_funds"  # foundations and funds outside the town
# where it leaves
WAGES = "sink:wages"
OPERATIONS = "sink:operations"  # rent, materials, events, services delivered
OUTSIDE = "sink:outside_causes"  # gifts to national causes and disaster relief elsewhere
SOURCES = (RESIDENTS, TAXES, MARKET, COMPANY_EARNINGS, DEPOSITS, OTHER_FUNDS)
SINKS = (WAGES, OPERATIONS, OUTSIDE)

CHANNELS = (
    "endowment",  # opening balances at the start of the run
    "budget",  # taxes to the local government
    "csr_budget",  # company earnings set aside for community programmes
    "dues",  # households to their neighbourhood association
    "gift_direct",  # residents straight to an NPO
    "gift_foundation",  # residents to a community foundation
    "gift_outside",  # residents to causes outside the town
    "community_chest",  # the yearly collection through associations
    "csr_donation",  # companies to NPOs and foundations
    "foundation_grant",
    "government_grant",
    "association_subsidy",  # municipality to associations for circulars and safety work
    "loan",
    "repayment",  # principal and interest back to the bank
    "revenue",  # sales and service fees
    "wages",
    "operations",
    "intervention",  # the running costs of the report's paths, paid by their payers
    "social_investment",  # residents' savings invested in local social enterprises and NPOs
    "matched_funds",  # other foundations' money matching a community foundation's grants
)


class Ledger:
    """Balances plus a list of transfers (week, source, destination, channel, amount)."""

    def __init__(self) -> None:
        self.balances: defaultdict[str, int] = defaultdict(int)
        self._week: list[int] = []
        self._source: list[str] = []
        self._dest: list[str] = []
        self._channel: list[str] = []
        self._amount: list[int] = []
        self.week = 0

    def balance(self, account: str) -> int:
        return self.balances.get(account, 0)

    def transfer(self, source: str, dest: str, channel: str, amount: float) -> int:
        """Move ``amount`` yen (rounded to whole yen); returns what moved.

        Organisations may go into overdraft (negative funds) — closing an NPO that
        stays in deficit is a rule of the NPO, not of the ledger.
        """
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}")
        yen = round(amount)
        if yen < 0:
            raise ValueError(f"negative transfer {yen} from {source} to {dest}")
        if yen == 0:
            return 0
        self.balances[source] -= yen
        self.balances[dest] += yen
        self._week.append(self.week)
        self._source.append(source)
        self._dest.append(dest)
        self._channel.append(channel)
        self._amount.append(yen)
        return yen

    def flows(self) -> pd.DataFrame:
        """Every transfer, one row each."""
        return pd.DataFrame(
            {
                "week": np.asarray(self._week, np.int64),
                "source": self._source,
                "destination": self._dest,
                "channel": self._channel,
                "amount": np.asarray(self._amount, np.int64),
            }
        )

    def week_totals(self, week: int) -> dict[str, int]:
        """Yen moved in one week, by channel (the recent tail is scanned from the end)."""
        totals: dict[str, int] = defaultdict(int)
        for i in range(len(self._week) - 1, -1, -1):
            if self._week[i] != week:
                if self._week[i] < week:
                    break
                continue
            totals[self._channel[i]] += self._amount[i]
        return totals

    def __len__(self) -> int:
        return len(self._amount)
