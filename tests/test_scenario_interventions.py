"""Scenario files with the report's paths: what loads, and how each bad input is reported.

Every bad input must raise ``InputError`` naming the file (``source``) and the
offending field, with a one-line message saying what is allowed; ``kizuna run FILE
--out DIR`` on it must exit 2 with exactly one stderr line ``kizuna: error: ...``, no
traceback, and must not create DIR. Good inputs: ``extends`` merges mappings key by
key and replaces lists, paths are given by number or slug, ISO dates become weeks
from ``start_date``, and the interventions built are the right classes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

from experiments.errors import InputError
from experiments.scenario import Scenario, load_scenario
from model.geography import min_side_for_population
from model.interventions import CATALOGUE, Target
from model.interventions.base import Intervention
from model.kizuna_model import MAX_POPULATION
from model.regions import get_region
from tests.towns import ROOT, TINY, run_cli, write_scenario, write_text

SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))
START = dt.date(2015, 4, 1)
GOOD = {"path": 1, "intensity": 2}  # a valid entry placed before the bad one


def entries(bad: dict[str, Any]) -> list[dict[str, Any]]:
    """A good intervention first, so the error must name entry 1, not 0."""
    return [GOOD, bad]


def check_bad(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    path: Path,
    fields: str | tuple[str, ...],
    fragments: Sequence[str] = (),
    source: Path | None = None,
) -> InputError:
    """``path`` is refused as the promise says, by the loader and by `kizuna run`."""
    source = path if source is None else source
    fields = (fields,) if isinstance(fields, str) else fields
    try:
        load_scenario(path)
    except InputError as exc:
        error = exc
    except Exception as exc:  # a crash instead of a message is the failure
        pytest.fail(f"load_scenario raised {type(exc).__name__}: {exc} (not an InputError)")
    else:
        pytest.fail(f"{path} was accepted")
    text = str(error)
    assert error.source == str(source), text
    assert error.field in fields, f"field {error.field!r}, expected one of {fields}: {text}"
    assert text == f"{source}: {error.field}: {error.message}"
    assert len(text.splitlines()) == 1, text
    for fragment in fragments:
        assert fragment in error.message, f"{fragment!r} not in {error.message!r}"

    out_dir = tmp_path / "out"
    rc, out, err = run_cli(capsys, "run", str(path), "--out", str(out_dir), "--no-progress")
    assert rc == 2, err
    assert out == ""
    assert "Traceback" not in err
    assert err.splitlines() == [f"kizuna: error: {text}"]
    assert not out_dir.exists()
    return error


# --- bad interventions ----------------------------------------------------------------

IV = "interventions.1"
PATH_RANGE = "1-27 or a slug"

# (id, changes to TINY, accepted fields, fragments the message must contain)
BAD_CASES: list[tuple[str, dict[str, Any], str | tuple[str, ...], list[str]]] = [
    # which path
    ("path_28", {"interventions": entries({"path": 28})}, f"{IV}.path",
     ["unknown path 28", PATH_RANGE]),
    ("path_0", {"interventions": entries({"path": 0})}, f"{IV}.path",
     ["unknown path 0", PATH_RANGE]),
    ("path_negative", {"interventions": entries({"path": -4})}, f"{IV}.path", [PATH_RANGE]),
    ("slug_typo", {"interventions": entries({"path": "coordinater"})}, f"{IV}.path",
     ["unknown path 'coordinater'", "did you mean 'coordinators'", PATH_RANGE]),
    ("slug_typo_long", {"interventions": entries({"path": "places_for_mutual_asistance"})},
     f"{IV}.path", ["did you mean 'places_for_mutual_assistance'"]),
    ("slug_unknown", {"interventions": entries({"path": "zzzzzz"})}, f"{IV}.path",
     [PATH_RANGE]),
    ("path_fraction", {"interventions": entries({"path": 4.5})}, f"{IV}.path", []),
    ("path_boolean", {"interventions": entries({"path": True})}, f"{IV}.path", []),
    ("path_missing", {"interventions": entries({"intensity": 1})}, f"{IV}.path", ["required"]),
    # how strongly
    ("intensity_text", {"interventions": entries({"path": 4, "intensity": "high"})},
     f"{IV}.intensity", ["number"]),
    ("intensity_boolean", {"interventions": entries({"path": 4, "intensity": True})},
     f"{IV}.intensity", ["number"]),
    ("intensity_negative", {"interventions": entries({"path": 4, "intensity": -1})},
     f"{IV}.intensity", ["greater than or equal to 0"]),
    ("intensity_nan", {"interventions": entries({"path": 4, "intensity": float("nan")})},
     (f"{IV}.intensity", IV), []),
    ("intensity_above_max", {"interventions": entries({"path": 4, "intensity": 11})},
     (IV, f"{IV}.intensity"),
     ["path 4", "coordinators", "0-10", "coordinators per 10,000 residents", "11"]),
    ("intensity_above_small_max", {"interventions": entries({"path": 5, "intensity": 0.5})},
     (IV, f"{IV}.intensity"),
     ["path 5", "0-0.2", "share of local employees placed with an NPO"]),
    ("intensity_infinite", {"interventions": entries({"path": 1, "intensity": float("inf")})},
     (IV, f"{IV}.intensity"), ["0-20", "new places per 10,000 residents"]),
    # when: weeks
    ("end_before_start", {"interventions": entries({"path": 4, "start": 10, "end": 5})},
     (IV, f"{IV}.end"), ["end", "after start", "10", "5"]),
    ("end_equals_start", {"interventions": entries({"path": 4, "start": 10, "end": 10})},
     (IV, f"{IV}.end"), ["after start"]),
    ("start_negative", {"interventions": entries({"path": 4, "start": -3})}, f"{IV}.start",
     ["0 or more"]),
    ("start_fraction", {"interventions": entries({"path": 4, "start": 2.5})}, f"{IV}.start", []),
    ("start_word", {"interventions": entries({"path": 4, "start": "soon"})}, f"{IV}.start", []),
    # when: dates
    ("end_before_start_dates",
     {"start_date": START,
      "interventions": entries({"path": 4, "start": dt.date(2016, 4, 1),
                                "end": dt.date(2016, 1, 1)})},
     (IV, f"{IV}.end"), ["after start"]),
    ("end_before_start_mixed",
     {"start_date": START,
      "interventions": entries({"path": 4, "start": 60, "end": dt.date(2016, 4, 1)})},
     (IV, f"{IV}.end"), ["after start"]),
    ("date_without_start_date",
     {"interventions": entries({"path": 4, "start": dt.date(2016, 4, 1)})},
     (IV, f"{IV}.start"), ["start_date"]),
    ("end_date_without_start_date",
     {"interventions": entries({"path": 4, "end": dt.date(2016, 4, 1)})},
     (IV, f"{IV}.end"), ["start_date"]),
    ("date_before_start_date",
     {"start_date": START, "interventions": entries({"path": 4, "start": dt.date(2014, 4, 1)})},
     (IV, f"{IV}.start"), ["2014-04-01", "before start_date 2015-04-01"]),
    ("start_date_not_a_date", {"start_date": "next spring"}, "start_date", ["date"]),
    # for whom
    ("ages_on_coordinators",
     {"interventions": entries({"path": 4, "target": {"ages": [60, 80]}})},
     (IV, f"{IV}.target", f"{IV}.target.ages"), ["path 4", "ages", "allowed: none"]),
    ("sex_on_coordinators",
     {"interventions": entries({"path": 4, "target": {"sex": "female"}})},
     (IV, f"{IV}.target", f"{IV}.target.sex"), ["path 4", "sex", "allowed: none"]),
    ("districts_on_places_by_diverse_agents_ok_but_sex_not",
     {"interventions": entries({"path": 3, "target": {"districts": [0], "sex": "male"}})},
     (IV, f"{IV}.target", f"{IV}.target.sex"), ["path 3", "sex", "districts, organisation"]),
    ("organisation_not_for_path",
     {"interventions": entries({"path": 1, "target": {"organisation": "company"}})},
     (IV, f"{IV}.target", f"{IV}.target.organisation"),
     ["path 1", "'company'", "association, npo, government"]),
    ("organisation_for_path_without_any",
     {"interventions": entries({"path": 4, "target": {"organisation": "npo"}})},
     (IV, f"{IV}.target", f"{IV}.target.organisation"), ["path 4", "'npo'", "none"]),
    ("organisation_unknown",
     {"interventions": entries({"path": 1, "target": {"organisation": "church"}})},
     f"{IV}.target.organisation", ["'church'", "association", "npo", "government"]),
    ("ages_reversed",
     {"interventions": entries({"path": 2, "target": {"ages": [80, 60]}})},
     f"{IV}.target.ages", ["lowest < highest", "[80, 60]"]),
    ("sex_other",
     {"interventions": entries({"path": 2, "target": {"sex": "other"}})},
     f"{IV}.target.sex", ["'female' or 'male'", "'other'"]),
    ("district_negative",
     {"interventions": entries({"path": 2, "target": {"districts": [1, -1]}})},
     (f"{IV}.target.districts.1", f"{IV}.target.districts"), ["greater than or equal to 0"]),
    ("districts_not_a_list",
     {"interventions": entries({"path": 2, "target": {"districts": 3}})},
     f"{IV}.target.districts", ["list"]),
    ("target_not_a_mapping",
     {"interventions": entries({"path": 2, "target": "everyone"})}, f"{IV}.target",
     ["dictionary"]),
    # typos
    ("typo_intensity", {"interventions": entries({"path": 4, "intensty": 2})},
     f"{IV}.intensty", ["did you mean 'intensity'", "path, intensity, start, end, target"]),
    ("typo_start", {"interventions": entries({"path": 4, "strat": 2})}, f"{IV}.strat",
     ["did you mean 'start'"]),
    ("typo_in_target", {"interventions": entries({"path": 2, "target": {"distrcts": [1]}})},
     f"{IV}.target.distrcts", ["did you mean 'districts'", "districts, ages, sex, organisation"]),
    ("american_spelling_in_target",
     {"interventions": entries({"path": 1, "target": {"organization": "npo"}})},
     f"{IV}.target.organization", ["did you mean 'organisation'"]),
    ("typo_interventions", {"intervention": [GOOD]}, "intervention",
     ["did you mean 'interventions'"]),
    ("interventions_not_a_list", {"interventions": {"path": 1}}, "interventions", ["list"]),
    # disasters
    ("shock_kind_typo", {"shocks": [{"kind": "earthqake", "week": 3}]}, "shocks.0.kind",
     ["unknown kind of shock 'earthqake'", "earthquake, flood, heatwave"]),
    ("shock_without_timing", {"shocks": [{"kind": "flood"}]}, "shocks.0",
     ["exactly one of 'week' or 'date'"]),
    ("shock_week_and_date", {"start_date": "2015-04-01",
     "shocks": [{"kind": "flood", "week": 3, "date": "2015-06-01"}]}, "shocks.0",
     ["exactly one of 'week' or 'date'"]),
    ("shock_week_zero", {"shocks": [{"kind": "flood", "week": 0}]}, "shocks.0.week", ["1"]),
    ("shock_after_horizon", {"shocks": [{"kind": "flood", "week": 7}]}, "shocks.0.week",
     ["after the horizon", "6 weeks"]),
    ("shock_date_without_start_date", {"shocks": [{"kind": "flood", "date": "2015-06-01"}]},
     "shocks.0.date", ["start_date"]),
    ("shock_negative_severity", {"shocks": [{"kind": "flood", "week": 3, "severity": -0.5}]},
     "shocks.0.severity", ["greater than 0", "-0.5"]),
    ("shock_severity_above_one", {"shocks": [{"kind": "flood", "week": 3, "severity": 2}]},
     "shocks.0.severity", ["less than or equal to 1"]),
    ("shock_epicentre_off_map",
     {"shocks": [{"kind": "earthquake", "week": 3, "epicentre": [0.5, 1.5]}]},
     "shocks.0.epicentre.1", ["less than or equal to 1"]),
    ("shock_field_typo", {"shocks": [{"kind": "flood", "week": 3, "severty": 0.5}]},
     "shocks.0.severty", ["did you mean 'severity'", "kind, week, date, epicentre"]),
    ("shock_cells_without_grid", {"shocks": [{"kind": "flood", "week": 3, "cells": [[1, 1]]}]},
     "shocks.0.cells", ["region.grid_size"]),
    ("shock_cell_off_map", {"region": {"kind": "suburban", "population": 300, "grid_size": 20},
     "shocks": [{"kind": "flood", "week": 3, "cells": [[1, 1], [3, 25]]}]},
     "shocks.0.cells", ["[3, 25] is off the 20x20 map", "0-19"]),
    ("shock_cells_and_epicentre",
     {"shocks": [{"kind": "flood", "week": 3, "cells": [[1, 1]], "epicentre": [0.1, 0.1]}]},
     "shocks.0", ["either 'epicentre'", "or 'cells'"]),
    ("heatwave_with_epicentre",
     {"shocks": [{"kind": "heatwave", "week": 3, "epicentre": [0.1, 0.1]}]},
     "shocks.0", ["whole town"]),
    # regions
    ("population_too_large",
     {"region": {"kind": "suburban", "population": MAX_POPULATION + 1}}, "region.population",
     [f"{MAX_POPULATION}"]),
    ("population_too_small", {"region": {"kind": "suburban", "population": 49}},
     "region.population", ["50"]),
    ("profile_typo",
     {"region": {"kind": "suburban", "population": 300, "profile": {"youth_exdus": 0.1}}},
     ("region.profile", "region.profile.youth_exdus"),
     ["'youth_exdus'", "did you mean 'youth_exodus'"]),
    ("profile_negative",
     {"region": {"kind": "suburban", "population": 300, "profile": {"youth_exodus": -0.1}}},
     ("region.profile", "region.profile.youth_exodus"), ["between 0"]),
    ("profile_not_a_number",
     {"region": {"kind": "suburban", "population": 300, "profile": {"youth_exodus": "high"}}},
     ("region.profile", "region.profile.youth_exodus"), ["number"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "fields", "fragments"), [c[1:] for c in BAD_CASES], ids=[c[0] for c in BAD_CASES]
)
def test_bad_scenario_is_refused_in_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    changes: dict[str, Any],
    fields: str | tuple[str, ...],
    fragments: list[str],
) -> None:
    check_bad(tmp_path, capsys, write_scenario(tmp_path, **changes), fields, fragments)


@pytest.mark.parametrize(
    ("kind", "population"), [("suburban", 10_000), ("urban_ward", 20_000), ("rural_town", None)]
)
def test_grid_too_small_names_the_minimum(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str, population: int | None
) -> None:
    profile = get_region(kind)
    need = min_side_for_population(profile, population or profile.default_population)
    assert need > 6
    region: dict[str, Any] = {"kind": kind, "grid_size": need - 1}
    if population is not None:
        region["population"] = population
    path = write_scenario(tmp_path, region=region)
    check_bad(
        tmp_path, capsys, path, ("region", "region.grid_size"), ["grid_size", f"at least {need}"]
    )
    # exactly the minimum fits
    assert load_scenario(write_scenario(tmp_path, region={**region, "grid_size": need}))


@pytest.mark.parametrize("statistic", ["households_per_cell", "occupied_share"])
def test_zero_statistic_with_a_grid_size_is_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], statistic: str
) -> None:
    """The grid check divides by these statistics: zero must be a message, not a crash."""
    region = {"kind": "suburban", "population": 300, "grid_size": 10, "profile": {statistic: 0}}
    check_bad(
        tmp_path,
        capsys,
        write_scenario(tmp_path, region=region),
        ("region", "region.profile", f"region.profile.{statistic}"),
        [statistic],
    )


@pytest.mark.parametrize(
    "statistic", ["households_per_cell", "occupied_share", "workplace_mean_size"]
)
def test_zero_statistic_the_model_divides_by_is_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], statistic: str
) -> None:
    """A statistic the town cannot be built with is a user mistake: exit 2, one line."""
    region = {"kind": "suburban", "population": 300, "profile": {statistic: 0}}
    path = write_scenario(tmp_path, region=region, replications=1, warmup_weeks=1)
    out_dir = tmp_path / "out"
    try:
        rc, _, err = run_cli(
            capsys, "run", str(path), "--out", str(out_dir), "--no-progress", "--workers", "1"
        )
    except Exception as exc:
        pytest.fail(f"`kizuna run` with profile {statistic}: 0 raised {type(exc).__name__}: {exc}")
    assert rc == 2, err
    assert len(err.splitlines()) == 1, err
    assert err.startswith(f"kizuna: error: {path}: region"), err
    assert not out_dir.exists()


# --- bad files: not a mapping, language tags ------------------------------------------


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("- path: 1\n- path: 2\n", "list"),
        ("just words\n", "str"),
        ("12\n", "int"),
        ("", "empty file"),
    ],
    ids=["list", "string", "number", "empty"],
)
def test_yaml_that_is_not_a_mapping(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, fragment: str
) -> None:
    path = write_text(tmp_path, text)
    check_bad(tmp_path, capsys, path, "(file)", ["YAML mapping", fragment])


@pytest.mark.parametrize(
    "template",
    [
        'name: x\nseed: !!python/object/apply:os.system ["touch {marker}"]\n',
        '!!python/object/apply:os.system ["touch {marker}"]\n',
        'name: x\ninterventions:\n  - path: !!python/object/apply:os.system ["touch {marker}"]\n',
        'name: x\nextends: !!python/object/apply:os.system ["touch {marker}"]\n',
    ],
    ids=["value", "whole_file", "in_intervention", "in_extends"],
)
def test_python_tags_are_refused_and_never_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], template: str
) -> None:
    marker = tmp_path / "marker"
    path = write_text(tmp_path, template.format(marker=marker))
    check_bad(tmp_path, capsys, path, "(file)", ["not allowed"])
    assert not marker.exists(), "a YAML tag ran a command"


# --- extends: bad -----------------------------------------------------------------------


def dump(path: Path, data: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_extends_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    child = dump(tmp_path / "child.yaml", {"extends": "nope.yaml", "name": "c"})
    check_bad(tmp_path, capsys, child, "extends", ["no such file", "'nope.yaml'"])


def test_extends_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "folder").mkdir()
    child = dump(tmp_path / "child.yaml", {"extends": "folder", "name": "c"})
    check_bad(tmp_path, capsys, child, "extends", ["no such file"])


@pytest.mark.parametrize("value", [5, ["a.yaml"], "", {"file": "a.yaml"}])
def test_extends_that_is_not_a_file_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: Any
) -> None:
    child = dump(tmp_path / "child.yaml", {"extends": value, "name": "c"})
    check_bad(tmp_path, capsys, child, "extends", ["file name"])


def test_extends_cycle_of_two(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = dump(tmp_path / "a.yaml", {**TINY, "extends": "b.yaml", "name": "a"})
    b = dump(tmp_path / "b.yaml", {**TINY, "extends": "a.yaml", "name": "b"})
    with pytest.raises(InputError) as info:
        load_scenario(a)
    assert info.value.source in (str(a), str(b))  # either file of the cycle
    source = Path(info.value.source)
    check_bad(tmp_path, capsys, a, "extends", ["circular", "a.yaml -> b.yaml -> a.yaml"], source)


def test_extends_cycle_of_three(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for me, parent in [("a", "b"), ("b", "c"), ("c", "a")]:
        dump(tmp_path / f"{me}.yaml", {**TINY, "extends": f"{parent}.yaml", "name": me})
    a = tmp_path / "a.yaml"
    with pytest.raises(InputError) as info:
        load_scenario(a)
    assert "a.yaml -> b.yaml -> c.yaml -> a.yaml" in info.value.message
    check_bad(tmp_path, capsys, a, "extends", ["circular"], Path(info.value.source))


def test_extends_itself(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    me = dump(tmp_path / "me.yaml", {**TINY, "extends": "me.yaml"})
    check_bad(tmp_path, capsys, me, "extends", ["circular", "me.yaml"])


def test_extends_itself_by_another_spelling(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "sub").mkdir()
    me = dump(tmp_path / "me.yaml", {**TINY, "extends": "sub/../me.yaml"})
    check_bad(tmp_path, capsys, me, "extends", ["circular"])


@pytest.mark.parametrize(
    ("parent_data", "child_data", "field", "fragment"),
    [
        ({**TINY, "replicatons": 3}, {"name": "c"}, "replicatons",
         "did you mean 'replications'"),
        # the child replaces the bad list, but the parent must be valid on its own
        ({**TINY, "interventions": [{"path": 99}]}, {"name": "c", "interventions": []},
         "interventions.0.path", "unknown path 99"),
        ({**TINY, "region": {"kind": "metropolis"}}, {"name": "c"}, "region.kind",
         "unknown region kind 'metropolis'"),
    ],
    ids=["typo", "bad_path_replaced_by_child", "bad_kind"],
)  # fmt: skip
def test_invalid_parent_is_named(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    parent_data: dict[str, Any],
    child_data: dict[str, Any],
    field: str,
    fragment: str,
) -> None:
    parent = dump(tmp_path / "parent.yaml", parent_data)
    child = dump(tmp_path / "child.yaml", {"extends": "parent.yaml", **child_data})
    check_bad(tmp_path, capsys, child, field, [fragment], source=parent)


def test_parent_that_is_not_a_mapping_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parent = write_text(tmp_path, "- a\n- b\n", "parent.yaml")
    child = dump(tmp_path / "child.yaml", {"extends": "parent.yaml", "name": "c"})
    check_bad(tmp_path, capsys, child, "(file)", ["YAML mapping"], source=parent)


def test_parent_with_a_python_tag_is_named_and_never_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "marker"
    parent = write_text(
        tmp_path, f'name: p\nseed: !!python/object/apply:os.system ["touch {marker}"]\n', "p.yaml"
    )
    child = dump(tmp_path / "child.yaml", {"extends": "p.yaml", "name": "c"})
    check_bad(tmp_path, capsys, child, "(file)", ["not allowed"], source=parent)
    assert not marker.exists()


def test_grandparent_error_names_the_grandparent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    grand = dump(tmp_path / "grand.yaml", {**TINY, "seeds": 1})
    dump(tmp_path / "parent.yaml", {"extends": "grand.yaml", "name": "p"})
    child = dump(tmp_path / "child.yaml", {"extends": "parent.yaml", "name": "c"})
    check_bad(tmp_path, capsys, child, "seeds", ["did you mean 'seed'"], source=grand)


def test_child_error_after_merge_names_the_child(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dump(tmp_path / "parent.yaml", TINY)
    child = dump(
        tmp_path / "child.yaml",
        {"extends": "parent.yaml", "name": "c", "interventions": [{"path": 4, "intensty": 1}]},
    )
    check_bad(tmp_path, capsys, child, "interventions.0.intensty", ["did you mean 'intensity'"])


# --- extends: good ----------------------------------------------------------------------


def test_extends_merges_mappings_and_replaces_lists(tmp_path: Path) -> None:
    dump(
        tmp_path / "parent.yaml",
        {
            **TINY,
            "start_date": START,
            "seed": 7,
            "region": {"kind": "rural_town", "population": 300, "profile": {"youth_exodus": 0.1}},
            "parameters": {"tie_decay": 0.05},
            "interventions": [{"path": 1, "intensity": 3}, {"path": 2, "intensity": 0.5}],
        },
    )
    child = dump(
        tmp_path / "child.yaml",
        {
            "extends": "parent.yaml",
            "name": "child",
            "region": {"population": 400, "profile": {"fertility_scale": 1.2}},
            "interventions": [{"path": "coordinators", "intensity": 2}],
        },
    )
    s = load_scenario(child)
    assert s.name == "child"
    assert s.region.kind == "rural_town"  # kept from the parent
    assert s.region.population == 400  # the child's
    assert s.region.profile == {"youth_exodus": 0.1, "fertility_scale": 1.2}  # merged
    assert s.seed == 7
    assert s.start_date == START
    assert s.parameters == {"tie_decay": 0.05}
    assert s.horizon == load_scenario(tmp_path / "parent.yaml").horizon
    assert [iv.path for iv in s.interventions] == ["coordinators"]  # the list is replaced


def test_child_can_empty_the_parents_list(tmp_path: Path) -> None:
    dump(tmp_path / "parent.yaml", {**TINY, "interventions": [{"path": 1}, {"path": 2}]})
    child = dump(tmp_path / "child.yaml", {"extends": "parent.yaml", "interventions": []})
    s = load_scenario(child)
    assert s.interventions == []
    assert s.name == "tiny"  # the parent's name is inherited


def test_extends_is_relative_to_the_file_and_chains(tmp_path: Path) -> None:
    dump(tmp_path / "grand.yaml", {**TINY, "seed": 11, "region": {"kind": "urban_ward"}})
    dump(tmp_path / "lib" / "parent.yaml", {"extends": "../grand.yaml", "replications": 3})
    child = dump(
        tmp_path / "deep" / "er" / "child.yaml",
        {"extends": "../../lib/parent.yaml", "region": {"population": 250}},
    )
    s = load_scenario(child)
    assert (s.seed, s.replications) == (11, 3)
    assert (s.region.kind, s.region.population) == ("urban_ward", 250)
    assert s.weeks == TINY["horizon"]["weeks"]


def test_shipped_scenarios_extend_the_baseline() -> None:
    s = load_scenario(ROOT / "scenarios" / "urban_ward.yaml")
    base = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    assert (s.region.kind, s.region.population) == ("urban_ward", 20_000)
    assert (s.seed, s.start_date, s.replications) == (base.seed, base.start_date, 8)


# --- paths, dates and the interventions built -------------------------------------------


def test_paths_by_number_and_by_slug(tmp_path: Path) -> None:
    ivs = []
    for p in CATALOGUE:
        intensity = min(1.0, p.max_intensity)
        ivs += [
            {"path": p.number, "intensity": intensity},
            {"path": p.slug, "intensity": intensity},
        ]
    s = load_scenario(write_scenario(tmp_path, interventions=ivs))
    built = s.build_interventions()
    assert len(built) == 2 * len(CATALOGUE)
    for i, p in enumerate(CATALOGUE):
        by_number, by_slug = built[2 * i], built[2 * i + 1]
        assert type(by_number) is p and type(by_slug) is p
        assert by_number.number == by_slug.number == p.number
        assert s.interventions[2 * i].path_class is s.interventions[2 * i + 1].path_class is p


@pytest.mark.parametrize("number", [p.number for p in CATALOGUE])
def test_every_path_loads_with_its_default_intensity(tmp_path: Path, number: int) -> None:
    """`- path: N` alone is a complete entry: the default intensity must be allowed."""
    s = load_scenario(write_scenario(tmp_path, interventions=[{"path": number}]))
    (iv,) = s.build_interventions()
    assert iv.number == number
    assert 0 <= iv.intensity <= iv.max_intensity


@pytest.mark.parametrize("number", [p.number for p in CATALOGUE])
def test_every_path_accepts_its_max_intensity_and_zero(tmp_path: Path, number: int) -> None:
    p = CATALOGUE[number - 1]
    ivs = [{"path": number, "intensity": p.max_intensity}, {"path": number, "intensity": 0}]
    s = load_scenario(write_scenario(tmp_path, interventions=ivs))
    assert [iv.intensity for iv in s.build_interventions()] == [p.max_intensity, 0.0]


@pytest.mark.parametrize(
    ("when", "week"),
    [
        (dt.date(2015, 4, 1), 0),
        (dt.date(2015, 4, 7), 0),
        (dt.date(2015, 4, 8), 1),
        (dt.date(2015, 10, 1), 26),
        (dt.date(2016, 3, 31), 52),
        (dt.date(2016, 4, 1), 52),
        (dt.date(2017, 4, 1), 104),
        (dt.date(2020, 3, 31), 260),
    ],
)
def test_iso_dates_become_weeks_from_start_date(tmp_path: Path, when: dt.date, week: int) -> None:
    assert (when - START).days // 7 == week
    text = f"name: t\nstart_date: {START.isoformat()}\ninterventions:\n"
    text += f"  - {{path: 4, start: {when.isoformat()}, end: 2030-01-01}}\n"
    text += f"  - {{path: 2, start: 0, end: {(when + dt.timedelta(days=7)).isoformat()}}}\n"
    s = load_scenario(write_text(tmp_path, text))
    first, second = s.build_interventions()
    assert first.start == week
    assert first.end == (dt.date(2030, 1, 1) - START).days // 7
    assert (second.start, second.end) == (0, week + 1)


def test_quoted_date_strings_are_dates_too(tmp_path: Path) -> None:
    text = "name: t\nstart_date: '2015-04-01'\ninterventions: [{path: 4, start: '2016-04-01'}]\n"
    (iv,) = load_scenario(write_text(tmp_path, text)).build_interventions()
    assert iv.start == 52


def test_build_interventions_keeps_intensity_timing_and_target(tmp_path: Path) -> None:
    ivs = [
        {"path": 1, "intensity": 3, "start": 4, "end": 20,
         "target": {"districts": [0, 2], "organisation": "npo"}},
        {"path": "women_elderly_youth", "intensity": 0.5, "target": {"sex": "female"}},
        {"path": 16, "intensity": 0.2, "start": dt.date(2015, 5, 1),
         "target": {"districts": [1]}},
        {"path": 3, "intensity": 2, "target": {"organisation": "school"}},
        {"path": 27, "intensity": 0.25, "start": 1, "end": 2, "note": "a crowdfunding pilot"},
    ]  # fmt: skip
    s = load_scenario(write_scenario(tmp_path, start_date=START, interventions=ivs))
    built = s.build_interventions()
    assert [type(iv) for iv in built] == [CATALOGUE[n - 1] for n in (1, 9, 16, 3, 27)]
    assert all(isinstance(iv, Intervention) for iv in built)
    assert [iv.intensity for iv in built] == [3.0, 0.5, 0.2, 2.0, 0.25]
    assert [(iv.start, iv.end) for iv in built] == [
        (4, 20),
        (0, None),
        (4, None),
        (0, None),
        (1, 2),
    ]
    assert built[0].target == Target(districts=(0, 2), organisation="npo")
    assert built[1].target == Target(sex="female")
    assert built[2].target == Target(districts=(1,))
    assert built[3].target == Target(organisation="school")
    assert built[4].target == CATALOGUE[26].default_target
    assert not any(iv.active for iv in built)
    # building twice gives fresh, equal instances (each replication gets its own)
    again = s.build_interventions()
    assert all(a is not b for a, b in zip(built, again, strict=True))
    assert [repr(a) for a in again] == [repr(b) for b in built]


def test_age_target_on_a_path_that_honours_ages(tmp_path: Path) -> None:
    """Path 2 honours ages: `ages: [60, 80]` (a YAML list, the only way to write it) works."""
    path = write_text(
        tmp_path, "name: t\ninterventions:\n  - {path: 2, target: {ages: [60, 80], sex: male}}\n"
    )
    try:
        s = load_scenario(path)
    except InputError as exc:
        pytest.fail(f"a valid age target was refused: {exc}")
    (iv,) = s.build_interventions()
    assert iv.target == Target(ages=(60.0, 80.0), sex="male")


def test_every_target_field_a_path_honours_is_accepted(tmp_path: Path) -> None:
    """Districts, sex and organisations where the path honours them (ages: see above)."""
    values = {"districts": [0, 1], "sex": "female"}
    ivs = []
    for p in CATALOGUE:
        target = {k: values[k] for k in p.targets if k in values}
        if p.organisations:
            target["organisation"] = p.organisations[-1]
        if target:
            ivs.append({"path": p.number, "intensity": min(1.0, p.max_intensity), "target": target})
    assert ivs
    try:
        s = load_scenario(write_scenario(tmp_path, interventions=ivs))
    except InputError as exc:
        pytest.fail(f"a target the path honours was refused: {exc}")
    assert len(s.build_interventions()) == len(ivs)


# --- the shipped scenarios --------------------------------------------------------------


def test_scenarios_are_shipped() -> None:
    assert len(SHIPPED) >= 8
    assert ROOT / "scenarios" / "full_plan_2020.yaml" in SHIPPED


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_scenario_loads_and_builds(path: Path) -> None:
    s = load_scenario(path)
    assert isinstance(s, Scenario)
    built = s.build_interventions()
    assert len(built) == len(s.interventions)
    for spec, iv in zip(s.interventions, built, strict=True):
        assert type(iv) is spec.path_class
        assert iv.start == s.week_of(spec.start) >= 0
        assert 0 <= iv.intensity <= iv.max_intensity


def test_full_plan_switches_on_all_27_paths_in_phases() -> None:
    s = load_scenario(ROOT / "scenarios" / "full_plan_2020.yaml")
    built = s.build_interventions()
    assert sorted(iv.number for iv in built) == list(range(1, 28))
    starts = {iv.number: iv.start for iv in built}
    assert starts[1] == 52  # April 2016, a year after the start of fiscal 2015
    assert starts[11] == 78  # October 2016
    assert starts[27] == 104  # April 2017
    assert s.weeks == 6 * 52
