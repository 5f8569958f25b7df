"""Third-round fast paths of the weekly observation against plain references: the
rolling tallies' table, the dashboard's company counts, the tie-strength mean, the
collector's agent-type records and the community function handed from the week's
recovery to its outcomes. Sums must be identical to the last bit, counts exact."""

from __future__ import annotations

import numpy as np
import pytest
from mesa import Agent, Model
from mesa.datacollection import DataCollector

from model import outcome_kernels as ok
from model import resilience
from model.disasters import SOURCES, DisasterRecord, Shock
from model.kizuna_model import OutcomeCollector
from model.outcomes import GENERATIONS, array_mean, generations
from model.rolling import WEEKS, RollingTallies
from tests.towns import small_town

SEEDS = range(5)
NAN = float("nan")


class _ReferenceTallies:
    """The tallies as they were: one 52-slot array per name, each summed alone."""

    def __init__(self) -> None:
        self.slots: dict[str, np.ndarray] = {}
        self.slot = 0
        self.seen = 0

    def start_week(self, week: int) -> None:
        self.slot = week % WEEKS
        self.seen += 1
        for values in self.slots.values():
            values[self.slot] = 0.0

    def add(self, name: str, amount: float) -> None:
        self.slots.setdefault(name, np.zeros(WEEKS))[self.slot] += amount

    def last_year(self, name: str) -> float:
        return float(self.slots[name].sum()) if name in self.slots else 0.0

    def per_year(self, name: str) -> float:
        return self.last_year(name) * WEEKS / min(max(self.seen, 1), WEEKS)


@pytest.mark.parametrize("seed", SEEDS)
def test_rolling_tallies_match_one_array_per_name(seed: int) -> None:
    rng = np.random.default_rng(seed)
    names = [f"t{i}" for i in range(int(rng.integers(1, 30)))]  # past the first 8 rows
    got, want = RollingTallies(), _ReferenceTallies()
    for week in range(-20, 130):
        got.start_week(week)
        want.start_week(week)
        for _ in range(int(rng.integers(0, 12))):
            name = names[int(rng.integers(len(names)))]
            # amounts whose float sums depend on the order of the adds
            amount = float(rng.standard_normal() * 10.0 ** rng.integers(-3, 9))
            got.add(name, amount)
            want.add(name, amount)
            if rng.random() < 0.3:  # a read between adds must not go stale
                assert got.last_year(name) == want.last_year(name)
        for name in [*names, "never_added"]:
            assert got.last_year(name) == want.last_year(name), (week, name)
            assert got.per_year(name) == want.per_year(name)


def test_rolling_tallies_start_empty() -> None:
    t = RollingTallies()
    assert t.last_year("anything") == 0.0
    assert t.per_year("anything") == 0.0
    t.add("one")
    assert t.last_year("one") == 1.0
    t.start_week(WEEKS)  # the same slot, reopened: a year later it is gone
    assert t.last_year("one") == 0.0


def _company_reference(staff, programme, se_workplaces, n_wp):
    company = np.ones(n_wp, bool)
    company[list(se_workplaces)] = False
    companies = company & (staff > 0)
    return (
        int(staff[company].sum()),
        int(staff[company & programme].sum()),
        np.count_nonzero(companies),
        np.count_nonzero(programme & companies),
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_company_counts_match_masks(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for n_wp in (0, 1, 2, 9, 60):
        staff = rng.integers(0, 4, n_wp).astype(np.int64) * (rng.random(n_wp) < 0.7)
        programme = rng.random(n_wp) < 0.4
        n_se = int(rng.integers(0, n_wp + 1)) if n_wp else 0
        se = rng.integers(-n_wp, n_wp, n_se).astype(np.int64) if n_wp else np.empty(0, np.int64)
        got = ok.company_counts(staff, programme, se, n_wp)
        assert tuple(got) == _company_reference(staff, programme, se, n_wp), n_wp


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("seed", SEEDS)
def test_array_mean_is_numpy_mean(dtype, seed: int) -> None:
    rng = np.random.default_rng(seed)
    for n in (1, 2, 7, 8, 9, 128, 129, 1000, 70_001):
        values = (rng.random(n) * 10.0 ** rng.integers(-3, 6)).astype(dtype)
        got, want = array_mean(values), float(values.mean())
        assert got == want and type(got) is float, n
    strided = rng.random(999).astype(dtype)[::3]
    assert array_mean(strided) == float(strided.mean())


class _Spot(Agent):
    """An agent with values Mesa keeps as they are and ones it copies."""

    def __init__(self, model: Model, visits, label) -> None:
        super().__init__(model)
        self.visits = visits
        self.label = label


class _Other(Agent):
    pass


def _collected(collector_type: type, reporters: dict) -> DataCollector:
    model = Model(rng=1)
    for k in range(4):
        _Spot(model, k if k % 2 else np.int64(k), [k] if k == 3 else "x")
    _Other(model)
    collector = collector_type(agenttype_reporters=reporters)
    for week in range(3):
        model.time = float(week)  # what Mesa's records are keyed by
        for agent in model.agents_by_type[_Spot]:
            agent.visits += 1
            if isinstance(agent.label, list):
                agent.label.append(week)  # a copied value must not change afterwards
        model.latest = {}
        collector.collect(model)
    return collector


@pytest.mark.parametrize(
    "reporters",
    [
        {_Spot: {"visits": "visits", "label": "label"}},
        {_Spot: {"visits": "visits", "twice": lambda a: 2 * a.visits}},  # Mesa's own way
        {_Spot: {"visits": "visits"}, _Other: {"id": "unique_id"}},
    ],
)
def test_collector_agent_types_match_mesa(reporters) -> None:
    want = _collected(DataCollector, reporters)
    got = _collected(OutcomeCollector, reporters)
    assert got._agenttype_records == want._agenttype_records
    for agent_type in reporters:
        assert got.get_agenttype_vars_dataframe(agent_type).equals(
            want.get_agenttype_vars_dataframe(agent_type)
        )


def test_community_function_handed_to_outcomes_once() -> None:
    model = small_town(300, seed=2, warmup_weeks=2, shocks=(Shock("earthquake", 2, 0.9),))
    for _ in range(5):
        model.step()
        fresh = resilience.community_function(model)
        assert model.latest["community_function"] == fresh
    track = model.shock_track
    assert track.function_this_week is None  # read by the week's outcomes
    resilience.weekly_recovery(model)  # (heals damage: the function moves on)
    known = track.function_this_week
    assert known == (model.week, resilience.community_function(model))
    assert resilience.outcomes(model)["community_function"] == known[1]
    assert track.function_this_week is None
    # a value left from another week is not read
    track.function_this_week = (model.week - 1, -5.0)
    assert resilience.outcomes(model)["community_function"] == known[1]


def _reference_totals(records) -> dict[str, float]:
    """The resilience outcomes' totals as they were: one sum per figure."""
    in_need = sum(r.in_need for r in records)
    out = {
        "disaster_in_need": float(in_need),
        "disaster_deaths": float(sum(r.deaths for r in records)),
        "disaster_deaths_frail_alone": float(sum(r.frail_alone_deaths for r in records)),
        "disaster_left_town": float(sum(r.left_town for r in records)),
    }
    for band in ("0_64", "65_74", "75_plus"):
        out[f"disaster_deaths_{band}"] = float(sum(r.deaths_by_age.get(band, 0) for r in records))
    for source in SOURCES:
        out[f"helped_{source}"] = float(sum(r.helped[source] for r in records))
    out["reached_24h_share"] = sum(r.reached_24h for r in records) / in_need if in_need else NAN
    out["reached_72h_share"] = sum(r.reached_72h for r in records) / in_need if in_need else NAN
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_resilience_totals_match_one_sum_each(seed: int) -> None:
    rng = np.random.default_rng(seed)
    model = small_town(300, seed=1, warmup_weeks=1)
    for n_records in (0, 1, 3):
        records = []
        for _ in range(n_records):
            r = DisasterRecord(Shock("flood", 1, 0.5))
            r.in_need = int(rng.integers(0, 3))  # sometimes nobody: shares undefined
            r.deaths, r.frail_alone_deaths, r.left_town = map(int, rng.integers(0, 9, 3))
            r.reached_24h, r.reached_72h = sorted(map(int, rng.integers(0, 3, 2)))
            r.deaths_by_age = {b: int(rng.integers(9)) for b in ("0_64", "75_plus")}
            r.helped = {src: int(rng.integers(9)) for src in SOURCES}
            records.append(r)
        model.disaster_records = records
        got = resilience.outcomes(model)
        want = _reference_totals(records)
        assert list(got)[: len(want)] == list(want)  # the same columns, in order
        for key, value in want.items():
            assert got[key] == value or (np.isnan(value) and np.isnan(got[key])), key


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("seed", SEEDS)
def test_generations_match_searchsorted(dtype, seed: int) -> None:
    rng = np.random.default_rng(seed)
    edge = [30, 65, 29.999, 64.999, np.nan, -1, 0, np.inf, -np.inf, 30.000001]
    for n in (0, 1, 5, 1000):
        age = (rng.random(n) * 110).astype(dtype)
        age[: min(n, len(edge))] = edge[: min(n, len(edge))]
        band = generations(age)
        want = np.searchsorted(GENERATIONS, age, side="right")
        assert band.dtype == np.int8
        assert band.tolist() == want.tolist(), n
