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
_BLOCK = 4096  # pending transfers moved into the columns at once


class Ledger:
    """Balances plus every transfer (week, source, destination, channel, amount).

    A long run records millions of transfers, so they are stored compactly: accounts
    and channels as small integer codes (with a name table), every column in a numpy
    array that doubles its capacity when full (about 21 bytes per transfer rather than
    five list entries and a Python int). A transfer is first appended as one tuple to a
    short Python list and moved into the columns in blocks (writing five numpy scalars
    per transfer cost more than the rest of it); the run of transfers booked to the
    latest week is remembered, so the week's totals are read off that list.
    """

    def __init__(self) -> None:
        self.balances: defaultdict[str, int] = defaultdict(int)
        self._account_code: dict[str, int] = {}
        self._accounts: list[str] = []
        self._n = 0  # transfers in the columns
        for name, dtype in _COLUMNS:
            setattr(self, name, np.zeros(1024, dtype))
        self._pending: list[tuple[int, int, int, int, int]] = []  # not yet in the columns
        self._run_week: int | None = None  # week of the latest run of transfers
        self._run_start = 0  # position of its first transfer
        self._run_alone = True  # whether the transfer before it was booked to an earlier week
        self._totals: tuple[int, int, dict[str, int]] | None = None  # week, rows, totals
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

    def _flush(self) -> None:
        """Move the pending transfers into the columns."""
        pending = self._pending
        k = len(pending)
        if k == 0:
            return
        while self._n + k > len(self._amount):
            self._grow()
        block = np.array(pending, dtype=np.int64)
        i = self._n
        for j, (name, _dtype) in enumerate(_COLUMNS):
            getattr(self, name)[i : i + k] = block[:, j]
        self._n = i + k
        pending.clear()

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
        codes = self._account_code
        s = codes.get(source)
        if s is None:
            s = self._code(source)
        d = codes.get(dest)
        if d is None:
            d = self._code(dest)
        week = self.week
        pending = self._pending
        if week != self._run_week:
            last = self._run_week
            self._run_alone = last is None or last < week
            self._run_week = week
            self._run_start = self._n + len(pending)
        pending.append((week, s, d, channel_code, int(yen)))
        if len(pending) >= _BLOCK:
            self._flush()
        return yen

    def transfer_through(
        self, source: str, via: str, dest: str, channel: str, amount: float
    ) -> int:
        """``transfer(source, via, ...)`` and then ``transfer(via, dest, ...)`` of what
        moved: money passing through an account (a payer's running costs of a path).
        Returns what moved."""
        yen = self.transfer(source, via, channel, amount)
        if yen:
            self.transfer(via, dest, channel, yen)
        return yen

    def transfer_batch(
        self, batch: list[tuple[str, str | None, int]], dest: str, channel: str
    ) -> None:
        """Book ``(source, via, yen)`` items in order, exactly as ``transfer_through(source,
        via, dest, channel, yen)`` (or ``transfer(source, dest, channel, yen)`` when ``via``
        is None) one by one would: the same rows, balances, account codes and run. Every
        ``yen`` is a whole, positive amount. One call for the week's path costs rather
        than two method calls and their checks per path."""
        if not batch:
            return
        channel_code = _CHANNEL_CODE[channel]
        balances = self.balances
        codes = self._account_code
        pending = self._pending
        week = self.week
        if week != self._run_week:
            last = self._run_week
            self._run_alone = last is None or last < week
            self._run_week = week
            self._run_start = self._n + len(pending)
        for source, via, yen in batch:
            balances[source] -= yen
            s = codes.get(source)
            if s is None:
                s = self._code(source)
            if via is not None:
                balances[via] += yen
                v = codes.get(via)
                if v is None:
                    v = self._code(via)
                pending.append((week, s, v, channel_code, yen))
                balances[via] -= yen
                s = v
            balances[dest] += yen
            d = codes.get(dest)
            if d is None:
                d = self._code(dest)
            pending.append((week, s, d, channel_code, yen))
        if len(pending) >= _BLOCK:
            self._flush()

    def flows(self) -> pd.DataFrame:
        """Every transfer, one row each."""
        self._flush()
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
        earlier week. For the week of the latest run of transfers (the usual question)
        that run is the answer when an earlier week's transfer precedes it. The model
        asks twice a week with no transfer in between: the last answer is kept (rows
        are only ever appended, so it holds while their number does) and handed out
        as a fresh copy, so one reader's changes never reach another.
        """
        rows = self._n + len(self._pending)
        kept = self._totals
        if kept is not None and kept[0] == week and kept[1] == rows:
            return defaultdict(int, kept[2])
        totals = self._week_totals(week)
        self._totals = (week, rows, dict(totals))
        return totals

    def _week_totals(self, week: int) -> dict[str, int]:
        """``week_totals`` read off the rows."""
        run_week = self._run_week
        if run_week is None or week > run_week:  # the latest transfer is of an earlier week
            return defaultdict(int)
        offset = self._run_start - self._n
        if week == run_week and self._run_alone and offset >= 0:
            totals: dict[str, int] = defaultdict(int)
            pending = self._pending
            for i in range(len(pending) - 1, offset - 1, -1):
                row = pending[i]
                totals[CHANNELS[row[3]]] += row[4]
            return totals
        return self._scan_totals(week)

    def _scan_totals(self, week: int) -> dict[str, int]:
        """``week_totals`` by scanning the columns backwards in growing chunks."""
        self._flush()
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
        return self._n + len(self._pending)
