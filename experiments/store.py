"""Writing results safely: every file appears whole or not at all (write, then rename)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()


def _atomic(path: Path, write: Callable[[Path], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, _FILE_MODE)  # mkstemp makes private files; results are ordinary ones
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_parquet(df: pd.DataFrame, path: str | Path) -> None:
    _atomic(Path(path), lambda tmp: df.to_parquet(tmp, index=False))


def write_csv(df: pd.DataFrame, path: str | Path) -> None:
    _atomic(Path(path), lambda tmp: df.to_csv(tmp, index=False))


def write_json(data: Any, path: str | Path) -> None:
    def dump(tmp: Path) -> None:
        tmp.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")

    _atomic(Path(path), dump)


def write_text(text: str, path: str | Path) -> None:
    _atomic(Path(path), lambda tmp: tmp.write_text(text, encoding="utf-8"))


def save_figure(fig: Any, path: str | Path) -> None:
    _atomic(Path(path), lambda tmp: fig.savefig(tmp, format="png", dpi=120, bbox_inches="tight"))


# --- the run store: one outcomes file per finished run ----------------------------------

_META_KEY = b"kizuna"


def write_parquet_with_record(df: pd.DataFrame, record: dict[str, Any], path: str | Path) -> None:
    """A Parquet file carrying a JSON ``record`` in its footer (read with ``read_record``)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    meta = {**(table.schema.metadata or {}), _META_KEY: json.dumps(record, default=str).encode()}
    table = table.replace_schema_metadata(meta)
    _atomic(Path(path), lambda tmp: pq.write_table(table, tmp))


def read_record(path: str | Path) -> dict[str, Any] | None:
    """The record written by ``write_parquet_with_record``; None for a missing or
    unreadable file, or one without a record."""
    import pyarrow.parquet as pq

    try:
        meta = pq.read_schema(path).metadata or {}
        return json.loads(meta[_META_KEY]) if _META_KEY in meta else None
    except (OSError, ValueError, KeyError):
        return None
