"""Small towns and tiny scenario files for tests, so the suite stays fast."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from experiments.cli import main
from model import KizunaModel, Params, get_region


def small_town(
    population: int = 1500,
    seed: int = 1,
    region: str = "suburban",
    warmup_weeks: int = 26,
    params: dict | None = None,
    interventions: tuple = (),
    shocks: tuple = (),
    **region_overrides: object,
) -> KizunaModel:
    profile = get_region(region)
    if region_overrides:
        profile = profile.with_overrides(**region_overrides)
    return KizunaModel(
        profile,
        population,
        Params(**(params or {})),
        rng=seed,
        warmup_weeks=warmup_weeks,
        interventions=interventions,
        shocks=shocks,
    )


def run_town(weeks: int, **kwargs: object):
    """Outcomes table of a small town run for ``weeks``."""
    model = small_town(**kwargs)
    for _ in range(weeks):
        model.step()
    return model.outcomes()


def mean_over_seeds(outcome: str, week: int, seeds=(1, 2, 3), **kwargs: object) -> float:
    """Common random numbers: the same seeds for every arm of a comparison."""
    return float(np.mean([run_town(week, seed=s, **kwargs)[outcome].iloc[week] for s in seeds]))


ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"

# a scenario small enough to run in a second or two
TINY = {
    "name": "tiny",
    "region": {"kind": "suburban", "population": 300},
    "horizon": {"weeks": 6},
    "replications": 2,
    "warmup_weeks": 4,
}


def write_text(tmp_path: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def write_scenario(tmp_path: Path, **changes: object) -> Path:
    """TINY with some fields replaced, written as YAML."""
    return write_text(tmp_path, yaml.safe_dump({**TINY, **changes}, sort_keys=False))


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``kizuna argv`` in-process; argparse's own exits are turned into return codes."""
    try:
        rc = main(list(argv))
    except SystemExit as exc:
        rc = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return rc, captured.out, captured.err
