"""docs/ODD.md follows the ODD checklist and its tables match the code; every parameter
says where its value comes from, and every assumption is varied by a shipped sweep."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from experiments import odd
from model.params import SOURCE_KINDS, param_table
from model.regions import PROFILE_BOUNDS, PROFILE_SOURCES
from model.targets import BY_KEY
from tests.towns import run_cli

# Grimm et al. (2020), "The ODD protocol ... a second update", JASSS 23(2) 7: the seven
# elements, and the design concepts of element 4
ELEMENTS = (
    "1. Purpose and patterns",
    "2. Entities, state variables and scales",
    "3. Process overview and scheduling",
    "4. Design concepts",
    "5. Initialisation",
    "6. Input data",
    "7. Submodels",
)
CONCEPTS = (
    "Basic principles", "Emergence", "Adaptation", "Objectives", "Learning", "Prediction",
    "Sensing", "Interaction", "Stochasticity", "Collectives", "Observation",
)  # fmt: skip


@pytest.fixture(scope="module")
def text() -> str:
    return odd.ODD_PATH.read_text(encoding="utf-8")


def _sections(text: str, level: str) -> dict[str, str]:
    parts = re.split(rf"^{level} (.+)$", text, flags=re.MULTILINE)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def test_odd_has_every_element_in_order_with_content(text: str) -> None:
    found = list(_sections(text, "##"))
    assert [h for h in found if h in ELEMENTS] == list(ELEMENTS)
    for name, body in _sections(text, "##").items():
        if name in ELEMENTS:
            assert len(body.split()) > 60, f"section {name!r} is nearly empty"


def test_odd_describes_every_design_concept(text: str) -> None:
    concepts_part = text.split("## 4. Design concepts", 1)[1].split("## 5.", 1)[0]
    found = _sections(concepts_part, "###")
    for concept in CONCEPTS:
        assert concept in found, f"design concept {concept!r} missing"
        assert len(found[concept].split()) > 15, f"design concept {concept!r} is nearly empty"


def test_odd_tables_are_current(text: str) -> None:
    """The staleness check: regenerate with `kizuna odd` when this fails."""
    assert sorted(odd.blocks(text)) == sorted(odd.TABLES)
    assert odd.stale_blocks(text) == []


def test_a_stale_table_is_caught_and_regenerated(tmp_path: Path, capsys, text: str) -> None:
    copy = tmp_path / "ODD.md"
    shutil.copy(odd.ODD_PATH, copy)
    edited = text.replace("| `tie_decay` |", "| `tie_decay_old` |", 1)
    assert edited != text
    copy.write_text(edited, encoding="utf-8")
    rc, out, _ = run_cli(capsys, "odd", "--check", "--file", str(copy))
    assert rc == 1 and "parameters" in out
    assert copy.read_text(encoding="utf-8") == edited  # --check changes nothing
    rc, out, _ = run_cli(capsys, "odd", "--file", str(copy))
    assert rc == 0 and copy.read_text(encoding="utf-8") == text
    rc, _, _ = run_cli(capsys, "odd", "--check", "--file", str(copy))
    assert rc == 0


def test_a_file_without_generated_tables_is_an_input_error(tmp_path: Path, capsys) -> None:
    plain = tmp_path / "plain.md"
    plain.write_text("# nothing generated here\n")
    rc, _, err = run_cli(capsys, "odd", "--file", str(plain))
    assert rc == 2 and err.count("\n") == 1 and "GENERATED" in err


# --- parameter sources ----------------------------------------------------------------------


def test_every_parameter_names_its_source() -> None:
    for row in param_table():
        assert row["source"] in SOURCE_KINDS, row["name"]
        if row["source"] != "assumption":
            assert row["ref"].strip(), f"{row['name']}: a {row['source']} needs its reference"
        if row["source"] == "calibrated":
            for key in row["ref"].split(","):
                assert key.strip() in BY_KEY, f"{row['name']}: unknown target {key.strip()!r}"


def test_every_assumption_is_varied_by_a_shipped_sweep() -> None:
    cover = odd.sweep_coverage()
    for row in param_table():
        if row["source"] == "assumption":
            assert cover.get(row["name"]), f"no shipped sweep varies {row['name']}"
    for name, (kind, _) in PROFILE_SOURCES.items():
        if kind == "assumption" and name in PROFILE_BOUNDS:  # numeric statistics
            assert cover.get(f"region:{name}"), f"no shipped sweep varies region {name}"


def test_every_calibration_target_has_a_calibrated_input_or_is_checked_only() -> None:
    """Each parameter calibrated to a target points at a target validate-model reads."""
    used = {
        k.strip()
        for row in param_table()
        if row["source"] == "calibrated"
        for k in row["ref"].split(",")
    }
    used |= {
        k.strip()
        for kind, ref in PROFILE_SOURCES.values()
        if kind == "calibrated"
        for k in ref.split(",")
    }
    assert used <= set(BY_KEY)
    assert {"volunteer_rate", "donor_rate", "association_membership_trend"} <= used
