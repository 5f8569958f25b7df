"""Serving the app: Solara's Starlette app under uvicorn, on one address.

The scenario file reaches each browser session through ``KIZUNA_VIZ_SCENARIO``; the
address is checked by binding it once before the server starts, so a port in use is a
one-line error rather than a traceback from inside uvicorn. Solara's telemetry and its
"runs on Solara" banner are off.
"""

from __future__ import annotations

import os
import socket
import sys
import warnings
from pathlib import Path

from experiments.errors import InputError

APP = "experiments.viz.app:Page"
SCENARIO_ENV = "KIZUNA_VIZ_SCENARIO"  # the scenario file each browser session starts from
DEFAULT_SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"


def url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def check_address(host: str, port: int) -> None:
    """``InputError`` unless this process could listen on ``host:port`` now."""
    try:
        family, kind, proto, _, where = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as exc:
        raise InputError("command line", "--host", f"unknown address {host!r} ({exc})") from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(where)
        except OSError as exc:
            raise InputError(
                "command line", "--port", f"cannot listen on {host}:{port}: {exc.strerror or exc}"
            ) from None


def serve(scenario: Path, host: str, port: int) -> None:
    """Run the app until interrupted (blocking)."""
    os.environ[SCENARIO_ENV] = str(Path(scenario).resolve())
    os.environ["SOLARA_APP"] = APP
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")
    os.environ.setdefault("SOLARA_THEME_SHOW_BANNER", "false")
    from experiments.viz import assets  # imports Solara's settings: after the lines above

    lacking = assets.missing()
    if lacking:
        print(
            f"kizuna viz: the browser's files ({', '.join(lacking)}) are not cached; the "
            "server fetches them from the CDN, which needs the internet (offline, run "
            "`python -m experiments.viz.assets` once)",
            file=sys.stderr,
        )
    import uvicorn

    # Solara warns on every new session that plain http cannot carry a cross-site
    # cookie; the app is served to this machine over http on purpose
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
    uvicorn.run("solara.server.starlette:app", host=host, port=port, log_level="warning")
