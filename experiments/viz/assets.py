"""The browser's files (Solara's JavaScript, CSS and fonts) for machines offline.

Solara's page loads its front end from a CDN through the Solara server, which keeps a
copy in a cache folder (``sys.prefix/share/solara/cdn`` unless
``SOLARA_ASSETS_PROXY_CACHE_DIR`` says otherwise). With no internet that fetch fails
and the page stays blank. ``python -m experiments.viz.assets`` fills the cache from the
npm registry with ``npm pack``, once per environment; the packages and versions are
read from Solara's own page template, so they follow a Solara upgrade.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

_CDN_REF = re.compile(r"\{\{cdn\}\}/((?:@[\w.-]+/)?[\w.-]+@[\w.-]+)/")


def cache_dir() -> Path:
    """Where the Solara server looks for (and keeps) CDN files."""
    from solara.server import settings

    return Path(settings.assets.proxy_cache_dir)


def required() -> list[str]:
    """``name@version`` of every npm package Solara's page loads from the CDN."""
    import ipyvue
    import solara.server
    from solara.server import settings

    template = Path(solara.server.__file__).parent / "templates" / "solara.html.j2"
    found = set(_CDN_REF.findall(template.read_text(encoding="utf-8")))
    # the page uses one of two front ends, as the server decides (Vue 3 or Vue 2)
    other = "solara-vuetify-app@" if ipyvue.__version__.startswith("3") else "solara-vuetify3-app@"
    found = {p for p in found if other not in p}
    fontawesome = settings.assets.fontawesome_path.strip("/").split("/")[0]
    return sorted(found | {fontawesome})


def missing(cache: Path | None = None) -> list[str]:
    cache = cache or cache_dir()
    return [p for p in required() if not (cache / p).is_dir()]


def install(cache: Path | None = None) -> list[str]:
    """Fetch the missing packages with ``npm pack`` and unpack each into the cache
    (whole, or not at all); returns what was installed."""
    cache = cache or cache_dir()
    todo = missing(cache)
    if not todo:
        return []
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(f"npm is needed to fetch {', '.join(todo)} (or run online once)")
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        out = subprocess.run(
            [npm, "pack", *todo, "--pack-destination", tmp, "--json"],
            check=True,
            capture_output=True,
            text=True,
        )
        for spec, packed in zip(todo, json.loads(out.stdout), strict=True):
            unpacked = Path(tmp) / f"unpacked-{packed['filename']}"
            with tarfile.open(Path(tmp) / packed["filename"]) as tar:
                tar.extractall(unpacked, filter="data")
            dest = cache / spec
            dest.parent.mkdir(parents=True, exist_ok=True)
            (unpacked / "package").rename(dest)
    return todo


def main() -> int:
    try:
        done = install()
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", "") or ""
        print(f"kizuna: error: front-end assets: {exc} {detail.strip()}", file=sys.stderr)
        return 1
    where = cache_dir()
    print(f"installed {', '.join(done)} in {where}" if done else f"assets already in {where}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
