"""The batched booking of the paths' weekly costs and the ledger's cached week totals
give exactly what booking each path's cost on its own and scanning the rows gave: the
same rows in the same order, the same balances, account codes and totals."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from experiments.bench import everything_on
from model import attachment, ledger
from model.interventions import WEEKLY_CONTEXT, InterventionSet
from model.interventions.base import _PAYER_SOURCE as PAYER_SOURCE
from model.ledger import CHANNELS, Ledger
from model.organisations import government
from model.ties import Context
from tests import references
from tests.references import ListLedger

ACCOUNTS = ("government", "bank:3", "foundation:9", "npo:1")


def _rows(book: Ledger) -> list[tuple]:
    return book.flows().to_records(index=False).tolist()


def _state(book: Ledger) -> tuple:
    """Everything a ledger holds, in order: rows, balances (keys in insertion order),
    account codes, and the latest run it remembers."""
    return (
        _rows(book),
        list(book.balances.items()),
        list(book._accounts),
        (book._run_week, book._run_start, book._run_alone),
        len(book),
    )


def _random_batch(rng: np.random.Generator, n: int) -> list[tuple[str, str | None, int]]:
    sources = (ledger.TAXES, ledger.DEPOSITS, ledger.RESIDENTS, ledger.COMPANY_EARNINGS)
    batch = []
    for _ in range(n):
        via = None if rng.random() < 0.25 else ACCOUNTS[int(rng.integers(len(ACCOUNTS)))]
        batch.append((sources[int(rng.integers(len(sources)))], via, int(rng.integers(1, 10**7))))
    return batch


@pytest.mark.parametrize("seed", range(6))
def test_transfer_batch_books_what_transfer_and_transfer_through_book(seed: int) -> None:
    rng = np.random.default_rng(seed)
    new, old = Ledger(), Ledger()
    for week in sorted(rng.integers(0, 6, 12).tolist()):
        new.week = old.week = week
        # other transfers before and after, some to accounts the batch has not seen yet
        for book in (new, old):
            book.transfer(ledger.MARKET, f"npo:{week}", "revenue", 1000.0 + week)
        batch = _random_batch(rng, int(rng.choice([0, 1, 3, 40])))
        new.transfer_batch(batch, ledger.OPERATIONS, "intervention")
        for source, via, yen in batch:
            if via is None:
                old.transfer(source, ledger.OPERATIONS, "intervention", yen)
            else:
                old.transfer_through(source, via, ledger.OPERATIONS, "intervention", yen)
        for book in (new, old):
            book.transfer(f"npo:{week}", ledger.WAGES, "wages", 10.5)
        assert _state(new) == _state(old)
        for q in (week - 1, week, week + 1):
            assert list(new.week_totals(q).items()) == list(old.week_totals(q).items())


def test_transfer_batch_on_an_empty_ledger_and_across_a_block_flush() -> None:
    new, old = Ledger(), Ledger()
    new.transfer_batch([], ledger.OPERATIONS, "intervention")
    assert _state(new) == _state(old) and new._run_week is None
    new.week = old.week = 3
    batch = [(ledger.TAXES, "government", 7 + i) for i in range(3000)]  # 6,000 rows
    new.transfer_batch(batch, ledger.OPERATIONS, "intervention")
    for source, via, yen in batch:
        old.transfer_through(source, via, ledger.OPERATIONS, "intervention", yen)
    assert _state(new) == _state(old)
    assert list(new.week_totals(3).items()) == list(old.week_totals(3).items())


def _pay_weekly_cost(iv, model) -> float:
    """A path's weekly cost booked on its own, as paths paid before the batch: from the
    payer's source, through its account (firms: straight) to operating costs."""
    yen = iv.yearly_cost(model) / 52.0
    if yen <= 0:
        return 0.0
    book = model.ledger
    source = PAYER_SOURCE[iv.payer]
    payer = None if iv.payer == "companies" else getattr(model, iv.payer)
    if payer is None:
        return float(book.transfer(source, ledger.OPERATIONS, "intervention", yen))
    via = payer.account
    return float(book.transfer_through(source, via, ledger.OPERATIONS, "intervention", yen))


def _weekly_reference(self: InterventionSet, model, wk):
    """``InterventionSet.weekly`` as it was: each path acts, then pays on its own."""
    us, vs, cs = [], [], []
    cost = 0.0
    acting = self.hooked("weekly")
    for iv in self._active_paths():
        if iv in acting:
            met = iv.weekly(model, wk)
            if met is not None:
                us.append(met[0])
                vs.append(met[1])
                cs.append(int(WEEKLY_CONTEXT.get(iv.number, Context.EVENT)))
        cost += _pay_weekly_cost(iv, model)
    model.flows["intervention_cost"] += cost
    return us, vs, cs


def test_batched_path_costs_leave_the_run_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    """The everything-on town (all 27 paths, their actions booking money between the
    costs) for a few months: the same ledger and the same outcomes either way."""
    scenario = everything_on(300, 14)

    def run():
        model = scenario.build_model(2)
        for _ in range(14):
            model.step()
        return model

    new = run()
    with monkeypatch.context() as patch:
        patch.setattr(InterventionSet, "weekly", _weekly_reference)
        old = run()
    assert _state(new.ledger) == _state(old.ledger)
    assert new.outcomes().equals(old.outcomes())
    assert new.ledger.week_totals(13)["intervention"] > 0


@pytest.mark.parametrize("seed", range(4))
def test_cached_week_totals_match_the_list_ledger(seed: int) -> None:
    """Asked twice, asked again after more transfers, asked about other weeks, and the
    answer changed by its reader: always the rows' own totals."""
    rng = np.random.default_rng(seed)
    new, old = Ledger(), ListLedger()
    for week in range(8):
        new.week = old.week = week
        for _ in range(int(rng.integers(0, 5))):
            channel = CHANNELS[int(rng.integers(len(CHANNELS)))]
            amount = float(rng.choice([0.0, 0.4, 3.0, rng.exponential(1e4)]))
            moved = new.transfer("a", "b", channel, amount)
            assert moved == old.transfer("a", "b", channel, amount)
            for q in (week, week, week - 1):
                got = new.week_totals(q)
                assert list(got.items()) == list(old.week_totals(q).items())
                got["revenue"] += 5  # a reader's changes stay its own
                got["nonsense"]
        assert list(new.week_totals(week).items()) == list(old.week_totals(week).items())


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("cap", [0, 1, 9, 400])
def test_coordinator_kernels_match_the_masks_and_the_stable_sort(seed: int, cap: int) -> None:
    rng = np.random.default_rng(seed)
    alive = rng.random(cap) < 0.8
    age = rng.choice(np.array([0.0, 14.99, 15.0, 40.0, 80.0], np.float32), cap)
    kind = rng.integers(0, 4, cap).astype(np.int8)
    n_npos = int(rng.integers(1, 6))
    attach_id = np.where(kind == attachment.NPO, rng.integers(0, n_npos + 2, cap), -1)
    attach_id = attach_id.astype(np.int32)  # some past n_npos: bincount grows
    want = np.flatnonzero(alive & (age >= 15) & (kind != attachment.NPO))
    got = government.free_adults(alive, age, kind, attachment.NPO)
    assert got.dtype == np.int64 and got.tolist() == want.tolist()
    vol = np.flatnonzero(alive & (kind == attachment.NPO))
    counts, starts, members = government.npo_rosters(alive, kind, attachment.NPO, attach_id, n_npos)
    by_npo = attach_id[vol]
    want_counts = np.bincount(by_npo, minlength=n_npos)
    assert counts.tolist() == want_counts.tolist()
    assert starts.tolist() == (np.cumsum(want_counts) - want_counts).tolist()
    assert members.tolist() == vol[np.argsort(by_npo, kind="stable")].tolist()


def _coordinator_town(seed: int, cap: int, n_npos: int, rate: float) -> SimpleNamespace:
    """A model as ``coordinators`` reads it: resident columns in the model's dtypes, NPOs
    (some closed, some without volunteers), a tally and the generator."""
    rng = np.random.default_rng(seed)
    kind = rng.integers(0, 4, cap).astype(np.int8)
    pop = SimpleNamespace(
        alive=rng.random(cap) < 0.8,
        age=rng.choice(np.array([3.0, 14.99, 15.0, 40.0, 80.0], np.float32), cap),
        attach_kind=kind,
        attach_id=np.where(kind == attachment.NPO, rng.integers(0, max(n_npos, 1), cap), -1).astype(
            np.int32
        ),
        propensity=rng.random(cap).astype(np.float32),
        free_time=(rng.random(cap) * (rng.random(cap) < 0.9)).astype(np.float32),
        informed_npo=np.full(cap, -1, np.int32),
        informed_week=np.full(cap, -7, np.int32),
        last_volunteer_week=np.full(cap, -9, np.int32),
    )
    npos = [
        SimpleNamespace(index=i, active=bool(rng.random() < 0.8), capacity=float(rng.random() * 5))
        for i in range(n_npos)
    ]
    tally: list[int] = []
    return SimpleNamespace(
        population=pop, npos=npos, week=12, population_size=int(pop.alive.sum()),
        params=SimpleNamespace(coordinator_introductions=rate, propensity_scale=1.7),
        tallies=SimpleNamespace(add=lambda name, k: tally.append(k), seen=tally),
        rng=np.random.default_rng(seed + 50),
    )  # fmt: skip


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize(
    ("cap", "n_npos", "rate"),
    [(0, 2, 5.0), (1, 1, 3e4), (60, 3, 2e3), (400, 12, 400.0), (400, 0, 400.0)],
)
def test_coordinators_introduce_as_the_array_rule(seed, cap, n_npos, rate) -> None:
    """The compiled introductions draw and decide exactly as the array steps did: the
    same pairs, the same columns written, the same tally, the generator left alike."""
    got_town = _coordinator_town(seed, cap, n_npos, rate)
    want_town = _coordinator_town(seed, cap, n_npos, rate)
    got = government.coordinators(got_town)
    want = references.coordinators(want_town)
    assert [g.tolist() for g in got] == [w.tolist() for w in want]
    assert all(g.dtype == np.int64 for g in got)
    for column in vars(want_town.population):
        assert np.array_equal(
            getattr(got_town.population, column), getattr(want_town.population, column)
        ), column
    assert got_town.tallies.seen == want_town.tallies.seen
    assert got_town.rng.random() == want_town.rng.random()
