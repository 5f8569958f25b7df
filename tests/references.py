"""Plain reference versions that the fast paths are tested against."""

from __future__ import annotations

from collections import defaultdict


class ListLedger:
    """The ledger as a list of rows, scanned from the end (the definition)."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, str, str, str, int]] = []
        self.week = 0

    def transfer(self, source: str, dest: str, channel: str, amount: float) -> int:
        yen = round(amount)
        if yen > 0:
            self.rows.append((self.week, source, dest, channel, yen))
        return max(yen, 0)

    def week_totals(self, week: int) -> dict[str, int]:
        totals: dict[str, int] = defaultdict(int)
        for w, _s, _d, channel, yen in reversed(self.rows):
            if w != week:
                if w < week:
                    break
                continue
            totals[channel] += yen
        return totals
