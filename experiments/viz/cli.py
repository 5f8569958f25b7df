"""`kizuna viz [SCENARIO] [--port PORT] [--host HOST]`: the app in a browser.

``add_parser`` and ``run_command`` plug into the `kizuna` command; ``main`` runs the
same thing as ``python -m experiments.viz.cli`` (tests start the server that way).
Everything the user typed is checked, and the scenario loaded, before the server
starts, so a mistake is one line and exit code 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from experiments.errors import InputError
from experiments.viz.server import DEFAULT_SCENARIO

DEFAULT_HOST = "127.0.0.1"  # this machine only, unless --host asks for more
DEFAULT_PORT = 8765


def add_parser(subparsers) -> argparse.ArgumentParser:
    """The ``viz`` subcommand; the port stays text so a bad one is a one-line error."""
    p = subparsers.add_parser(
        "viz", help="watch a town live in the browser (Mesa SolaraViz): map, ties, charts"
    )
    p.add_argument(
        "scenario",
        nargs="?",
        metavar="SCENARIO",
        help="scenario YAML file that fills the controls (default: scenarios/baseline.yaml; "
        "the town starts with at most 3,000 residents)",
    )
    p.add_argument("--port", help=f"port to serve on (default {DEFAULT_PORT})")
    p.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to serve on (default {DEFAULT_HOST}: this machine only)",
    )
    return p


def _port(text: str | None) -> int:
    if text is None:
        return DEFAULT_PORT
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise InputError("command line", "--port", f"must be a whole number 1-65535, got {text!r}")
    return port


def _ensure_assets() -> None:
    """The page's browser files, fetched once from the npm registry on first use; without
    them the page needs the internet (a warning, not an error)."""
    import subprocess

    from experiments.viz import assets

    if not assets.missing():
        return
    print("kizuna viz: fetching the page's browser files from the npm registry (once)", flush=True)
    try:
        assets.install()
    except (RuntimeError, OSError, subprocess.CalledProcessError) as exc:
        print(f"kizuna viz: warning: could not fetch them ({exc}); the page needs the internet",
              file=sys.stderr)  # fmt: skip


def run_command(args: argparse.Namespace) -> int:
    """Check the options and the scenario, then serve until interrupted (blocking)."""
    from experiments.scenario import load_scenario
    from experiments.viz.server import check_address, serve, url

    port = _port(args.port)
    host = str(args.host)
    path = Path(args.scenario) if args.scenario else DEFAULT_SCENARIO
    scenario = load_scenario(path)
    check_address(host, port)
    _ensure_assets()
    if host in ("0.0.0.0", "::"):
        print("kizuna viz: listening on every network interface (--host)", file=sys.stderr)
    print(f"kizuna viz: {scenario.name} at {url(host, port)} (Ctrl-C to stop)", flush=True)
    serve(path, host, port)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m experiments.viz.cli [SCENARIO] [--port PORT] [--host HOST]``: the
    `kizuna viz` command (same parser, same one-line errors)."""
    from experiments.cli import main as kizuna

    return kizuna(["viz", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
