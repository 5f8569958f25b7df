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


def _add_where(p: argparse.ArgumentParser) -> None:
    """Where runs execute: local workers or a Dask cluster (not both)."""
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", help="local worker processes (default: one per core)")
    where.add_argument("--scheduler", help="run on a Dask cluster: its scheduler, tcp://HOST:PORT")


def _add_experiment_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, help="output folder (created if missing)")
    p.add_argument("--reps", help="replications (default: the (first) scenario's)")
    p.add_argument("--seed", help="root seed (default: the (first) scenario's)")
    p.add_argument("--years", help="horizon in years (default: the scenario's)")
    _add_where(p)
    p.add_argument(
        "--fresh",
        action="store_true",
        help="rerun every run, even those the folder already holds (default: resume)",
    )
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="kizuna",
        description="Agent-based simulation of ties and mutual assistance in a municipality.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run replications of a scenario and write results")
    run.add_argument("scenario", help="scenario YAML file, e.g. scenarios/baseline.yaml")
    _add_experiment_options(run)

    compare = sub.add_parser(
        "compare", help="run scenarios with common random numbers and report their differences"
    )
    compare.add_argument(
        "scenarios", nargs="+", help="scenario YAML files; the first is the reference"
    )
    _add_experiment_options(compare)

    sweep = sub.add_parser(
        "sweep", help="sensitivity sweep (Sobol', Morris, eFAST) from a sweep file"
    )
    sweep.add_argument("file", help="sweep file, e.g. experiments/core_sweep.yaml")
    sweep.add_argument("--out", required=True, help="output folder (created if missing)")
    _add_where(sweep)
    sweep.add_argument("--fresh", action="store_true", help="rerun every run (default: resume)")
    sweep.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    from experiments.discover import add_parser as add_discover
    from experiments.viz.cli import add_parser as add_viz

    add_discover(sub)
    add_viz(sub)

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

    vm = sub.add_parser(
        "validate-model",
        help="run the baseline region kinds against the calibration targets; write a report",
    )
    vm.add_argument("--out", required=True, help="output folder (created if missing)")
    vm.add_argument("--reps", help="replications per region kind (default: the scenarios' 8)")
    vm.add_argument("--years", help="simulated years (default: the scenarios' 5)")
    vm.add_argument("--seed", help="root seed (default: the scenarios')")
    vm.add_argument("--population", help="residents in every town (default: each scenario's own)")
    _add_where(vm)
    vm.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    odd = sub.add_parser(
        "odd", help="regenerate the tables in docs/ODD.md from the code (or --check them)"
    )
    odd.add_argument("--file", default=None, help="the ODD document (default: docs/ODD.md)")
    odd.add_argument(
        "--check", action="store_true", help="exit 1 if a table is stale; change nothing"
    )

    bench = sub.add_parser(
        "bench", help="time the model at town and city scale against Mesa's Schelling example"
    )
    bench.add_argument("--sizes", default="2000,10000", help="town sizes, comma separated")
    bench.add_argument("--weeks", default="52", help="weeks per town")
    bench.add_argument("--schelling-steps", default="100", help="Schelling steps")
    bench.add_argument("--repeat", default="3", help="runs per measurement (the best counts)")
    bench.add_argument("--city", default="100000", help="residents in the city run")
    bench.add_argument("--city-weeks", default="260", help="weeks of the city run")
    bench.add_argument(
        "--sweep", default=str(Path(__file__).parent / "core_sweep.yaml"),
        help="sweep file to project (default the core sweep); 'none' to skip",
    )  # fmt: skip
    bench.add_argument("--sweep-sample", default="8", help="runs timed for the projection")
    bench.add_argument("--workers", default="2", help="local workers for the sweep projection")
    bench.add_argument("--long-years", default="50", help="years of the memory run (0: skip)")
    bench.add_argument("--long-population", default="10000", help="residents in the memory run")
    return parser


def _choice(args: argparse.Namespace, workers: int | None, n_runs: int):
    """Where runs execute: the Dask scheduler given, or local workers (one per core)."""
    from experiments.executors import ExecutorChoice
    from experiments.runner import default_workers

    if args.scheduler:
        return ExecutorChoice(scheduler=args.scheduler)
    return ExecutorChoice(workers=default_workers(n_runs) if workers is None else workers)


def _prepare(args: argparse.Namespace, files: list[str], kind: str):
    """Scenario files and options made into an experiment, and where it runs."""
    from experiments.experiment import check_out_dir, prepare
    from experiments.scenario import load_scenario

    scenarios = [load_scenario(f) for f in files]
    reps = _number("--reps", args.reps, minimum=1)
    workers = _number("--workers", args.workers, minimum=1)
    seed = _number("--seed", args.seed)
    years = _number("--years", args.years, float)
    experiment = prepare(
        scenarios, list(files), seed=seed, replications=reps, years=years, kind=kind
    )
    check_out_dir(Path(args.out))
    return experiment, _choice(args, workers, len(experiment.scenarios) * experiment.replications)


def _report_failures(run) -> int:
    """One line per failed run on stderr; exit code 1 when any failed."""
    for f in run.failures:
        path = run.out_dir / "runs" / f.spec.key / f"failed_{f.spec.replication:03d}.json"
        print(f"kizuna: run failed: {f.spec.label}: {f.error} (details in {path})", file=sys.stderr)
    if run.failures:
        print(
            f"kizuna: {len(run.failures)} run(s) failed; the others are saved. Run the same "
            "command again to retry only the failed and missing runs.",
            file=sys.stderr,
        )
        return 1
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from experiments.run import headline, run_scenario

    experiment, choice = _prepare(args, [args.scenario], "run")
    scenario = experiment.scenarios[0]
    run, summary = run_scenario(
        scenario,
        Path(args.out),
        choice=choice,
        progress=not args.no_progress,
        resume=not args.fresh,
        scenario_file=args.scenario,
    )
    if summary is not None:
        print(headline(summary))
    done = len(run.results[scenario.name])
    print(
        f"{done} replications of {scenario.weeks} weeks ({run.reused} reused from earlier) in "
        f"{run.wall_seconds:.1f} s; results in {run.out_dir}/"
    )
    return _report_failures(run)


def _cmd_compare(args: argparse.Namespace) -> int:
    from experiments.compare import compare_scenarios

    if len(args.scenarios) < 2:
        raise InputError(
            "command line", "scenarios", "give at least two scenario files (the first is the "
            "reference the others are compared with)",
        )  # fmt: skip
    experiment, choice = _prepare(args, args.scenarios, "compare")
    comparison = compare_scenarios(
        experiment,
        Path(args.out),
        choice=choice,
        progress=not args.no_progress,
        resume=not args.fresh,
    )
    run = comparison.run if comparison is not None else None
    out = Path(args.out)
    if comparison is not None:
        n = len(experiment.scenarios) * experiment.replications
        print(
            f"{len(experiment.scenarios)} scenarios x {experiment.replications} replications "
            f"of {experiment.weeks} weeks: {n} runs ({run.reused} reused from earlier) in "
            f"{run.wall_seconds:.1f} s"
        )
        print(f"report: {out / 'report.html'} (and report.md); tables: comparison.csv, costs.csv")
        return _report_failures(run)
    print("kizuna: no comparison written: a scenario has no finished run", file=sys.stderr)
    return 1


def _cmd_sweep(args: argparse.Namespace) -> int:
    from experiments.experiment import check_out_dir
    from experiments.sweep import plan_sweep, run_sweep
    from experiments.sweep_file import load_sweep

    sweep, base = load_sweep(args.file)
    workers = _number("--workers", args.workers, minimum=1)
    check_out_dir(Path(args.out))
    plan = plan_sweep(sweep, base, args.file)
    choice = _choice(args, workers, plan.runs)
    result = run_sweep(
        plan, Path(args.out), choice=choice, progress=not args.no_progress, resume=not args.fresh
    )
    top = result.indices[result.indices["index"].isin(("ST", "mu_star"))]
    for outcome, g in top.groupby("outcome", sort=False):
        best = g.sort_values("value", ascending=False).head(3)
        ranked = ", ".join(f"{r['input']} {r['value']:.3g}" for _, r in best.iterrows())
        print(f"  {outcome}: {ranked}")
    print(
        f"{plan.runs:,} runs in {result.wall_seconds:.1f} s; indices in {result.out_dir}/"
        "indices.csv, figures in figures/"
    )
    if result.failures:
        print(
            f"kizuna: {result.failures} run(s) failed; rerun the same command to retry them",
            file=sys.stderr,
        )
        return 1
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


def _cmd_validate_model(args: argparse.Namespace) -> int:
    from experiments.experiment import check_out_dir
    from experiments.scenario import MAX_POPULATION, MAX_YEARS, MIN_POPULATION
    from experiments.validation_report import run_validation

    reps = _number("--reps", args.reps, minimum=1)
    years = _number("--years", args.years, float, minimum=1)
    if years is not None and years > MAX_YEARS:
        raise InputError("command line", "--years", f"must be at most {MAX_YEARS}, got {years:g}")
    seed = _number("--seed", args.seed, minimum=0)
    population = _number("--population", args.population, minimum=MIN_POPULATION)
    if population is not None and population > MAX_POPULATION:
        raise InputError(
            "command line",
            "--population",
            f"must be at most {MAX_POPULATION:,}, got {population:,}",
        )
    workers = _number("--workers", args.workers, minimum=1)
    out = Path(args.out)
    check_out_dir(out)
    choice = _choice(args, workers, 3 * (reps or 8))
    table, failures, wall = run_validation(
        out, replications=reps, years=years, population=population, seed=seed, choice=choice,
        progress=not args.no_progress,
    )  # fmt: skip
    verdicts = table["verdict"].value_counts()
    judged = int(verdicts.get("pass", 0) + verdicts.get("miss", 0))
    print(f"{int(verdicts.get('pass', 0))} of {judged} calibration targets met ({wall:.0f} s)")
    for _, r in table[table["verdict"] != "pass"].iterrows():
        print(f"  {r['verdict']}: {r['target']} ({r['region']}): model {r['model']}, "
              f"published {r['published']}, match {r['match']}")  # fmt: skip
    print(f"report: {out / 'validation.html'} (and validation.md); table: validation.csv")
    if failures:
        for f in failures:
            print(f"kizuna: run failed: {f.spec.label}: {f.error}", file=sys.stderr)
        return 1
    return 0


def _cmd_odd(args: argparse.Namespace) -> int:
    from experiments import odd
    from experiments.store import write_text

    path = Path(args.file) if args.file else odd.ODD_PATH
    if not path.is_file():
        raise InputError(str(path), "(file)", "no such file")
    text = path.read_text(encoding="utf-8")
    names = odd.blocks(text)
    if not names:
        raise InputError(str(path), "(file)", "has no <!-- BEGIN GENERATED: NAME --> blocks")
    try:
        stale = odd.stale_blocks(text)
    except KeyError as exc:
        raise InputError(str(path), "(file)", str(exc.args[0])) from None
    if args.check:
        if stale:
            print(f"{path}: stale tables: {', '.join(stale)} (run: kizuna odd)")
            return 1
        print(f"{path}: {len(names)} generated tables are current")
        return 0
    if stale:
        write_text(odd.render(text), path)
    print(f"{path}: {len(stale)} of {len(names)} tables regenerated")
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from experiments.bench import run_benchmark

    sizes = tuple(_number("--sizes", s, minimum=50) for s in args.sizes.split(",") if s.strip())
    if not sizes:
        raise InputError("command line", "--sizes", "give at least one town size")
    sweep = None if args.sweep.strip().lower() == "none" else Path(args.sweep)
    if sweep is not None and not sweep.is_file():
        raise InputError("command line", "--sweep", f"no sweep file {sweep} (or 'none')")
    run_benchmark(
        sizes,
        _number("--weeks", args.weeks, minimum=1),
        _number("--schelling-steps", args.schelling_steps, minimum=1),
        repeat=_number("--repeat", args.repeat, minimum=1),
        city=_number("--city", args.city, minimum=50),
        city_weeks=_number("--city-weeks", args.city_weeks, minimum=1),
        sweep=sweep,
        sweep_sample=_number("--sweep-sample", args.sweep_sample, minimum=1),
        workers=_number("--workers", args.workers, minimum=1),
        long_years=_number("--long-years", args.long_years, minimum=0),
        long_population=_number("--long-population", args.long_population, minimum=50),
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command == "run":
            return _cmd_run(args)
        if args.command == "compare":
            return _cmd_compare(args)
        if args.command == "sweep":
            return _cmd_sweep(args)
        if args.command == "discover":
            from experiments.discover import run_command

            return run_command(args)
        if args.command == "viz":
            from experiments.viz.cli import run_command as run_viz

            return run_viz(args)
        if args.command == "bench":
            return _cmd_bench(args)
        if args.command == "validate-model":
            return _cmd_validate_model(args)
        if args.command == "odd":
            return _cmd_odd(args)
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
