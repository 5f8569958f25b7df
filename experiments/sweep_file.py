"""Sweep files: which inputs vary, how, what is measured, and by which method.

A sweep file is plain YAML data, validated like a scenario file (one-line errors naming
the file and the field). Inputs are model parameters (``name: visit_rate``) or a path's
intensity (``path: 4``, added from week 1 when the base scenario does not have it).
Distributions are SALib's: ``unif`` and ``logunif`` [low, high], ``triang`` [low, high,
peak as a fraction of the width], ``norm`` [mean, sd], ``truncnorm`` [low, high, mean,
sd], ``lognorm`` [ln-mean, ln-sd].
"""

from __future__ import annotations

import math
import re
from dataclasses import fields
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from experiments.errors import InputError, suggest
from experiments.scenario import (
    PROFILE_FIELDS,
    Scenario,
    describe_error,
    load_scenario,
    read_yaml,
)
from model.interventions import get_path
from model.outcomes import OUTCOME_NAMES
from model.params import Params, check_params, param_names
from model.regions import PROFILE_BOUNDS, RegionProfile

N_BOUNDS = {"unif": 2, "logunif": 2, "triang": 3, "norm": 2, "truncnorm": 4, "lognorm": 2}
BOUNDED = ("unif", "logunif", "triang", "truncnorm")  # every sample lies within known limits
METHODS = ("sobol", "morris", "fast")
TEST_FUNCTIONS = {"ishigami": ("x1", "x2", "x3")}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


Number = Annotated[float, Field(strict=False)]  # 1 is as good as 1.0


class InputSpec(_Strict):
    """One varied input: a model parameter (``name``), a path's intensity (``path``) or a
    statistic of the region's profile (``region``, e.g. households_per_cell)."""

    name: str | None = None
    path: int | str | None = None
    region: str | None = None
    dist: Literal["unif", "logunif", "triang", "norm", "truncnorm", "lognorm"] = "unif"
    bounds: list[Number]
    group: str | None = None

    @model_validator(mode="after")
    def _check(self) -> InputSpec:
        if sum(x is not None for x in (self.name, self.path, self.region)) != 1:
            raise ValueError(
                "give one of name (a model parameter), path (an intensity) or region "
                "(a region statistic)"
            )
        if self.path is not None:
            try:
                get_path(self.path)
            except KeyError:
                raise ValueError(
                    f"unknown path {self.path!r}; allowed: 1-27 or a slug (see `kizuna paths`)"
                ) from None
        want = N_BOUNDS[self.dist]
        b = self.bounds
        if len(b) != want:
            raise ValueError(f"bounds: {self.dist} needs {want} numbers, got {len(b)}")
        if not all(math.isfinite(x) for x in b):
            raise ValueError("bounds: must be finite numbers")
        if self.dist in ("unif", "logunif", "triang", "truncnorm") and not b[0] < b[1]:
            raise ValueError(f"bounds: the low end must be below the high end, got {b}")
        if self.dist == "logunif" and b[0] <= 0:
            raise ValueError(f"bounds: logunif needs a low end above 0, got {b[0]}")
        if self.dist == "triang" and not 0 <= b[2] < 1:
            raise ValueError(
                f"bounds: the triangle's peak is a fraction 0-1 of the width, got {b[2]}"
            )
        if self.dist in ("norm", "lognorm") and b[1] <= 0:
            raise ValueError(f"bounds: the standard deviation must be above 0, got {b[1]}")
        if self.dist == "truncnorm" and b[3] <= 0:
            raise ValueError(f"bounds: the standard deviation must be above 0, got {b[3]}")
        return self

    @property
    def column(self) -> str:
        """The input's name in samples.csv and in the indices."""
        if self.name is not None:
            return self.name
        if self.region is not None:
            return f"region_{self.region}"
        return f"path_{get_path(self.path).number}_intensity"  # type: ignore[arg-type]

    def limits(self) -> tuple[float, float] | None:
        """Where every sampled value lies, for distributions that have such limits."""
        if self.dist not in BOUNDED:
            return None
        return (self.bounds[0], self.bounds[1])


class SweepFile(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.-]+$")]
    description: str = ""
    model: Literal["kizuna", "ishigami"] = "kizuna"
    base: str | None = None  # a scenario file, relative to the sweep file
    population: Annotated[int, Field(ge=50, le=2_000_000)] | None = None
    years: Annotated[Number, Field(gt=0, le=100)] | None = None
    method: Literal["sobol", "morris", "fast"]
    samples: Annotated[int, Field(ge=2, le=1_000_000)]
    levels: Annotated[int, Field(ge=2, le=16)] = 4  # Morris grid levels
    replications: Annotated[int, Field(ge=1, le=1000)] = 2
    seed: Annotated[int, Field(ge=0)] = 1
    bootstrap: Annotated[int, Field(ge=10, le=100_000)] = 500
    noise: Annotated[Number, Field(ge=0)] = 0.0  # test functions only: sd of added noise
    outcomes: Annotated[list[str], Field(min_length=1)]
    parameters: Annotated[list[InputSpec], Field(min_length=2)]

    @model_validator(mode="after")
    def _check(self) -> SweepFile:
        n = self.samples
        if self.method == "sobol" and n & (n - 1):
            raise ValueError(
                f"samples: Sobol' sampling needs a power of two (its sequence is balanced "
                f"only then), got {n}; try {1 << (n.bit_length() - 1)} or {1 << n.bit_length()}"
            )
        if self.method == "fast" and n <= 64:
            raise ValueError(f"samples: eFAST needs more than 64 samples per input, got {n}")
        columns = [p.column for p in self.parameters]
        for i, col in enumerate(columns):
            if col in columns[:i]:
                raise ValueError(f"parameters.{i}: {col} is varied twice")
        groups = [p.group for p in self.parameters]
        if any(g is not None for g in groups):
            if any(g is None for g in groups):
                missing = groups.index(None)
                raise ValueError(f"parameters.{missing}.group: give every input a group, or none")
            if self.method == "fast":
                raise ValueError("parameters.0.group: groups work with sobol and morris, not fast")
            if len(set(groups)) < 2:
                raise ValueError("parameters.0.group: groups need at least two different names")
        if self.model == "kizuna":
            if self.base is None:
                raise ValueError("base: give the scenario file the sweep varies")
            if self.noise:
                raise ValueError("noise: only for test functions (the model has its own)")
            for i, out in enumerate(self.outcomes):
                if out not in OUTCOME_NAMES:
                    raise ValueError(
                        f"outcomes.{i}: unknown outcome {out!r}{suggest(out, OUTCOME_NAMES)} "
                        "(see comparison.csv or summary.csv for the list)"
                    )
            for i, p in enumerate(self.parameters):
                if p.name is not None:
                    _check_parameter(i, p)
                elif p.region is not None:
                    _check_region(i, p)
                else:
                    _check_intensity(i, p)
        else:
            names = TEST_FUNCTIONS[self.model]
            for i, p in enumerate(self.parameters):
                if p.name not in names:
                    raise ValueError(
                        f"parameters.{i}.name: {self.model} takes {', '.join(names)}, "
                        f"got {p.name or p.path!r}"
                    )
            if self.outcomes != ["y"]:
                raise ValueError(f"outcomes: {self.model} has one outcome, y")
        return self

    @property
    def columns(self) -> list[str]:
        return [p.column for p in self.parameters]


def _check_parameter(i: int, p: InputSpec) -> None:
    names = param_names()
    if p.name not in names:
        raise ValueError(
            f"parameters.{i}.name: unknown parameter {p.name!r}{suggest(p.name, names)}"
        )
    limits = p.limits()
    if limits is None:
        return  # unbounded distributions are checked point by point when sampled
    for end in limits:
        try:
            check_params({p.name: _as_type(p.name, end)})
        except ValueError as exc:
            raise ValueError(f"parameters.{i}.bounds: {exc}") from None


def _check_region(i: int, p: InputSpec) -> None:
    if p.region not in PROFILE_FIELDS:
        raise ValueError(
            f"parameters.{i}.region: unknown region statistic {p.region!r}"
            f"{suggest(p.region, PROFILE_FIELDS)}; allowed: {', '.join(PROFILE_FIELDS)}"
        )
    limits = p.limits()
    lo, hi = PROFILE_BOUNDS[p.region]
    if limits is not None and (limits[0] < lo or limits[1] > hi):
        raise ValueError(
            f"parameters.{i}.bounds: region statistic {p.region!r} must be between "
            f"{lo:g} and {hi:g}, got {list(limits)}"
        )


def _region_value(name: str, value: float) -> float:
    """Region statistics that count things (households per cell) take whole numbers."""
    whole = RegionProfile.__dataclass_fields__[name].type in (int, "int")
    return float(round(value)) if whole else float(value)


def _check_intensity(i: int, p: InputSpec) -> None:
    cls = get_path(p.path)  # type: ignore[arg-type]
    limits = p.limits()
    if limits is None:
        return
    if limits[0] < 0 or limits[1] > cls.max_intensity:
        raise ValueError(
            f"parameters.{i}.bounds: path {cls.number} intensity must be "
            f"0-{cls.max_intensity:g}, got {list(limits)}"
        )


_INT_PARAMS = {f.name for f in fields(Params) if f.type in (int, "int")}


def _as_type(name: str, value: float) -> float | int:
    """Parameters that count things (cells, visitors) take whole numbers: rounded."""
    return round(value) if name in _INT_PARAMS else float(value)


def load_sweep(path: str | Path) -> tuple[SweepFile, Scenario | None]:
    """The sweep file and its base scenario (None for a test function)."""
    path = Path(path)
    source = str(path)
    data = read_yaml(path)
    if not isinstance(data, dict):
        kind = type(data).__name__ if data is not None else "an empty file"
        raise InputError(source, "(file)", f"a sweep file must be a YAML mapping, got {kind}")
    try:
        sweep = SweepFile.model_validate(data)
    except ValidationError as exc:
        errors = sorted(exc.errors(), key=lambda e: e.get("type") != "extra_forbidden")
        field, message = describe_error(errors[0], SweepFile)
        named = re.match(r"^([A-Za-z_][\w.]*): (.*)$", message)
        if named:  # a check that names the field it is about
            sub, message = named.group(1), named.group(2)
            field = sub if field == "(file)" else f"{field}.{sub}"
        raise InputError(source, field, message) from None
    if sweep.model != "kizuna":
        return sweep, None
    base_path = (path.parent / sweep.base).resolve()  # type: ignore[operator]
    try:
        base = load_scenario(base_path)
    except InputError as exc:
        raise InputError(source, "base", f"{sweep.base}: {exc.field}: {exc.message}") from None
    data = base.model_dump()
    if sweep.population is not None:
        data["region"] = {**data["region"], "population": sweep.population}
    if sweep.years is not None:
        data["horizon"] = {"years": sweep.years}
    data["replications"] = sweep.replications
    data["seed"] = sweep.seed
    try:
        base = Scenario.model_validate(data)
    except ValidationError as exc:
        field, message = describe_error(exc.errors()[0])
        raise InputError(source, "population" if "region" in field else "years", message) from None
    return sweep, base


def point_scenario(base: Scenario, sweep: SweepFile, point: int, values: list[float]) -> Scenario:
    """The base scenario with one sample point's inputs; a value the model cannot take
    (from an unbounded distribution) is an InputError naming the input and the point."""
    data = base.model_dump()
    data["name"] = f"{sweep.name}_p{point:05d}"
    params = dict(data.get("parameters") or {})
    interventions = [dict(iv) for iv in data.get("interventions") or []]
    for i, (p, value) in enumerate(zip(sweep.parameters, values, strict=True)):
        if p.name is not None:
            params[p.name] = _as_type(p.name, value)
            continue
        if p.region is not None:
            region = dict(data["region"])
            region["profile"] = {
                **(region.get("profile") or {}),
                p.region: _region_value(p.region, value),
            }
            data["region"] = region
            continue
        cls = get_path(p.path)  # type: ignore[arg-type]
        if not 0 <= value <= cls.max_intensity:
            raise InputError(
                "sweep", f"parameters.{i}", f"point {point} samples path {cls.number} intensity "
                f"{value:g}, outside 0-{cls.max_intensity:g}; use a bounded distribution",
            )  # fmt: skip
        same = [iv for iv in interventions if get_path(iv["path"]) is cls]
        if same:
            for iv in same:
                iv["intensity"] = float(value)
        else:
            interventions.append({"path": cls.number, "intensity": float(value), "start": 1})
    data["parameters"] = params
    data["interventions"] = interventions
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        _, message = describe_error(exc.errors()[0])
        raise InputError("sweep", "parameters", f"point {point}: {message}") from None
