"""Scenario files: YAML data describing a town, the report's paths it switches on, and
how long and how often to run it.

A scenario is data, never code: it is read with ``yaml.safe_load`` (so language tags
such as ``!!python/object`` are refused) and checked by a pydantic schema that forbids
unknown fields and silent coercion. Any problem becomes an ``InputError`` naming the
file, the field and what is allowed. ``extends: other.yaml`` inherits another file
(path relative to this one) and overrides it: mappings merge key by key, everything
else (lists included) is replaced. ``kizuna schema`` exports the schema as JSON
Schema for editors.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from experiments.errors import InputError, suggest
from model import KizunaModel, Params
from model.disasters import KINDS, Shock
from model.geography import MAX_GRID_SIDE, min_side_for_population
from model.interventions import BY_SLUG, CATALOGUE, ORGANISATION_KINDS, Target, get_path
from model.interventions.base import Intervention
from model.kizuna_model import MAX_POPULATION
from model.params import check_params, param_names
from model.regions import PROFILE_BOUNDS, REGION_KINDS, RegionProfile, get_region

MIN_POPULATION = 50
MAX_YEARS = 100
MAX_REPLICATIONS = 10_000
MAX_AGE = 120.0
# region statistics a scenario may override (numbers only; the rest define the kind)
PROFILE_FIELDS = tuple(
    name
    for name, field in RegionProfile.__dataclass_fields__.items()
    if field.type in ("float", "int")
)


class _Strict(BaseModel):
    # strict: no silent coercion (true is not 1, "5" is not 5)
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class RegionSpec(_Strict):
    """Which kind of municipality, how many residents, and optional changes to its
    statistics (``profile``) or map size (``grid_size``, cells per side)."""

    kind: Literal["urban_ward", "suburban", "rural_town"] = "suburban"
    population: Annotated[int, Field(ge=MIN_POPULATION, le=MAX_POPULATION)] | None = None
    grid_size: Annotated[int, Field(ge=5, le=MAX_GRID_SIDE)] | None = None
    profile: dict[str, float] = Field(default_factory=dict)

    @field_validator("profile")
    @classmethod
    def _known_profile_fields(cls, value: dict[str, float]) -> dict[str, float]:
        for key, number in value.items():
            if key not in PROFILE_FIELDS:
                raise ValueError(
                    f"unknown region statistic {key!r}{suggest(key, PROFILE_FIELDS)}; "
                    f"allowed: {', '.join(PROFILE_FIELDS)}"
                )
            lo, hi = PROFILE_BOUNDS[key]
            if not np.isfinite(number) or not lo <= number <= hi:
                raise ValueError(
                    f"region statistic {key!r} must be between {lo:g} and {hi:g}, got {number:g}"
                )
            if RegionProfile.__dataclass_fields__[key].type == "int" and number != int(number):
                raise ValueError(f"region statistic {key!r} must be a whole number, got {number:g}")
        return value

    @model_validator(mode="after")
    def _fits_on_the_map(self) -> RegionSpec:
        profile = self.resolved_profile()
        if self.grid_size is not None:
            population = self.population or profile.default_population
            need = min_side_for_population(profile, population)
            if self.grid_size < need:
                raise ValueError(
                    f"a {self.grid_size}x{self.grid_size} grid cannot hold {population:,} "
                    f"residents of a {self.kind}; grid_size must be at least {need}"
                )
        return self

    def resolved_profile(self) -> RegionProfile:
        profile = get_region(self.kind)
        if not self.profile:
            return profile
        cast = {
            k: (int(v) if RegionProfile.__dataclass_fields__[k].type == "int" else v)
            for k, v in self.profile.items()
        }
        return profile.with_overrides(**cast)


class Horizon(_Strict):
    """How long to simulate: ``years`` or ``weeks`` (one step is one week)."""

    years: Annotated[float, Field(gt=0, le=MAX_YEARS)] | None = None
    weeks: Annotated[int, Field(gt=0, le=MAX_YEARS * 52)] | None = None

    @field_validator("years")
    @classmethod
    def _at_least_a_week(cls, value: float | None) -> float | None:
        if value is not None and round(value * 52) < 1:
            raise ValueError(f"must be at least one week (1/52 of a year), got {value}")
        return value

    @model_validator(mode="after")
    def _one_unit(self) -> Horizon:
        if (self.years is None) == (self.weeks is None):
            raise ValueError("give exactly one of 'years' or 'weeks'")
        return self

    @property
    def n_weeks(self) -> int:
        return self.weeks if self.weeks is not None else round(self.years * 52)


class TargetSpec(_Strict):
    """Whom or where a path reaches (each path says which of these it honours)."""

    districts: list[Annotated[int, Field(ge=0)]] | None = None
    ages: (
        Annotated[
            list[Annotated[float, Field(ge=0, le=MAX_AGE)]], Field(min_length=2, max_length=2)
        ]
        | None
    ) = None
    sex: Literal["female", "male"] | None = None
    organisation: Literal[ORGANISATION_KINDS] | None = None  # type: ignore[valid-type]

    @field_validator("ages")
    @classmethod
    def _ordered(cls, value: list[float] | None) -> list[float] | None:
        if value is not None and value[0] >= value[1]:
            raise ValueError(
                f"ages must be [lowest, highest) with lowest < highest, got {list(value)}"
            )
        return value

    def given(self) -> set[str]:
        return {k for k, v in self.model_dump().items() if v is not None}

    def build(self) -> Target:
        return Target(
            districts=tuple(self.districts) if self.districts is not None else None,
            ages=tuple(self.ages) if self.ages is not None else None,
            sex=self.sex,
            organisation=self.organisation,
        )


Timing = Annotated[int, Field(ge=0)] | Annotated[dt.date, Field(strict=False)]
PATH_KEYS = [p.number for p in CATALOGUE] + [p.slug for p in CATALOGUE]


class InterventionSpec(_Strict):
    """One of the report's 27 paths: which, how strongly, when, and for whom."""

    path: Annotated[
        int | str,
        Field(json_schema_extra={"enum": PATH_KEYS}, description="path number 1-27 or its slug"),
    ]
    intensity: Annotated[float, Field(ge=0)] | None = Field(
        default=None, description="the path's own units; default: 1 or the path's maximum"
    )
    start: Timing = 0
    end: Timing | None = None
    target: TargetSpec | None = None
    note: str = ""

    @field_validator("path")
    @classmethod
    def _known_path(cls, value: int | str) -> int | str:
        try:
            get_path(value)
        except KeyError:
            hint = suggest(str(value), BY_SLUG) if isinstance(value, str) else ""
            raise ValueError(
                f"unknown path {value!r}{hint}; allowed: 1-27 or a slug (see `kizuna paths`)"
            ) from None
        return value

    @model_validator(mode="after")
    def _fits_the_path(self) -> InterventionSpec:
        path = self.path_class
        if self.intensity is not None and self.intensity > path.max_intensity:
            raise ValueError(
                f"intensity for path {path.number} ({path.slug}) must be 0-"
                f"{path.max_intensity:g} ({path.intensity_meaning}), got {self.intensity}"
            )
        if self.target is not None:
            extra = self.target.given() - set(path.targets) - {"organisation"}
            if extra:
                allowed = ", ".join(sorted(path.targets)) or "none"
                raise ValueError(
                    f"path {path.number} cannot be targeted by {', '.join(sorted(extra))}; "
                    f"allowed: {allowed}"
                )
            org = self.target.organisation
            if org is not None and org not in path.organisations:
                allowed = ", ".join(path.organisations) or "none"
                raise ValueError(
                    f"path {path.number} cannot be run by {org!r}; allowed organisations: {allowed}"
                )
        if isinstance(self.start, int) and isinstance(self.end, int) and self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        return self

    @property
    def path_class(self) -> type[Intervention]:
        return get_path(self.path)


Fraction = Annotated[float, Field(ge=0, le=1)]


class ShockSpec(_Strict):
    """A disaster: what, when (``week`` or ``date``), where (an ``epicentre`` as map
    fractions with a ``radius`` as a fraction of the map's side, or a list of ``cells``),
    and how hard (``severity``). A heatwave strikes the whole town."""

    kind: Literal[KINDS]  # type: ignore[valid-type]
    week: Annotated[int, Field(ge=1)] | None = Field(
        default=None, description="week of the shock (1 or later)"
    )
    date: Annotated[dt.date, Field(strict=False)] | None = Field(
        default=None, description="calendar date of the shock (needs the scenario's start_date)"
    )
    epicentre: Annotated[list[Fraction], Field(min_length=2, max_length=2)] | None = Field(
        default=None, description="[x, y] as fractions of the map (0-1); default the centre"
    )
    radius: Annotated[float, Field(gt=0, le=2)] = Field(
        default=0.4, description="reach of the damage as a fraction of the map's side"
    )
    cells: (
        Annotated[
            list[Annotated[list[Annotated[int, Field(ge=0)]], Field(min_length=2, max_length=2)]],
            Field(min_length=1),
        ]
        | None
    ) = Field(default=None, description="[[x, y], ...] cells struck (needs region.grid_size)")
    severity: Annotated[float, Field(gt=0, le=1)] = Field(
        default=0.7, description="damage at the epicentre (0-1]; for a heatwave, the heat"
    )

    @model_validator(mode="after")
    def _where_and_when(self) -> ShockSpec:
        if (self.week is None) == (self.date is None):
            raise ValueError("give exactly one of 'week' or 'date'")
        if self.cells is not None and self.epicentre is not None:
            raise ValueError("give either 'epicentre' (with 'radius') or 'cells', not both")
        if self.kind == "heatwave" and (self.cells is not None or self.epicentre is not None):
            raise ValueError("a heatwave strikes the whole town; drop 'epicentre' and 'cells'")
        return self


class Scenario(_Strict):
    """One scenario file."""

    name: Annotated[str, Field(min_length=1, max_length=200)]
    description: str = ""
    extends: str | None = Field(
        default=None, description="another scenario file to inherit (path relative to this one)"
    )
    start_date: Annotated[dt.date, Field(strict=False)] | None = Field(
        default=None, description="calendar date of week 0, for interventions timed by date"
    )
    region: RegionSpec = RegionSpec()
    horizon: Horizon = Horizon(years=5)
    seed: Annotated[int, Field(ge=0, lt=2**63)] = 20150301
    replications: Annotated[int, Field(ge=1, le=MAX_REPLICATIONS)] = 8
    warmup_weeks: Annotated[int, Field(ge=0, le=520)] = 52
    parameters: dict[str, float] = Field(default_factory=dict)
    interventions: list[InterventionSpec] = Field(default_factory=list)
    shocks: list[ShockSpec] = Field(
        default_factory=list, description="disasters striking the town (several allowed)"
    )

    @field_validator("parameters")
    @classmethod
    def _known_parameters(cls, value: dict[str, float]) -> dict[str, float]:
        names = param_names()
        for key in value:
            if key not in names:
                raise ValueError(f"unknown parameter {key!r}{suggest(key, names)}")
        check_params(value)
        return value

    @model_validator(mode="after")
    def _timings(self) -> Scenario:
        # messages start with the field they are about; describe_error files them there
        for i, iv in enumerate(self.interventions):
            for name in ("start", "end"):
                when = getattr(iv, name)
                if isinstance(when, dt.date):
                    if self.start_date is None:
                        raise ValueError(
                            f"interventions.{i}.{name}: a date needs the scenario's start_date "
                            "(or give the week number)"
                        )
                    if when < self.start_date:
                        raise ValueError(
                            f"interventions.{i}.{name}: {when} is before start_date "
                            f"{self.start_date}"
                        )
            start, end = self.week_of(iv.start), self.week_of(iv.end)
            if end is not None and end <= start:
                raise ValueError(
                    f"interventions.{i}.end: must be after start (weeks {start} and {end})"
                )
        for i, shock in enumerate(self.shocks):
            self._check_shock(i, shock)
        return self

    def _check_shock(self, i: int, shock: ShockSpec) -> None:
        if shock.date is not None:
            if self.start_date is None:
                raise ValueError(
                    f"shocks.{i}.date: a date needs the scenario's start_date (or give the week)"
                )
            if self.week_of(shock.date) < 1:
                raise ValueError(
                    f"shocks.{i}.date: {shock.date} must be at least a week after start_date "
                    f"{self.start_date}"
                )
        week = self.week_of(shock.date) if shock.date is not None else shock.week
        if week > self.weeks:
            raise ValueError(
                f"shocks.{i}.{'date' if shock.date else 'week'}: week {week} is after the "
                f"horizon ({self.weeks} weeks), so the shock would never strike"
            )
        if shock.cells is not None:
            side = self.region.grid_size
            if side is None:
                raise ValueError(
                    f"shocks.{i}.cells: listing cells needs region.grid_size (the map's side)"
                )
            outside = [c for c in shock.cells if c[0] >= side or c[1] >= side]
            if outside:
                raise ValueError(
                    f"shocks.{i}.cells: {outside[0]} is off the {side}x{side} map; "
                    f"allowed: 0-{side - 1}"
                )

    def week_of(self, when: int | dt.date | None) -> int | None:
        """Weeks from week 0 for a timing given in weeks or as a date."""
        if when is None or isinstance(when, int):
            return when
        return (when - self.start_date).days // 7

    @property
    def weeks(self) -> int:
        return self.horizon.n_weeks

    def params(self) -> Params:
        return check_params(self.parameters)

    def with_overrides(
        self,
        *,
        seed: int | None = None,
        replications: int | None = None,
        years: float | None = None,
    ) -> Scenario:
        """The scenario with command-line overrides applied (validated like the file)."""
        data = self.model_dump()
        if seed is not None:
            data["seed"] = seed
        if replications is not None:
            data["replications"] = replications
        if years is not None:
            data["horizon"] = {"years": years}
        return Scenario.model_validate(data)

    def build_interventions(self) -> list[Intervention]:
        return [
            iv.path_class(
                intensity=iv.intensity
                if iv.intensity is not None
                else iv.path_class.default_intensity(),
                start=self.week_of(iv.start),
                end=self.week_of(iv.end),
                target=iv.target.build() if iv.target is not None else None,
            )
            for iv in self.interventions
        ]

    def build_shocks(self) -> list[Shock]:
        return [
            Shock(
                kind=sh.kind,
                week=self.week_of(sh.date) if sh.date is not None else sh.week,
                severity=sh.severity,
                epicentre=tuple(sh.epicentre) if sh.epicentre is not None else (0.5, 0.5),
                radius=sh.radius,
                cells=tuple(tuple(c) for c in sh.cells) if sh.cells is not None else None,
            )
            for sh in self.shocks
        ]

    def build_model(self, rng: np.random.Generator | int | None) -> KizunaModel:
        return KizunaModel(
            region=self.region.resolved_profile(),
            population=self.region.population,
            params=self.params(),
            rng=rng,
            warmup_weeks=self.warmup_weeks,
            interventions=self.build_interventions(),
            grid_side=self.region.grid_size,
            shocks=self.build_shocks(),
        )


def _field_path(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) if loc else "(file)"


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation (through Optional, list, Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _allowed_fields(loc: tuple[Any, ...], root: type[BaseModel] | None = None) -> list[str]:
    """Field names valid at the parent of ``loc`` in the schema."""
    model: type[BaseModel] | None = root or Scenario
    for part in loc[:-1]:
        if isinstance(part, int) or model is None:
            continue  # a list index
        field = model.model_fields.get(str(part))
        model = _model_in(field.annotation) if field is not None else None
    return list(model.model_fields) if model is not None else []


_UNION_TAG = re.compile(
    r"^(int|str|float|bool|date|list|dict|tuple|constrained-\w+|[a-z-]+\[.*\])$"
)
_FIELD_PREFIX = re.compile(r"^((?:interventions|region|horizon|shocks)(?:\.\w+)*): (.*)$")
_FRIENDLY = {
    "path": "must be a path number 1-27 or its slug (see `kizuna paths`)",
    "start": "must be a week number (0 or more) or a date such as 2016-04-01",
    "end": "must be a week number (0 or more) or a date such as 2016-04-01",
}


def _clip(value: Any, width: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def describe_error(error: dict[str, Any], root: type[BaseModel] | None = None) -> tuple[str, str]:
    """(field, message) for one pydantic error in a file validated by ``root``."""
    # pydantic names the member of a union that failed ("path.int"); users wrote "path"
    loc = tuple(p for p in error.get("loc", ()) if not (isinstance(p, str) and _UNION_TAG.match(p)))
    kind = error.get("type", "")
    field = _field_path(loc)
    if kind == "extra_forbidden":
        name = str(loc[-1]) if loc else ""
        allowed = _allowed_fields(loc, root)
        return field, (f"unknown field{suggest(name, allowed)}; allowed: {', '.join(allowed)}")
    if kind == "literal_error" and loc and loc[-1] == "kind" and loc[0] == "shocks":
        kinds = ", ".join(KINDS)
        return field, f"unknown kind of shock {_clip(error.get('input'))}; allowed: {kinds}"
    if kind == "literal_error" and loc and loc[-1] == "kind":
        kinds = ", ".join(REGION_KINDS)
        return field, f"unknown region kind {_clip(error.get('input'))}; allowed: {kinds}"
    msg = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    prefixed = _FIELD_PREFIX.match(msg) if not loc else None
    if prefixed:  # a whole-scenario check that names its field in the message
        return prefixed.group(1), prefixed.group(2)
    given = error.get("input")
    last = loc[-1] if loc else None
    if last in _FRIENDLY and kind not in ("value_error", "missing"):
        msg = _FRIENDLY[last]
    shown = repr(given) in msg or (isinstance(given, str) and given in msg)
    if "input" in error and kind != "missing" and not isinstance(given, dict) and not shown:
        msg = f"{msg} (got {_clip(given)})"
    return field, msg


def parse_scenario(data: Any, source: str) -> Scenario:
    if not isinstance(data, dict):
        kind = type(data).__name__ if data is not None else "an empty file"
        raise InputError(source, "(file)", f"a scenario must be a YAML mapping, got {kind}")
    try:
        return Scenario.model_validate(data)
    except RecursionError:
        raise InputError(source, "(file)", "nested too deeply") from None
    except ValidationError as exc:
        # an unknown field explains a "missing" one (a typo in a required name)
        errors = sorted(exc.errors(), key=lambda e: e.get("type") != "extra_forbidden")
        field, message = describe_error(errors[0])
        raise InputError(source, field, message) from None


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (usually a slip)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
            except TypeError:  # an unhashable key; the schema will refuse it
                continue
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {_clip(key)}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: Path) -> Any:
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(source, "(file)", "no such file") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(source, "(file)", f"cannot read: {exc}") from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader: plain data only
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if "constructor for the tag" in problem:
            problem = "tags such as !!python/... are not allowed; scenario files are plain data"
        raise InputError(source, "(file)", f"not valid YAML{where}: {problem}") from None
    except RecursionError:
        raise InputError(source, "(file)", "not valid YAML: nested too deeply") from None
    except ValueError as exc:  # e.g. a number with thousands of digits
        raise InputError(source, "(file)", f"not valid YAML: {str(exc)[:80]}") from None


def merge(parent: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """Child over parent: mappings merge key by key; anything else is replaced."""
    out = dict(parent)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def _resolve(path: Path, chain: tuple[Path, ...]) -> dict[str, Any]:
    """The file's data with everything it extends merged in (each file validated)."""
    data = read_yaml(path)
    source = str(path)
    if not isinstance(data, dict):
        parse_scenario(data, source)  # raises the "must be a mapping" error
    parent_name = data.get("extends")
    if parent_name is None:
        return data
    if not isinstance(parent_name, str) or not parent_name:
        raise InputError(source, "extends", f"must be a file name, got {_clip(parent_name)}")
    try:
        parent = (path.parent / parent_name).resolve()
        found = parent.is_file()
    except (OSError, ValueError):
        raise InputError(
            source, "extends", f"not a usable file name: {_clip(parent_name)}"
        ) from None
    if parent in chain or parent == path.resolve():
        cycle = " -> ".join(p.name for p in (*chain, path.resolve(), parent))
        raise InputError(source, "extends", f"circular extends: {cycle}")
    if not found:
        raise InputError(
            source, "extends", f"no such file {_clip(parent_name)} (looked in {path.parent})"
        )
    parent_data = _resolve(parent, (*chain, path.resolve()))
    parse_scenario(parent_data, str(parent))  # the parent must be valid on its own
    child = {k: v for k, v in data.items() if k != "extends"}
    return merge({k: v for k, v in parent_data.items() if k != "extends"}, child)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate one scenario file (and what it extends); raises ``InputError``."""
    path = Path(path)
    data = _resolve(path, ())
    return parse_scenario(data, str(path))


def json_schema() -> dict[str, Any]:
    """The scenario schema as JSON Schema (for editors' completion and checking)."""
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "kizuna scenario"
    return schema
