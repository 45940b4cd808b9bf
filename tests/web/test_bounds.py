"""Listing pages are paged and counted in SQL; the quality figures are computed once per store generation."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from catalogue.config import ConfigError, load_settings
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
    assert (
        f"{REJECTED} rejected records. Page 1 of 2" in first and 'href="/sources/be?page=2#rejected"' in first
    )
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


def test_the_sitemap_is_built_once_per_generation(catalogue, monkeypatch) -> None:
    backends, source, path, client = catalogue
    reads: list[object] = []
    real = backends.store.metas

    def counted(*args, **kwargs):
        reads.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(backends.store, "metas", counted)
    first = client.get("/sitemap.xml").text
    assert all(client.get("/sitemap.xml").text == first for _ in range(3)) and len(reads) == 1
    path.write_text(node(published=3))
    harvest_source(source, backends)
    assert first.count("<url>") + 1 == client.get("/sitemap.xml").text.count("<url>")


def test_the_web_limits_are_configured_in_their_own_table(tmp_path) -> None:
    config = tmp_path / "catalogue.toml"
    config.write_text("[web]\nvalidations = 3\nvalidations_waiting = 1\nvalidation_seconds = 5\n")
    web = load_settings(config).web
    assert (web.validations, web.validations_waiting, web.validation_seconds) == (3, 1, 5.0)
    assert web.max_body_bytes == 1024 * 1024
    config.write_text("[web]\nvalidations = 2.5\n")
    with pytest.raises(ConfigError, match=r"web\.validations: must be a whole number"):
        load_settings(config)
    config.write_text("[web]\nqueue = 1\n")
    with pytest.raises(ConfigError, match=r"web\.queue: unknown key"):
        load_settings(config)
