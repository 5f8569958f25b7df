"""The `kizuna` command line.

Every user mistake (a bad scenario file, an impossible option) ends with one line on
stderr, ``kizuna: error: FILE: FIELD: what is allowed``, exit code 2, and nothing
written.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from experiments.errors import InputError

EXIT_INPUT = 2


def _number(flag: str, text: str | None, kind: type = int, minimum: float | None = None):
    """A numeric command-line option (None when not given), or a one-line InputError."""
    if text is None:
        return None
    try:
        value = kind(text)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise InputError("command line", flag, f"must be {what}, got {text!r}") from None
    if minimum is not None and value < minimum:
        raise InputError("command line", flag, f"must be at least {minimum}, got {value}")
    return value


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line and exit code 2 like every other input error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise InputError("command line", self.prog, f"{message} (see {self.prog} --help)")


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="kizuna",
        description="Agent-based simulation of ties and mutual assistance in a municipality.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run replications of a scenario and write results")
    run.add_argument("scenario", help="scenario YAML file, e.g. scenarios/baseline.yaml")
    run.add_argument("--out", required=True, help="output folder (created if missing)")
    run.add_argument("--reps", help="replications (default: the scenario's)")
    run.add_argument("--seed", help="root seed (default: the scenario's)")
    run.add_argument("--years", help="horizon in years (default: the scenario's)")
    run.add_argument("--workers", help="parallel worker processes (default: one per core)")
    run.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    validate = sub.add_parser("validate", help="check scenario files without running them")
    validate.add_argument("files", nargs="+", help="scenario YAML files")

    paths = sub.add_parser("paths", help="list the report's 27 paths as interventions")
    paths.add_argument(
        "--format", default="table", choices=("table", "markdown", "json"), help="output format"
    )

    challenges = sub.add_parser(
        "challenges", help="list the report's 24 challenges and their dashboard indicators"
    )
    challenges.add_argument(
        "--format", default="table", choices=("table", "markdown", "json"), help="output format"
    )

    schema = sub.add_parser("schema", help="print the scenario file schema (JSON Schema)")
    schema.add_argument("--out", help="write to this file instead of the terminal")

    bench = sub.add_parser("bench", help="time the baseline against Mesa's Schelling example")
    bench.add_argument("--sizes", default="2000,10000,100000", help="town sizes, comma separated")
    bench.add_argument("--weeks", default="52", help="weeks per town")
    bench.add_argument("--schelling-steps", default="100", help="Schelling steps")
    bench.add_argument("--repeat", default="2", help="runs per measurement (the best counts)")
    return parser


def _cmd_run(args: argparse.Namespace) -> int:
    from experiments.run import headline, run_scenario
    from experiments.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    reps = _number("--reps", args.reps, minimum=1)
    workers = _number("--workers", args.workers, minimum=1)
    seed = _number("--seed", args.seed)
    years = _number("--years", args.years, float)
    try:
        scenario = scenario.with_overrides(seed=seed, replications=reps, years=years)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = str(err["loc"][0]) if err["loc"] else "horizon"  # a whole-scenario check
        flag = {"seed": "--seed", "replications": "--reps", "horizon": "--years"}.get(loc, loc)
        message = str(err["msg"]).removeprefix("Value error, ")
        raise InputError("command line", flag, message) from None
    outputs = run_scenario(
        scenario,
        Path(args.out),
        workers=workers,
        progress=not args.no_progress,
        scenario_file=args.scenario,
    )
    print(headline(outputs.summary))
    print(
        f"{len(outputs.results)} replications of {scenario.weeks} weeks in "
        f"{outputs.wall_seconds:.1f} s; results in {outputs.out_dir}/"
    )
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    """Every file is checked; each problem is one line; exit 2 if any file is bad."""
    from experiments.scenario import load_scenario

    bad = 0
    for name in args.files:
        try:
            scenario = load_scenario(name)
        except InputError as exc:
            print(f"kizuna: error: {exc}", file=sys.stderr)
            bad += 1
            continue
        paths = sorted({iv.path_class.number for iv in scenario.interventions})
        print(
            f"ok: {name}: {scenario.name!r}, {scenario.region.kind}, {scenario.weeks} weeks, "
            f"{scenario.replications} replications, paths {paths or 'none'}, "
            f"shocks {[sh.kind for sh in scenario.shocks] or 'none'}"
        )
    return EXIT_INPUT if bad else 0


def _cmd_paths(args: argparse.Namespace) -> int:
    from experiments.catalogue_view import render

    print(render(args.format))
    return 0


def _cmd_challenges(args: argparse.Namespace) -> int:
    from experiments.dashboard_view import render

    print(render(args.format))
    return 0


def _cmd_schema(args: argparse.Namespace) -> int:
    import json

    from experiments.scenario import json_schema
    from experiments.store import write_json

    if args.out:
        write_json(json_schema(), Path(args.out))
        print(f"schema written to {args.out}")
    else:
        print(json.dumps(json_schema(), indent=2))
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from experiments.bench import run_benchmark

    sizes = tuple(_number("--sizes", s, minimum=50) for s in args.sizes.split(",") if s.strip())
    if not sizes:
        raise InputError("command line", "--sizes", "give at least one town size")
    weeks = _number("--weeks", args.weeks, minimum=1)
    steps = _number("--schelling-steps", args.schelling_steps, minimum=1)
    repeat = _number("--repeat", args.repeat, minimum=1)
    run_benchmark(sizes, weeks, steps, repeat=repeat)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command == "run":
            return _cmd_run(args)
        if args.command == "bench":
            return _cmd_bench(args)
        if args.command == "validate":
            return _cmd_validate(args)
        if args.command == "paths":
            return _cmd_paths(args)
        if args.command == "challenges":
            return _cmd_challenges(args)
        if args.command == "schema":
            return _cmd_schema(args)
    except InputError as exc:
        print(f"kizuna: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("kizuna: interrupted", file=sys.stderr)
        return 130
    return EXIT_INPUT  # pragma: no cover - argparse only accepts known commands


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
