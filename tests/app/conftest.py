"""Browser-test fixtures: Debian's Chromium, the dashboard's offline front end, a live server.

Chromium comes from Debian's ``chromium`` package, installed here if missing (CI and
developers run as root, so ``apt-get`` works without sudo); no browser is downloaded by
Playwright. The Solara page's own front-end files are put into Solara's asset cache from
the npm registry (``zili.app.assets``), so the page loads without any CDN.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import pytest

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        # we run as root on developer machines and in CI: install Debian's package
        done = subprocess.run(
            "apt-get update -qq && apt-get install -y -qq chromium",
            shell=True, capture_output=True, text=True, timeout=900, check=False,
        )
        path = shutil.which("chromium")
        if path is None:
            pytest.skip(f"Debian's chromium package is not installed and apt-get could not install it: {done.stderr.strip()[-300:]}")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    pw = pytest.importorskip("playwright.sync_api")
    with pw.sync_playwright() as p, tempfile.TemporaryDirectory(prefix="zili-chromium-") as profile:
        # a fresh profile per session (Playwright passes it as --user-data-dir)
        ctx = p.chromium.launch_persistent_context(
            profile, executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 1000}
        )
        yield ctx
        ctx.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def app_url():
    pytest.importorskip("solara")
    from zili.app.assets import ensure_frontend_assets

    try:
        ensure_frontend_assets()
    except Exception as exc:  # no npm and no cache: the page cannot load offline
        pytest.skip(f"dashboard front-end files unavailable: {exc}")
    port = _free_port()
    solara = shutil.which("solara", path=os.path.dirname(sys.executable)) or shutil.which("solara")
    cmd = [solara] if solara else [sys.executable, "-m", "solara"]
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        cmd + ["run", "zili.app.main", "--host", "127.0.0.1", "--port", str(port), "--production"],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "SOLARA_CHECK_HOOKS": "off"},
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.time() + 90
        while True:
            try:
                urllib.request.urlopen(url, timeout=2).read(100)
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    log.seek(0)
                    pytest.fail(f"solara server did not start: {log.read().decode(errors='replace')[-2000:]}")
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
