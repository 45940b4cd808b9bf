"""A document too big to hold parsed is split from disk (catalogue/sources/spilled.py) into exactly
the records the in-memory split makes, and its store is gone once the page is done.

``SPILL_BYTES`` is lowered so that small documents take the spilled path; the
documents are the generated catalogue (IRIs, inline and labelled blank nodes),
a TriG document that says the same things in several graphs, a Hydra-paged
feed, and the real DCAT-AP examples of ../shared/corpus when present.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from catalogue.config import Limits, Source
from catalogue.demo.generated import generate_catalog
from catalogue.fetch import Fetcher, InputError
from catalogue.harvest.pages import without_paging
from catalogue.records import MemoryGraph, Record, iter_records
from catalogue.sources import Page, rdf, walk

BASE = "http://catalogue.test"
HYDRA = "http://www.w3.org/ns/hydra/core#"
TRIG = b"""
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix ex: <https://node.example/> .
ex:g1 { ex:a a dcat:Dataset ; dct:title "A"@en ; dct:temporal _:t . _:t dcat:startDate "2020-01-01" . }
ex:g2 { ex:a a dcat:Dataset ; dct:title "A"@en ; dct:temporal _:t . _:t dcat:startDate "2020-01-01" .
        _:b a dcat:Dataset ; dct:title "Blank"@en . }
ex:catalog a dcat:Catalog ; dcat:dataset ex:a .
ex:catalog dct:title "Node"@en .
"""


def pages(path: Path, scratch: Path | None) -> list[tuple[Page, list[Record]]]:
    """Every page of the local document ``path`` with its records, each page closed once split."""
    source = Source(name="be", title="Belgium", url=str(path))
    found = []
    with Fetcher(Limits(), source.name, None) as fetcher:
        for page in walk(source, fetcher, scratch=scratch):
            try:
                graph = page.spill() or MemoryGraph(without_paging(page.quads))
                found.append((page, list(iter_records(graph, "be", BASE))))
            finally:
                page.close()
    return found


def records_both_ways(path: Path, tmp_path: Path, monkeypatch) -> tuple[list[Record], list[Record]]:
    in_memory = [r for _, records in pages(path, tmp_path / "scratch") for r in records]
    monkeypatch.setattr(rdf, "SPILL_BYTES", 0)
    spilled = pages(path, tmp_path / "scratch")
    assert all(page.spilled is not None and not page.quads for page, _ in spilled)
    return in_memory, [r for _, records in spilled for r in records]


@pytest.mark.parametrize("name", ["generated.ttl", "graphs.trig"])
def test_a_spilled_document_gives_the_same_records_as_one_split_in_memory(
    name: str, tmp_path: Path, monkeypatch
) -> None:
    document = tmp_path / name
    document.write_bytes(generate_catalog(60, invalid_every=7) if name.endswith(".ttl") else TRIG)
    in_memory, spilled = records_both_ways(document, tmp_path, monkeypatch)
    assert len(in_memory) == (61 if name.endswith(".ttl") else 3)
    assert spilled == in_memory
    assert not any((tmp_path / "scratch").iterdir()), "each page's store is removed once it is closed"


def test_the_real_dcat_ap_examples_split_alike_from_disk(corpus: Path, tmp_path: Path, monkeypatch) -> None:
    examples = sorted(
        p for p in (corpus / "examples").rglob("*") if p.suffix in (".ttl", ".nt", ".rdf", ".trig")
    )
    compared = 0
    for example in examples:
        try:
            in_memory = [r for _, records in pages(example, None) for r in records]
        except InputError:  # kept in the corpus on purpose as bad input
            continue
        monkeypatch.setattr(rdf, "SPILL_BYTES", 0)
        spilled = [r for _, records in pages(example, tmp_path / "scratch") for r in records]
        monkeypatch.undo()
        assert spilled == in_memory, example.name
        compared += 1
    assert compared >= 10


def test_a_spilled_page_of_a_feed_leaves_its_paging_out_and_leads_to_the_next(
    tmp_path: Path, monkeypatch
) -> None:
    for number in (1, 2):
        view = f"<file://{tmp_path}/page-{number}.ttl>"
        paging = f"<https://bench.example.org/catalog> <{HYDRA}view> {view} .\n"
        paging += f'{view} a <{HYDRA}PartialCollectionView> ; <{HYDRA}totalItems> "20" '
        paging += f"; <{HYDRA}next> <page-2.ttl> .\n" if number == 1 else ".\n"
        body = generate_catalog(10, first=10 * (number - 1))
        (tmp_path / f"page-{number}.ttl").write_bytes(body + paging.encode())
    in_memory, spilled = records_both_ways(tmp_path / "page-1.ttl", tmp_path, monkeypatch)
    assert [r.kind for r in spilled].count("dataset") == 20
    assert spilled == in_memory
    assert not any(HYDRA in str(t) for r in spilled for t in r.triples)


def test_a_parse_error_in_a_spilled_document_says_where_and_leaves_no_store(
    tmp_path: Path, monkeypatch
) -> None:
    document = tmp_path / "broken.ttl"
    document.write_bytes(generate_catalog(30) + b'\n<https://x.example/a> <https://x.example/p> "open .\n')
    monkeypatch.setattr(rdf, "SPILL_BYTES", 0)
    with pytest.raises(InputError, match=r"not valid Turtle.*line \d+") as raised:
        pages(document, tmp_path / "scratch")
    assert "broken.ttl" in str(raised.value)
    assert not list((tmp_path / "scratch").glob("*")), "found while reading the paging: nothing spilled"
