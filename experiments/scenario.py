"""Scenario files: YAML data describing one town and how long and how often to run it.

A scenario is data, never code: it is read with ``yaml.safe_load`` (so language tags
such as ``!!python/object`` are refused) and checked by a pydantic schema that forbids
unknown fields. Any problem becomes an ``InputError`` naming the file, the field and
what is allowed. The schema grows with later features (interventions, shocks) by
adding fields here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from experiments.errors import InputError, suggest
from model import KizunaModel, Params
from model.kizuna_model import MAX_POPULATION
from model.params import check_params, param_names
from model.regions import REGION_KINDS

MIN_POPULATION = 50
MAX_YEARS = 100
MAX_REPLICATIONS = 10_000


class _Strict(BaseModel):
    # strict: no silent coercion (true is not 1, "5" is not 5)
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class RegionSpec(_Strict):
    """Which kind of municipality, and how many residents (default: the kind's own)."""

    kind: Literal["urban_ward", "suburban", "rural_town"] = "suburban"
    population: Annotated[int, Field(ge=MIN_POPULATION, le=MAX_POPULATION)] | None = None


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


class Scenario(_Strict):
    """One scenario file."""

    name: Annotated[str, Field(min_length=1, max_length=200)]
    description: str = ""
    region: RegionSpec = RegionSpec()
    horizon: Horizon = Horizon(years=5)
    seed: Annotated[int, Field(ge=0, lt=2**63)] = 20150301
    replications: Annotated[int, Field(ge=1, le=MAX_REPLICATIONS)] = 8
    warmup_weeks: Annotated[int, Field(ge=0, le=520)] = 52
    parameters: dict[str, float] = Field(default_factory=dict)

    @field_validator("parameters")
    @classmethod
    def _known_parameters(cls, value: dict[str, float]) -> dict[str, float]:
        names = param_names()
        for key in value:
            if key not in names:
                raise ValueError(f"unknown parameter {key!r}{suggest(key, names)}")
        check_params(value)
        return value

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

    def build_model(self, rng: np.random.Generator | int | None) -> KizunaModel:
        return KizunaModel(
            region=self.region.kind,
            population=self.region.population,
            params=self.params(),
            rng=rng,
            warmup_weeks=self.warmup_weeks,
        )


def _field_path(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) if loc else "(file)"


def _allowed_fields(loc: tuple[Any, ...]) -> list[str]:
    """Field names valid at the parent of ``loc`` in the schema."""
    model: type[BaseModel] = Scenario
    for part in loc[:-1]:
        field = model.model_fields.get(str(part))
        annotation = getattr(field, "annotation", None)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
        else:
            return []
    return list(model.model_fields)


def _describe(error: dict[str, Any]) -> tuple[str, str]:
    loc = tuple(error.get("loc", ()))
    kind = error.get("type", "")
    field = _field_path(loc)
    if kind == "extra_forbidden":
        name = str(loc[-1]) if loc else ""
        allowed = _allowed_fields(loc)
        return field, (f"unknown field{suggest(name, allowed)}; allowed: {', '.join(allowed)}")
    if kind == "literal_error" and loc and loc[-1] == "kind":
        return (
            field,
            f"unknown region kind {error.get('input')!r}; allowed: {', '.join(REGION_KINDS)}",
        )
    msg = str(error.get("msg", "invalid value"))
    msg = msg.removeprefix("Value error, ")
    if "input" in error and kind not in ("missing",) and not isinstance(error["input"], dict):
        msg = f"{msg} (got {error['input']!r})"
    return field, msg


def parse_scenario(data: Any, source: str) -> Scenario:
    if not isinstance(data, dict):
        kind = type(data).__name__ if data is not None else "an empty file"
        raise InputError(source, "(file)", f"a scenario must be a YAML mapping, got {kind}")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        # an unknown field explains a "missing" one (a typo in a required name)
        errors = sorted(exc.errors(), key=lambda e: e.get("type") != "extra_forbidden")
        field, message = _describe(errors[0])
        raise InputError(source, field, message) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate one scenario file; raises ``InputError`` on any problem."""
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(source, "(file)", "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(source, "(file)", f"cannot read: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if "constructor for the tag" in problem:
            problem = "tags such as !!python/... are not allowed; scenario files are plain data"
        raise InputError(source, "(file)", f"not valid YAML{where}: {problem}") from None
    return parse_scenario(data, source)
