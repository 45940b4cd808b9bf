"""Listing pages are paged and counted in SQL; the quality figures are computed once per store generation."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from catalogue.harvest import harvest_source
from catalogue.web import create_app

HEAD = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix ex: <https://node.example/> .
"""
REJECTED = 30


def node(published: int) -> str:
    good = "".join(
        f'ex:good{i} a dcat:Dataset ; dct:title "Good {i}"@en ; dct:description "Fine."@en .\n'
        for i in range(published)
    )
    bad = "".join(f'ex:bad{i:02} a dcat:Dataset ; dct:title "Broken {i:02}"@en .\n' for i in range(REJECTED))
    return HEAD + good + bad


@pytest.fixture
def catalogue(harvested):
    backends, source, path = harvested(node(published=2))
    with TestClient(create_app(backends)) as client:
        yield backends, source, path, client


def broken_titles(html: str) -> list[str]:
    """The rejected records listed (after the harvest table, which names the run's changes too)."""
    return re.findall(r">(Broken \d\d)<", html.split("Rejected records</h2>")[1])


def test_sources_lists_a_few_rejected_records_per_node_and_counts_them_all(catalogue) -> None:
    *_, client = catalogue
    page = client.get("/sources").text
    assert len(broken_titles(page)) == 5
    assert f'href="#rejected-be">{REJECTED}</a>' in page and f"The first 5 of {REJECTED}" in page
    assert 'href="/sources/be#rejected"' in page
    assert "<td>2</td>" in page  # published, counted in SQL


def test_a_nodes_rejected_records_come_page_by_page(catalogue) -> None:
    *_, client = catalogue
    first = client.get("/sources/be").text
    assert len(broken_titles(first)) == 20
    assert f"{REJECTED} rejected records; page 1 of 2" in first and 'href="?page=2#rejected"' in first
    second = client.get("/sources/be", params={"page": 2}).text
    everything = {f"Broken {i:02}" for i in range(REJECTED)}
    assert (
        len(broken_titles(second)) == 10 and set(broken_titles(first) + broken_titles(second)) == everything
    )
    assert broken_titles(client.get("/sources/be", params={"page": 7, "size": 5}).text) == []
    small = client.get("/sources/be", params={"page": 2, "size": 5}).text
    assert broken_titles(small) == broken_titles(first)[5:10] and "page=3&amp;size=5" in small
    assert client.get("/sources/be", params={"size": 101}).status_code == 400
    assert client.get("/sources/be", params={"page": "x"}).status_code == 400
    assert "2 published" in first and f"{REJECTED} rejected" in first


def test_a_runs_changes_are_listed_up_to_the_asked_number_with_totals(catalogue) -> None:
    *_, client = catalogue
    run = client.get("/api/sources/be/harvests").json()[0]
    assert run["changes"]["added"]["total"] == REJECTED + 2
    one = client.get(f"/api/sources/be/harvests/{run['id']}", params={"changes": 3}).json()
    assert one["changes"]["added"]["total"] == REJECTED + 2
    assert [d["title"] for d in one["changes"]["added"]["datasets"]] == [
        "Broken 00",
        "Broken 01",
        "Broken 02",
    ]
    assert client.get(f"/api/sources/be/harvests/{run['id']}", params={"changes": 10_001}).status_code == 422


def test_quality_figures_are_computed_once_per_generation(catalogue, monkeypatch) -> None:
    backends, source, path, client = catalogue
    calls: list[str | None] = []
    real = backends.store.quality_stats

    def counted(name: str | None = None):
        calls.append(name)
        return real(name)

    monkeypatch.setattr(backends.store, "quality_stats", counted)
    first = client.get("/api/quality").json()
    for _ in range(5):
        assert client.get("/api/quality").json() == first
        assert client.get("/quality").status_code == 200
    assert sorted(calls, key=str) == [None, "be"]  # all nodes and the one node, once each
    path.write_text(node(published=3))
    harvest_source(source, backends)  # a new generation: computed again
    assert client.get("/api/quality").json()["overall"]["datasets"] == first["overall"]["datasets"] + 1
    assert len(calls) == 4
