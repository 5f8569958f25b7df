"""`kizuna compare`: scenarios run with common random numbers, and the report on them.

Layout of ``DIR``:
    runs/NAME/rep_000.parquet ...  every scenario's runs (see run_store), resumable
    comparison.csv                 per outcome and scenario: final-year median, 5-95% band,
                                   mean, and the paired difference from the first scenario
                                   with its 90% interval (and the unpaired one beside it)
    costs.csv                      yen of extra intervention spend per unit of difference
    resilience.csv                 (scenarios with shocks) one row per scenario, run, shock
    figures/*.png                  fan charts, differences, differences over time
    report.md, report.html         the report; the HTML carries its figures inside it
    manifest.json                  scenarios, seeds, runs, failures, provenance, timing
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from experiments.compare_figures import write_compare_figures
from experiments.executors import ExecutorChoice
from experiments.experiment import Experiment, ExperimentRun, execute
from experiments.paired import comparison_table, cost_table, final_values
from experiments.report import write_report
from experiments.store import write_csv


@dataclass
class Comparison:
    run: ExperimentRun
    order: list[str]  # scenario names, the reference first
    values: dict[str, pd.DataFrame]  # final-year figures per replication, by scenario
    table: pd.DataFrame  # comparison.csv
    costs: pd.DataFrame  # costs.csv


def analyse(run: ExperimentRun) -> Comparison:
    order = [sc.name for sc in run.experiment.scenarios]
    values = {name: final_values(run.results[name]) for name in order}
    table = comparison_table(values, order)
    costs = cost_table(values, table, order, seed=run.experiment.seed)
    return Comparison(run, order, values, table, costs)


# what `kizuna run` writes, removed when `kizuna compare` reuses its folder
RUN_FILES = ("summary.csv", "yearly.csv", "dashboard.csv", "money_flows.csv")


def write_comparison(comparison: Comparison) -> None:
    out_dir = comparison.run.out_dir
    for name in RUN_FILES:
        (out_dir / name).unlink(missing_ok=True)
    write_csv(comparison.table, out_dir / "comparison.csv")
    write_csv(comparison.costs, out_dir / "costs.csv")
    shocked = [
        pd.concat([r.disasters for r in comparison.run.results[sc.name]], ignore_index=True).assign(
            scenario=sc.name
        )
        for sc in comparison.run.experiment.scenarios
        if sc.shocks and comparison.run.results[sc.name]
    ]
    if shocked:
        write_csv(pd.concat(shocked, ignore_index=True), out_dir / "resilience.csv")
    else:
        (out_dir / "resilience.csv").unlink(missing_ok=True)
    frames = {name: comparison.run.frames(name) for name in comparison.order}
    figures = write_compare_figures(frames, comparison.table, comparison.order, out_dir / "figures")
    write_report(comparison, figures)


def compare_scenarios(
    experiment: Experiment,
    out_dir: str | Path,
    *,
    choice: ExecutorChoice | None = None,
    progress: bool = True,
    resume: bool = True,
) -> Comparison | None:
    """Run (or finish) every scenario's replications and write the comparison.

    None when some scenario has no finished run to compare."""
    run = execute(experiment, out_dir, choice=choice, progress=progress, resume=resume)
    comparison = None
    if all(run.results[sc.name] for sc in experiment.scenarios):
        comparison = analyse(run)
        write_comparison(comparison)
    run.write_manifest()
    return comparison
