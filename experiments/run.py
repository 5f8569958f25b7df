"""`kizuna run`: replications of one scenario, written to an output folder.

Layout of ``DIR``:
    runs/rep_000.parquet ...  one weekly outcomes table per replication
    runs/ledger_000.parquet   every transfer of money in that replication
    summary.csv                final-year figures: median, 5-95% band, mean
    yearly.csv                 the same for every simulated year
    money_flows.csv            yen by source, destination and channel over the run
    dashboard.csv              the report's 24 challenges: one indicator each, final year
    resilience.csv             (scenarios with shocks) one row per replication and shock
    manifest.json              resolved scenario, seeds, versions, commit, timings
    figures/*.png              fan charts of ties, participation and population;
                               resilience.png when the scenario has shocks
Each file is written whole (to a temporary name, then renamed), so an interrupted run
never leaves a half-written file behind.
"""

from __future__ import annotations

import hashlib
import json
import time
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from experiments.dashboard_view import dashboard_table
from experiments.errors import InputError
from experiments.figures import write_figures
from experiments.provenance import provenance
from experiments.resilience_figure import write_resilience_figure
from experiments.runner import RunResult, default_workers, iter_runs, plan_runs
from experiments.scenario import Scenario
from experiments.store import write_csv, write_json, write_parquet
from experiments.summary import money_flows, summarise, yearly


@dataclass
class RunOutputs:
    out_dir: Path
    results: list[RunResult]
    summary: pd.DataFrame
    wall_seconds: float


def scenario_hash(scenario: Scenario) -> str:
    canonical = json.dumps(scenario.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_out_dir(out_dir: Path) -> None:
    """Refuse an output path that cannot be a folder, before anything runs."""
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(str(out_dir), "--out", "exists and is not a folder")
    parent = next((p for p in [out_dir, *out_dir.parents] if p.exists()), None)
    if parent is None or not parent.is_dir():
        raise InputError(str(out_dir), "--out", "no existing parent folder")


def run_scenario(
    scenario: Scenario,
    out_dir: str | Path,
    *,
    workers: int | None = None,
    executor: Executor | None = None,
    progress: bool = True,
    scenario_file: str | None = None,
) -> RunOutputs:
    out_dir = Path(out_dir)
    check_out_dir(out_dir)
    specs = plan_runs(scenario)
    workers = default_workers(len(specs)) if workers is None else workers
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    results: list[RunResult] = []
    for result in iter_runs(
        specs, workers=workers, executor=executor, progress=progress, description=scenario.name
    ):
        rep = result.spec.replication
        write_parquet(result.table, out_dir / "runs" / f"rep_{rep:03d}.parquet")
        write_parquet(result.ledger, out_dir / "runs" / f"ledger_{rep:03d}.parquet")
        results.append(result)
    results.sort(key=lambda r: r.spec.replication)
    wall = time.perf_counter() - t0

    frames = [r.table for r in results]
    summary = summarise(frames)
    write_csv(summary, out_dir / "summary.csv")
    write_csv(dashboard_table(summary), out_dir / "dashboard.csv")
    write_csv(yearly(frames), out_dir / "yearly.csv")
    write_csv(money_flows([r.ledger for r in results]), out_dir / "money_flows.csv")
    write_figures(frames, out_dir / "figures", scenario.name)
    stale_files = [out_dir / "resilience.csv", out_dir / "figures" / "resilience.png"]
    if scenario.shocks:
        disasters = pd.concat([r.disasters for r in results], ignore_index=True)
        write_csv(disasters, out_dir / "resilience.csv")
        write_resilience_figure(frames, disasters, out_dir / "figures", scenario.name)
        stale_files = []
    keep = {
        f"{kind}_{r.spec.replication:03d}.parquet" for r in results for kind in ("rep", "ledger")
    }
    for stale in [
        *(out_dir / "runs").glob("rep_*.parquet"),
        *(out_dir / "runs").glob("ledger_*.parquet"),
    ]:
        if stale.name not in keep:  # left over from an earlier run with more replications
            stale.unlink()
    for stale in stale_files:  # left over from an earlier run of a scenario with shocks
        stale.unlink(missing_ok=True)
    write_json(
        {
            "scenario": scenario.model_dump(mode="json"),
            "scenario_file": scenario_file,
            "scenario_hash": scenario_hash(scenario),
            "weeks": scenario.weeks,
            "seed": scenario.seed,
            "replications": [
                {
                    "replication": r.spec.replication,
                    "seed": r.spec.seed_record(),
                    "file": f"runs/rep_{r.spec.replication:03d}.parquet",
                    "init_seconds": round(r.init_seconds, 3),
                    "run_seconds": round(r.run_seconds, 3),
                }
                for r in results
            ],
            "workers": workers if executor is None else "external executor",
            "timing": {
                "started": started.isoformat(),
                "finished": datetime.now(UTC).isoformat(),
                "wall_seconds": round(wall, 3),
            },
            "provenance": provenance(),
        },
        out_dir / "manifest.json",
    )
    return RunOutputs(out_dir, results, summary, wall)


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
