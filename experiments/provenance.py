"""Where a result came from: versions, commit, machine and command, for the manifest."""

from __future__ import annotations

import functools
import hashlib
import platform
import socket
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parent.parent


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "unknown"


def git_commit() -> dict[str, Any]:
    """Commit of the source tree kizuna runs from, and whether it had local changes."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=_ROOT, capture_output=True, text=True, timeout=5
        )
        if commit.returncode != 0:
            return {"commit": "unknown", "dirty": None}
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=_ROOT, capture_output=True, text=True, timeout=5,
        )  # fmt: skip
        return {"commit": commit.stdout.strip(), "dirty": bool(status.stdout.strip())}
    except (OSError, subprocess.SubprocessError):
        return {"commit": "unknown", "dirty": None}


# the code that decides a run's numbers: the model, and how a scenario becomes one
_RUN_CODE = ("model/**/*.py", "experiments/scenario.py", "experiments/runner.py")


@functools.cache
def code_version() -> dict[str, Any]:
    """A hash of the code that decides a run's numbers, so a stored run made by other
    model code is rerun, while commits elsewhere (docs, reports, tests) keep it valid."""
    digest = hashlib.sha256()
    for path in sorted(p for pattern in _RUN_CODE for p in _ROOT.glob(pattern)):
        digest.update(str(path.relative_to(_ROOT)).encode())
        digest.update(path.read_bytes())
    return {"kizuna": _version("kizuna"), "model_code": digest.hexdigest()[:16]}


def provenance() -> dict[str, Any]:
    return {
        "kizuna": _version("kizuna"),
        "git": git_commit(),
        "python": sys.version.split()[0],
        "mesa": _version("mesa"),
        "numpy": _version("numpy"),
        "numba": _version("numba"),
        "host": socket.gethostname(),
        "platform": platform.platform(),
        "command": sys.argv,
    }
