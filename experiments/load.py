"""Reading an output folder back into pandas in one call: ``experiments.load(DIR)``."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from experiments.errors import InputError

RUN_TABLES = {"outcomes": "file", "ledger": "ledger", "shocks": "shocks"}
CSV_TABLES = (
    "comparison",
    "costs",
    "summary",
    "yearly",
    "dashboard",
    "money_flows",
    "resilience",
)


def load(path: str | Path, table: str = "outcomes") -> pd.DataFrame:
    """One table of a `kizuna run` or `kizuna compare` folder.

    ``outcomes`` (default): every finished run's weekly outcomes stacked, with
    ``scenario`` and ``replication`` columns; ``ledger``: every transfer of money;
    ``shocks``: one row per run and disaster; or any CSV the command wrote by name
    (``comparison``, ``costs``, ``summary``, ``yearly``, ``dashboard``, ``money_flows``,
    ``resilience``). Only runs the manifest lists as done are read, so files of an
    interrupted command never mix in. The manifest is in ``df.attrs["manifest"]``."""
    root = Path(path)
    manifest_path = root / "manifest.json"
    if not manifest_path.is_file():
        raise InputError(str(root), "manifest.json", "not a kizuna output folder (no manifest)")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if table in RUN_TABLES:
        key = RUN_TABLES[table]
        frames = []
        for run in manifest["runs"]:
            if run.get("status") != "done" or key not in run:
                continue
            df = pd.read_parquet(root / run[key])
            if "scenario" not in df.columns:
                df.insert(0, "scenario", run["scenario"])
            frames.append(df)
        out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    elif table in CSV_TABLES:
        csv = root / f"{table}.csv"
        if not csv.is_file():
            raise InputError(str(root), table, f"this folder has no {table}.csv")
        out = pd.read_csv(csv)
    else:
        allowed = ", ".join([*RUN_TABLES, *CSV_TABLES])
        raise InputError(str(root), "table", f"unknown table {table!r}; allowed: {allowed}")
    out.attrs["manifest"] = manifest
    return out
