"""Fast paths of the fixed per-week work (ledger, outcomes, paths' costs) against plain
references: the same results, to the last bit and in the same order."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

from model.ledger import CHANNELS, Ledger
from model.outcomes import _median
from model.population import Population
from tests.references import ListLedger


def _random_ledgers(seed: int, n: int) -> tuple[Ledger, ListLedger]:
    rng = np.random.default_rng(seed)
    accounts = [f"npo:{i}" for i in range(int(rng.integers(1, 12)))] + ["government"]
    new, old = Ledger(), ListLedger()
    weeks = np.sort(rng.integers(-3, 12, n))
    weeks[rng.random(n) < 0.05] -= 2  # now and then booked to an earlier week
    for w in weeks.tolist():
        new.week = old.week = w
        a, b, c = (accounts[int(rng.integers(len(accounts)))] for _ in range(3))
        channel = CHANNELS[int(rng.integers(len(CHANNELS)))]
        amount = float(rng.choice([0.0, 0.4, 2.5, rng.exponential(1e5)]))
        if rng.random() < 0.3:  # through an account: two rows of what moved
            assert new.transfer_through(a, b, c, channel, amount) == (
                old.transfer(b, c, channel, old.transfer(a, b, channel, amount))
            )
        else:
            assert new.transfer(a, b, channel, amount) == old.transfer(a, b, channel, amount)
        # ask now and then, as the model does mid-run
        if rng.random() < 0.05:
            for q in (w - 1, w, w + 1):
                assert list(new.week_totals(q).items()) == list(old.week_totals(q).items())
    return new, old


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("n", [0, 1, 40, 1500])
def test_ledger_runs_and_transfer_through_match_the_list_ledger(seed: int, n: int) -> None:
    new, old = _random_ledgers(seed, n)
    assert len(new) == len(old.rows)
    for week in range(-8, 15):
        got, want = new.week_totals(week), old.week_totals(week)
        assert list(got.items()) == list(want.items())
        assert all(type(v) is int for v in got.values())
    flows = new.flows()
    assert flows["week"].tolist() == [r[0] for r in old.rows]
    assert flows["source"].tolist() == [r[1] for r in old.rows]
    assert flows["destination"].tolist() == [r[2] for r in old.rows]
    assert flows["channel"].tolist() == [r[3] for r in old.rows]
    assert flows["amount"].tolist() == [r[4] for r in old.rows]
    balances: dict[str, int] = defaultdict(int)
    for _w, s, d, _c, yen in old.rows:
        balances[s] -= yen
        balances[d] += yen
    assert {k: v for k, v in new.balances.items() if v} == {k: v for k, v in balances.items() if v}
    # after the columns are filled (flows), the totals still read the same
    for week in range(-8, 15):
        assert list(new.week_totals(week).items()) == list(old.week_totals(week).items())


def test_ledger_run_spanning_a_block_flush() -> None:
    new, old = Ledger(), ListLedger()
    new.week = old.week = 7
    for i in range(5000):  # more than one block: the run is partly in the columns
        new.transfer("a", "b", CHANNELS[i % 3], 1.0 + i)
        old.transfer("a", "b", CHANNELS[i % 3], 1.0 + i)
    assert list(new.week_totals(7).items()) == list(old.week_totals(7).items())


@pytest.mark.parametrize("seed", range(6))
def test_median_matches_numpy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for n in (1, 2, 3, 4, 7, 8, 100, 101):
        values = rng.exponential(3000.0, n).astype(np.float32).astype(np.float64)
        values[rng.random(n) < 0.3] = 1000.0  # ties
        assert _median(values) == float(np.median(values))
        assert type(_median(values)) is float


def test_population_count_follows_allocate_and_release() -> None:
    rng = np.random.default_rng(5)
    pop = Population(capacity=4)
    assert pop.count() == 0
    slots = pop.allocate(30)  # grows
    assert pop.count() == 30 == int(np.count_nonzero(pop.alive))
    for _ in range(20):
        gone = rng.choice(pop.alive_idx(), size=int(rng.integers(0, 5)), replace=False)
        pop.release(gone)
        assert pop.count() == int(np.count_nonzero(pop.alive))
        pop.allocate(int(rng.integers(0, 6)))
        assert pop.count() == int(np.count_nonzero(pop.alive)) == len(pop.alive_idx())
    assert len(slots) == 30


def test_vacant_cells_of_none_draws_nothing() -> None:
    from tests.towns import small_town

    model = small_town(300, seed=2, warmup_weeks=0)
    before = model.rng.bit_generator.state
    assert len(model.vacant_cells(0)) == 0
    assert model.rng.bit_generator.state == before
    free = model.vacant_cells(3)
    assert len(free) == 3 and free.dtype == np.int64


def test_organisation_people_matches_the_numpy_roster() -> None:
    from model import attachment, outcome_kernels
    from tests.towns import small_town

    model = small_town(800, seed=4, warmup_weeks=8)
    for _ in range(3):
        model.step()
        pop = model.population
        people = [o.leader for o in model.community_organisations() if o.leader >= 0]
        volunteers, size, first_worker = outcome_kernels.roster_candidates(
            pop.alive, pop.attach_kind, attachment.NPO, pop.attach_id, len(model.npos),
            pop.employer, model.venues.n_workplaces,
        )  # fmt: skip
        mine = volunteers[[npo.index for npo in model.npos if npo.active]].ravel()
        people.extend(mine[mine >= 0].tolist())
        people.extend(int(first_worker[w]) for w in np.argsort(-size)[:10] if size[w])
        want = np.unique(np.asarray(people, np.int64))
        got = model.organisation_people()
        assert got.dtype == want.dtype and np.array_equal(got, want) and len(got) > 0


@pytest.mark.parametrize("n", [1, 2, 3, 17])
def test_single_group_index_matches_the_counting_sort(n: int) -> None:
    from model.encounters import GroupIndex, _group_index, within_groups

    rng = np.random.default_rng(n)
    members = rng.permutation(1000)[:n].astype(np.int64)
    zeros = np.zeros(n, np.int64)
    fast = GroupIndex.build(members, zeros)
    slow = GroupIndex(*_group_index(members, zeros, 1))
    for name in ("members", "start", "size", "pos", "order", "first", "group"):
        got, want = getattr(fast, name), getattr(slow, name)
        assert got.dtype == want.dtype and np.array_equal(got, want), name
    assert fast.members is not members  # a copy, never the caller's array
    a, b = np.random.default_rng(7), np.random.default_rng(7)
    for x, y in zip(within_groups(fast, 3.0, a), within_groups(slow, 3.0, b), strict=True):
        assert np.array_equal(x, y)
    assert a.random() == b.random()


def _choose_numpy(new, informed_npo, npo_active, informed_week, week, memory, household,
                  household_district, member_hh, school_col, employer_col, programme_col, u,
                  npo_choice, attach_kind, attach_id):  # fmt: skip
    """The NumPy rule ``attachment.choose`` replaced, mask by mask."""
    from model import attachment as at
    from model.population import NEVER

    heard = informed_npo[new]
    last = informed_week[new]
    knows_npo = (
        (heard >= 0) & npo_active[np.maximum(heard, 0)] & (last != NEVER) & (week - last < memory)
    )
    hh = household[new]
    district = household_district[hh]
    member = member_hh[hh] & (district >= 0)
    school = school_col[new]
    employer = employer_col[new]
    programme = (employer >= 0) & programme_col[np.maximum(employer, 0)]
    to_npo = knows_npo & (u[:, 0] < npo_choice)
    to_school = ~to_npo & (school >= 0)
    to_company = ~to_npo & ~to_school & programme & (u[:, 1] < at.COMPANY_CHOICE)
    to_assoc = ~to_npo & ~to_school & ~to_company & member & (u[:, 2] < at.ASSOCIATION_CHOICE)
    kind = np.full(len(new), at.INFORMAL, np.int8)
    kind[to_npo] = at.NPO
    kind[to_school] = at.SCHOOL
    kind[to_company] = at.COMPANY
    kind[to_assoc] = at.ASSOCIATION
    ident = np.maximum(district, 0)
    ident[to_npo] = heard[to_npo]
    ident[to_school] = school[to_school]
    ident[to_company] = employer[to_company]
    attach_kind[new] = kind
    attach_id[new] = ident


@pytest.mark.parametrize("seed", range(6))
def test_attachment_choice_matches_the_numpy_rule(seed: int) -> None:
    from model.attachment import choose
    from model.population import NEVER

    rng = np.random.default_rng(seed)
    n, n_hh, n_npo, n_wp = 60, 25, 4, 6
    cols = {
        "informed_npo": rng.integers(-1, n_npo, n).astype(np.int32),
        "informed_week": np.where(rng.random(n) < 0.3, NEVER, rng.integers(0, 40, n)).astype(
            np.int32
        ),
        "household": rng.integers(0, n_hh, n).astype(np.int64),
        "school": np.where(rng.random(n) < 0.2, rng.integers(0, 3, n), -1).astype(np.int32),
        "employer": rng.integers(-2, n_wp, n).astype(np.int32),
    }
    npo_active = rng.random(n_npo) < 0.7
    district = rng.integers(-1, 3, n_hh).astype(np.int32)
    member = rng.random(n_hh) < 0.6
    programme = rng.random(n_wp) < 0.5
    for size in (0, 1, 12, 40):
        new = rng.choice(n, size, replace=False).astype(np.int64)
        if size > 3:
            new[-1] = new[0]  # a slot listed twice
        u = rng.random((size, 3))
        args = (
            new, cols["informed_npo"], npo_active, cols["informed_week"], 40, 26,
            cols["household"], district, member, cols["school"], cols["employer"],
            programme, u, 0.6,
        )  # fmt: skip
        kind_a, id_a = rng.integers(0, 6, n).astype(np.int8), np.full(n, -1, np.int32)
        kind_b, id_b = kind_a.copy(), id_a.copy()
        choose(*args, kind_a, id_a)
        _choose_numpy(*args, kind_b, id_b)
        assert np.array_equal(kind_a, kind_b) and np.array_equal(id_a, id_b)
