"""Running `kizuna validate-model` and writing its folder.

DIR/validation.csv   every target x region: published figure, match band, model median
                     and 5-95% band over replications, pass/miss
DIR/validation_runs.csv   the measured value of every target in every replication
DIR/volunteer_by_age.csv  volunteer rate by survey age group, per replication
DIR/degrees.csv      residents by number of ties outside the household (all, strong)
DIR/figures/         volunteer_age_profile.png, population_pyramid.png,
                     degree_distribution.png
DIR/validation.md, validation.html   the report (HTML with its figures inlined)
DIR/manifest.json    options, seeds, timing, failures, provenance
"""

from __future__ import annotations

import shlex
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from experiments.executors import ExecutorChoice, open_executor
from experiments.provenance import provenance
from experiments.report import md_table, render_html
from experiments.runner import Progress, RunFailure, iter_runs
from experiments.store import write_csv, write_json, write_text
from experiments.validation import (
    REGION_SCENARIOS,
    ValidationRun,
    evaluate,
    plan,
    profile_table,
    region_scenarios,
    validation_run,
)
from experiments.validation_figures import degree_table, write_figures
from model.targets import MEASURES


def run_validation(
    out_dir: Path,
    *,
    replications: int | None,
    years: float | None,
    population: int | None,
    seed: int | None,
    choice: ExecutorChoice,
    progress: bool = True,
) -> tuple[pd.DataFrame, list[RunFailure], float]:
    """Run every region kind, write the folder; (the target table, failures, seconds)."""
    scenarios = region_scenarios(replications=replications, years=years, population=population)
    specs = plan(scenarios, seed)
    t0 = time.perf_counter()
    runs: list[ValidationRun] = []
    failures: list[RunFailure] = []
    bar = Progress(len(specs), 0, "validate-model", progress)
    try:
        with open_executor(choice) as executor:
            for outcome in iter_runs(specs, executor=executor, task=validation_run):
                bar.update(outcome)
                (failures if isinstance(outcome, RunFailure) else runs).append(outcome)
    finally:
        bar.close()
    wall = time.perf_counter() - t0
    order = {(s.scenario.name, s.replication): i for i, s in enumerate(specs)}
    runs.sort(key=lambda r: order[(r.spec.scenario.name, r.spec.replication)])
    table = _write(out_dir, scenarios, runs, failures, seed, wall, choice)
    return table, failures, wall


def _write(out_dir, scenarios, runs, failures, seed, wall, choice) -> pd.DataFrame:
    out_dir.mkdir(parents=True, exist_ok=True)
    table, per_run = evaluate(runs)
    write_csv(table, out_dir / "validation.csv")
    write_csv(per_run, out_dir / "validation_runs.csv")
    write_csv(profile_table(runs), out_dir / "volunteer_by_age.csv")
    write_csv(degree_table(runs), out_dir / "degrees.csv")
    figures = write_figures(runs, out_dir) if runs else {}
    text = render_markdown(table, scenarios, runs, failures, figures, out_dir, wall)
    write_text(text, out_dir / "validation.md")
    write_text(render_html(text, out_dir), out_dir / "validation.html")
    write_json(
        {
            "kind": "validate-model",
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "status": "complete" if not failures else "incomplete",
            "seed": seed if seed is not None else scenarios[0].seed,
            "executor": choice.describe(),
            "wall_seconds": round(wall, 2),
            "scenarios": [
                {
                    "name": s.name,
                    "region": s.region.kind,
                    "population": s.region.population,
                    "weeks": s.weeks,
                    "replications": s.replications,
                }
                for s in scenarios
            ],
            "runs": [
                {
                    "scenario": r.spec.scenario.name,
                    "replication": r.spec.replication,
                    "seed": r.spec.seed_record(),
                    "seconds": round(r.seconds, 3),
                }
                for r in runs
            ],
            "failures": [
                {"run": f.spec.label, "error": f.error, "traceback": f.traceback} for f in failures
            ],
            "verdicts": table["verdict"].value_counts().to_dict() if len(table) else {},
            "provenance": provenance(),
        },
        out_dir / "manifest.json",
    )
    return table


def render_markdown(
    table: pd.DataFrame,
    scenarios,
    runs: list[ValidationRun],
    failures: list[RunFailure],
    figures: dict[str, Path],
    out_dir: Path,
    wall: float,
) -> str:
    passed = int((table["verdict"] == "pass").sum()) if len(table) else 0
    judged = int(table["verdict"].isin(["pass", "miss"]).sum()) if len(table) else 0
    lines = [
        "# kizuna model validation",
        "",
        f"{passed} of {judged} calibration targets met (the median over replications inside "
        "the target's band). Each region kind's shipped scenario ran "
        f"{scenarios[0].replications} replications; targets come from `model/targets.py`, "
        "each with its published source; `docs/ODD.md` says which parameters were tuned to "
        "which target.",
        "",
        *md_table(
            ["region", "scenario", "residents", "years", "replications"],
            [
                [
                    s.region.kind,
                    f"`scenarios/{REGION_SCENARIOS[s.region.kind].name}`",
                    f"{s.region.population:,}",
                    f"{s.weeks / 52:g}",
                    s.replications,
                ]
                for s in scenarios
            ],
        ),
        "",
        "## Targets",
        "",
        *md_table(
            [
                "target",
                "region",
                "quantity",
                "published",
                "match",
                "model median [5-95%]",
                "verdict",
            ],
            [
                [
                    f"`{r['target']}`",
                    r["region"],
                    r["quantity"],
                    r["published"],
                    r["match"],
                    r["model"],
                    "**miss**" if r["verdict"] == "miss" else r["verdict"],
                ]
                for _, r in table.iterrows()
            ],
        ),
    ]
    lines += ["", "How each is read off a run:", ""]
    lines += [f"- **{k}**: {v}" for k, v in MEASURES.items()]
    lines += ["", "Sources:", ""]
    for key, source in dict(zip(table["target"], table["source"], strict=True)).items():
        lines.append(f"- `{key}`: {source}")
    captions = {
        "volunteer_age_profile": (
            "Volunteering by age",
            "The model's rate by the survey's age groups in year 1 (median and 5-95% band "
            "over replications) against what the Survey on Time Use and Leisure Activities "
            "2016 publishes for Japan: the rate of all aged 10+, about a quarter of those "
            "65+, highest at 40-44 and lowest at 25-29. The survey is national, so the "
            "suburban town is the one held to it.",
        ),
        "population_pyramid": (
            "Population pyramid",
            "Residents by five-year age group and sex: the census profile each town is "
            "built from (dashed), the model at week 0 (grey) and at the end (bars).",
        ),
        "degree_distribution": (
            "Degree distribution of the tie network",
            "Residents by number of ties outside their household in the last week, all "
            "replications pooled, against a Poisson of the same mean.",
        ),
    }
    for name, path in figures.items():
        title, caption = captions[name]
        rel = path.relative_to(out_dir).as_posix()
        lines += ["", f"## {title}", "", caption, "", f"![{title}]({rel})"]
    if failures:
        lines += ["", "## Failed runs", ""]
        lines += [f"- {f.spec.label}: {' '.join(f.error.split())}" for f in failures]
    cmd = shlex.join(["kizuna", *sys.argv[1:]]) if sys.argv[1:] else "kizuna validate-model"
    lines += [
        "",
        "## Reproduce",
        "",
        f"`{cmd}` ({len(runs)} runs in {wall:.0f} s).",
        "",
    ]
    return "\n".join(lines)
