"""The second round of fast paths for the paths, organisations and participation rules
give exactly what the plain NumPy rules they replaced gave (same draws, same bits).

Each reference below is the rule as it was written before; inputs are small random
arrays in the model's own dtypes (several seeds, empty and one-resident cases), so the
float32 arithmetic is checked too.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from model import attachment, ledger
from model import participation_kernels as kernels
from model.interventions import InterventionSet
from model.interventions.base import Intervention, Target
from model.interventions.establishing_ties import Path09InclusiveParticipation, _count_workers
from model.interventions.promoting_participation import Path20EasyParticipation, _busy_factor
from model.organisations import community, npos
from model.participation import per_resident, route_gifts
from model.population import NEVER
from tests.towns import small_town

SEEDS = range(5)
SIZES = (0, 1, 7, 300)


def columns(rng: np.random.Generator, n: int) -> SimpleNamespace:
    """Resident columns over ``cap`` slots and ``n`` sorted distinct live slots."""
    cap = max(2 * n, 4)
    idx = np.sort(rng.choice(cap, size=n, replace=False)).astype(np.int64)
    weeks = rng.integers(-80, 20, cap).astype(np.int32)
    weeks[rng.random(cap) < 0.3] = NEVER
    return SimpleNamespace(
        idx=idx,
        cap=cap,
        alive=rng.random(cap) < 0.8,
        age=rng.uniform(0, 95, cap).astype(np.float32),
        female=rng.random(cap) < 0.5,
        motivation=rng.random(cap).astype(np.float32),
        trust=rng.random(cap).astype(np.float32),
        trust0=rng.random(cap).astype(np.float32),
        gift_success=rng.random(cap).astype(np.float32),
        awareness=rng.random(cap).astype(np.float32),
        free_time=rng.random(cap).astype(np.float32),
        last_volunteer=weeks,
        last_donation=np.roll(weeks, 1),
        attach_kind=rng.integers(0, 6, cap).astype(np.int8),
        attach_id=rng.integers(0, 4, cap).astype(np.int32),
        household=rng.integers(0, max(n // 2, 1), cap).astype(np.int32),
    )


# --- volunteering -----------------------------------------------------------------------------
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
def test_motivation_pass_matches_the_array_rule(seed, n):
    rng = np.random.default_rng(seed)
    r = columns(rng, n)
    hazard = rng.exponential(0.3, n)
    hazard[: n // 5] = 0.0
    u = rng.random(n)
    chance = -np.expm1(-hazard)
    u[::3] = chance[::3]  # draws exactly on the chance: strictly below volunteers
    recovery, burnout, week = 0.1, 0.2, 17
    # the rule before
    mot_want, last_want = r.motivation.copy(), r.last_volunteer.copy()
    does = u < -np.expm1(-hazard)
    want = r.idx[does]
    mot = mot_want[r.idx]
    mot = mot + recovery * (1.0 - mot)
    mot[does] *= 1.0 - burnout
    mot_want[r.idx] = mot
    last_want[want] = week
    # the pass
    mot_got, last_got = r.motivation.copy(), r.last_volunteer.copy()
    got = kernels.motivate(
        r.idx, u, np.expm1(-hazard), mot_got, np.float32(recovery), np.float32(1.0 - burnout),
        last_got, week,
    )  # fmt: skip
    assert got.dtype == np.int64 and np.array_equal(got, want)
    assert np.array_equal(mot_got, mot_want) and np.array_equal(last_got, last_want)


def test_negated_hazards_are_the_hazards_negated():
    rng = np.random.default_rng(3)
    n, cap = 50, 80
    idx = np.sort(rng.choice(cap, n, replace=False)).astype(np.int64)
    f32 = lambda k: rng.random(k).astype(np.float32)  # noqa: E731
    args = (
        idx, f32(cap), np.float32(1.3), np.float32(0.05), np.float32(0.2), np.float32(0.8),
        f32(cap), rng.random(n), 0.5, rng.random(n), 0.7, rng.random(10) < 0.5,
        rng.integers(0, 10, cap).astype(np.int32), 0.4, rng.random(5) < 0.5,
        rng.integers(-2, 5, cap).astype(np.int32), 0.6, f32(cap), f32(cap),
        rng.uniform(0, 90, cap).astype(np.float32), np.float32(10.0), rng.random(n) + 0.5,
        rng.random(30), rng.integers(0, 30, cap).astype(np.int32),
    )  # fmt: skip
    plus = kernels.volunteer_hazard(*args, 1.0)
    minus = kernels.volunteer_hazard(*args, -1.0)
    assert np.array_equal(minus, -plus) and (plus > 0).any()
    assert np.array_equal(np.signbit(minus), ~np.signbit(plus))


def test_per_resident_passes_float64_arrays_through_and_fills_the_rest():
    a = np.arange(4.0)
    assert per_resident(a, 4) is a
    assert np.array_equal(per_resident(2.5, 3), [2.5, 2.5, 2.5])
    b = per_resident(np.arange(4, dtype=np.float32), 4)
    assert b.dtype == np.float64 and np.array_equal(b, a)
    assert len(per_resident(1.0, 0)) == 0


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
def test_trust_pass_matches_the_array_rule(seed, n):
    rng = np.random.default_rng(seed)
    r = columns(rng, n)
    volunteers = r.idx[rng.random(n) < 0.4]
    decay, gain = 0.05, 0.03
    trust_want, gifts_want = r.trust.copy(), r.gift_success.copy()
    t = trust_want[r.idx]
    t = t + decay * (r.trust0[r.idx] - t)
    trust_want[r.idx] = t
    trust_want[volunteers] += gain * (1.0 - trust_want[volunteers])
    gifts_want[r.idx] *= 0.99
    trust_got, gifts_got = r.trust.copy(), r.gift_success.copy()
    kernels.update_trust(
        r.idx, volunteers, trust_got, r.trust0, gifts_got, np.float32(decay), np.float32(gain),
        np.float32(0.99),
    )  # fmt: skip
    assert np.array_equal(trust_got, trust_want) and np.array_equal(gifts_got, gifts_want)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
def test_peer_values_match_the_array_rule(seed, n):
    r = columns(np.random.default_rng(seed), n)
    week = 5
    want = np.empty((r.cap, 3))
    want[:, 0] = (r.last_volunteer != NEVER) & (week - r.last_volunteer < 52)
    want[:, 1] = (r.last_donation != NEVER) & (week - r.last_donation < 52)
    want[:, 2] = r.awareness
    got = kernels.peer_values(r.last_volunteer, r.last_donation, r.awareness, week, 52, NEVER)
    assert got.shape == want.shape and np.array_equal(got, want)
    if n >= 300:
        assert 0 < want[:, 0].sum() < r.cap  # both answers occur


# --- access -----------------------------------------------------------------------------------
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
def test_access_matches_the_rule_through_household_access(seed, n):
    rng = np.random.default_rng(seed)
    r = columns(rng, n)
    n_hh = int(r.household.max()) + 1
    district = rng.integers(-1, 4, n_hh)
    member = rng.random(n_hh) < 0.7
    vitality = rng.random(4)
    school = rng.integers(-1, 3, r.cap).astype(np.int32)
    programme = rng.random(3)
    employer = rng.integers(-2, 4, r.cap).astype(np.int32)
    firm_programme = rng.random(4) < 0.5
    informed = rng.integers(-1, 3, r.cap).astype(np.int32)
    npo_active = np.array([True, False, True])
    week = 10
    for bonus in (np.zeros(1), np.full(1, 0.15), rng.random(n) * 0.3):
        house = np.where(member & (district >= 0), vitality[np.maximum(district, 0)], 0.0)
        sc = school[r.idx]
        prog = np.where(sc >= 0, programme[np.maximum(sc, 0)], 0.0)
        last = r.last_volunteer[r.idx]  # any week column serves as the place visits
        place = (last != NEVER) & (week - last < 8)
        heard, told = informed[r.idx], r.last_donation[r.idx]
        knows = (heard >= 0) & npo_active[np.maximum(heard, 0)]
        knows &= (told != NEVER) & (week - told < 12)
        e = employer[r.idx]
        works = (e >= 0) & firm_programme[np.maximum(e, 0)]
        miss = 1.0 - 0.5 * house[r.household[r.idx]]
        miss = miss * (1.0 - prog) * (1.0 - 0.3 * place) * (1.0 - 0.4 * knows)
        miss = miss * (1.0 - 0.3 * works)
        want = np.minimum(1.0 - miss + np.broadcast_to(bonus, (n,)), 1.0)
        got = kernels.access(
            r.idx, district, member, vitality, r.household, school, programme,
            r.last_volunteer, week, 8, informed, npo_active, r.last_donation, 12, employer,
            firm_programme, NEVER, 0.5, 0.3, 0.4, 0.3, bonus,
        )  # fmt: skip
        assert np.array_equal(got, want)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
def test_resident_access_matches_household_access_read_per_resident(seed, n):
    rng = np.random.default_rng(seed)
    r = columns(rng, n)
    n_hh = int(r.household.max()) + 1
    district = rng.integers(-1, 4, n_hh)
    member = rng.random(n_hh) < 0.7
    vitality = rng.random(4)
    want = np.where(member & (district >= 0), vitality[np.maximum(district, 0)], 0.0)
    got = community._resident_access(r.idx, r.household, district, member, vitality)
    assert got.dtype == np.float64 and np.array_equal(got, want[r.household[r.idx]])


# --- the paths' factors and costs -------------------------------------------------------------
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
def test_path_factors_match_the_array_rules(seed, n):
    rng = np.random.default_rng(seed)
    r = columns(rng, n)
    intensity = float(rng.uniform(0, 1))
    busy = 1.0 - r.free_time[r.idx]
    want = 1.0 + intensity * busy * np.ones(n, bool)
    got = _busy_factor(r.idx, r.free_time, np.float32(intensity))
    assert got.dtype == want.dtype == np.float32 and np.array_equal(got, want)
    model = SimpleNamespace(population=SimpleNamespace(female=r.female, free_time=r.free_time))
    for sex in ("female", "male"):
        path = Path09InclusiveParticipation(intensity, target=Target(sex=sex))
        mask = np.ones(n, bool) & (r.female[r.idx] == (sex == "female"))
        assert np.array_equal(path.target.residents(model, r.idx), mask)
        got = path.volunteer_factor(model, r.idx)
        assert got.dtype == np.float64 and np.array_equal(got, 1.0 + intensity * mask)
    easy = Path20EasyParticipation(intensity)
    assert easy.access_bonus(model, r.idx) == 0.2 * intensity
    assert np.array_equal(easy.volunteer_factor(model, r.idx), want)


class _Hook(Intervention):
    number = 99

    def __init__(self, value) -> None:
        super().__init__(1.0)
        self.value = value
        self.active = True

    def volunteer_factor(self, model, slots):
        return self.value


@pytest.mark.parametrize(
    "values",
    [
        (),
        (None,),
        (np.array([0.5, -0.0, 2.0]),),
        (np.array([0.5, 1.5, 2.0], np.float32), np.array([2.0, 0.25, 3.0])),
        (np.array([True, False, True]),),
        (np.array([1, 0, 3]), np.array([0.5, 0.5, 0.5], np.float32)),
        (2.5, None, np.array([1.0, 2.0, 3.0])),
    ],
)
def test_factor_is_the_product_from_one(values):
    paths = InterventionSet([_Hook(v) for v in values])
    want: np.ndarray | float = 1.0
    for v in values:
        if v is not None:
            want = want * v
    got = paths.factor("volunteer_factor", None, np.arange(3))
    assert np.asarray(got).dtype == np.asarray(want).dtype
    assert np.array_equal(np.signbit(got), np.signbit(want)) and np.array_equal(got, want)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
def test_worker_and_target_counts_match_the_masks(seed, n):
    rng = np.random.default_rng(seed)
    r = columns(rng, n)
    employer = rng.integers(-2, 4, r.cap).astype(np.int32)
    want = int(np.count_nonzero(r.alive & (employer >= 0)))
    assert _count_workers(r.alive, employer) == want
    model = SimpleNamespace(population=SimpleNamespace(alive=r.alive, female=r.female))
    for sex in ("female", "male"):
        mask = r.alive.copy()
        mask &= r.female == (sex == "female")
        assert Target(sex=sex).count(model) == int(np.count_nonzero(mask))


@pytest.mark.parametrize("n_enc", (0, 1, 40, 1500))
@pytest.mark.parametrize("seed", SEEDS)
def test_news_passes_both_ways_as_two_masked_passes(seed, n_enc):
    rng = np.random.default_rng(seed)
    r = columns(rng, 50)
    u = rng.choice(r.idx, n_enc).astype(np.int64)
    v = rng.choice(r.idx, n_enc).astype(np.int64)
    informed = rng.integers(-1, 4, r.cap).astype(np.int32)
    heard = np.full(r.cap, NEVER, np.int32)
    model = SimpleNamespace(
        population=SimpleNamespace(
            attach_kind=r.attach_kind, attach_id=r.attach_id,
            informed_npo=informed.copy(), informed_week=heard.copy(),
        ),
        rng=np.random.default_rng(seed), params=SimpleNamespace(word_of_mouth=0.5), week=4,
    )  # fmt: skip
    npos.word_of_mouth(model, u, v)
    ref = np.random.default_rng(seed)
    volunteer = r.attach_kind == attachment.NPO
    for a, b in ((u, v), (v, u)):  # the rule before: mask, draws, fancy assignment
        chances = ref.random(int(np.count_nonzero(volunteer[a])))
        tells = np.flatnonzero(volunteer[a])[chances < 0.5]
        informed[b[tells]] = r.attach_id[a[tells]]
        heard[b[tells]] = 4
    assert np.array_equal(model.population.informed_npo, informed)
    assert np.array_equal(model.population.informed_week, heard)
    assert model.rng.random() == ref.random()


def route_gifts_reference(model, donors, amounts):
    """``participation.route_gifts`` as it was: rng.choice and np.isin."""
    from model.participation import knows_npo

    p, rng = model.params, model.rng
    knows = knows_npo(model, donors)
    local = rng.random(len(donors)) < np.where(knows, p.local_giving_informed, p.local_giving)
    npo_list = [n for n in model.npos if n.active and n.kind == "npo"]
    foundation = model.foundation
    via_foundation = local & (rng.random(len(donors)) < p.foundation_visibility)
    if foundation is None:
        via_foundation[:] = False
    direct = local & ~via_foundation
    if not npo_list:
        direct[:] = False
    outside = ~(direct | via_foundation)
    model.population.last_local_gift_week[donors[~outside]] = model.week
    model.ledger.transfer(
        ledger.RESIDENTS, ledger.OUTSIDE, "gift_outside", float(amounts[outside].sum())
    )
    if via_foundation.any():
        foundation.receive(
            ledger.RESIDENTS, "gift_foundation", float(amounts[via_foundation].sum())
        )
    if direct.any():
        index = np.array([n.index for n in npo_list])
        weight = np.sqrt(np.array([n.capacity for n in npo_list])) + 1e-9
        chosen = index[rng.choice(len(npo_list), size=int(direct.sum()), p=weight / weight.sum())]
        heard = model.population.informed_npo[donors[direct]]
        chosen = np.where(knows[direct] & np.isin(heard, index), heard, chosen)
        per_npo = np.bincount(chosen, weights=amounts[direct], minlength=len(model.npos))
        for i in np.flatnonzero(per_npo):
            model.npos[int(i)].receive(ledger.RESIDENTS, "gift_direct", float(per_npo[i]))


def test_gifts_are_routed_as_before():
    seed = 2
    towns = [small_town(300, seed=seed, warmup_weeks=1) for _ in range(2)]
    for town in towns:
        pop = town.population
        idx = pop.alive_idx()
        heard = np.random.default_rng(seed).integers(-1, len(town.npos), len(idx))
        pop.informed_npo[idx] = heard  # many donors know an NPO, some the centre
        pop.informed_week[idx] = town.week
    donors = towns[0].population.alive_idx()[::2].astype(np.int64)
    amounts = np.round(np.random.default_rng(seed).lognormal(8, 1, len(donors)))
    route_gifts(towns[0], donors, amounts)
    route_gifts_reference(towns[1], donors, amounts)
    new, old = towns[0], towns[1]
    assert new.ledger.flows().equals(old.ledger.flows())
    assert np.array_equal(new.population.last_local_gift_week, old.population.last_local_gift_week)
    assert new.rng.random() == old.rng.random()
    assert (new.ledger.flows()["channel"] == "gift_direct").any()


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("seed", SEEDS)
def test_donation_hazard_matches_the_array_rule(seed, n):
    rng = np.random.default_rng(seed)
    r = columns(rng, n)
    income = (rng.lognormal(14.5, 1.2, r.cap)).astype(np.float32)
    income[::7] = 0.0  # the factor's floor and ceiling both occur
    income[1::7] = 9e7
    r.age[::5] = 18.0  # on the age limit
    peer = rng.random(n)
    factor = 1.0 + rng.random(n)
    hazard, floor, peer_effect, success, min_age = 0.02, 0.3, 0.8, 0.6, 18.0
    # the rule before
    inc = np.clip(np.sqrt(income[r.idx] / 3.0e6), 0.2, 2.5)
    want = (
        hazard
        * (0.3 + 0.7 * r.trust0[r.idx])  # any float32 column serves as the propensity
        * inc
        * (floor + (1.0 - floor) * r.trust[r.idx])
        * (0.5 + r.awareness[r.idx])
        * (1.0 + peer_effect * peer)
        * (1.0 + success * r.gift_success[r.idx])
        * (r.age[r.idx] >= min_age)
        * factor
    )
    g, got_inc = kernels.donation_hazard(
        r.idx, income, r.trust0, r.trust, r.awareness, r.gift_success, r.age,
        np.float32(hazard), np.float32(floor), np.float32(1.0 - floor), peer, peer_effect,
        np.float32(success), np.float32(min_age), factor,
    )  # fmt: skip
    assert got_inc.dtype == inc.dtype == np.float32 and np.array_equal(got_inc, inc)
    assert g.dtype == want.dtype == np.float64 and np.array_equal(g, want)
