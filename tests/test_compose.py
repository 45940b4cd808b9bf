"""docker-compose.yml agrees with what the catalogue expects (no Docker needed: the file is read)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest

from catalogue.config import load_settings
from catalogue.demo.nodes import write_demo_nodes

yaml = pytest.importorskip("yaml")
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture
def settings(compose, monkeypatch):
    # compose hands the password to the container as this variable (checked below)
    monkeypatch.setenv("CATALOGUE_ES_PASSWORD", "from-the-environment")
    (config,) = compose["configs"].values()
    return load_settings(ROOT / config["file"])


def test_services_wait_for_what_they_need(compose) -> None:
    services = compose["services"]
    assert set(services) == {"elasticsearch", "oxigraph", "harvest", "catalogue"}
    for name in ("elasticsearch", "oxigraph"):
        assert services[name]["healthcheck"]["test"], f"{name} needs a health check"
    for name in ("harvest", "catalogue"):
        needs = services[name]["depends_on"]
        assert needs["elasticsearch"]["condition"] == needs["oxigraph"]["condition"] == "service_healthy"
    assert services["catalogue"]["depends_on"]["harvest"]["condition"] == "service_completed_successfully"


def test_images_run_as_a_user_with_a_health_check(compose) -> None:
    catalogue = compose["services"]["catalogue"]["build"]["dockerfile_inline"]
    assert re.search(r"^USER catalogue$", catalogue, re.M) and "HEALTHCHECK" in catalogue
    assert re.search(r"^USER oxigraph$", compose["services"]["oxigraph"]["build"]["dockerfile_inline"], re.M)
    health = re.search(r"urlopen\('http://127\.0\.0\.1:(\d+)(/[^']*)'", catalogue)
    assert health and health[2] == "/api/sources" and f'--port", "{health[1]}"' in catalogue


def test_ports_are_bound_to_localhost_only(compose) -> None:
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), f"{name} publishes {port} to the world"


def test_the_config_reaches_the_services_by_name(compose, settings) -> None:
    store, search = settings.store, settings.search
    assert store.backend == "sparql" and search.backend == "elasticsearch"
    oxigraph_port = re.search(
        r"--bind\", \"0\.0\.0\.0:(\d+)", compose["services"]["oxigraph"]["build"]["dockerfile_inline"]
    )
    for url in (store.query_url, store.update_url, store.graph_store_url):
        parsed = urlparse(url)
        assert (parsed.hostname, str(parsed.port)) == ("oxigraph", oxigraph_port[1])
    es = urlparse(search.url)
    assert (es.hostname, es.port) == ("elasticsearch", 9200) and search.user == "elastic"
    environment = compose["services"]["catalogue"]["environment"]
    assert environment["CATALOGUE_ES_PASSWORD"].startswith("${ELASTIC_PASSWORD")
    assert environment["CATALOGUE_CONFIG"] == compose["services"]["catalogue"]["configs"][0]["target"]
    assert str(settings.data_dir) == compose["services"]["catalogue"]["volumes"][0].split(":")[1]


def test_every_variable_without_a_default_is_in_env_example(compose) -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    example = dict(
        line.split("=", 1)
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    used = set(re.findall(r"\$\{([A-Z_]+)", text))
    assert used <= set(example), f"not in .env.example: {used - set(example)}"


def test_the_example_sources_are_the_demo_nodes_the_harvest_service_writes(settings, tmp_path) -> None:
    written = {f"/data/demo/nodes/{node.path.name}" for node in write_demo_nodes(tmp_path / "nodes")}
    assert {source.url for source in settings.sources} <= written
    assert all(source.interval is not None for source in settings.sources)
