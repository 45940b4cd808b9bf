"""One demo catalogue, one server on 127.0.0.1 and one Chromium for the whole browser suite.

The browser is Debian's ``/usr/bin/chromium`` (or ``CATALOGUE_CHROMIUM``),
driven by Playwright; never one Playwright downloads. axe-core comes from
npm into a cache folder (``CATALOGUE_AXE_DIR``, else
``~/.cache/catalogue-tests/axe``; ``.ci/run`` installs it there). Without
Chromium, Playwright or axe-core the suite skips, unless
``CATALOGUE_REQUIRE_BROWSER=1`` (set by ``.ci/run``), where it fails.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CATALOGUE_CHROMIUM", "/usr/bin/chromium")
AXE_DIR = Path(os.environ.get("CATALOGUE_AXE_DIR", Path.home() / ".cache" / "catalogue-tests" / "axe"))
AXE = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run",
]  # fmt: skip


def unavailable(why: str) -> None:
    if os.environ.get("CATALOGUE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests required (CATALOGUE_REQUIRE_BROWSER=1) but {why}")
    pytest.skip(why)


def axe_source() -> str:
    """axe-core's script, installed from npm into the cache folder on first use."""
    if not AXE.is_file():
        npm = shutil.which("npm")
        if npm is None:
            unavailable("axe-core is not installed and npm is missing")
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--silent", "--prefix", str(AXE_DIR), "axe-core@4"],
            check=False,
            timeout=300,
            capture_output=True,
        )
        if not AXE.is_file():
            unavailable(f"axe-core could not be installed into {AXE_DIR}")
    return AXE.read_text()


# package scope: Playwright's sync API holds an event loop in this thread while it runs, and the
# tests after this package call asyncio.run() — so the browser and the site end with this package
@pytest.fixture(scope="package")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo catalogue (seven nodes, a few rejected records) served on 127.0.0.1."""
    import uvicorn

    from catalogue.backends import open_backends
    from catalogue.config import load_settings
    from catalogue.demo.nodes import write_demo_config
    from catalogue.harvest import harvest_source
    from catalogue.web import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    settings = load_settings(write_demo_config(tmp_path_factory.mktemp("demo"), base_url=base))
    backends = open_backends(settings)
    for source in settings.sources:
        if source.kind != "push":
            harvest_source(source, backends)
    server = uvicorn.Server(
        uvicorn.Config(create_app(backends), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(500):
        if server.started:
            break
        time.sleep(0.02)
    warm_up(base)
    yield base
    server.should_exit = True
    thread.join(10)
    backends.close()


def warm_up(base: str) -> None:
    """The SPARQL endpoint builds its snapshot on the first query (seconds): before the pages are timed."""
    import httpx

    query = "SELECT * WHERE { ?s ?p ?o } LIMIT 1"
    for _ in range(30):
        if httpx.get(f"{base}/sparql", params={"query": query}, timeout=60).status_code == 200:
            return
        time.sleep(2)


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright for Python is not installed (pip install '.[test]')")
    if not os.access(CHROMIUM, os.X_OK):
        unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def axe() -> str:
    return axe_source()
