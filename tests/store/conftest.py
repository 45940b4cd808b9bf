"""Store backends for the contract tests: embedded always; the Oxigraph server and Virtuoso when installed.

The servers start once per test session (each in a tmp dir, on a free port)
and are cleared between tests. Without a server binary its tests are skipped —
unless ``CATALOGUE_REQUIRE_STORES=1`` (set by ``.ci/run``), which makes that a
failure, so CI cannot pass without running them.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from catalogue.config import Settings, StoreSettings
from catalogue.store import Store, open_store


def _servers_module():
    """tests/store/servers.py (pytest does not put tests/ on sys.path; bench/stores.py loads it too)."""
    if "catalogue_test_servers" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "catalogue_test_servers", Path(__file__).with_name("servers.py")
        )
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        sys.modules["catalogue_test_servers"] = module
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    return sys.modules["catalogue_test_servers"]


servers = _servers_module()
#: every test's catalogue lives under this base URL (so clearing a server only touches what tests wrote)
BASE = "http://catalogue.test"
BACKENDS = ["embedded", "oxigraph", "virtuoso"]


def _missing(what: str) -> None:
    if os.environ.get("CATALOGUE_REQUIRE_STORES"):
        pytest.fail(f"{what} is not installed, and CATALOGUE_REQUIRE_STORES is set")
    pytest.skip(f"{what} is not installed")


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory) -> Iterator:
    binary = servers.oxigraph_binary()
    if binary is None:
        _missing("the Oxigraph server (pip install oxigraph)")
    server = servers.OxigraphServer(tmp_path_factory.mktemp("oxigraph-server"), binary, timeout_seconds=30)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory) -> Iterator:
    binary = servers.virtuoso_binary()
    if binary is None:
        _missing("Virtuoso (apt-get install -y virtuoso-opensource)")
    server = servers.VirtuosoServer(tmp_path_factory.mktemp("virtuoso-server"), binary, timeout_seconds=30)
    yield server
    server.stop()


@pytest.fixture(params=BACKENDS)
def backend(request) -> StoreSettings:
    """The [store] settings of each backend in turn (a server's graphs cleared before the test)."""
    if request.param == "embedded":
        return StoreSettings()
    server = request.getfixturevalue(f"{request.param}_server")
    server.clear(BASE)
    return server.settings


@pytest.fixture
def settings_for(tmp_path: Path, backend: StoreSettings) -> Callable[..., Settings]:
    def make(base_url: str = BASE, **changes) -> Settings:
        return Settings("Test catalogue", base_url, tmp_path / "data", store=backend, **changes)

    return make


@pytest.fixture
def open_test_store(settings_for) -> Iterator[Callable[..., Store]]:
    """Open the store of the backend under test (``open_test_store()``); closed after the test."""
    opened: list[Store] = []

    def opener(read_only: bool = False) -> Store:
        store = open_store(settings_for(), read_only=read_only)
        opened.append(store)
        return store

    yield opener
    for store in opened:
        store.close()  # a second close (the test closed it) is harmless
