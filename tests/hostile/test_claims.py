"""Nodes describing each other's datasets: one IRI, one visible record (the rule: catalogue/claims.py).

Three nodes harvested for real (files) and pushed to over HTTP: ``a`` owns
``https://data.a.example/`` (configured ``namespaces``), ``b`` and ``c`` own
nothing there. After every step: at most one visible record per dataset IRI
in the registry, one hit in search, one title in SPARQL's default graph, and
``catalogue check`` in line (index and triple side).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest

from catalogue.config import Source
from catalogue.consistency import check
from catalogue.fetch import Document
from catalogue.harvest import harvest_source
from catalogue.index import SearchQuery
from catalogue.push import push_records
from catalogue.records import record_id
from catalogue.sparql.answer import Limits
from catalogue.sparql.service import SparqlService
from catalogue.tokens import create_token
from catalogue.web import create_app

A = "https://data.a.example/"
X = A + "genomes"  # in a's namespace
Y = "https://elsewhere.example/cohort"  # nobody's
HEAD = "@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .\n"


def dataset(iri: str, title: str) -> str:
    return f'<{iri}> a dcat:Dataset ; dct:title "{title}"@en ; dct:description "About {title}."@en .\n'


def node_document(*datasets: tuple[str, str]) -> str:
    return HEAD + "".join(dataset(iri, title) for iri, title in datasets)


@pytest.fixture
def nodes(tmp_path: Path, open_catalogue):
    files = {name: tmp_path / f"{name}.ttl" for name in "abc"}
    sources = {
        "a": Source(name="a", title="A", url=str(files["a"]), namespaces=(A,)),
        "b": Source(name="b", title="B", url=str(files["b"])),
        "c": Source(name="c", title="C", url=str(files["c"])),
    }
    backends = open_catalogue(*sources.values())

    def harvest(name: str, *datasets: tuple[str, str]):
        files[name].write_text(node_document(*datasets))
        return harvest_source(sources[name], backends).run

    return backends, sources, harvest


def statuses(backends, iri: str) -> dict[str, str]:
    """Source → status of its record for this IRI (read from the registry file itself)."""
    path = backends.settings.store_dir / "records.sqlite"
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return dict(db.execute("SELECT source, status FROM records WHERE uri = ?", (iri,)).fetchall())


def assert_one_visible(backends, iri: str, title: str | None) -> None:
    """One visible record (or none: title None), everywhere the public looks; all copies in line."""
    visible = [s for s, status in statuses(backends, iri).items() if status in ("published", "flagged")]
    assert len(visible) == (0 if title is None else 1), statuses(backends, iri)
    hits = backends.index.search(SearchQuery(size=100)).hits
    candidates = {record_id(source, iri) for source in "abc"}
    assert [h.id for h in hits if h.id in candidates] == [record_id(s, iri) for s in visible]
    service = SparqlService(backends.store, Limits(timeout=30))
    try:
        answer = service.execute(f"SELECT ?t WHERE {{ <{iri}> <http://purl.org/dc/terms/title> ?t }}")
    finally:
        service.close()
    assert [row["t"].value for row in answer.rows or []] == ([title] if title else [])
    report = check(backends.store, backends.index)
    assert report.in_line, report.to_json()


def test_a_second_node_cannot_publish_the_first_nodes_dataset(nodes) -> None:
    backends, _, harvest = nodes
    harvest("a", (X, "Genomes of A"))
    run = harvest("b", (X, "Genomes as B says"), (Y, "Cohort of B"))
    assert statuses(backends, X) == {"a": "published", "b": "duplicate"}  # b's kept, not published
    assert run.outcome == "ok" and run.published == 1
    assert run.notes == [
        f"dataset IRI {X} is already published by source 'a'; this source's record is kept, unpublished"
    ]
    assert backends.store.runs("b", limit=1)[0].notes == run.notes  # in the history
    assert_one_visible(backends, X, "Genomes of A")
    assert_one_visible(backends, Y, "Cohort of B")
    again = harvest("b", (X, "Genomes as B says"), (Y, "Cohort of B"))  # unchanged: still refused
    assert again.notes == run.notes and statuses(backends, X)["b"] == "duplicate"


def test_the_owner_takes_its_iri_over_from_a_node_that_published_it_first(nodes) -> None:
    backends, _, harvest = nodes
    harvest("b", (X, "Genomes as B says"), (Y, "Cohort of B"))
    assert_one_visible(backends, X, "Genomes as B says")
    run = harvest("a", (X, "Genomes of A"))
    assert statuses(backends, X) == {"a": "published", "b": "duplicate"}
    assert "published from here instead of source 'b'" in run.notes[0]
    assert_one_visible(backends, X, "Genomes of A")
    later = harvest("b", (X, "Genomes as B says"), (Y, "Cohort of B"))
    assert later.notes and "already published by source 'a'" in later.notes[0]
    assert_one_visible(backends, X, "Genomes of A")


def test_without_an_owner_the_first_to_publish_keeps_it(nodes) -> None:
    backends, _, harvest = nodes
    harvest("b", (Y, "Cohort of B"))
    run = harvest("c", (Y, "Cohort as C says"), (A + "other", "Something else"))
    assert statuses(backends, Y) == {"b": "published", "c": "duplicate"}
    assert "already published by source 'b'" in run.notes[0]
    harvest("b", (Y, "Cohort of B, revised"))  # a change by the first keeps it first
    assert_one_visible(backends, Y, "Cohort of B, revised")


def test_when_the_winner_withdraws_the_other_claim_is_published_at_its_next_harvest(nodes) -> None:
    backends, sources, harvest = nodes
    harvest("a", (X, "Genomes of A"), (A + "rna", "RNA of A"), (A + "proteins", "Proteins of A"))
    harvest("b", (X, "Genomes as B says"), (Y, "Cohort of B"))
    harvest("a", (A + "rna", "RNA of A"), (A + "proteins", "Proteins of A"))  # a withdraws X
    assert statuses(backends, X) == {"a": "withdrawn", "b": "duplicate"}
    assert_one_visible(backends, X, None)  # until b is heard from again
    run = harvest("b", (X, "Genomes as B says"), (Y, "Cohort of B"))
    assert statuses(backends, X) == {"a": "withdrawn", "b": "published"} and run.notes == []
    assert run.published == 2
    assert_one_visible(backends, X, "Genomes as B says")
    harvest("a", (X, "Genomes of A"), (A + "rna", "RNA of A"), (A + "proteins", "Proteins of A"))
    assert statuses(backends, X) == {"a": "published", "b": "duplicate"}  # the owner is back: it wins
    assert_one_visible(backends, X, "Genomes of A")


def test_a_push_is_held_to_the_same_rule(nodes) -> None:
    backends, sources, harvest = nodes
    harvest("a", (X, "Genomes of A"))
    document = Document("push", node_document((X, "Genomes as B says")).encode(), "text/turtle")
    result = push_records(sources["b"], backends, document)
    assert [(p.record.uri, p.status) for p in result.records] == [(X, "duplicate")]
    assert "already published by source 'a'" in result.run.notes[0]
    assert_one_visible(backends, X, "Genomes of A")


def test_a_hostile_push_over_http_is_kept_out_of_search_and_sparql(nodes, live_server) -> None:
    backends, _, harvest = nodes
    harvest("a", (X, "Genomes of A"))
    server = live_server(create_app(backends))
    token = create_token(backends.store, "b", "test")
    with httpx.Client(base_url=server.url, timeout=30) as client:
        answer = client.put(
            "/api/sources/b/records",
            content=node_document((X, "Genomes of A, as B claims")),
            headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {token}"},
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert [r["status"] for r in body["records"]] == ["duplicate"]
        assert "already published by source 'a'" in body["run"]["notes"][0]
        found = client.get("/api/search", params={"q": "genomes"}).json()
        assert [h["uri"] for h in found["results"]] == [X] and found["total"] == 1
        history = client.get("/api/sources/b/harvests").json()
        assert "already published by source 'a'" in history[0]["notes"][0]
        feed = client.get("/catalog.nt").text
        assert "as B claims" not in feed
    assert_one_visible(backends, X, "Genomes of A")
