"""`kizuna viz`: the pieces of the app in-process, then the real app in a real browser.

The browser test starts ``python -m experiments.viz.cli`` on a free port, drives Debian's
Chromium with Playwright (play, a chart that changes, a path switched on, a disaster),
fails on any error in the page's console, and saves a screenshot (also to the path in
``KIZUNA_SCREENSHOT``, which is how ``docs/images/viz.png`` is made).
"""

from __future__ import annotations

import argparse
import inspect
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import solara
import yaml
from matplotlib.figure import Figure

from experiments.scenario import load_scenario
from experiments.viz import assets, challenges, charts, controls, live, states
from experiments.viz import cli as viz_cli
from experiments.viz import map as town_map
from experiments.viz.town import POPULATION_CAP, SLIDERS, VizTown, parse_seed, town_kwargs
from model.dashboard import CHALLENGES
from model.outcomes import tie_census
from tests.towns import BASELINE, ROOT

CHROMIUM = Path("/usr/bin/chromium")
SHOWCASE_WEEKS = 26  # how far the app plays before the screenshot for the README
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small town that says something in every field the controls read."""
    path = tmp_path_factory.mktemp("viz") / "small.yaml"
    data = {
        "name": "small_viz",
        "extends": str(BASELINE),
        "region": {"population": 600},
        "warmup_weeks": 8,
        "parameters": {"visit_rate": 1.1, "tie_decay": 0.04},
        "interventions": [{"path": 4, "intensity": 2}, {"path": "visible_participation"}],
        "shocks": [{"kind": "flood", "week": 40}],
    }
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def base(scenario_file: Path):
    return load_scenario(scenario_file)


def small_town(base, **changes) -> VizTown:
    return VizTown(**{**controls.start_values(base), **changes})


@pytest.fixture(scope="module")
def town(base) -> VizTown:
    """A small town a few weeks on (tests that change a town build their own)."""
    model = small_town(base)
    for _ in range(3):
        model.step()
    return model


# --- building the town from the controls ------------------------------------------------------
def test_the_scenario_fills_the_controls_with_the_town_capped(base) -> None:
    start = controls.start_values(base)
    assert start["population"] == 600 and start["region_kind"] == "suburban"
    assert start["seed"] == str(base.seed)
    assert start["visit_rate"] == 1.1 and start["tie_decay"] == 0.04
    assert live.scenario_paths(base) == {4: 2.0, 7: 1.0}
    params = controls.model_params(base)
    assert params["base"] is base
    assert params["population"]["value"] == 600 and 100_000 in params["population"]["values"]
    assert params["visit_rate"].value == 1.1
    baseline = load_scenario(BASELINE)
    assert controls.start_values(baseline)["population"] == POPULATION_CAP  # not 10,000


def test_the_controls_match_what_solaraviz_passes_on_reset(base) -> None:
    """Mesa checks ``model_params`` against the model's signature and, on Reset, calls
    the class with the inputs' values: both must work with VizTown."""
    from mesa.visualization.solara_viz import _check_model_params, split_model_params

    params = controls.model_params(base)
    _check_model_params(VizTown.__init__, params)
    signature = set(inspect.signature(VizTown.__init__).parameters) - {"self"}
    assert signature == set(params)
    assert {name for name, *_ in SLIDERS} <= signature
    inputs, fixed = split_model_params(params)  # as ModelCreator fills them in
    values = {**fixed, **{k: v.get("value") for k, v in inputs.items()}}
    assert set(fixed) == {"base"}
    values.update(population=300, region_kind="rural_town")
    model = VizTown(**values)
    assert model.region.kind == "rural_town" and model.population_size <= 300
    assert model.params.visit_rate == 1.1  # the slider's value, from the scenario
    assert len(model.shocks) == 1 and model.shocks[0].kind == "flood"  # scheduled disasters stay
    assert len(model.interventions) == 0  # paths are switched on live, not built in


def test_town_kwargs_keep_the_scenarios_region_only_for_its_own_kind(base) -> None:
    same = town_kwargs(base, "suburban", 600, 5, {"volunteer_hazard": 0.07})
    other = town_kwargs(base, "urban_ward", 50, 5, {})
    assert same["region"] == base.region.resolved_profile()
    assert other["region"].kind == "urban_ward" and other["population"] == 200  # clamped
    assert same["params"].volunteer_hazard == 0.07 and same["params"].visit_rate == 1.1
    assert same["rng"] == 5 and same["warmup_weeks"] == 8
    with pytest.raises(ValueError, match="tie_decay"):
        town_kwargs(base, "suburban", 600, 5, {"tie_decay": 2.0})


def test_a_seed_that_is_not_a_number_keeps_the_scenarios() -> None:
    assert parse_seed("42", 7) == 42
    assert parse_seed(" 1_000 ", 7) == 1000
    assert parse_seed("forty-two", 7) == 7
    assert parse_seed("-3", 7) == 7


def test_the_same_seed_builds_the_same_town(base) -> None:
    a, b = small_town(base, seed="11"), small_town(base, seed="11")
    for _ in range(2):
        a.step()
        b.step()
    assert a.latest == b.latest


# --- what the page draws ----------------------------------------------------------------------
def test_residents_are_coloured_by_state(town: VizTown) -> None:
    pop = town.population
    found = states.resident_states(town)
    assert np.array_equal(found.slots, pop.alive_idx())
    volunteered = pop.within("last_volunteer_week", town.week, slots=found.slots)
    assert np.array_equal(found.state == states.VOLUNTEERING, volunteered)  # no one in need yet
    outside = tie_census(town).by_class[found.slots, 2:].sum(axis=1)
    lonely = (outside == 0) & ~volunteered
    assert np.array_equal(found.state == states.ISOLATED, lonely)
    assert found.counts().sum() == town.population_size
    assert (found.state == states.OTHER).any()


def test_striking_a_disaster_puts_people_in_need_on_the_map(base) -> None:
    model = small_town(base)
    model.step()
    before = model.week
    record = live.strike_now(model, severity=1.0)
    assert model.week == before + 1 and record.shock.week == model.week
    assert record.in_need > 0 and len(record.needy) == record.in_need
    assert model.latest["disaster_in_need"] == record.in_need
    found = states.resident_states(model)
    survivors = record.needy[model.population.alive[record.needy]]
    assert (found.state == states.IN_NEED).sum() == len(survivors) > 0
    assert model.cell_damage.any()
    head, figures = charts.summary(model)
    assert head.startswith(f"Week {model.week}") and f"in need {record.in_need}" in figures
    for _ in range(states.IN_NEED_WEEKS):
        model.step()
    assert not (states.resident_states(model).state == states.IN_NEED).any()  # it fades


def test_heat_layer_for_large_towns(town: VizTown, monkeypatch: pytest.MonkeyPatch) -> None:
    assert not town_map.use_heat(town)  # 600 residents: dots
    assert town_map.use_heat(town, "heat") and not town_map.use_heat(town, "dots")
    monkeypatch.setattr(town_map, "LARGE_TOWN", town.population_size - 1)
    assert town_map.use_heat(town)
    found = states.resident_states(town)
    residents = town_map.heat_layer(town, found, "residents")
    assert residents.shape == (town.geography.width, town.geography.height)
    assert np.nansum(residents) == town.population_size
    for layer in town_map.HEAT_LAYERS[1:]:
        share = town_map.heat_layer(town, found, layer)
        assert np.nanmin(share) >= 0 and np.nanmax(share) <= 1
    heat = town_map.town_map(town, layer="volunteered this year")
    assert heat.axes[0].images  # a heat layer, no dots
    assert town_map.town_map(town, layer="in need").axes[0].images  # all zero: still drawn
    dots = town_map.town_map(town, view="dots", district=0)
    assert not dots.axes[0].images and dots.axes[0].collections


def test_the_map_and_the_district_ties_are_drawn(town: VizTown) -> None:
    district = town_map.default_district(town)
    assert 0 <= district < town.geography.n_districts
    kinds = town_map.organisation_sites(town)
    assert {"government", "association", "place"} <= set(kinds)
    ties = town_map.district_ties(town, district)
    assert isinstance(ties, Figure) and f"district {district}" in ties.axes[0].get_title()
    a, b = town_map.offsets(np.arange(1000))
    assert a.min() >= 0.1 and a.max() <= 0.9 and b.min() >= 0.1 and b.max() <= 0.9


def test_charts_and_the_challenge_dashboard(town: VizTown) -> None:
    panels = charts.Charts()
    figure = panels.update(town)
    line = panels.lines["volunteer_rate"]
    assert len(line.get_xdata()) == town.week + 1
    assert line.get_ydata()[-1] == pytest.approx(100 * town.latest["volunteer_rate"])
    assert panels.update(town) is figure  # redrawn in place
    rows = challenges.rows(town)
    assert [r["number"] for r in rows] == [c.number for c in CHALLENGES] == list(range(1, 25))
    table = challenges.html(town)
    assert table.count("<tr>") == 25 and "<td>Local residents</td>" in table
    assert challenges.format_value(0.253, "share") == "25.3%"
    assert challenges.format_value(float("nan"), "share") == "-"
    assert challenges.format_value(12345.6, "yen/employee/year") == "¥12,346"


# --- paths switched on and off live -------------------------------------------------------------
def test_paths_switch_on_and_off_from_the_coming_week(base) -> None:
    model = small_town(base)
    model.step()
    live.apply_paths(model, {4: 2.0})
    assert live.running_paths(model) == {4: 2.0}
    model.step()
    assert [iv.number for iv in model.interventions.active] == [4]
    live.apply_paths(model, {4: 3.0, 16: 1.0})  # a new intensity, and another path
    model.step()
    active = {iv.number: iv.intensity for iv in model.interventions.active}
    assert active == {4: 3.0, 16: 1.0} and model.flows["intervention_cost"] > 0
    running = next(iv for iv in model.interventions.active if iv.number == 16)
    live.apply_paths(model, {4: 3.0})
    live.apply_paths(model, {4: 3.0, 16: 1.0})  # off and on again in one week: unchanged
    assert running.end is None
    live.apply_paths(model, {})
    assert live.running_paths(model) == {}
    model.step()
    assert not model.interventions.active and model.params == model.base_params


def test_each_image_groups_its_nine_paths() -> None:
    assert [len(group) for group in live.BY_IMAGE.values()] == [9, 9, 9]
    numbers = [p.number for group in live.BY_IMAGE.values() for p in group]
    assert numbers == list(range(1, 28))


def test_the_page_renders_its_parts_in_process(base, monkeypatch: pytest.MonkeyPatch) -> None:
    """The components, without a browser: switching a path on shows its intensity."""
    import ipyvuetify as v

    from experiments.viz.app import PathsCard

    paths = solara.reactive({})
    _, rc = solara.render(PathsCard(paths), handle_error=False)
    assert not rc.find(v.Slider).widgets
    rc.find(v.Checkbox, label="4. coordinators").widget.v_model = True
    assert paths.value == {4: 1.0} and len(rc.find(v.Slider).widgets) == 1
    rc.close()


# --- the command line ---------------------------------------------------------------------------
def _one_line(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    started = time.monotonic()
    assert viz_cli.main(argv) == 2
    assert time.monotonic() - started < 10  # refused before any server starts
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and err.startswith("kizuna: error: "), err
    return err


def test_bad_input_is_one_line_before_the_server_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "no such file" in _one_line(capsys, [str(tmp_path / "missing.yaml")])
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nregion: {kind: suburbia}\n", encoding="utf-8")
    assert "unknown region kind 'suburbia'" in _one_line(capsys, [str(bad)])
    for port in ("http", "0", "70000"):
        assert "--port: must be a whole number 1-65535" in _one_line(capsys, ["--port", port])
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        assert "cannot listen on 127.0.0.1" in _one_line(capsys, ["--port", port])
    assert "unknown address" in _one_line(capsys, ["--host", "no.such.host.invalid"])
    assert "unrecognized arguments" in _one_line(capsys, ["--colour", "red"])


def test_add_parser_and_run_command(monkeypatch: pytest.MonkeyPatch, scenario_file: Path) -> None:
    parser = argparse.ArgumentParser(prog="kizuna")
    viz_cli.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["viz", str(scenario_file), "--port", "8899"])
    assert (args.command, args.host) == ("viz", "127.0.0.1")  # this machine only by default
    served = {}
    monkeypatch.setattr("experiments.viz.server.check_address", lambda host, port: None)
    monkeypatch.setattr(
        "experiments.viz.server.serve",
        lambda path, host, port: served.update(at=(path, host, port)),
    )
    assert viz_cli.run_command(args) == 0
    assert served["at"] == (scenario_file, "127.0.0.1", 8899)
    defaults = parser.parse_args(["viz"])
    assert viz_cli.run_command(defaults) == 0
    assert served["at"] == (viz_cli.DEFAULT_SCENARIO, "127.0.0.1", viz_cli.DEFAULT_PORT)


# --- the real app in a real browser -------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path: Path):
    """``python -m experiments.viz.cli`` on a free port, its whole process group killed
    at the end."""
    try:
        assets.install()  # offline machines: Solara's front end from the npm registry
    except RuntimeError as exc:
        pytest.fail(f"the app's front-end files are missing and cannot be fetched: {exc}")
    port = _free_port()
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "experiments.viz.cli", str(BASELINE), "--port", str(port)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the server exited: {(tmp_path / 'server.log').read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("the server did not answer within 60 s")
            time.sleep(0.25)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (make test installs it)")
def test_the_app_in_a_browser(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    problems: list[str] = []  # every console error and uncaught exception fails the test
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=BROWSER_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1500})
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"uncaught: {e}"))
            page.goto(server)
            status = page.locator(".kizuna-status")
            expect(status).to_contain_text("Week 0 (01 Apr 2015)", timeout=60_000)
            chart = page.locator("img.kizuna-charts")
            expect(chart).to_be_visible()
            before = chart.screenshot()

            page.get_by_role("button", name="▶").click()  # play
            page.wait_for_function(
                """n => +(/Week (\\d+)/.exec(document.querySelector('.kizuna-status')
                    .innerText) || [0, 0])[1] >= n""",
                arg=SHOWCASE_WEEKS if os.environ.get("KIZUNA_SCREENSHOT") else 3,
                timeout=90_000,
            )
            page.get_by_role("button", name="❚❚").click()  # pause
            expect(page.get_by_role("button", name="▶")).to_be_visible()
            assert chart.screenshot() != before  # the charts moved on

            page.get_by_text("4. coordinators", exact=True).click()
            expect(status).to_contain_text("Paths on: 4 (1)")
            expect(
                page.get_by_text("coordinators per 10,000 residents", exact=False)
            ).to_be_visible()
            page.get_by_role("button", name=re.compile("strike an earthquake", re.I)).click()
            expect(status).to_contain_text(re.compile(r"in need [1-9]"), timeout=30_000)
            page.wait_for_timeout(500)  # let the map's new picture arrive
            shot = page.screenshot(path=str(tmp_path / "viz.png"))
            if os.environ.get("KIZUNA_SCREENSHOT"):
                Path(os.environ["KIZUNA_SCREENSHOT"]).write_bytes(shot)
        finally:
            browser.close()
    assert not problems, problems
