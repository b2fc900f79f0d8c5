"""The dashboard's browser files, made available offline.

Solara's page loads its front end (Vue/Vuetify app, require.js, icon fonts) from a
CDN through the server's asset proxy, which keeps a cache. On a machine without
network the page stays blank. :func:`ensure_frontend_assets` fills that cache from the
npm registry (``npm pack``), once, so ``zili app`` and the browser tests work offline.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

# npm packages the Solara page requests through its CDN proxy (package@version)
PACKAGES = ("@widgetti/solara-vuetify3-app@5.2.0", "requirejs@2.3.6", "font-awesome@4.5.0", "mermaid@10.8.0")


def cache_dir() -> Path:
    """Solara's asset proxy cache folder."""
    from solara.server import settings

    return Path(settings.assets.proxy_cache_dir)


def missing(packages: tuple[str, ...] = PACKAGES) -> list[str]:
    """Packages not yet in the cache."""
    root = cache_dir()
    return [p for p in packages if not (root / p / "package.json").is_file()]


def ensure_frontend_assets(packages: tuple[str, ...] = PACKAGES, *, timeout: float = 300) -> list[str]:
    """Put the front-end packages into Solara's cache with ``npm pack``; return what was added.

    Raises
    ------
    RuntimeError
        When npm is missing or cannot fetch a package (one line, for the caller to show).
    """
    todo = missing(packages)
    if not todo:
        return []
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("the dashboard's front-end files are not cached and npm is missing to fetch them (apt-get install npm)")
    root = cache_dir()
    with tempfile.TemporaryDirectory(prefix="zili-assets-") as tmp:
        done = subprocess.run([npm, "pack", *todo, "--silent"], cwd=tmp, capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"npm pack {' '.join(todo)} failed: {done.stderr.strip().splitlines()[-1:] or done.returncode}")
        tarballs = done.stdout.split()
        for pkg, tgz in zip(todo, tarballs):
            dest = root / pkg
            staging = Path(tmp) / "x"
            shutil.rmtree(staging, ignore_errors=True)
            with tarfile.open(Path(tmp) / tgz) as tf:
                tf.extractall(staging, filter="data")
            dest.parent.mkdir(parents=True, exist_ok=True)
            if dest.exists():
                shutil.rmtree(dest)
            shutil.move(str(staging / "package"), dest)
    return todo
