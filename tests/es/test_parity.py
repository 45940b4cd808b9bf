"""The demo catalogue on both search backends: ``catalogue migrate`` there and back, and the same answers.

One demo catalogue is built (embedded), copied, and the copy moved onto the
live Elasticsearch cluster with ``catalogue migrate --to elasticsearch``
(``catalogue check`` clean). Both are served for real, and a fixed set of
queries must give the same totals, facet counts and matches (every page)
through ``/api/search``; where the order does not rest on relevance scores,
the same sort keys in the same order, and — where no tie is broken
differently (see :func:`order`) — the same answer to the byte (hits, titles,
highlights) and the same page on the website.
Then the copy comes back with ``--to embedded``, clean again.

Relevance order is not compared: Lucene's BM25 counts a field's documents
among those that have the field (``text_fi``: the Finnish records) and
tantivy among all, so a word common in one language ranks differently.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from catalogue.backends import open_backends
from catalogue.cli import app
from catalogue.config import load_settings
from catalogue.web import create_app

#: (q, other parameters): words in several languages, a phrase, a prefix, filters, sorts, a second page
QUERIES: list[tuple[str, dict[str, str | list[str]]]] = [
    ("", {}),
    ("genome", {}),
    ("rare disease", {}),
    ("kanker", {}),
    ("génomique", {}),
    ("patiënten", {}),
    # across languages: the terms table and compound parts (catalogue/vocabularies/medical-terms.tsv)
    ("breast cancer", {}),
    ("Brustkrebs", {}),
    ("cancer du sein", {}),
    ("rintasyöpä", {"sort": "title"}),
    ("biobank", {"code": "ICD-10:C00-C97"}),
    ('"whole genome"', {}),
    ("gen*", {}),
    ("data", {"source": ["be", "nl"]}),
    ("cohort", {"sort": "title"}),
    ("genome", {"sort": "modified", "page": "2"}),
    ("", {"sort": "quality", "quality_min": "200"}),
    (
        "sequencing",
        {"sort": "title", "language": ["http://publications.europa.eu/resource/authority/language/ENG"]},
    ),
]
PAGE = 100


def cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), terminal_width=200)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo catalogue, harvested once (embedded store and index)."""
    folder = tmp_path_factory.mktemp("demo")
    cli("demo", "--dir", str(folder), "--no-serve")
    return folder


@pytest.fixture
def on_elasticsearch(demo: Path, tmp_path: Path, es_url: str) -> Iterator[Path]:
    """A copy of the demo catalogue whose search moved to the cluster: its catalogue.toml."""
    copy = tmp_path / "copy"
    shutil.copytree(demo, copy)
    config = copy / "catalogue.toml"
    prefix = f"catalogue-test-{uuid.uuid4().hex[:12]}"
    target = f'url = "{es_url}"\nindex_prefix = "{prefix}"\n'
    config.write_text(config.read_text() + f'\n[search]\nbackend = "embedded"\n{target}')  # until copied
    output = cli("--config", str(config), "migrate", "--to", "elasticsearch")
    assert "In line" in output
    config.write_text(
        config.read_text().replace('backend = "embedded"\nurl', 'backend = "elasticsearch"\nurl')
    )
    cli("--config", str(config), "check")  # exit 0: index and store agree record by record
    yield config
    found = httpx.get(f"{es_url}/_alias/{prefix}-records", timeout=30)
    for name in found.json() if found.status_code == 200 else []:
        httpx.delete(f"{es_url}/{name}", timeout=30)
    httpx.delete(f"{es_url}/_index_template/{prefix}-records", timeout=30)


def served(config: Path, live_server) -> tuple[str, object]:
    backends = open_backends(load_settings(config))
    return live_server(create_app(backends)).url, backends


def ask(url: str, query: dict) -> dict:
    answer = httpx.get(f"{url}/api/search", params=query, timeout=60)
    assert answer.status_code == 200, answer.text
    return answer.json()


def matches(url: str, query: dict, total: int) -> set[str]:
    """Every record the query matches, page by page."""
    found: set[str] = set()
    for page in range(1, total // PAGE + 2):
        found |= {hit["id"] for hit in ask(url, {**query, "size": PAGE, "page": page})["results"]}
    assert len(found) == total
    return found


def order(answer: dict, sort: str) -> list:
    """The page's keys of the sort, in the order given.

    Elasticsearch breaks ties of a sort by id; the embedded index leaves them
    in index order (tantivy sorts by one field), so records with the same
    title (or date, or score) may come in another order there, or on another
    page: for those, the keys' order and the matches are what can agree.
    """
    if sort == "title":
        return [hit["title"] for hit in answer["results"]]
    if sort == "modified":
        return [hit["modified"] for hit in answer["results"]]
    if sort == "quality":
        return [(hit["quality"] or {}).get("score") for hit in answer["results"]]
    return [hit["id"] for hit in answer["results"]]


def test_the_demo_answers_alike_on_both_backends(demo: Path, on_elasticsearch: Path, live_server) -> None:
    embedded_url, embedded = served(demo / "catalogue.toml", live_server)
    elastic_url, elastic = served(on_elasticsearch, live_server)
    pages = 0
    try:
        assert type(embedded.index).__name__ == "EmbeddedIndex"  # type: ignore[attr-defined]
        assert type(elastic.index).__name__ == "ElasticsearchIndex"  # type: ignore[attr-defined]
        for text, params in QUERIES:
            query = {"q": text, **params}
            one = ask(embedded_url, query)
            other = ask(elastic_url, query)
            assert one["total"] == other["total"], query
            assert one["facets"] == other["facets"], query
            assert matches(embedded_url, query, one["total"]) == matches(elastic_url, query, one["total"]), (
                query
            )
            sort = str(params.get("sort", "relevance"))
            if text and sort == "relevance":
                continue
            assert order(one, sort) == order(other, sort), query
            if (
                one == other
            ):  # the same hits in the same order, titles, highlights and all  # no tie ordered otherwise: the website's page is the same too
                page = httpx.get(f"{embedded_url}/datasets", params=query, timeout=60)
                assert page.status_code == 200
                assert page.text == httpx.get(f"{elastic_url}/datasets", params=query, timeout=60).text, query
                pages += 1
        assert pages >= 3
        assert ask(embedded_url, {"q": "genome"})["total"] > PAGE  # the set compared spans pages
    finally:
        embedded.close()  # type: ignore[attr-defined]
        elastic.close()  # type: ignore[attr-defined]


def test_migrate_back_to_the_embedded_index_is_clean(on_elasticsearch: Path) -> None:
    back = cli("--config", str(on_elasticsearch), "migrate", "--to", "embedded")
    assert "In line" in back
    text = on_elasticsearch.read_text()
    on_elasticsearch.write_text(text.replace('backend = "elasticsearch"', 'backend = "embedded"'))
    cli("--config", str(on_elasticsearch), "check")
