"""``catalogue migrate``: an embedded catalogue moved onto a real SPARQL server and back, through the CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from catalogue.backends import open_backends
from catalogue.cli import app
from catalogue.config import StoreSettings, load_settings
from catalogue.consistency import check
from catalogue.sparql.answer import Limits
from catalogue.sparql.service import SparqlService

DOC = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix ex: <https://node.example/> .

ex:catalog a dcat:Catalog ; dct:title "Node"@en ; dct:description "A node."@en ;
   dcat:dataset ex:wgs, ex:cohort, ex:broken .
ex:wgs a dcat:Dataset ; dct:title "Whole-genome sequencing"@en ; dct:description "Genomes."@en .
ex:cohort a dcat:Dataset ; dct:title "Cardiovascular cohort"@en ; dct:description "Heart study."@en .
ex:broken a dcat:Dataset ; dct:title "Broken record without description"@en .
"""
LATER = 'ex:rare a dcat:Dataset ; dct:title "Rare diseases"@en ; dct:description "Registry."@en .\n'
BASE = "http://catalogue.test"
TITLES = "SELECT ?t WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> ; <http://purl.org/dc/terms/title> ?t }"


@pytest.fixture(params=["oxigraph", "virtuoso"])
def server(request):
    found = request.getfixturevalue(f"{request.param}_server")
    found.clear(BASE)
    return found


def write_config(folder: Path, backend: str, store: StoreSettings | None = None) -> Path:
    """A catalogue.toml selecting ``backend``, with the server's settings given either way."""
    lines = ["[store]", f'backend = "{backend}"']
    if store is not None:
        lines += [
            f'{key} = "{getattr(store, key)}"' for key in ("query_url", "update_url", "graph_store_url")
        ]
        lines += [f'auth = "{store.auth}"', f'named_graphs = "{store.named_graphs}"']
        if store.user:
            lines += [f'user = "{store.user}"', f'password = "{store.password}"']
    path = folder / "catalogue.toml"
    path.write_text(
        f'[catalogue]\ntitle = "T"\nbase_url = "{BASE}"\ndata_dir = "./data"\n\n'
        '[[sources]]\nname = "be"\ntitle = "Belgian node"\nurl = "be.ttl"\n\n' + "\n".join(lines) + "\n"
    )
    return path


def titles(config: Path) -> list[str]:
    backends = open_backends(load_settings(config))
    try:
        assert check(backends.store, backends.index).in_line
        service = SparqlService(backends.store, Limits(timeout=30))
        try:
            answer = service.execute(TITLES)
        finally:
            service.close()
        return sorted(row["t"].value for row in answer.rows or [])
    finally:
        backends.close()


def test_an_embedded_catalogue_moves_to_a_sparql_server_and_back(tmp_path: Path, server) -> None:
    runner = CliRunner()
    (tmp_path / "be.ttl").write_text(DOC)
    config = write_config(tmp_path, "embedded", server.settings)
    assert runner.invoke(app, ["--config", str(config), "harvest"]).exit_code == 0

    moved = runner.invoke(app, ["--config", str(config), "migrate", "--to", "sparql"])
    assert moved.exit_code == 0, moved.output
    assert "Copied 4 records into the sparql triple store" in moved.output  # 3 datasets + the catalogue
    assert "In line" in moved.output and 'backend = "sparql"' in moved.output

    # the catalogue keeps harvesting on the embedded store after the copy: nothing of it is lost
    (tmp_path / "be.ttl").write_text(DOC.replace("ex:broken .", "ex:broken, ex:rare .") + LATER)
    assert runner.invoke(app, ["--config", str(config), "harvest"]).exit_code == 0

    on_server = write_config(tmp_path, "sparql", server.settings)
    expected = ["Cardiovascular cohort", "Rare diseases", "Whole-genome sequencing"]
    assert titles(on_server) == expected  # the store noticed the later run and caught up

    back = runner.invoke(app, ["--config", str(on_server), "migrate", "--to", "embedded"])
    assert back.exit_code == 0, back.output
    assert "Copied 5 records into the embedded triple store" in back.output
    assert titles(write_config(tmp_path, "embedded")) == expected


@pytest.mark.parametrize(
    ("to", "message"),
    [
        ("sparql", "query_url, update_url, graph_store_url"),
        ("elasticsearch", "[search] url"),
        ("embedded", "already embedded"),
        ("fuseki", "--to must be one of sparql, elasticsearch, embedded"),
    ],
)
def test_a_migration_that_cannot_be_done_says_why(tmp_path: Path, to: str, message: str) -> None:
    (tmp_path / "be.ttl").write_text(DOC)
    config = write_config(tmp_path, "embedded")
    result = CliRunner().invoke(app, ["--config", str(config), "migrate", "--to", to])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())


def test_search_comes_back_from_elasticsearch_to_the_embedded_index(tmp_path: Path) -> None:
    """Only the store is read: the cluster being left need not even answer."""
    runner = CliRunner()
    (tmp_path / "be.ttl").write_text(DOC)
    config = write_config(tmp_path, "embedded")
    assert runner.invoke(app, ["--config", str(config), "harvest"]).exit_code == 0
    index_dir = tmp_path / "data" / "index"
    shutil.rmtree(index_dir)  # as if search had lived in Elasticsearch all along
    config.write_text(
        config.read_text() + '\n[search]\nbackend = "elasticsearch"\nurl = "http://127.0.0.1:9"\n'
    )
    back = runner.invoke(app, ["--config", str(config), "migrate", "--to", "embedded"])
    assert back.exit_code == 0, back.output
    assert "Indexed 2 datasets in the embedded search index" in back.output and "In line" in back.output
    assert "Copied" not in back.output  # the store was embedded already
    assert titles(write_config(tmp_path, "embedded")) == ["Cardiovascular cohort", "Whole-genome sequencing"]
