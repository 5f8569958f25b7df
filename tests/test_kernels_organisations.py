"""The organisations', interventions', places', attachment and membership fast paths
give exactly what the plain NumPy rules they replaced gave (same draws, same bits).

Each reference below is the rule as it was written before it was compiled or
vectorised; inputs are small random arrays (several seeds, empty and one-resident
cases) in the model's own dtypes, so float32 arithmetic is checked too.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from model import attachment, kernel_rng, membership, places
from model.encounters import CellIndex
from model.interventions.base import Target
from model.interventions.establishing_ties import _forum, _free_employees, _place_employees
from model.interventions.vitalizing_communities import _drill
from model.organisations import community, npos, schools
from model.population import NEVER
from tests import references
from tests.towns import small_town

SEEDS = range(6)
SIZES = (0, 1, 7, 300)


def residents(rng: np.random.Generator, n: int, cap: int | None = None) -> SimpleNamespace:
    """Resident columns over ``cap`` slots (model dtypes) and ``n`` sorted live slots."""
    cap = cap or max(2 * n, 4)
    idx = np.sort(rng.choice(cap, size=n, replace=False)).astype(np.int64)
    return SimpleNamespace(
        idx=idx,
        cap=cap,
        age=rng.uniform(0, 95, cap).astype(np.float32),
        awareness=rng.random(cap).astype(np.float32),
        frailty=rng.random(cap).astype(np.float32),
        free_time=rng.random(cap).astype(np.float32),
        cell=rng.integers(0, 30, cap).astype(np.int32),
        employer=rng.integers(-2, 5, cap).astype(np.int32),
        attach_kind=rng.integers(0, 6, cap).astype(np.int8),
        attach_id=rng.integers(0, 4, cap).astype(np.int32),
        female=rng.random(cap) < 0.5,
    )


def edge_uniforms(rng: np.random.Generator, prob: np.ndarray) -> np.ndarray:
    """Uniforms that sit on the reference chances (a third exactly on, a third one step
    below) or anywhere: a compiled rule whose chance differs in the last bit decides
    differently on the edge, so these tests catch precision slips, not just logic."""
    prob = np.asarray(prob, np.float64)
    u = rng.random(len(prob))
    which = rng.integers(0, 3, len(prob))
    u[which == 0] = prob[which == 0]
    u[which == 1] = np.maximum(np.nextafter(prob[which == 1], -1.0), 0.0)  # uniforms >= 0
    return u


# --- places ---------------------------------------------------------------------------------
def visits_reference(r, nearest, dist, all_ages_of_place, radius, elder, other_rate):
    cell = r.cell[r.idx]
    d = dist[cell]
    reach = d <= radius
    age = r.age[r.idx]
    all_ages = all_ages_of_place[nearest[cell]]
    other = other_rate * (1.0 + places.ALL_AGES_BOOST * all_ages)
    base = np.where(age >= 65, elder, other)
    prob = (
        base
        * (0.4 + 1.2 * r.awareness[r.idx])
        * (1.0 - 0.7 * r.frailty[r.idx])
        * np.exp(-d / max(radius, 1) * 1.5)
        * reach
    )
    return prob


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
def test_place_visits_match_the_array_rule(seed, n):
    rng = np.random.default_rng(seed)
    r = residents(rng, n)
    nearest = rng.integers(0, 3, 30)
    dist = rng.integers(0, 10, 30)
    all_ages = rng.random(3) < 0.5
    radius, elder, other_rate = 6, 0.3, 0.006
    prob = visits_reference(r, nearest, dist, all_ages, radius, elder, other_rate)
    u = edge_uniforms(rng, prob)
    other = other_rate * (1.0 + places.ALL_AGES_BOOST * all_ages[nearest])
    visitors, where = places._visitors(
        r.idx, r.cell, r.age, r.awareness, r.frailty, u,
        other, np.exp(-dist / max(radius, 1) * 1.5), dist <= radius, elder, nearest,
    )  # fmt: skip
    go = u < prob
    assert np.array_equal(visitors, r.idx[go])
    assert np.array_equal(where, nearest[r.cell[r.idx[go]]])
    assert n < 300 or 0 < len(visitors) < n


def test_exp_does_not_depend_on_where_a_value_sits():
    """visit_places takes exp per cell, then gathers: the same bits as exp per resident."""
    rng = np.random.default_rng(3)
    x = -rng.integers(0, 40, 5000) / 6 * 1.5
    perm = rng.integers(0, len(x), 20001)
    assert np.array_equal(np.exp(x)[perm], np.exp(x[perm]))


# --- open college, attachment, membership -----------------------------------------------------
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
def test_open_college_attendance_matches_the_array_rule(seed, n):
    rng = np.random.default_rng(seed)
    r = residents(rng, n)
    near_cell = rng.random(30) < 0.6
    scale = 0.9 * 0.7  # open_college * programme
    chance = scale * r.free_time[r.idx] * near_cell[r.cell[r.idx]] * (r.age[r.idx] >= 25)
    u = edge_uniforms(rng, chance)
    want = u < chance
    got = schools._comes(r.idx, r.cell, r.age, r.free_time, near_cell, np.float32(scale), u)
    assert np.array_equal(got, want)
    assert n < 300 or 0 < got.sum() < n


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
def test_open_college_draws_and_raises_awareness_as_the_array_rule(seed, n):
    rng = np.random.default_rng(seed)
    r = residents(rng, n)
    near_cell = rng.random(30) < 0.6
    scale = np.float32(0.9 * 0.7)
    got_rng, want_rng = np.random.default_rng(seed + 3), np.random.default_rng(seed + 3)
    awareness = r.awareness.copy()
    got = schools._attend(
        kernel_rng.handle(got_rng), r.idx, r.cell, r.age, r.free_time, near_cell, scale, awareness
    )
    u = want_rng.random(len(r.idx))
    want = r.idx[schools._comes(r.idx, r.cell, r.age, r.free_time, near_cell, scale, u)]
    aw = r.awareness[want]
    r.awareness[want] = aw + 0.1 * (1.0 - aw)
    assert got.tolist() == want.tolist()
    assert np.array_equal(awareness, r.awareness)
    assert got_rng.random() == want_rng.random()


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
def test_stale_volunteers_detach_as_before(seed, n):
    rng = np.random.default_rng(seed)
    r = residents(rng, n)
    week = 100
    last = rng.integers(week - 60, week + 1, r.cap).astype(np.int32)
    last[rng.random(r.cap) < 0.2] = NEVER
    kind, ident = r.attach_kind.copy(), r.attach_id.copy()
    within = (last[r.idx] != NEVER) & (week - last[r.idx] < attachment.DETACH_WEEKS)
    stale = (kind[r.idx] != attachment.NONE) & ~within
    kind[r.idx[stale]] = attachment.NONE
    ident[r.idx[stale]] = -1
    attachment.detach_stale(r.idx, r.attach_kind, r.attach_id, last, week)
    assert np.array_equal(r.attach_kind, kind) and np.array_equal(r.attach_id, ident)


@pytest.mark.parametrize("n_hh", (0, 1, 9, 500))
@pytest.mark.parametrize("seed", SEEDS)
def test_membership_turnover_matches_the_array_rule(seed, n_hh):
    rng = np.random.default_rng(seed)
    size = rng.integers(0, 4, n_hh)
    frail = rng.random(n_hh) < 0.3
    oldest = rng.uniform(18, 90, n_hh)
    pupils = rng.random(n_hh) < 0.3
    district = rng.integers(-1, 4, n_hh)
    vitality = rng.random(4)
    member = rng.random(n_hh) < 0.6
    leave_rate, join_rate = 0.3, 0.5
    # the rule as it was, on copies
    frail_alone = (size == 1) & frail
    young_single = (size == 1) & (oldest < 35)
    leave = np.full(n_hh, leave_rate)
    leave[young_single] *= 2.0
    leave[frail_alone] *= 2.5
    leave[pupils] *= 0.5
    join = np.full(n_hh, join_rate)
    join[young_single] *= 0.4
    join[pupils] *= 2.0
    fading = np.where(district >= 0, 1.0 - vitality[np.maximum(district, 0)], 0.0)
    leave *= 1.0 + 2.0 * fading
    live = size > 0
    u = edge_uniforms(rng, np.where(member, leave, join) / 52.0)
    want = member.copy()
    quits = live & member & (u < leave / 52.0)
    joins = live & ~member & (u < join / 52.0)
    want[quits] = False
    want[joins] = True
    membership.turnover(
        size, frail, oldest, pupils, district, vitality, member, u, leave_rate, join_rate
    )
    assert np.array_equal(member, want)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
def test_association_event_goers_match_the_array_rule(seed, n):
    rng = np.random.default_rng(seed)
    r = residents(rng, n)
    household = rng.integers(0, 20, r.cap).astype(np.int32)
    hh_district = rng.integers(-1, 4, 20)
    hh_member = rng.random(20) < 0.7
    vitality = rng.random(4)
    hh = household[r.idx]
    district = hh_district[hh]
    member = hh_member[hh] & (district >= 0)
    chance = (
        0.3
        * vitality[np.maximum(district, 0)]
        * (0.5 + r.free_time[r.idx])
        * member
        * (r.age[r.idx] >= 6)
    )
    u = edge_uniforms(rng, chance)
    got = community._event_goers(
        r.idx, household, hh_district, hh_member, r.age, r.free_time, vitality, 0.3, u
    )
    assert np.array_equal(got, u < chance)


# --- NPOs: reaching residents near a centre, word of mouth, weighted picks ---------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_residents_near_draws_and_picks_as_before(seed):
    rng = np.random.default_rng(seed)
    width, height = 7, 5
    n = [0, 1, 40][seed % 3]
    home = rng.integers(0, width * height // 2, n)  # half the grid is empty
    cells = CellIndex.build(np.arange(n) * 3, home, width * height)
    centres = rng.integers(0, width * height, 4)
    capacity = rng.random(4) * 6 * (rng.random(4) < 0.8) if seed % 2 else np.zeros(4)
    rate = [0.5, 3.0, 30.0][seed % 3]  # Poisson means below and above NumPy's switch at 10
    got_rng, ref_rng = np.random.default_rng(seed + 100), np.random.default_rng(seed + 100)
    got = npos._near(
        got_rng, rate, capacity, centres, 2, width, height, cells.start, cells.count, cells.members
    )
    counts = ref_rng.poisson(rate * capacity)
    want = references.residents_near(ref_rng, cells, width, height, centres, counts, 2)
    assert all(np.array_equal(g, w) for g, w in zip(got, want, strict=True))
    assert got_rng.random() == ref_rng.random()  # the same number of draws


class _NPO(SimpleNamespace):
    """An NPO as the weekly rules read it: capacity follows its active volunteers."""

    def update_capacity(self) -> None:
        self.capacity = 0.4 * self.staff + 0.7 * self.active_volunteers


def _npo_town(seed: int, n: int, n_npos: int, centre: bool) -> SimpleNamespace:
    """Residents (model dtypes) on a 6 x 5 grid, NPOs of every field (some closed, some
    with capacities that make Poisson means above 10), and the support centre or none."""
    rng = np.random.default_rng(seed)
    r = residents(rng, n)
    r.frailty[::3] = 0.4  # on the elder-care rule's edges, in float32
    r.age[::4], r.age[1::4] = 65.0, 15.0
    cells = CellIndex.build(r.idx, r.cell[r.idx], 30)
    npos = [
        _NPO(
            index=i, active=bool(rng.random() < 0.8), field=npos_fields[i % 3],
            cell_index=int(rng.integers(0, 30)), staff=int(rng.integers(0, 40)),
            capacity=float(rng.random() * 20), active_volunteers=0, served_last_week=-1,
        )
        for i in range(n_npos)
    ]  # fmt: skip
    pop = SimpleNamespace(
        age=r.age, frailty=r.frailty, attach_kind=r.attach_kind,
        attach_id=np.minimum(r.attach_id, n_npos - 1).astype(np.int32),
        last_served_week=np.full(r.cap, -3, np.int32), informed_npo=np.full(r.cap, -1, np.int32),
        informed_week=np.full(r.cap, -5, np.int32), alive_idx=lambda: r.idx,
    )  # fmt: skip
    return SimpleNamespace(
        population=pop, npos=npos, intermediary=npos[-1] if centre else None, week=7,
        lives_alone=rng.random(r.cap) < 0.4, cell_index=lambda: cells,
        geography=SimpleNamespace(width=6, height=5), rng=np.random.default_rng(seed + 9),
        params=SimpleNamespace(npo_served=0.9, npo_outreach=0.6, npo_reach=2, npo_contacts=1.5),
        volunteers=np.sort(rng.choice(r.idx, size=len(r.idx) // 2, replace=False)),
    )  # fmt: skip


npos_fields = npos.FIELDS


def _same_towns(got, want) -> None:
    for column in ("last_served_week", "informed_npo", "informed_week"):
        assert np.array_equal(getattr(got.population, column), getattr(want.population, column))
    for a, b in zip(got.npos, want.npos, strict=True):
        assert vars(a) == vars(b)
    assert got.rng.random() == want.rng.random()  # the same draws, to the last one


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("n_npos", (1, 5))
@pytest.mark.parametrize("seed", SEEDS)
def test_npo_activities_serve_and_group_as_the_array_rule(seed, n_npos, n):
    got_town, want_town = _npo_town(seed, n, n_npos, True), _npo_town(seed, n, n_npos, True)
    got = npos.activities(got_town, None, got_town.volunteers)
    want = references.npo_activities(want_town, want_town.volunteers)
    assert [g.tolist() for g in got] == [w.tolist() for w in want]
    _same_towns(got_town, want_town)


@pytest.mark.parametrize("n", SIZES[1:])  # (the centre tells someone: a town of nobody fails)
@pytest.mark.parametrize(("n_npos", "centre"), [(1, True), (5, True), (5, False)])
@pytest.mark.parametrize("seed", SEEDS)
def test_npo_outreach_informs_as_the_array_rule(seed, n_npos, centre, n):
    got_town = _npo_town(seed, n, n_npos, centre)
    want_town = _npo_town(seed, n, n_npos, centre)
    npos.outreach(got_town)
    references.npo_outreach(want_town)
    _same_towns(got_town, want_town)


@pytest.mark.parametrize("seed", range(40))
def test_pick_by_weight_draws_as_rng_choice(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(1, 30))
    weight = rng.random(k) * (rng.random(k) < 0.7) + 1e-9
    n = int(rng.integers(0, 50))
    a, b = np.random.default_rng(seed), np.random.default_rng(seed)
    assert np.array_equal(
        npos.pick_by_weight(a, weight, n), b.choice(k, size=n, p=weight / weight.sum())
    )
    assert a.random() == b.random()


@pytest.mark.parametrize("n_enc", (0, 1, 50, 2000))
@pytest.mark.parametrize("seed", SEEDS)
def test_word_of_mouth_passes_news_as_before(seed, n_enc):
    rng = np.random.default_rng(seed)
    r = residents(rng, 60, 80)
    u = rng.choice(r.idx, n_enc) if n_enc else np.empty(0, np.int64)
    v = rng.choice(r.idx, n_enc) if n_enc else np.empty(0, np.int64)
    informed = np.full(r.cap, -1, np.int32)
    week_heard = np.full(r.cap, NEVER, np.int32)
    pop = SimpleNamespace(
        attach_kind=r.attach_kind, attach_id=r.attach_id,
        informed_npo=informed.copy(), informed_week=week_heard.copy(),
    )  # fmt: skip
    model = SimpleNamespace(
        population=pop,
        rng=np.random.default_rng(seed),
        params=SimpleNamespace(word_of_mouth=0.4),
        week=9,
    )
    npos.word_of_mouth(model, u, v)
    ref_rng = np.random.default_rng(seed)
    for a, b in ((u, v), (v, u)):
        tells = np.flatnonzero(r.attach_kind[a] == attachment.NPO)
        passes = tells[ref_rng.random(len(tells)) < 0.4]
        informed[b[passes]] = r.attach_id[a[passes]]
        week_heard[b[passes]] = 9
    assert np.array_equal(pop.informed_npo, informed)
    assert np.array_equal(pop.informed_week, week_heard)
    assert model.rng.random() == ref_rng.random()


def test_an_array_of_bounds_draws_as_scalar_calls_in_turn():
    """coordinators draws each introduced person's partner with one rng.integers call."""
    for seed in SEEDS:
        bounds = np.random.default_rng(seed).integers(1, 400, 60)
        bounds[::5] = 1  # a bound of one takes no draw either way
        a, b = np.random.default_rng(seed), np.random.default_rng(seed)
        assert [int(a.integers(k)) for k in bounds] == b.integers(0, bounds).tolist()
        assert len(b.integers(0, bounds[:0])) == 0
        assert a.random() == b.random()


# --- interventions --------------------------------------------------------------------------
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
def test_drills_match_the_array_rule(seed, n):
    rng = np.random.default_rng(seed)
    r = residents(rng, n)
    cell_district = rng.integers(-1, 4, 30)
    vitality = rng.random(4)
    targeted = rng.random(n) < 0.7
    for mask in (targeted, np.ones(0, bool)):
        district = cell_district[r.cell[r.idx]]
        chance = 0.8 * vitality[np.maximum(district, 0)] * (district >= 0)
        chance *= (mask if len(mask) else np.ones(n, bool)) & (r.age[r.idx] >= 6)
        u = edge_uniforms(rng, chance)
        want = u < chance
        residents_want = np.bincount(np.maximum(district, 0), minlength=4)
        drilled_want = np.bincount(np.maximum(district[want], 0), minlength=4)
        count, drilled = np.zeros(4, np.int64), np.zeros(4, np.int64)
        got = _drill(r.idx, r.cell, cell_district, r.age, mask, vitality, 0.8, u, count, drilled)
        assert np.array_equal(got, want)
        assert np.array_equal(count, residents_want) and np.array_equal(drilled, drilled_want)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
def test_forums_match_the_array_rule(seed, n):
    rng = np.random.default_rng(seed)
    r = residents(rng, n)
    cell_district = rng.integers(-1, 4, 30)
    holds = rng.random(4) < 0.5
    targeted = rng.random(n) < 0.7
    for mask in (targeted, np.ones(0, bool)):
        district = cell_district[r.cell[r.idx]]
        eligible = (mask if len(mask) else True) & (r.age[r.idx] >= 15) & holds[district]
        chance = 0.06 * (0.5 + r.awareness[r.idx]) * (0.5 + r.free_time[r.idx])
        u = edge_uniforms(rng, chance)
        want = eligible & (u < chance)
        got = _forum(
            r.idx, r.cell, cell_district, r.age, r.awareness, r.free_time, mask, holds,
            np.float32(0.06), u,
        )  # fmt: skip
        assert np.array_equal(got, want)


@pytest.mark.parametrize("seed", SEEDS)
def test_free_employees_match_the_array_rule(seed):
    r = residents(np.random.default_rng(seed), [0, 1, 300][seed % 3])
    want = r.idx[(r.employer[r.idx] >= 0) & (r.attach_kind[r.idx] != attachment.NPO)]
    got = _free_employees(r.idx, r.employer, r.attach_kind, attachment.NPO)
    assert got.dtype == want.dtype and np.array_equal(got, want)


@pytest.mark.parametrize("chance", (0.0, 0.3, 1.0))
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
def test_exchange_placements_draw_as_the_array_rule(seed, n, chance):
    """Path 5 places free employees with NPOs as its two NumPy draws did."""
    r = residents(np.random.default_rng(seed), n)
    index = np.array([4, 0, 7])
    got, want = (
        SimpleNamespace(
            kind=r.attach_kind.copy(),
            id=r.attach_id.copy(),
            week=np.full(r.cap, -1, np.int32),
            rng=np.random.default_rng(seed + 1),
        )
        for _ in range(2)
    )
    _place_employees(
        kernel_rng.handle(got.rng),
        r.idx,
        r.employer,
        got.kind,
        attachment.NPO,
        chance,
        index,
        got.id,
        got.week,
        8,
    )
    free = (r.employer[r.idx] >= 0) & (r.attach_kind[r.idx] != attachment.NPO)
    employees = r.idx[free]
    placed = employees[want.rng.random(len(employees)) < chance]
    want.kind[placed] = attachment.NPO
    want.id[placed] = index[want.rng.integers(0, len(index), len(placed))]
    want.week[placed] = 8
    for column in ("kind", "id", "week"):
        assert np.array_equal(getattr(got, column), getattr(want, column))
    assert got.rng.random() == want.rng.random()


# --- on a small town: per-association answers, platform roster, target counts ------------------
@pytest.fixture(scope="module")
def little():
    model = small_town(900, seed=4, warmup_weeks=6)
    for _ in range(3):
        model.step()
    return model


def test_all_districts_at_once_match_each_association_alone(little):
    pop, hh = little.population, little.households
    sizes = hh.sizes(pop.household[pop.alive_idx()])
    live = (sizes > 0) & hh.member
    district = little.geography.district[hh.cell]
    per = community.member_households_by_district(little)
    members = community.association_members(little)
    idx = pop.alive_idx()
    res_district = district[pop.household[idx]]
    for a in little.associations:
        assert per[a.district] == int((district[live] == a.district).sum())
        want = idx[(res_district == a.district) & hh.member[pop.household[idx]]]
        assert np.array_equal(members[a.district], want)
        assert np.array_equal(a.member_slots(), want)
    assert per.sum() > 0


def test_association_access_matches_the_resident_rule(little):
    pop = little.population
    idx = pop.alive_idx()
    hh = pop.household[idx]
    district = little.geography.district[little.households.cell][hh]
    vitality = np.array([a.vitality for a in little.associations])
    member = little.households.member[hh] & (district >= 0)
    want = np.where(member, vitality[np.maximum(district, 0)], 0.0)
    assert np.array_equal(community.association_access(little, idx), want)
    assert not little.household_district().flags.writeable


def test_platform_roster_matches_the_scan_per_npo_and_firm(little):
    pop = little.population
    people = [o.leader for o in little.community_organisations() if o.leader >= 0]
    vol = np.flatnonzero(pop.alive & (pop.attach_kind == attachment.NPO))
    for npo in little.npos:
        if npo.active:
            people.extend(vol[pop.attach_id[vol] == npo.index][:2].tolist())
    workers = np.flatnonzero(pop.alive & (pop.employer >= 0))
    size = np.bincount(pop.employer[workers], minlength=little.venues.n_workplaces)
    for w in np.argsort(-size)[:10]:
        staff = workers[pop.employer[workers] == w]
        if len(staff):
            people.append(int(staff[0]))
    want = np.unique(np.asarray(people, np.int64))
    assert np.array_equal(little.organisation_people(), want)
    assert len(want) > 10


@pytest.mark.parametrize(
    "target",
    [Target(), Target(sex="female"), Target(ages=(20, 60)), Target(districts=(0, 2), sex="male")],
)
def test_target_count_matches_residents_over_the_alive(little, target):
    idx = little.population.alive_idx()
    assert target.count(little) == int(target.residents(little, idx).sum())
    assert target.everyone == (target == Target())
