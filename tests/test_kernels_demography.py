"""The compact ledger and the population's cached alive index against plain references."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd
import pytest

from model.ledger import CHANNELS, Ledger
from model.population import Population


class ListLedger:
    """The ledger as it was: five Python lists, scanned from the end."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, str, str, str, int]] = []
        self.week = 0

    def transfer(self, source: str, dest: str, channel: str, amount: float) -> None:
        yen = round(amount)
        if yen > 0:
            self.rows.append((self.week, source, dest, channel, yen))

    def week_totals(self, week: int) -> dict[str, int]:
        totals: dict[str, int] = defaultdict(int)
        for w, _s, _d, channel, yen in reversed(self.rows):
            if w != week:
                if w < week:
                    break
                continue
            totals[channel] += yen
        return totals


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_compact_ledger_matches_list_ledger(seed: int) -> None:
    rng = np.random.default_rng(seed)
    accounts = [f"npo:{i}" for i in range(int(rng.integers(1, 30)))] + ["government"]
    new, old = Ledger(), ListLedger()
    n = int(rng.integers(0, 3000))
    weeks = np.sort(rng.integers(-5, 40, n))
    weeks[rng.random(n) < 0.02] -= 3  # a few transfers booked to an earlier week
    for w in weeks.tolist():
        new.week = old.week = w
        args = (
            accounts[int(rng.integers(len(accounts)))],
            accounts[int(rng.integers(len(accounts)))],
            CHANNELS[int(rng.integers(len(CHANNELS)))],
            float(rng.choice([0.0, 0.4, rng.exponential(1e5), 3e12])),
        )
        new.transfer(*args)
        old.transfer(*args)
    assert len(new) == len(old.rows)
    expected = pd.DataFrame(
        {
            "week": np.asarray([r[0] for r in old.rows], np.int64),
            "source": [r[1] for r in old.rows],
            "destination": [r[2] for r in old.rows],
            "channel": [r[3] for r in old.rows],
            "amount": np.asarray([r[4] for r in old.rows], np.int64),
        }
    )
    pd.testing.assert_frame_equal(new.flows(), expected)
    for week in range(-10, 45):
        got, want = new.week_totals(week), old.week_totals(week)
        assert list(got.items()) == list(want.items())
        assert all(type(v) is int for v in got.values())
    balances: dict[str, int] = defaultdict(int)
    for _w, s, d, _c, yen in old.rows:
        balances[s] -= yen
        balances[d] += yen
    assert {k: v for k, v in new.balances.items() if v} == {k: v for k, v in balances.items() if v}


def test_empty_ledger() -> None:
    ledger = Ledger()
    assert len(ledger) == 0
    assert dict(ledger.week_totals(0)) == {}
    pd.testing.assert_frame_equal(ledger.flows(), empty_list_ledger_frame())


def empty_list_ledger_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "week": np.asarray([], np.int64),
            "source": [],
            "destination": [],
            "channel": [],
            "amount": np.asarray([], np.int64),
        }
    )


def test_ledger_rejects_bad_transfers() -> None:
    ledger = Ledger()
    with pytest.raises(ValueError):
        ledger.transfer("a", "b", "nonsense", 5)
    with pytest.raises(ValueError):
        ledger.transfer("a", "b", "loan", -5)
    assert ledger.transfer("a", "b", "loan", 0.3) == 0
    assert len(ledger) == 0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cached_alive_index_and_size_follow_allocate_and_release(seed: int) -> None:
    rng = np.random.default_rng(seed)
    pop = Population(capacity=4)
    for _ in range(40):
        if rng.random() < 0.6 or pop.size == 0:
            pop.allocate(int(rng.integers(0, 12)))
        else:
            idx = pop.alive_idx()
            pop.release(rng.choice(idx, size=int(rng.integers(1, len(idx) + 1)), replace=False))
        assert np.array_equal(pop.alive_idx(), np.flatnonzero(pop.alive))
        assert pop.size == int(pop.alive.sum())
        assert not pop.alive_idx().flags.writeable  # callers must not change the shared copy
    pop.release(np.empty(0, np.int64))
    assert pop.size == int(pop.alive.sum())
