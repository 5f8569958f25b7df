"""`kizuna run`: replications of one scenario, written to a resumable output folder.

Layout of ``DIR``:
    runs/NAME/rep_000.parquet ...  one weekly outcomes table per replication (see run_store)
    runs/NAME/ledger_000.parquet   every transfer of money in that replication
    summary.csv                    final-year figures: median, 5-95% band, mean
    yearly.csv                     the same for every simulated year
    money_flows.csv                yen by source, destination and channel over the run
    dashboard.csv                  the report's 24 challenges: one indicator each, final year
    resilience.csv                 (scenarios with shocks) one row per replication and shock
    manifest.json                  resolved scenario, seeds, versions, commit, timings
    figures/*.png                  fan charts of ties, participation and population;
                                   resilience.png when the scenario has shocks
Running the same command again reuses the finished replications.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from experiments.dashboard_view import dashboard_table
from experiments.executors import ExecutorChoice
from experiments.experiment import Experiment, ExperimentRun, execute
from experiments.figures import PANELS, write_figures
from experiments.resilience_figure import write_resilience_figure
from experiments.runner import RunResult
from experiments.scenario import Scenario
from experiments.store import write_csv
from experiments.summary import money_flows, summarise, yearly

# what `kizuna compare` writes, removed when `kizuna run` reuses its folder
COMPARE_FILES = ("comparison.csv", "costs.csv", "report.md", "report.html")


def write_outputs(scenario: Scenario, results: list[RunResult], out_dir: Path) -> pd.DataFrame:
    """The summaries and figures of one scenario's finished runs; returns the summary."""
    for name in COMPARE_FILES:
        (out_dir / name).unlink(missing_ok=True)
    for stale in (out_dir / "figures").glob("*.png"):
        if stale.stem not in {*PANELS, "resilience"}:
            stale.unlink()
    frames = [r.table for r in results]
    summary = summarise(frames)
    write_csv(summary, out_dir / "summary.csv")
    write_csv(dashboard_table(summary), out_dir / "dashboard.csv")
    write_csv(yearly(frames), out_dir / "yearly.csv")
    write_csv(money_flows([r.ledger for r in results]), out_dir / "money_flows.csv")
    write_figures(frames, out_dir / "figures", scenario.name)
    if scenario.shocks:
        disasters = pd.concat([r.disasters for r in results], ignore_index=True)
        write_csv(disasters, out_dir / "resilience.csv")
        write_resilience_figure(frames, disasters, out_dir / "figures", scenario.name)
    else:  # left over from an earlier run of a scenario with shocks
        (out_dir / "resilience.csv").unlink(missing_ok=True)
        (out_dir / "figures" / "resilience.png").unlink(missing_ok=True)
    return summary


def run_scenario(
    scenario: Scenario,
    out_dir: str | Path,
    *,
    choice: ExecutorChoice | None = None,
    progress: bool = True,
    resume: bool = True,
    scenario_file: str | None = None,
) -> tuple[ExperimentRun, pd.DataFrame | None]:
    """Run (or finish) the scenario's replications and write its results.

    The summary is None when every replication failed."""
    experiment = Experiment([scenario], [scenario_file], "run")
    run = execute(experiment, out_dir, choice=choice, progress=progress, resume=resume)
    results = run.results[scenario.name]
    summary = write_outputs(scenario, results, run.out_dir) if results else None
    run.write_manifest()
    return run, summary


HEADLINE = (
    "population",
    "share_65_plus",
    "elders_living_alone",
    "mean_degree",
    "mean_strong_degree",
    "isolated_share",
    "volunteer_rate",
    "donor_rate",
    "association_membership",
)


def headline(summary: pd.DataFrame) -> str:
    """A few final-year figures for the terminal."""
    rows = summary.set_index("outcome").loc[list(HEADLINE)]
    year = int(summary["year"].iloc[0])
    lines = [
        f"year {year}, median [5-95% band] over {int(rows['replications'].iloc[0])} replications:"
    ]
    for name, row in rows.iterrows():
        lines.append(f"  {name:<24}{row['median']:>12.3f}  [{row['p05']:.3f} - {row['p95']:.3f}]")
    return "\n".join(lines)
