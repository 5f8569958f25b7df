"""Scenario files: what loads, and how every kind of bad input is reported.

A bad scenario must raise ``InputError`` whose ``source`` is the file, whose ``field``
names the offending field (``(file)`` for the file as a whole) and whose message says
what is allowed, on one line; typos get the nearest valid name.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from pydantic import ValidationError

from experiments.errors import InputError, suggest
from experiments.scenario import Scenario, load_scenario, parse_scenario
from model.params import Params, param_names, param_table
from model.regions import REGION_KINDS
from tests.towns import BASELINE, write_scenario, write_text


def load_error(path: Path) -> InputError:
    with pytest.raises(InputError) as info:
        load_scenario(path)
    return info.value


def assert_well_formed(exc: InputError, path: Path, field: str) -> None:
    assert exc.source == str(path)
    assert exc.field == field
    assert exc.message
    assert str(exc) == f"{path}: {field}: {exc.message}"
    assert "\n" not in str(exc)


# --- valid scenarios ------------------------------------------------------------------


def test_baseline_scenario_loads() -> None:
    s = load_scenario(BASELINE)
    assert s.name == "baseline"
    assert s.region.kind == "suburban"
    assert s.region.population == 10_000
    assert s.weeks == 5 * 52
    assert s.seed == 20150301
    assert s.replications == 8
    assert s.params() == Params()


def test_tiny_scenario_loads_with_defaults(tmp_path: Path) -> None:
    s = load_scenario(write_scenario(tmp_path))
    assert s.name == "tiny"
    assert s.region.population == 300
    assert s.weeks == 6
    assert s.replications == 2
    assert s.warmup_weeks == 4
    assert s.description == ""
    assert s.seed == 20150301  # the documented default
    assert s.parameters == {}


def test_minimal_scenario_needs_only_a_name(tmp_path: Path) -> None:
    s = load_scenario(write_text(tmp_path, "name: x\n"))
    assert s.region.kind == "suburban"
    assert s.weeks == 5 * 52
    assert s.replications == 8


@pytest.mark.parametrize("kind", REGION_KINDS)
def test_every_region_kind_is_accepted(tmp_path: Path, kind: str) -> None:
    s = load_scenario(write_scenario(tmp_path, region={"kind": kind, "population": 300}))
    assert s.region.kind == kind


@pytest.mark.parametrize(("years", "weeks"), [(1, 52), (1.5, 78), (0.25, 13)])
def test_horizon_years_become_weeks(tmp_path: Path, years: float, weeks: int) -> None:
    s = load_scenario(write_scenario(tmp_path, horizon={"years": years}))
    assert s.weeks == weeks


def test_parameter_override_changes_only_that_parameter(tmp_path: Path) -> None:
    s = load_scenario(write_scenario(tmp_path, parameters={"tie_decay": 0.05}))
    assert s.params().tie_decay == 0.05
    assert s.params() == Params().replace(tie_decay=0.05)


# --- bad scenario files ---------------------------------------------------------------

NAME = "name: t\n"

# (id, file text, expected field, fragments the message must contain)
BAD_FILES = [
    ("typo_top", NAME + "replicatons: 2\n", "replicatons", ["did you mean 'replications'"]),
    ("typo_seed", NAME + "seeds: 2\n", "seeds", ["did you mean 'seed'"]),
    ("typo_warmup", NAME + "warmup_week: 2\n", "warmup_week", ["did you mean 'warmup_weeks'"]),
    ("typo_region", NAME + "region: {knd: suburban}\n", "region.knd", ["did you mean 'kind'"]),
    ("typo_horizon", NAME + "horizon: {yaers: 2}\n", "horizon.yaers", ["did you mean 'years'"]),
    ("wrong_type_reps", NAME + "replications: many\n", "replications", ["integer", "many"]),
    ("fractional_reps", NAME + "replications: 2.5\n", "replications", ["integer"]),
    ("wrong_type_name", "name: 123\n", "name", ["string"]),
    ("wrong_type_region", NAME + "region: suburban\n", "region", ["dictionary"]),
    ("wrong_type_params", NAME + "parameters: [1, 2]\n", "parameters", ["dictionary"]),
    ("param_not_number", NAME + "parameters: {tie_decay: abc}\n", "parameters.tie_decay",
     ["number"]),
    ("fractional_pop", NAME + "region: {population: 300.5}\n", "region.population",
     ["integer"]),
    ("unknown_kind", NAME + "region: {kind: metropolis}\n", "region.kind",
     ["unknown region kind 'metropolis'", "urban_ward", "suburban", "rural_town"]),
    ("negative_seed", NAME + "seed: -1\n", "seed", ["greater than or equal to 0"]),
    ("huge_seed", NAME + f"seed: {2**63}\n", "seed", ["less than"]),
    ("zero_reps", NAME + "replications: 0\n", "replications", ["greater than or equal to 1"]),
    ("too_many_reps", NAME + "replications: 10001\n", "replications", ["10000"]),
    ("negative_warmup", NAME + "warmup_weeks: -1\n", "warmup_weeks", ["greater than or equal"]),
    ("small_pop", NAME + "region: {population: 10}\n", "region.population", ["50"]),
    ("huge_pop", NAME + "region: {population: 3000000}\n", "region.population", ["2000000"]),
    ("negative_years", NAME + "horizon: {years: -1}\n", "horizon.years", ["greater than 0"]),
    ("zero_weeks", NAME + "horizon: {weeks: 0}\n", "horizon.weeks", ["greater than 0"]),
    ("long_years", NAME + "horizon: {years: 101}\n", "horizon.years", ["100"]),
    ("nan_years", NAME + "horizon: {years: .nan}\n", "horizon.years", []),
    ("both_units", NAME + "horizon: {years: 1, weeks: 52}\n", "horizon",
     ["exactly one of 'years' or 'weeks'"]),
    ("neither_unit", NAME + "horizon: {}\n", "horizon", ["exactly one of 'years' or 'weeks'"]),
    ("unknown_param", NAME + "parameters: {tie_dcay: 0.1}\n", "parameters",
     ["unknown parameter 'tie_dcay'", "did you mean 'tie_decay'"]),
    ("negative_param", NAME + "parameters: {tie_decay: -0.1}\n", "parameters",
     ["'tie_decay'", ">= 0"]),
    ("infinite_param", NAME + "parameters: {tie_decay: .inf}\n", "parameters", ["finite"]),
    ("nan_param", NAME + "parameters: {tie_decay: .nan}\n", "parameters", ["finite"]),
    ("missing_name", "seed: 1\n", "name", ["required"]),
    ("empty_name", "name: ''\n", "name", ["at least 1"]),
    ("list", "- a\n- b\n", "(file)", ["YAML mapping", "list"]),
    ("scalar", "42\n", "(file)", ["YAML mapping", "int"]),
    ("empty", "", "(file)", ["YAML mapping", "empty file"]),
    ("only_comments", "# nothing here\n\n", "(file)", ["empty file"]),
    ("python_tag", 'name: x\nseed: !!python/object/apply:os.system ["echo hi"]\n', "(file)",
     ["not allowed"]),
    ("python_tag_top", '!!python/object/apply:os.system ["echo hi"]\n', "(file)",
     ["not allowed"]),
    ("syntax", "name: [unclosed\n", "(file)", ["not valid YAML", "line"]),
    ("tab_indent", "name: x\n\tseed: 1\n", "(file)", ["not valid YAML", "line 2"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "field", "fragments"), [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES]
)
def test_bad_scenario_is_one_input_error(
    tmp_path: Path, text: str, field: str, fragments: list[str]
) -> None:
    path = write_text(tmp_path, text)
    exc = load_error(path)
    assert_well_formed(exc, path, field)
    for fragment in fragments:
        assert fragment in exc.message


def test_typo_in_required_field_suggests_it(tmp_path: Path) -> None:
    """`nmae: t` is a typo of the required `name`: the message must point at the typo."""
    path = write_text(tmp_path, "nmae: t\n")
    exc = load_error(path)
    assert "did you mean 'name'" in str(exc), str(exc)


def test_unknown_field_lists_the_allowed_fields(tmp_path: Path) -> None:
    exc = load_error(write_text(tmp_path, NAME + "zzzzzz: 1\n"))
    assert exc.field == "zzzzzz"
    assert "did you mean" not in exc.message  # nothing is close to zzzzzz
    assert "unknown field" in exc.message
    for name in Scenario.model_fields:
        assert name in exc.message


def test_unknown_parameter_far_from_any_name(tmp_path: Path) -> None:
    exc = load_error(write_text(tmp_path, NAME + "parameters: {qqqqqq: 1}\n"))
    assert exc.field == "parameters"
    assert "unknown parameter 'qqqqqq'" in exc.message


def test_python_tag_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    path = write_text(
        tmp_path, f'name: x\nseed: !!python/object/apply:os.system ["touch {marker}"]\n'
    )
    exc = load_error(path)
    assert exc.field == "(file)"
    assert not marker.exists()


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    exc = load_error(path)
    assert_well_formed(exc, path, "(file)")
    assert "no such file" in exc.message


def test_directory_instead_of_file(tmp_path: Path) -> None:
    exc = load_error(tmp_path)
    assert_well_formed(exc, tmp_path, "(file)")
    assert "cannot read" in exc.message


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"name: \xff\xfe\x00\n")
    exc = load_error(path)
    assert_well_formed(exc, path, "(file)")
    assert "cannot read" in exc.message


def test_parse_scenario_reports_the_given_source() -> None:
    with pytest.raises(InputError) as info:
        parse_scenario({"name": "x", "replicatons": 2}, "inline")
    assert info.value.source == "inline"
    assert info.value.field == "replicatons"


# --- the error type and suggestions ---------------------------------------------------


def test_input_error_is_always_one_line() -> None:
    exc = InputError("f.yaml", "seed", "first line\nsecond   line\r\n third")
    assert exc.message == "first line second line third"
    assert str(exc) == "f.yaml: seed: first line second line third"
    assert (exc.source, exc.field) == ("f.yaml", "seed")


def test_suggest_nearest_name() -> None:
    assert suggest("replicatons", ["seed", "replications"]) == " (did you mean 'replications'?)"
    assert suggest("zzzz", ["seed", "replications"]) == ""
    assert suggest("anything", []) == ""


@pytest.mark.parametrize("name", ["tie_decay", "form_place", "gift_median"])
def test_parameter_typos_suggest_the_parameter(name: str) -> None:
    typo = name[:-1]  # drop the last letter
    assert f"did you mean {name!r}" in suggest(typo, param_names())


# --- command-line overrides -----------------------------------------------------------


def test_overrides_are_applied(tmp_path: Path) -> None:
    s = load_scenario(write_scenario(tmp_path))
    o = s.with_overrides(seed=5, replications=3, years=2)
    assert (o.seed, o.replications, o.weeks) == (5, 3, 104)
    assert o.horizon.weeks is None  # years replaces the file's weeks
    assert s.with_overrides() == s


@pytest.mark.parametrize(
    "changes", [{"seed": -1}, {"replications": 0}, {"years": -1.0}, {"years": 0.0}]
)
def test_overrides_are_validated(tmp_path: Path, changes: dict[str, float]) -> None:
    s = load_scenario(write_scenario(tmp_path))
    with pytest.raises(ValidationError):
        s.with_overrides(**changes)


# --- values that pass validation but should not ---------------------------------------

INT_PARAMS = [f.name for f in dataclasses.fields(Params) if f.type in (int, "int")]
PROBABILITY_PARAMS = [r["name"] for r in param_table() if r["unit"] in ("probability", "share")]


def test_there_are_integer_and_probability_parameters() -> None:
    assert "neighbourhood_radius" in INT_PARAMS
    assert "form_place" in PROBABILITY_PARAMS


@pytest.mark.parametrize("name", INT_PARAMS)
def test_integer_parameter_stays_an_integer(tmp_path: Path, name: str) -> None:
    """An integer parameter given as a whole number reaches the model as an int."""
    default = getattr(Params(), name)
    s = load_scenario(write_scenario(tmp_path, parameters={name: default + 1}))
    value = getattr(s.params(), name)
    assert value == default + 1
    assert isinstance(value, int), f"{name} became {type(value).__name__} {value!r}"


@pytest.mark.parametrize("name", INT_PARAMS)
def test_fractional_value_for_integer_parameter_is_rejected(tmp_path: Path, name: str) -> None:
    path = write_scenario(tmp_path, parameters={name: 2.5})
    exc = load_error(path)
    assert exc.field.startswith("parameters")
    assert name in exc.message or name in exc.field


@pytest.mark.parametrize("name", ["form_place", "same_block_share", "gift_success_rate"])
def test_probability_above_one_is_rejected(tmp_path: Path, name: str) -> None:
    """A probability or share of 1.5 is an out-of-range number."""
    path = write_scenario(tmp_path, parameters={name: 1.5})
    exc = load_error(path)
    assert exc.field.startswith("parameters")


@pytest.mark.parametrize(
    ("text", "field"),
    [("replications: true\n", "replications"), ("seed: false\n", "seed")],
    ids=["bool_replications", "bool_seed"],
)
def test_boolean_is_not_a_number(tmp_path: Path, text: str, field: str) -> None:
    """`replications: yes` is a wrong type, not one replication."""
    path = write_text(tmp_path, NAME + text)
    exc = load_error(path)
    assert_well_formed(exc, path, field)


def test_horizon_shorter_than_one_week_is_rejected(tmp_path: Path) -> None:
    """years: 0.005 rounds to a horizon of 0 weeks; it must be refused, not run."""
    path = write_scenario(tmp_path, horizon={"years": 0.005})
    try:
        s = load_scenario(path)
    except InputError as exc:
        assert_well_formed(exc, path, "horizon.years")
    else:
        assert s.weeks >= 1, f"horizon years: 0.005 was accepted as {s.weeks} weeks"
