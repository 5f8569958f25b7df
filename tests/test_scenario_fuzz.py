"""Fuzzing the scenario loader: whatever a file holds, the answer is a Scenario or one
``InputError`` line that starts with a file's path, never another exception.

Valid scenarios are mutated at random (keys deleted, renamed with typos or added at
any depth, values replaced by values of other types, paths renumbered, timings
swapped), written as YAML, and loaded; sometimes the file is raw garbage or carries
YAML tags, and sometimes it extends a (possibly mutated) parent. Files changed only in
allowed ways (other paths, intensities within range, timings, honoured targets) must
load. Accepted scenarios must also build their interventions. The model is never run
here. The examples are derandomized, so every run checks the same 200 files; the
giant and deeply nested files are checked one by one in a separate test.
"""

from __future__ import annotations

import copy
import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from experiments.errors import InputError
from experiments.scenario import Scenario, load_scenario
from model.interventions import CATALOGUE, ORGANISATION_KINDS
from tests.towns import TINY

# a file a YAML tag would create if it were ever executed
MARKER = Path(tempfile.gettempdir()) / "kizuna-fuzz-marker"

BASES: list[dict[str, Any]] = [
    TINY,
    {
        **TINY,
        "description": "paths by number and slug",
        "interventions": [
            {"path": 1, "intensity": 3, "start": 2, "end": 5,
             "target": {"districts": [0, 1], "organisation": "npo"}},
            {"path": "local_information_and_forums", "intensity": 0.5,
             "target": {"sex": "female"}},
            {"path": 9, "start": 1, "note": "women first"},
            {"path": 5, "intensity": 0.1},
        ],
    },
    {
        **TINY,
        "start_date": dt.date(2015, 4, 1),
        "interventions": [
            {"path": 16, "intensity": 0.2, "start": dt.date(2015, 5, 1),
             "end": dt.date(2015, 8, 1), "target": {"districts": [0]}},
            {"path": "coordinators", "intensity": 2, "start": dt.date(2015, 4, 15)},
            {"path": 27, "start": 3, "end": dt.date(2016, 1, 1)},
        ],
    },
    {
        **TINY,
        "seed": 42,
        "region": {"kind": "rural_town", "population": 300, "grid_size": 20,
                   "profile": {"youth_exodus": 0.1, "npos_per_10k": 4}},
        "horizon": {"years": 0.5},
        "parameters": {"tie_decay": 0.05},
        "shocks": [],
        "interventions": [{"path": 3, "intensity": 2, "target": {"organisation": "school"}}],
    },
]  # fmt: skip

SLUGS = [p.slug for p in CATALOGUE]
FIELD_NAMES = sorted(
    {*Scenario.model_fields, "kind", "population", "grid_size", "profile", "years", "weeks",
     "path", "intensity", "start", "end", "target", "note", "districts", "ages", "sex",
     "organisation", "youth_exodus", "tie_decay"}
)  # fmt: skip

# files no mutation of a dict produces: garbage, tags, anchors, odd keys (fuzzed and
# checked one by one)
HOSTILE = {
    "python_apply": f'name: x\nseed: !!python/object/apply:os.system ["touch {MARKER}"]\n',
    "python_top": f'!!python/object/apply:os.system ["touch {MARKER}"]\n',
    "python_name": "name: !!python/name:os.system\n",
    "python_module": "name: x\nregion: !!python/module:os\n",
    "binary": "name: !!binary aGVsbG8=\n",
    "set": "name: x\nshocks: !!set {a, b}\n",
    "omap": "name: x\nregion: !!omap [{kind: suburban}]\n",
    "timestamp": "name: x\nstart_date: 2015-04-01 10:00:00\n",
    "unknown_tag": "name: !kizuna x\n",
    "anchor_cycle": "name: x\nshocks: &a [*a]\n",
    "anchor_cycle_in_field": "name: x\nregion: &r {kind: suburban, profile: *r}\n",
    "merge_key": "base: &b {kind: rural_town}\nname: x\nregion: {<<: *b, population: 300}\n",
    "two_documents": "name: x\n---\nname: y\n",
    "tab": "name: x\n\tseed: 1\n",
    "nul": "name: x\x00\n",
    "bom": "\ufeffname: x\n",
    "flow_unclosed": "name: [x\n",
    "int_keys": "name: x\n1: 2\nregion: {2: 3}\n",
    "null_key": "name: x\n? null\n: 3\n",
    "date_key": "name: x\nparameters: {2015-01-01: 1}\n",
    "bool_values": "name: yes\nreplications: on\nseed: off\n",
    "extends_outside": "name: x\nextends: /etc/hostname\n",
    "extends_binary": "name: x\nextends: /bin/sh\n",
}
# ... and giant, deep or odd values that are checked one by one only (slow to fuzz)
HOSTILE_EXTRA = {
    "deep_list": "name: x\nshocks: " + "[" * 3000 + "]" * 3000 + "\n",
    "deep_mapping": "name: x\nregion: " + "{a: " * 2000 + "1" + "}" * 2000 + "\n",
    "giant_int": "name: x\nseed: " + "9" * 5000 + "\n",
    "giant_path": "name: x\ninterventions: [{path: " + "7" * 5000 + "}]\n",
    "giant_float": "name: x\nhorizon: {years: 1.0e+99999}\n",
    "newline_key": 'name: x\n"re\\nplications": 2\n',
    "line_separator_key": 'name: x\nregion: {"kind\\u2028": suburban}\n',
    "nul_in_extends": 'name: x\nextends: "a\\0b.yaml"\n',
    "long_extends": "name: x\nextends: " + "a" * 5000 + ".yaml\n",
}
# files a hostile file may extend; errors in them are reported under their own (resolved) path
OUTSIDE = {
    "extends_outside": (str(Path("/etc/hostname").resolve()),),
    "extends_binary": (str(Path("/bin/sh").resolve()),),
}

# --- values -----------------------------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-3, max_value=60),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, -1.5, float("nan"), float("inf"), -float("inf"), 1e308, 5e-324]),
    st.text(max_size=12),
    st.sampled_from(["", " ", "yes", "2015-04-01", "1e3", "0x10", "~", "null", *SLUGS[:3]]),
    st.dates(),
)
junk = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.text(max_size=8), st.sampled_from(FIELD_NAMES)), inner,
                        max_size=4),
    ),
    max_leaves=8,
)  # fmt: skip


@st.composite
def typo(draw: st.DrawFn, word: str) -> str:
    """The word with one slip of the keyboard."""
    if not word:
        return draw(st.text(min_size=1, max_size=3))
    i = draw(st.integers(0, len(word) - 1))
    kind = draw(st.sampled_from(["drop", "double", "swap", "replace", "case", "space"]))
    if kind == "drop":
        return word[:i] + word[i + 1 :] or "_"
    if kind == "double":
        return word[: i + 1] + word[i:]
    if kind == "swap" and i + 1 < len(word):
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "case":
        return word.upper() if word.upper() != word else word + "X"
    if kind == "space":
        return word[:i] + " " + word[i:]
    return word[:i] + draw(st.characters(codec="utf-8", exclude_characters=word[i])) + word[i + 1 :]


# --- mutations --------------------------------------------------------------------------


def locations(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in the nested data, as a path of keys and list indices."""
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += locations(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += locations(value, (*prefix, i))
    return found


def at(data: Any, where: tuple[Any, ...]) -> Any:
    for part in where:
        data = data[part]
    return data


def entries(data: Any) -> list[dict[str, Any]]:
    ivs = data.get("interventions") if isinstance(data, dict) else None
    return [iv for iv in ivs if isinstance(iv, dict)] if isinstance(ivs, list) else []


@st.composite
def mutated(draw: st.DrawFn, base: dict[str, Any]) -> Any:
    data: Any = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(
            st.sampled_from(
                ["delete", "rename", "replace", "insert", "path", "swap", "timing", "intensity",
                 "target", "start_date"]
            )
        )  # fmt: skip
        spots = locations(data)
        if kind == "delete" and len(spots) > 1:
            where = draw(st.sampled_from(spots[1:]))
            del at(data, where[:-1])[where[-1]]
        elif kind == "rename":
            keyed = [w for w in spots[1:] if isinstance(at(data, w[:-1]), dict)]
            if keyed:
                where = draw(st.sampled_from(keyed))
                parent = at(data, where[:-1])
                new = draw(typo(str(where[-1])))
                parent[new] = parent.pop(where[-1])
        elif kind == "replace":
            where = draw(st.sampled_from(spots))
            if where:
                at(data, where[:-1])[where[-1]] = draw(junk)
            else:
                data = draw(junk)
        elif kind == "insert":
            holders = [w for w in spots if isinstance(at(data, w), dict | list)]
            if holders:
                holder = at(data, draw(st.sampled_from(holders)))
                if isinstance(holder, dict):
                    name = draw(
                        st.one_of(
                            st.text(max_size=10),
                            st.sampled_from(FIELD_NAMES),
                            st.sampled_from(FIELD_NAMES).flatmap(typo),
                        )
                    )
                    holder[name] = draw(junk)
                else:
                    holder.append(draw(junk))
        elif entries(data):
            iv = draw(st.sampled_from(entries(data)))
            if kind == "path":
                iv["path"] = draw(
                    st.one_of(
                        st.integers(-3, 30),
                        st.sampled_from(SLUGS),
                        st.sampled_from(SLUGS).flatmap(typo),
                        st.integers(1, 27).map(str),
                        st.floats(),
                        st.booleans(),
                        junk,
                    )
                )
            elif kind == "swap":
                iv["start"], iv["end"] = iv.get("end", 0), iv.get("start", 0)
            elif kind == "timing":
                name = draw(st.sampled_from(["start", "end"]))
                iv[name] = draw(
                    st.one_of(
                        st.integers(-5, 400),
                        st.dates(dt.date(2010, 1, 1), dt.date(2030, 12, 31)),
                        st.dates(),
                        junk,
                    )
                )
            elif kind == "intensity":
                iv["intensity"] = draw(st.one_of(st.floats(-1, 30), st.floats(), junk))
            elif kind == "target":
                iv["target"] = draw(
                    st.fixed_dictionaries(
                        {},
                        optional={
                            "districts": st.lists(st.integers(-2, 50), max_size=3),
                            "ages": st.lists(st.floats(-10, 200), min_size=0, max_size=3),
                            "sex": st.sampled_from(["female", "male", "other", ""]),
                            "organisation": st.sampled_from([*ORGANISATION_KINDS, "church"]),
                        },
                    )
                )
        elif kind == "start_date" and isinstance(data, dict):
            if "start_date" in data and draw(st.booleans()):
                del data["start_date"]
            else:
                data["start_date"] = draw(st.one_of(st.dates(), junk))
    return data


def dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


@st.composite
def valid_entry(draw: st.DrawFn, start_date: dt.date | None) -> dict[str, Any]:
    """An intervention entry every rule allows (dates only with a start_date)."""
    p = draw(st.sampled_from(CATALOGUE))
    entry: dict[str, Any] = {
        "path": draw(st.sampled_from([p.number, p.slug])),
        "intensity": draw(st.floats(0, p.max_intensity)),
    }
    start = draw(st.integers(0, 300))
    end = draw(st.none() | st.integers(start + 1, start + 300))
    if start_date is not None and draw(st.booleans()):
        entry["start"] = start_date + dt.timedelta(days=7 * start + draw(st.integers(0, 6)))
        if end is not None:
            entry["end"] = start_date + dt.timedelta(days=7 * end)
    else:
        entry["start"] = start
        if end is not None:
            entry["end"] = end
    target: dict[str, Any] = {}
    for name in sorted(p.targets):
        if not draw(st.booleans()):
            continue
        if name == "districts":
            target[name] = draw(st.lists(st.integers(0, 30), min_size=1, max_size=3))
        elif name == "ages":
            low = draw(st.integers(0, 119))
            target[name] = [low, draw(st.integers(low + 1, 120))]
        elif name == "sex":
            target[name] = draw(st.sampled_from(["female", "male"]))
        elif name == "organisation":
            target[name] = draw(st.sampled_from(p.organisations))
    if target:
        entry["target"] = target
    return entry


@st.composite
def valid_scenario(draw: st.DrawFn) -> dict[str, Any]:
    """A base with valid changes: other paths, intensities, timings, targets and towns."""
    data = copy.deepcopy(draw(st.sampled_from(BASES)))
    if draw(st.booleans()):
        data["start_date"] = draw(st.dates(dt.date(1990, 1, 1), dt.date(2040, 12, 31)))
    data["interventions"] = draw(st.lists(valid_entry(data.get("start_date")), max_size=5))
    if draw(st.booleans()):
        data["region"] = {
            "kind": draw(st.sampled_from(["urban_ward", "suburban", "rural_town"])),
            "population": draw(st.integers(50, 3000)),
        }
    if draw(st.booleans()):
        data["horizon"] = draw(
            st.fixed_dictionaries({"weeks": st.integers(1, 520)})
            | st.fixed_dictionaries({"years": st.floats(0.05, 100)})
        )
    if draw(st.booleans()):
        data["seed"] = draw(st.integers(0, 2**63 - 1))
    return data


@st.composite
def scenario_files(draw: st.DrawFn) -> tuple[dict[str, str], tuple[str, ...], bool]:
    """({file name: text}, other files an error may name, whether the file is valid);
    "scenario.yaml" is the one loaded."""
    mode = draw(
        st.sampled_from(["mutated"] * 6 + ["valid"] * 2 + ["garbage", "hostile"] + ["extends"] * 2)
    )
    if mode == "garbage":
        return {"scenario.yaml": draw(st.text(max_size=200))}, (), False
    if mode == "hostile":
        name = draw(st.sampled_from(sorted(HOSTILE)))  # the quick ones
        return {"scenario.yaml": HOSTILE[name]}, OUTSIDE.get(name, ()), False
    if mode == "valid":
        return {"scenario.yaml": dump(draw(valid_scenario()))}, (), True
    base = draw(st.sampled_from(BASES))
    if mode == "mutated":
        return {"scenario.yaml": dump(draw(mutated(base)))}, (), False
    parent = draw(st.one_of(st.just(base), mutated(base)))
    child = draw(
        mutated(
            {
                "extends": "parent.yaml",
                "name": "child",
                "region": {"population": 250},
                "interventions": [{"path": 2, "intensity": 0.5}],
            }
        )
    )
    return {"parent.yaml": dump(parent), "scenario.yaml": dump(child)}, (), False


# --- the property -------------------------------------------------------------------------


def check_load(
    folder: Path, files: dict[str, str], outside: tuple[str, ...] = ()
) -> Scenario | InputError:
    """Load folder/scenario.yaml: a Scenario, or the InputError after checking its form."""
    folder = folder.resolve()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    path = folder / "scenario.yaml"
    try:
        scenario = load_scenario(path)
    except InputError as exc:
        text = str(exc)
        assert len(text.splitlines()) == 1, f"not one line: {text!r}"
        assert "\n" not in text and "\r" not in text, repr(text)
        named = [str(folder / name) for name in files] + list(outside)
        assert any(text.startswith(f"{p}: ") for p in named), text
        assert exc.source in named, text
        assert text == f"{exc.source}: {exc.field}: {exc.message}"
        assert exc.message.strip(), text
        return exc
    except Exception as exc:  # anything else is the bug this test looks for
        shown = {k: v[:300] for k, v in files.items()}
        pytest.fail(f"load_scenario raised {type(exc).__name__}: {str(exc)[:300]}; files {shown!r}")
    finally:
        assert not MARKER.exists(), "a YAML tag executed a command"
    assert isinstance(scenario, Scenario)
    return scenario


def check_builds(scenario: Scenario) -> None:
    """An accepted scenario builds its interventions and town profile without raising."""
    built = scenario.build_interventions()
    assert len(built) == len(scenario.interventions)
    for iv in built:
        assert iv.start >= 0 and (iv.end is None or iv.end > iv.start)
        assert 0 <= iv.intensity <= iv.max_intensity
    assert scenario.weeks >= 1
    scenario.region.resolved_profile()
    scenario.params()


def test_every_base_is_valid(tmp_path: Path) -> None:
    for i, base in enumerate(BASES):
        scenario = check_load(tmp_path, {"scenario.yaml": dump(base)})
        assert isinstance(scenario, Scenario), f"base {i} is refused: {scenario}"
        check_builds(scenario)


@pytest.mark.parametrize("name", sorted(HOSTILE | HOSTILE_EXTRA))
def test_hostile_file_is_a_scenario_or_one_input_error(tmp_path: Path, name: str) -> None:
    text = (HOSTILE | HOSTILE_EXTRA)[name]
    scenario = check_load(tmp_path, {"scenario.yaml": text}, OUTSIDE.get(name, ()))
    if isinstance(scenario, Scenario):
        check_builds(scenario)


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,  # the same files on every run, so a failure is always reproducible
    phases=[Phase.explicit, Phase.generate],  # no shrinking: the message shows the files
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)
@given(case=scenario_files(), build=st.booleans())
def test_loader_returns_a_scenario_or_one_input_error(
    case: tuple[dict[str, str], tuple[str, ...], bool], build: bool
) -> None:
    files, outside, valid = case
    with tempfile.TemporaryDirectory(prefix="kizuna-fuzz-") as folder:
        scenario = check_load(Path(folder), files, outside)
    if valid:  # only valid changes were made: it must load, and build
        assert isinstance(scenario, Scenario), f"a valid scenario was refused: {scenario}"
        check_builds(scenario)
    elif isinstance(scenario, Scenario) and build:  # a random half of the accepted ones
        check_builds(scenario)
