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


_CHANNEL_CODE = {name: code for code, name in enumerate(CHANNELS)}
_COLUMNS = (("_week", np.int32), ("_source", np.int32), ("_dest", np.int32),
            ("_channel", np.int8), ("_amount", np.int64))  # fmt: skip


class Ledger:
    """Balances plus every transfer (week, source, destination, channel, amount).

    A long run records millions of transfers, so they are stored compactly: accounts
    and channels as small integer codes (with a name table), every column in a numpy
    array that doubles its capacity when full (about 21 bytes per transfer rather than
    five list entries and a Python int).
    """

    def __init__(self) -> None:
        self.balances: defaultdict[str, int] = defaultdict(int)
        self._account_code: dict[str, int] = {}
        self._accounts: list[str] = []
        self._n = 0
        for name, dtype in _COLUMNS:
            setattr(self, name, np.zeros(1024, dtype))
        self.week = 0

    def balance(self, account: str) -> int:
        return self.balances.get(account, 0)

    def _code(self, account: str) -> int:
        code = self._account_code.get(account)
        if code is None:
            code = self._account_code[account] = len(self._accounts)
            self._accounts.append(account)
        return code

    def _grow(self) -> None:
        for name, _dtype in _COLUMNS:
            old = getattr(self, name)
            column = np.zeros(2 * len(old), old.dtype)
            column[: len(old)] = old
            setattr(self, name, column)

    def transfer(self, source: str, dest: str, channel: str, amount: float) -> int:
        """Move ``amount`` yen (rounded to whole yen); returns what moved.

        Organisations may go into overdraft (negative funds) — closing an NPO that
        stays in deficit is a rule of the NPO, not of the ledger.
        """
        channel_code = _CHANNEL_CODE.get(channel)
        if channel_code is None:
            raise ValueError(f"unknown channel {channel!r}")
        yen = round(amount)
        if yen < 0:
            raise ValueError(f"negative transfer {yen} from {source} to {dest}")
        if yen == 0:
            return 0
        self.balances[source] -= yen
        self.balances[dest] += yen
        i = self._n
        if i == len(self._amount):
            self._grow()
        self._week[i] = self.week
        self._source[i] = self._code(source)
        self._dest[i] = self._code(dest)
        self._channel[i] = channel_code
        self._amount[i] = yen
        self._n = i + 1
        return yen

    def flows(self) -> pd.DataFrame:
        """Every transfer, one row each."""
        n = self._n
        names = np.array(self._accounts, dtype=object)
        channels = np.array(CHANNELS, dtype=object)
        return pd.DataFrame(
            {
                "week": self._week[:n].astype(np.int64),
                "source": names[self._source[:n]].tolist(),
                "destination": names[self._dest[:n]].tolist(),
                "channel": channels[self._channel[:n]].tolist(),
                "amount": self._amount[:n].copy(),
            }
        )

    def week_totals(self, week: int) -> dict[str, int]:
        """Yen moved in one week, by channel, in order of the latest transfer first.

        Only the recent tail is read: the scan stops at the latest transfer of an
        earlier week, searched for backwards in growing chunks.
        """
        weeks = self._week
        start = 0
        end = self._n
        chunk = 256
        while end > 0:
            lo = max(0, end - chunk)
            earlier = np.flatnonzero(weeks[lo:end] < week)
            if len(earlier):
                start = lo + int(earlier[-1]) + 1
                break
            end = lo
            chunk *= 2
        hit = np.flatnonzero(weeks[start : self._n] == week)[::-1] + start
        totals: dict[str, int] = defaultdict(int)
        for code, yen in zip(self._channel[hit].tolist(), self._amount[hit].tolist(), strict=True):
            totals[CHANNELS[code]] += yen
        return totals

    def __len__(self) -> int:
        return self._n
