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


def _positive_int(flag: str):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise InputError(
                "command line", flag, f"must be a whole number, got {text!r}"
            ) from None
        if value < 1:
            raise InputError("command line", flag, f"must be at least 1, got {value}")
        return value

    return parse


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

    bench = sub.add_parser("bench", help="time the baseline against Mesa's Schelling example")
    bench.add_argument("--sizes", default="2000,10000,100000", help="town sizes, comma separated")
    bench.add_argument("--weeks", default="52", help="weeks per town")
    bench.add_argument("--schelling-steps", default="100", help="Schelling steps")
    return parser


def _cmd_run(args: argparse.Namespace) -> int:
    from experiments.run import headline, run_scenario
    from experiments.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    reps = _positive_int("--reps")(args.reps) if args.reps is not None else None
    workers = _positive_int("--workers")(args.workers) if args.workers is not None else None
    seed = None
    if args.seed is not None:
        try:
            seed = int(args.seed)
        except ValueError:
            raise InputError(
                "command line", "--seed", f"must be a whole number, got {args.seed!r}"
            ) from None
    years = None
    if args.years is not None:
        try:
            years = float(args.years)
        except ValueError:
            raise InputError(
                "command line", "--years", f"must be a number, got {args.years!r}"
            ) from None
    try:
        scenario = scenario.with_overrides(seed=seed, replications=reps, years=years)
    except ValidationError as exc:
        err = exc.errors()[0]
        flag = {"seed": "--seed", "replications": "--reps", "horizon": "--years"}.get(
            str(err["loc"][0]), str(err["loc"][0])
        )
        raise InputError("command line", flag, str(err["msg"])) from None
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


def _cmd_bench(args: argparse.Namespace) -> int:
    from experiments.bench import run_benchmark

    try:
        sizes = tuple(int(s) for s in args.sizes.split(",") if s.strip())
    except ValueError:
        raise InputError(
            "command line", "--sizes", f"must be whole numbers, got {args.sizes!r}"
        ) from None
    if not sizes or min(sizes) < 50:
        raise InputError("command line", "--sizes", "each size must be at least 50")
    weeks = _positive_int("--weeks")(args.weeks)
    steps = _positive_int("--schelling-steps")(args.schelling_steps)
    run_benchmark(sizes, weeks, steps)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command == "run":
            return _cmd_run(args)
        if args.command == "bench":
            return _cmd_bench(args)
    except InputError as exc:
        print(f"kizuna: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("kizuna: interrupted", file=sys.stderr)
        return 130
    return EXIT_INPUT  # pragma: no cover - argparse only accepts known commands


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
