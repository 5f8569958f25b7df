"""Disasters: who reaches the people in need, who dies, how the town recovers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from experiments.scenario import load_scenario
from model.disasters import SOURCES, SURVIVAL, Shock
from model.interventions.vitalizing_communities import Path16NeighbourDrills
from model.outcomes import OUTCOME_BY_NAME
from tests.towns import ROOT, TINY, run_cli, small_town, write_text

SEEDS = (1, 2, 3, 4)
WEEK = 26
QUAKE = Shock("earthquake", week=WEEK, severity=1.0, epicentre=(0.5, 0.5), radius=2.0)
NO_TIES = {
    name: 0.0
    for name in (
        "form_neighbourhood",
        "form_work",
        "form_school",
        "form_place",
        "form_activity",
        "form_introduction",
        "form_association",
        "form_npo",
    )
}
NO_ORGANISATIONS = {
    "association_membership": 0.0,
    "npos_per_10k": 0.0,
    "brigade_per_1000": 0.0,
    "social_enterprises_per_10k": 0.0,
}


def struck(seed: int, weeks: int = WEEK, shocks=(QUAKE,), **kwargs):
    model = small_town(1200, seed=seed, shocks=shocks, **kwargs)
    for _ in range(weeks):
        model.step()
    return model


def test_without_ties_or_organisations_almost_nobody_is_reached_by_neighbours():
    lonely = [struck(s, params=NO_TIES, **NO_ORGANISATIONS).disaster_records[0] for s in SEEDS]
    usual = [struck(s).disaster_records[0] for s in SEEDS]
    in_need = sum(r.in_need for r in lonely)
    assert in_need > 100
    assert sum(r.helped["neighbours"] for r in lonely) / in_need < 0.02
    assert sum(r.helped["npo"] for r in lonely) == 0  # there is no NPO to come
    assert sum(r.helped["neighbours"] for r in usual) / sum(r.in_need for r in usual) > 0.1
    # and without anyone to miss them, fewer are reached on the first days
    lonely_72 = sum(r.reached_72h for r in lonely) / in_need
    usual_72 = sum(r.reached_72h for r in usual) / sum(r.in_need for r in usual)
    assert lonely_72 < usual_72 - 0.1


def test_disaster_drills_raise_the_share_reached_within_72_hours():
    drills = (Path16NeighbourDrills(intensity=0.5, start=1),)
    without = [struck(s).latest["reached_72h_share"] for s in SEEDS]
    with_drills = [struck(s, interventions=drills).latest["reached_72h_share"] for s in SEEDS]
    assert np.mean(with_drills) > np.mean(without) + 0.05, (without, with_drills)
    assert sum(w > wo for w, wo in zip(with_drills, without, strict=True)) >= 3


def test_frail_elders_living_alone_are_over_represented_among_casualties():
    records = [struck(s, region="rural_town").disaster_records[0] for s in SEEDS]
    deaths = sum(r.deaths for r in records)
    fa_deaths = sum(r.frail_alone_deaths for r in records)
    fa_share_of_residents = sum(r.frail_alone_population for r in records) / sum(
        r.population for r in records
    )
    assert deaths > 100
    assert fa_deaths / deaths > 2.0 * fa_share_of_residents, (fa_deaths, deaths)


def test_every_rescue_has_a_source_and_deaths_follow_the_day_help_came():
    records = [struck(s).disaster_records[0] for s in SEEDS]
    expected = variance = 0.0
    for r in records:
        assert sum(r.helped.values()) == r.reached_by_day[-1] <= r.in_need
        assert r.reached_24h <= r.reached_72h <= r.in_need
        assert r.reached_by_day == sorted(r.reached_by_day)
        assert r.deaths == sum(r.deaths_by_age.values())
        # people first reached on each day, then those still waiting after the week
        by_day = np.diff([0, *r.reached_by_day, r.in_need])
        died = 1.0 - SURVIVAL["earthquake"]
        expected += float(by_day @ died)
        variance += float(by_day @ (died * (1.0 - died)))
    deaths = sum(r.deaths for r in records)
    assert abs(deaths - expected) < 4 * np.sqrt(variance), (deaths, expected)
    # Kobe 1995: those dug out on day one mostly live; two days later most do not
    assert died[0] < 0.25 and died[2] > 0.7


def test_no_shock_means_no_loss_and_full_function():
    model = small_town(1200, seed=3)
    for _ in range(10):
        model.step()
    table = model.outcomes()
    assert (table["resilience_loss"] == 0).all()
    assert (table["community_function"] == 1).all()
    assert (table["disaster_deaths"] == 0).all()
    assert table["reached_72h_share"].isna().all()  # undefined: nobody was ever in need


def test_a_shock_costs_function_that_recovers():
    model = struck(2, weeks=WEEK + 60, shocks=(Shock("earthquake", WEEK, 0.6),))
    table = model.outcomes().set_index("week")
    before = table.loc[: WEEK - 1]
    after = table.loc[WEEK:]
    assert (before["community_function"] == 1).all() and (before["resilience_loss"] == 0).all()
    low = after["community_function"].min()
    assert low < 0.95
    assert after["community_function"].iloc[-1] > low + 0.05  # recovering
    assert after["resilience_loss"].iloc[-1] > 0
    assert after["resilience_loss"].is_monotonic_increasing
    # recovery_weeks, once known, is the first week back at 95%
    rec = after["recovery_weeks"].dropna()
    if len(rec):
        first_back = after.index[after["community_function"] >= 0.95][0] - WEEK
        assert rec.iloc[0] == first_back


def test_population_still_adds_up_through_a_disaster():
    model = struck(1, weeks=WEEK + 3)
    t = model.outcomes()
    change = t["population"].diff().iloc[1:]
    flows = (t["births"] + t["in_migrants"] - t["deaths"] - t["out_migrants"]).iloc[1:]
    pd.testing.assert_series_equal(change, flows, check_names=False)
    row = t.iloc[WEEK]
    record = model.disaster_records[0]
    assert row["deaths"] >= record.deaths
    assert row["out_migrants"] >= record.left_town
    assert t["disaster_deaths"].iloc[-1] == record.deaths
    assert model.population.alive.sum() == t["population"].iloc[-1]


def test_only_damaged_cells_fall_into_need():
    corner = Shock("flood", week=3, severity=1.0, cells=((0, 0), (0, 1), (1, 0), (1, 1)))
    model = small_town(1200, seed=5, shocks=(corner,))
    pop = model.population
    in_corner = (pop.cell[pop.alive_idx()] // model.geography.height <= 1) & (
        pop.cell[pop.alive_idx()] % model.geography.height <= 1
    )
    for _ in range(3):
        model.step()
    record = model.disaster_records[0]
    assert record.in_need <= in_corner.sum()
    damage = model.cell_damage.reshape(model.geography.width, model.geography.height)
    assert damage[2:, :].max() == 0 and damage[:, 2:].max() == 0


@pytest.mark.parametrize("kind", ["earthquake", "flood", "heatwave"])
def test_each_kind_of_shock_strikes_and_is_reported(kind):
    model = struck(1, weeks=6, shocks=(Shock(kind, 4, 0.8),))
    row = model.latest
    assert row["disaster_in_need"] > 0
    helped = sum(row[f"helped_{s}"] for s in SOURCES)
    assert helped <= row["disaster_in_need"]
    assert 0 <= row["reached_24h_share"] <= row["reached_72h_share"] <= 1


def test_heatwaves_kill_fewer_of_those_in_need_than_earthquakes():
    rate = {}
    for kind in ("earthquake", "heatwave"):
        rs = [struck(s, weeks=6, shocks=(Shock(kind, 4, 0.8),)).disaster_records[0] for s in SEEDS]
        rate[kind] = sum(r.deaths for r in rs) / sum(r.in_need for r in rs)
    assert rate["heatwave"] < rate["earthquake"]


def test_two_shocks_accumulate():
    shocks = (Shock("flood", 3, 0.7), Shock("earthquake", 8, 0.7))
    model = struck(1, weeks=10, shocks=shocks)
    assert len(model.disaster_records) == 2
    table = model.disaster_table()
    assert table["week"].tolist() == [3, 8]
    assert model.latest["disaster_in_need"] == table["in_need"].sum()
    assert model.latest["disaster_deaths"] == table["deaths"].sum()


def test_strike_now_is_the_same_as_a_shock_scheduled_for_the_coming_week():
    quake = Shock("earthquake", 4, severity=0.9, epicentre=(0.5, 0.5), radius=1.0)
    planned = struck(2, weeks=5, shocks=(quake,))
    live = small_town(1200, seed=2)
    for _ in range(3):
        live.step()
    shock = live.strike("earthquake", severity=0.9, radius=1.0)
    assert shock == quake and not live.disaster_records  # nothing happens until the step
    live.step()
    live.step()
    pd.testing.assert_frame_equal(live.disaster_table(), planned.disaster_table())
    record = live.disaster_records[0]
    assert record.in_need > 0 and len(record.needy) == record.in_need
    assert live.latest["disaster_in_need"] == record.in_need
    with pytest.raises(ValueError, match="unknown kind of shock 'tsunami'"):
        live.strike("tsunami")


def test_same_seed_same_disaster():
    a = struck(7, weeks=WEEK + 2).disaster_table()
    b = struck(7, weeks=WEEK + 2).disaster_table()
    pd.testing.assert_frame_equal(a, b)


def test_resilience_outcomes_are_documented():
    for name in ("reached_24h_share", "reached_72h_share", "resilience_loss", "recovery_weeks"):
        assert OUTCOME_BY_NAME[name].group == "resilience"
        assert OUTCOME_BY_NAME[name].description


# --- scenario files and run outputs ----------------------------------------------------------


def test_a_run_with_shocks_writes_the_resilience_table_and_figure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = {
        **TINY,
        "region": {"kind": "rural_town", "population": 600},
        "horizon": {"weeks": 8},
        "shocks": [
            {"kind": "earthquake", "week": 3, "epicentre": [0.5, 0.0], "severity": 0.9},
            {"kind": "heatwave", "week": 6, "severity": 0.8},
        ],
    }
    path = write_text(tmp_path, yaml.safe_dump(scenario))
    out = tmp_path / "out"
    rc, _, err = run_cli(capsys, "run", str(path), "--out", str(out), "--no-progress")
    assert rc == 0, err
    table = pd.read_csv(out / "resilience.csv")
    assert len(table) == 2 * TINY["replications"]
    assert (
        table.groupby("replication")["kind"].apply(list).tolist()
        == [["earthquake", "heatwave"]] * TINY["replications"]
    )
    assert (table["in_need"] >= table[[f"helped_{s}" for s in SOURCES]].sum(axis=1)).all()
    assert (out / "figures" / "resilience.png").stat().st_size > 10_000
    summary = pd.read_csv(out / "summary.csv").set_index("outcome")
    assert summary.loc["disaster_in_need", "median"] > 0
    # the same folder reused for a scenario without shocks keeps no stale disaster files
    calm = write_text(tmp_path, yaml.safe_dump({**scenario, "shocks": []}), "calm.yaml")
    rc, _, err = run_cli(capsys, "run", str(calm), "--out", str(out), "--no-progress")
    assert rc == 0, err
    assert not (out / "resilience.csv").exists()
    assert not (out / "figures" / "resilience.png").exists()


def test_years_that_end_before_a_shock_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    quake = ROOT / "scenarios" / "coastal_earthquake.yaml"
    rc, _, err = run_cli(capsys, "run", str(quake), "--years", "1", "--out", str(out))
    assert rc == 2
    assert err.count("\n") == 1 and "--years" in err and "shocks.0" in err
    assert not out.exists()


def test_shocks_by_date_strike_in_the_right_week() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "coastal_earthquake.yaml")
    (shock,) = scenario.build_shocks()
    assert shock.week == (dt.date(2018, 1, 17) - dt.date(2015, 4, 1)).days // 7
    assert 104 < shock.week <= 156  # the town's third year
    drills = load_scenario(ROOT / "scenarios" / "coastal_earthquake_drills.yaml")
    assert drills.build_shocks() == [shock]
    assert [iv.path_class.number for iv in drills.interventions] == [16]


@pytest.mark.parametrize("seed", range(6))
def test_homes_standing_do_not_depend_on_the_blas_threads(seed: int) -> None:
    """A city's grid has more than 10,000 cells, past which BLAS splits a dot product
    between threads: the share of homes standing must come out the same on a machine
    of any number of cores (and not wake BLAS's threads every week after a shock)."""
    from types import SimpleNamespace

    from threadpoolctl import threadpool_limits

    from model import resilience

    rng = np.random.default_rng(seed)
    n = 40_000
    weight = rng.integers(0, 30, n).astype(float)  # residents per cell before the shock
    town = SimpleNamespace(cell_damage=rng.random(n) * (rng.random(n) < 0.3))
    with threadpool_limits(1, "blas"):
        one = resilience._homes(town, weight)
    with threadpool_limits(2, "blas"):
        two = resilience._homes(town, weight)
    assert one == two
    assert 0.5 < one < 1.0
