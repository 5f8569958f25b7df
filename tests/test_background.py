"""The helper thread (``model.background``) changes when kernels run, never what they
give: a whole run, the week's pairings handed over in one call and the tie lists built
meanwhile give the numbers the same work gives in place."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.bench import everything_on
from model import background, encounters, streams
from model import ties as ties_module
from model.encounters import CellIndex, GroupIndex
from model.tie_kernels import visit_partners
from model.ties import TieNetwork


def _run(enabled: bool, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(background, "ENABLED", enabled)
    model = everything_on(400, 30).build_model(5)  # every path on, an earthquake in week 15
    for _ in range(30):
        model.step()
    return model.outcomes(), model.ledger.flows(), model.disaster_table(), model.ties.key.copy()


def test_a_run_gives_the_same_numbers_with_and_without_the_helper(monkeypatch):
    helped, alone = _run(True, monkeypatch), _run(False, monkeypatch)
    assert helped[0].equals(alone[0])
    assert helped[1].equals(alone[1])
    assert helped[2].equals(alone[2])
    assert np.array_equal(helped[3], alone[3])
    assert helped[0]["ties"].iloc[-1] > 0  # a town that did make ties


def test_later_runs_on_the_helper_and_passes_errors_back(monkeypatch):
    import threading

    monkeypatch.setattr(background, "ENABLED", True)
    assert background.later(lambda: threading.current_thread().name).result() != "MainThread"

    def fails():
        raise ValueError("inside the kernel")

    failed = background.later(fails)
    for _ in range(2):  # collected twice (the census is, by its network and its caller)
        with pytest.raises(ValueError, match="inside the kernel"):
            failed.result()
    jobs = [background.later(sorted, [3, 1, 2]) for _ in range(3)]
    assert [job.result() for job in jobs * 2] == [[1, 2, 3]] * 6  # in order, repeatable
    # handed to an idle helper, which takes the GIL when this thread next lets it go
    for _ in range(3):
        background.later(int).result()  # the helper idle again
        quiet = background.later(lambda: threading.current_thread().name)
        assert quiet.result() != "MainThread"
    monkeypatch.setattr(background, "ENABLED", False)
    assert background.later(lambda: threading.current_thread().name).result() == "MainThread"
    assert background.later(sorted, [2, 1]).result() == [1, 2]


@pytest.mark.parametrize("enabled", [True, False])
def test_a_kernel_after_another_takes_its_result_in_order(enabled, monkeypatch):
    import threading

    monkeypatch.setattr(background, "ENABLED", enabled)
    order = []

    def first(x):
        order.append("first")
        return x * 2, threading.current_thread().name

    def second(got, y):
        order.append("second")
        return got[0] + y, got[1] == threading.current_thread().name

    chained = background.after(background.later(first, 5), second, 1)
    assert chained.result() == (11, True) and order == ["first", "second"]


def test_a_finished_result_is_finished_once_and_errors_stay(monkeypatch):
    monkeypatch.setattr(background, "ENABLED", True)
    calls = []
    then = background.Then(background.later(sorted, [2, 1]), lambda x: calls.append(x) or len(x))
    assert [then.result(), then.result()] == [2, 2] and calls == [[1, 2]]

    def fails():
        raise ValueError("inside the kernel")

    failed = background.Then(background.later(fails), len)
    for _ in range(2):
        with pytest.raises(ValueError, match="inside the kernel"):
            failed.result()


def _groups(seed: int, n: int):
    rng = np.random.default_rng(seed)
    members = rng.permutation(3 * n)[:n].astype(np.int64)
    groups = rng.integers(0, max(1, n // 4), n)
    age = rng.integers(0, 100, 3 * n).astype(np.int16)
    return GroupIndex.build(members, groups), age


@pytest.mark.parametrize("scale", [0.0, 8.0])
@pytest.mark.parametrize(("seed", "n", "contacts"), [(1, 60, 3.0), (2, 1, 2.0), (3, 0, 2.0)])
def test_handed_over_group_pairing_matches_within_groups(seed, n, contacts, scale):
    """``_pairs_within_kept`` with the keep-all table pairs as ``_pairs_within`` does, from
    the same draws in the same order (the generators end in the same state)."""
    index, age = _groups(seed, n)
    a, b = np.random.default_rng(seed), np.random.default_rng(seed)
    want = encounters.within_groups(index, contacts, a, age, scale)
    counts = b.poisson(contacts, size=len(index.members))
    draws = b.random(encounters._drop_lone(counts, index.size))
    thin = scale > 0 and len(draws) > 0
    keep = b.random(len(draws)) if thin else np.zeros(len(draws))
    accept = encounters._acceptance_table(scale) if thin else encounters._KEEP_ALL
    got = encounters._pairs_within_kept(
        index.members, index.start, index.size, counts, draws, keep, age, accept
    )
    assert all(np.array_equal(x, y) for x, y in zip(got, want, strict=True))
    assert a.random() == b.random()
    if n > 4:
        assert len(want[0]) > 0


def _stream(seed: int) -> np.ndarray:
    return streams.seeded(np.random.SeedSequence(seed))


@pytest.mark.parametrize("enabled", [True, False])
def test_one_call_draws_and_pairs_the_week_as_the_separate_kernels_do(enabled, monkeypatch):
    """``_meet_at_home_and_near`` on the helper (or in place) gives the pairs of the
    plain kernels fed the same stream's counts and uniforms, drawn in the same order:
    neighbours (counts, then four uniforms per attempt), work and school groups (counts,
    a pick per meeting, a keep per meeting with homophily), visits (counts, a pick per
    call); the stream ends in the same state."""
    monkeypatch.setattr(background, "ENABLED", enabled)
    rng = np.random.default_rng(4)
    age = rng.integers(0, 90, 80).astype(np.int16)
    hh, _ = _groups(5, 40)
    net = TieNetwork()
    u, v = rng.integers(0, 80, 400), rng.integers(0, 80, 400)
    net.apply_encounters(u, v, np.zeros(400, np.int64), np.ones(14), 0.3, 0, rng)
    adj = net.adjacency(80)
    household = rng.integers(0, 30, 80).astype(np.int32)
    idx = np.sort(rng.choice(80, 70, replace=False)).astype(np.int64)
    home = rng.integers(0, 16, 70)
    cells = CellIndex.build(idx, home, 16)
    rate, visit_rate = rng.uniform(0.0, 4.0, 70), rng.uniform(0.0, 2.0, 70)
    near = encounters._neighbourhood_args(idx, home, rate, cells, 4, 4, 1, 0.4, age, 10.0)
    work = encounters._groups_args(hh, 2.0, age, 10.0)
    school = encounters._groups_args(hh, 1.5, age)
    calls = (idx, visit_rate, adj.start, adj.end, adj.nbr, adj.weight, household)
    s = _stream(6)
    got = background.later(
        encounters._meet_at_home_and_near, s, (hh.members, hh.start, hh.size), near, work,
        school, calls,
    ).result()  # fmt: skip

    r = _stream(6)
    n = streams.poisson_counts(r, rate)
    draws = streams.uniforms(r, 4 * int(n.sum())).reshape(-1, 4)
    want = [
        encounters.all_pairs(hh),
        encounters._neighbour_pairs(idx, home, n, draws, *near[3:]),
    ]
    for contacts, thin, accept in ((2.0, True, near[-1]), (1.5, False, encounters._KEEP_ALL)):
        counts = streams.poisson_same(r, contacts, len(hh.members))
        counts[hh.size < 2] = 0
        picks = streams.uniforms(r, int(counts.sum()))
        keep = streams.uniforms(r, len(picks)) if thin else np.zeros(len(picks))
        want.append(
            encounters._pairs_within_kept(
                hh.members, hh.start, hh.size, counts, picks, keep, age, accept
            )
        )
    visits = np.zeros(80, np.int64)
    visits[idx] = streams.poisson_counts(r, visit_rate)
    picks = streams.uniforms(r, int(visits.sum()))
    want.append(visit_partners(adj.start, adj.end, adj.nbr, adj.weight, household, visits, picks))
    for (gu, gv), (wu, wv) in zip(got, want, strict=True):
        np.testing.assert_array_equal(gu, wu)
        np.testing.assert_array_equal(gv, wv)
    assert all(len(x) > 0 for x, _ in got)
    assert np.array_equal(s, r)  # the stream ends where the plain draws end


def _lists(net: TieNetwork, capacity: int) -> list[list[int]]:
    adj = net.adjacency(capacity)
    return [adj.nbr[adj.start[i] : adj.end[i]].tolist() for i in range(capacity)]


@pytest.mark.parametrize("enabled", [True, False])
def test_lists_built_meanwhile_serve_the_census_and_survive_leavers(enabled, monkeypatch):
    monkeypatch.setattr(background, "ENABLED", enabled)
    rng = np.random.default_rng(7)
    u, v = rng.integers(0, 50, 600), rng.integers(0, 50, 600)
    ctx = np.zeros(600, np.int64)
    built, plain = TieNetwork(), TieNetwork()
    for net in (built, plain):
        net.apply_encounters(u, v, ctx, np.ones(14), 0.4, 0, np.random.default_rng(8))
    built.build_lists(50)
    assert _lists(built, 50) == _lists(plain, 50)
    household, generation = rng.integers(0, 20, 50), rng.integers(0, 4, 50)
    assert all(
        np.array_equal(x, y)
        for x, y in zip(built.census(household, generation, 0.3, 50),
                        plain.census(household, generation, 0.3, 50), strict=True)
    )  # fmt: skip
    built.build_lists(50)  # lists current: nothing to build
    gone = np.array([3, 17, 40])
    built.remove_residents(gone, 50)
    plain.remove_residents(gone, 50)
    assert _lists(built, 50) == _lists(plain, 50)
    assert not any(set(row) & set(gone.tolist()) for row in _lists(built, 50))
    assert np.array_equal(built.key, plain.key)


@pytest.mark.parametrize("enabled", [True, False])
def test_census_counted_meanwhile_is_the_census(enabled, monkeypatch):
    monkeypatch.setattr(background, "ENABLED", enabled)
    rng = np.random.default_rng(9)
    u, v = rng.integers(0, 60, 700), rng.integers(0, 60, 700)
    household, generation = rng.integers(0, 25, 60), rng.integers(0, 4, 60)
    nodes = np.array([0, 5, 9, 33, 59])
    later, now = TieNetwork(), TieNetwork()
    for net in (later, now):
        net.apply_encounters(
            u, v, np.zeros(700, np.int64), np.ones(14), 0.5, 0, rng=np.random.default_rng(1)
        )
    pending = later.census_later(household, generation, 0.3, 60, nodes)
    later.remove_residents(np.array([5]), 60)  # waits for the census before cutting lists
    got = pending.result()
    want = now.census_with_neighbours(household, generation, 0.3, 60, nodes)
    assert np.array_equal(got[0], want[0]) and got[1:3] == want[1:3]
    assert got[0] is pending.by_class  # the buffer a kernel queued behind it may read
    assert got[1] > 0
    for name in ("start", "deg", "other"):
        assert np.array_equal(getattr(got[3], name), getattr(want[3], name))


@pytest.mark.parametrize(
    ("seed", "n_ties", "top"), [(1, 900, 80), (2, 40, 80), (3, 900, 12), (4, 0, 80)]
)
def test_a_census_cut_in_halves_is_the_whole_census(seed, n_ties, top, monkeypatch):
    """A city's census, its rows cut in two between the threads: the same lists (each row
    in the same order), counts and sample lists, ties crowded in the low slots or none."""
    monkeypatch.setattr(background, "ENABLED", True)
    monkeypatch.setattr(ties_module, "_CENSUS_SPLIT_MIN", 0)
    rng = np.random.default_rng(seed)
    capacity = 80
    u, v = rng.integers(0, top, n_ties), rng.integers(0, capacity, n_ties)
    household, generation = rng.integers(0, 30, capacity), rng.integers(0, 4, capacity)
    nodes = np.unique(rng.integers(0, capacity, 25))
    cut, whole = TieNetwork(), TieNetwork()
    for net in (cut, whole):
        net.apply_encounters(
            u, v, np.zeros(n_ties, np.int64), np.ones(14), 0.5, 0, np.random.default_rng(1)
        )
    got = cut.census_later(household, generation, 0.3, capacity, nodes).result()
    want = whole.census_with_neighbours(household, generation, 0.3, capacity, nodes)
    assert np.array_equal(got[0], want[0]) and got[1:3] == want[1:3]
    for name in ("start", "deg", "other"):
        assert np.array_equal(getattr(got[3], name), getattr(want[3], name))
    assert _lists(cut, capacity) == _lists(whole, capacity)
    assert all(row == sorted(row) for row in _lists(cut, capacity))


@pytest.mark.parametrize("enabled", [True, False])
@pytest.mark.parametrize("seed", [2, 3, 4])
def test_clustering_estimated_meanwhile_is_the_estimate(enabled, seed, monkeypatch):
    """Queued after the census on the helper, the estimate draws the same wedges from
    the same generator as ``average_clustering`` after it, and leaves it where that does."""
    monkeypatch.setattr(background, "ENABLED", enabled)
    rng = np.random.default_rng(seed)
    u, v = rng.integers(0, 80, 900), rng.integers(0, 80, 900)
    household, generation = rng.integers(0, 30, 80), rng.integers(0, 4, 80)
    nodes = np.unique(rng.integers(0, 80, 30))
    later, now = TieNetwork(), TieNetwork()
    for net in (later, now):
        net.apply_encounters(
            u, v, np.zeros(900, np.int64), np.ones(14), 0.5, 0, rng=np.random.default_rng(1)
        )
    mine, theirs = np.random.default_rng(seed + 10), np.random.default_rng(seed + 10)
    pending = later.census_later(household, generation, 0.3, 80, nodes)
    estimate = later.clustering_later(pending, len(nodes), 7, mine)
    *_, lists = now.census_with_neighbours(household, generation, 0.3, 80, nodes)
    want = now.average_clustering(nodes, 80, 7, theirs, lists)
    assert 0 < want < 1
    assert estimate.result() == want
    assert mine.random() == theirs.random()  # the same draws, both in the one stream


@pytest.mark.parametrize(("seed", "n_enc", "repeats"), [(1, 6000, 1), (2, 9000, 3), (3, 5000, 40)])
def test_a_merge_cut_in_halves_gives_the_whole_merges_edges(seed, n_enc, repeats, monkeypatch):
    """Half the merge on the helper, half here, then joined: the same edges, counts and
    leavers dropped as one pass, wherever the cut falls (inside a run of one pair's
    encounters, too: ``repeats`` meetings per pair)."""
    rng = np.random.default_rng(seed)
    capacity = 900
    u, v = rng.integers(0, capacity, 30_000), rng.integers(0, capacity, 30_000)
    ctx = rng.integers(0, 8, 30_000)
    pairs = rng.integers(0, capacity, (n_enc // repeats, 2))
    meet_u, meet_v = np.repeat(pairs[:, 0], repeats), np.repeat(pairs[:, 1], repeats)
    meet_ctx = rng.integers(0, 8, len(meet_u))
    form = rng.uniform(0.0, 0.6, 14)
    got = []
    for enabled in (True, False):
        monkeypatch.setattr(background, "ENABLED", enabled)
        net = TieNetwork()
        net.apply_encounters(u, v, ctx, np.full(14, 0.5), 0.3, 0, np.random.default_rng(4))
        net.adjacency(capacity)
        net.remove_residents(np.array([7, 300, 301, 899]), capacity)  # dropped in the merge
        counts = net.apply_week(
            meet_u, meet_v, meet_ctx, form, 0.2, 3, np.random.default_rng(5), 0.05, 0.29
        )
        got.append((counts, *(getattr(net, f).copy() for f in ("key", "weight", "context"))))
        got[-1] += (net.formed.copy(),)
    (split_counts, *split), (whole_counts, *whole) = got
    assert split_counts == whole_counts
    assert split_counts[0] > 0 and split_counts[1] > 0  # ties formed and dissolved
    for x, y in zip(split, whole, strict=True):
        np.testing.assert_array_equal(x, y)
    key, formed = split[0], split[3]
    touched = np.isin(key >> 32, [7, 300, 301, 899]) | np.isin(key & 0xFFFFFFFF, [7, 300, 899])
    assert (formed[touched] == 3).all()  # only ties formed this week


def _helper_on(_: object = None) -> bool:
    return background.ENABLED


def test_pool_workers_that_fill_the_cores_run_kernels_in_place():
    import os

    from experiments.executors import process_pool

    cores = os.cpu_count() or 1
    with process_pool(cores) as pool:
        assert not any(pool.map(_helper_on, range(cores)))
    if cores > 1 and background.ENABLED:
        with process_pool(1) as pool:
            assert pool.submit(_helper_on).result()


def _model_kernels():
    """Every compiled kernel the model's modules define (not the ones inlined into others)."""
    import importlib
    import pkgutil

    from numba.core.registry import CPUDispatcher

    import model

    for info in pkgutil.walk_packages(model.__path__, "model."):
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if (
                isinstance(obj, CPUDispatcher)
                and obj.py_func.__module__ == info.name
                and obj.targetoptions.get("inline", "never") == "never"
            ):
                yield f"{info.name}.{name}", obj


def test_every_model_kernel_lets_the_helper_hand_back_its_result():
    """A kernel that keeps the GIL stalls the helper: a job it finished could not return
    (nor the next start) until the main thread's Python next let go, ~0.5 ms a week."""
    kernels = dict(_model_kernels())
    assert len(kernels) > 80  # the walk found the kernels
    holding = [name for name, k in kernels.items() if not k.targetoptions.get("nogil")]
    assert holding == [], f"compile these with nogil=True: {holding}"
