"""The tables of ``docs/ODD.md`` that are generated from the code: `kizuna odd`.

The ODD document's prose is written by hand; every table that restates the code
(parameters with defaults, units and sources; region profiles; which sweep varies which
assumption; calibration targets; the 27 paths; the 24 challenges; the outcomes) sits
between ``<!-- BEGIN GENERATED: NAME -->`` and ``<!-- END GENERATED: NAME -->`` and is
rewritten here, so it cannot drift: ``kizuna odd --check`` (and a test) fails when the
committed file differs from what the code generates.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path

from experiments.catalogue_view import render as render_paths
from experiments.report import md_table
from experiments.scenario import read_yaml
from model import params as params_module
from model.dashboard import CHALLENGES
from model.outcomes import OUTCOMES
from model.params import SOURCE_KINDS, Params, param_table
from model.regions import PROFILE_SOURCES, REGION_KINDS, REGIONS, RegionProfile
from model.targets import BY_KEY, MEASURES, TARGETS

ROOT = Path(__file__).resolve().parents[1]
ODD_PATH = ROOT / "docs" / "ODD.md"
SWEEP_DIR = Path(__file__).resolve().parent
BLOCK = re.compile(
    r"(<!-- BEGIN GENERATED: (?P<name>[a-z_]+) -->\n)(?P<body>.*?)"
    r"(<!-- END GENERATED: (?P=name) -->)",
    re.DOTALL,
)


def _table(head: list[str], rows: list[list[object]]) -> str:
    return "\n".join(md_table(head, rows))


def _number(x: object) -> str:
    if isinstance(x, bool) or not isinstance(x, int | float):
        return str(x)
    if isinstance(x, int) or float(x).is_integer():
        return f"{x:,.0f}" if abs(x) >= 1_000 else f"{x:g}"
    return f"{x:g}"


# --- sweeps ---------------------------------------------------------------------------------
def shipped_sweeps() -> dict[str, dict]:
    """The sweep files shipped in ``experiments/`` (name -> their YAML), sorted by name."""
    return {p.name: read_yaml(p) for p in sorted(SWEEP_DIR.glob("*_sweep.yaml"))}


def sweep_coverage() -> dict[str, list[str]]:
    """Which shipped sweep files vary each input: ``name`` for a model parameter,
    ``region:NAME`` for a region statistic."""
    cover: dict[str, list[str]] = {}
    for file, data in shipped_sweeps().items():
        for p in data["parameters"]:
            key = p["name"] if "name" in p else f"region:{p['region']}" if "region" in p else None
            if key is not None:
                cover.setdefault(key, []).append(file)
    return cover


def _sweeps_table() -> str:
    from experiments.sweep import plan_sweep
    from experiments.sweep_file import load_sweep

    rows = []
    for file in shipped_sweeps():
        sweep, base = load_sweep(SWEEP_DIR / file)
        plan = plan_sweep(sweep, base, file)
        town = (
            f"{base.region.kind}, {base.region.population:,} residents, {_number(sweep.years)} "
            f"years ({sweep.base})"
            if base is not None
            else sweep.model
        )
        rows.append(
            [f"`experiments/{file}`", sweep.method, town, len(sweep.parameters),
             f"{plan.runs:,}", ", ".join(sweep.outcomes)]
        )  # fmt: skip
    head = ["sweep file", "method", "town", "inputs", "runs", "outcomes"]
    return _table(head, rows)


# --- parameters ---------------------------------------------------------------------------
def _sections() -> dict[str, str]:
    """Each parameter's section in params.py (the ``# --- name ---`` comments)."""
    section, out = "", {}
    names = {f.name for f in fields(Params)}
    for line in inspect.getsource(params_module.Params).splitlines():
        head = re.match(r"\s*# --- (.+?) -+\s*$", line)
        if head:
            section = head.group(1)
            continue
        name = re.match(r"\s*(\w+): \w+ = _p\(", line)
        if name and name.group(1) in names:
            out[name.group(1)] = section
    return out


def _source_text(kind: str, ref: str, name: str, cover: dict[str, list[str]]) -> str:
    if kind == "calibrated":
        keys = [k.strip() for k in ref.split(",")]
        return "calibrated to " + "; ".join(
            f"`{k}` ({BY_KEY[k].quantity}: {BY_KEY[k].value_text()})" for k in keys
        )
    if kind == "assumption":
        swept = cover.get(name, [])
        text = "assumption; " + (
            "swept in " + ", ".join(f"`{f}`" for f in swept) if swept else "not swept"
        )
        return f"{text} ({ref})" if ref else text
    return f"{kind}: {ref}"


def _parameters_table() -> str:
    cover = sweep_coverage()
    sections = _sections()
    rows = []
    for r in param_table():
        hi = "" if r["max"] is None else f" (max {_number(r['max'])})"
        rows.append(
            [f"`{r['name']}`", sections.get(r["name"], ""), _number(r["default"]),
             r["unit"] + hi, r["doc"], _source_text(r["source"], r["ref"], r["name"], cover)]
        )  # fmt: skip
    counts = {k: sum(r["source"] == k for r in param_table()) for k in SOURCE_KINDS}
    summary = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
    legend = "\n".join(f"- **{k}**: {what}" for k, what in SOURCE_KINDS.items())
    head = ["parameter", "section", "default", "unit", "meaning", "source"]
    return f"{len(rows)} parameters: {summary}.\n\n{legend}\n\n" + _table(head, rows)


# --- regions ------------------------------------------------------------------------------
def _profile_comments() -> dict[str, str]:
    """The comment beside each field of ``RegionProfile`` (its meaning)."""
    out = {}
    for line in inspect.getsource(RegionProfile).splitlines():
        m = re.match(r"\s*(\w+): [^#=]+#\s*(.+)$", line)
        if m:
            out[m.group(1)] = m.group(2).strip()
    return out


def _profile_value(profile: RegionProfile, name: str) -> str:
    value = getattr(profile, name)
    if name == "age_shares":
        return f"65+: {100 * profile.share_65_plus():.1f}%"
    if isinstance(value, tuple):
        return ", ".join(_number(v) for v in value)
    return _number(value)


def _regions_table() -> str:
    cover = sweep_coverage()
    meaning = _profile_comments()
    meaning.setdefault("age_shares", "five-year age groups 0-4 ... 100+")
    meaning.setdefault("arrival_mix", "arriving households: young single, young couple, "
                       "family, single 30-64, retired couple")  # fmt: skip
    rows = []
    for name in (f.name for f in fields(RegionProfile)):
        if name in ("kind", "description"):
            continue
        kind, ref = PROFILE_SOURCES[name]
        source = _source_text(kind, ref, f"region:{name}", cover)
        rows.append(
            [f"`{name}`", meaning.get(name, ""),
             *(_profile_value(REGIONS[k], name) for k in REGION_KINDS), source]
        )  # fmt: skip
    head = ["statistic", "meaning", *REGION_KINDS, "source"]
    return _table(head, rows)


# --- targets, paths, challenges, outcomes ---------------------------------------------------
def _targets_table() -> str:
    rows = [
        [f"`{t.key}`", t.quantity, ", ".join(t.regions), t.value_text(), t.band_text(),
         f"`{t.outcome}`: {t.measure}" + _when(t),
         t.source]
        for t in TARGETS
    ]  # fmt: skip
    legend = "\n".join(f"- **{k}**: {what}" for k, what in MEASURES.items())
    head = ["target", "quantity", "region", "published", "match", "read as", "source"]
    return f"{legend}\n\n" + _table(head, rows)


def _when(t) -> str:
    if t.measure == "annual_change":
        return ", year 1 to the last year"
    if t.measure == "growth":
        return ", week 0 to the last week"
    return f", year {t.year}"


def _paths_table() -> str:
    return render_paths("markdown")


def _challenges_table() -> str:
    rows = [
        [c.number, c.agent, c.wording, f"`{c.outcome}`", c.indicator, c.unit] for c in CHALLENGES
    ]
    return _table(["#", "agent", "the report's wording", "outcome", "indicator", "unit"], rows)


def _outcomes_table() -> str:
    rows = [[f"`{o.name}`", o.group, o.kind, o.unit, o.description] for o in OUTCOMES]
    return _table(["outcome", "group", "kind", "unit", "description"], rows)


TABLES: dict[str, Callable[[], str]] = {
    "parameters": _parameters_table,
    "sweeps": _sweeps_table,
    "regions": _regions_table,
    "targets": _targets_table,
    "paths": _paths_table,
    "challenges": _challenges_table,
    "outcomes": _outcomes_table,
}


def render(text: str) -> str:
    """``text`` with every generated block filled from the code; unknown names raise."""

    def fill(m: re.Match[str]) -> str:
        name = m.group("name")
        if name not in TABLES:
            raise KeyError(f"unknown generated table {name!r}; known: {', '.join(TABLES)}")
        return f"{m.group(1)}{TABLES[name]()}\n{m.group(4)}"

    return BLOCK.sub(fill, text)


def blocks(text: str) -> list[str]:
    return [m.group("name") for m in BLOCK.finditer(text)]


def stale_blocks(text: str) -> list[str]:
    """Names of the generated blocks whose committed content differs from the code's."""
    fresh = {m.group("name"): m.group("body") for m in BLOCK.finditer(render(text))}
    return [
        m.group("name") for m in BLOCK.finditer(text) if fresh[m.group("name")] != m.group("body")
    ]
