"""/readyz when the triple side's SPARQL server goes away (the web app over a real Oxigraph server)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from catalogue.backends import open_backends
from catalogue.config import Settings, Source
from catalogue.harvest import harvest_source
from catalogue.web import create_app

#: tests/store/servers.py, loaded by this folder's conftest
servers = sys.modules["catalogue_test_servers"]
BASE = "http://catalogue.test"

DOC = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
<https://node.example/wgs> a dcat:Dataset ; dct:title "Whole genomes"@en ; dct:description "Genomes."@en .
"""


def test_readyz_says_which_backend_is_down(tmp_path: Path) -> None:
    """The triple side on an Oxigraph server that stops: SPARQL is not ready, search still is."""
    binary = servers.oxigraph_binary()
    if binary is None:
        if os.environ.get("CATALOGUE_REQUIRE_STORES"):
            pytest.fail("the Oxigraph server is not installed, and CATALOGUE_REQUIRE_STORES is set")
        pytest.skip("the Oxigraph server is not installed (pip install oxigraph)")
    (tmp_path / "oxigraph").mkdir()
    server = servers.OxigraphServer(tmp_path / "oxigraph", binary, timeout_seconds=5)
    try:
        node = tmp_path / "node.ttl"
        node.write_text(DOC)
        source = Source(name="be", title="Belgian node", url=str(node))
        settings = Settings("Test catalogue", BASE, tmp_path / "data", (source,), store=server.settings)
        backends = open_backends(settings)
        try:
            harvest_source(source, backends)
            with TestClient(create_app(backends)) as client:
                deadline = time.monotonic() + 60  # ready once the SPARQL endpoint has loaded the catalogue
                while client.get("/readyz").status_code != 200:
                    assert time.monotonic() < deadline, "never ready"
                    time.sleep(0.5)
                server.stop()
                ready = client.get("/readyz")
        finally:
            backends.close()
    finally:
        server.stop()
    assert ready.status_code == 503
    body = ready.json()
    assert body["status"] == "unavailable" and body["checks"]["search"] == "ok"
    assert body["checks"]["sparql"] != "ok"
