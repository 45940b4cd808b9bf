"""``catalogue check``: drift between the registry, the search index and the triple side, found and repaired."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
from typer.testing import CliRunner

from catalogue.backends import open_backends
from catalogue.cli import app
from catalogue.config import SearchSettings, load_settings
from catalogue.consistency import check, repair
from catalogue.index import SearchQuery
from catalogue.index.documents import search_document
from catalogue.index.opening import open_index

DOC = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix ex: <https://node.example/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .

ex:catalog a dcat:Catalog ; dct:title "Node"@en ; dct:description "A node."@en ; dct:publisher ex:org ;
   dcat:dataset ex:wgs, ex:cohort, ex:rare, ex:broken .
ex:org a foaf:Agent ; foaf:name "University Hospital"@en .
ex:wgs a dcat:Dataset ; dct:title "Whole-genome sequencing"@en ; dct:description "Genomes."@en .
ex:cohort a dcat:Dataset ; dct:title "Cardiovascular cohort"@en ; dct:description "Heart study."@en .
ex:rare a dcat:Dataset ; dct:title "Rare diseases"@en ; dct:description "A registry."@en .
ex:broken a dcat:Dataset ; dct:title "Broken record without description"@en .
"""


def ids_of(backends, title: str) -> str:
    return next(m.id for m in backends.store.metas() if m.title == title)


def test_a_fresh_harvest_is_in_line(harvested) -> None:
    backends, _, _ = harvested(DOC)
    report = check(backends.store, backends.index)
    assert report.in_line
    [be] = report.sources
    # 3 valid datasets indexed; their graphs and the catalogue's; the rejected one has provenance only
    assert (be.datasets, be.indexed, be.records, be.graphs) == (3, 3, 4, 4)


def test_index_drift_is_found_record_by_record_and_repaired(harvested) -> None:
    backends, _, _ = harvested(DOC)
    store, index = backends.store, backends.index
    wgs, cohort, rare = (
        ids_of(backends, t) for t in ("Whole-genome sequencing", "Cardiovascular cohort", "Rare diseases")
    )
    broken = ids_of(backends, "Broken record without description")
    # behind the store's back: one dataset's document lost, one built from old content, one that
    # validation rejected indexed anyway
    index.delete([wgs])
    old = store.get(cohort)
    index.upsert(
        [search_document(replace(old.meta, content_hash="an-older-hash"), old.triples, backends.vocabularies)]
    )
    rejected = store.get(broken)
    index.upsert([search_document(rejected.meta, rejected.triples, backends.vocabularies)])
    index.commit()

    report = check(store, index)
    [be] = report.sources
    assert (be.index.missing, be.index.stale, be.index.extra) == ([wgs], [cohort], [broken])
    assert not be.triples and report.index_drift and not report.triple_drift
    assert be.to_json()["index"]["missing"] == {"count": 1, "ids": [wgs]}

    assert repair(store, index, backends.vocabularies, report) == (3, False)
    assert check(store, index).in_line
    hits = index.search(SearchQuery(text="genome"))
    assert [hit.id for hit in hits.hits] == [wgs]
    assert rare in {e.id for e in index.entries()}


def test_a_quality_change_the_index_missed_is_stale(harvested) -> None:
    backends, _, _ = harvested(DOC)
    rare = ids_of(backends, "Rare diseases")
    stored = backends.store.get(rare)
    moved = replace(stored.meta, quality=(stored.meta.quality or 0) + 10)
    backends.index.upsert([search_document(moved, stored.triples, backends.vocabularies)])
    backends.index.commit()
    [be] = check(backends.store, backends.index).sources
    assert be.index.stale == [rare]


def test_triple_drift_is_found_and_repaired_by_a_rebuild(harvested) -> None:
    backends, _, _ = harvested(DOC)
    store = backends.store
    wgs = ids_of(backends, "Whole-genome sequencing")
    store.db.remove_graph(store.record_graph(wgs))
    stray = ox.NamedNode("http://catalogue.test/graphs/records/be-gone")
    store.db.add(
        ox.Quad(
            ox.NamedNode("https://node.example/x"),
            ox.NamedNode("http://purl.org/dc/terms/title"),
            ox.Literal("x"),
            stray,
        )
    )
    report = check(store, backends.index)
    assert report.triple_drift and not report.index_drift
    be, unknown = (next(s for s in report.sources if s.source == name) for name in ("be", "(unknown)"))
    assert be.triples.stale == [wgs]  # provenance there, graph empty
    assert unknown.triples.extra == ["be-gone"]
    assert repair(store, backends.index, backends.vocabularies, report) == (0, True)
    assert check(store, backends.index).in_line


def write_config(tmp_path: Path) -> Path:
    (tmp_path / "be.ttl").write_text(DOC)
    config = tmp_path / "catalogue.toml"
    config.write_text(
        '[catalogue]\ntitle = "T"\nbase_url = "http://catalogue.test"\ndata_dir = "./data"\n\n'
        '[[sources]]\nname = "be"\nurl = "be.ttl"\n'
    )
    return config


def test_the_check_command_reports_drift_and_repairs_it(tmp_path: Path) -> None:
    runner = CliRunner()
    config = write_config(tmp_path)
    assert runner.invoke(app, ["--config", str(config), "harvest"]).exit_code == 0
    serving = open_backends(load_settings(config))  # holds the store for writing, as `catalogue serve` does
    try:
        result = runner.invoke(app, ["--config", str(config), "check"])
    finally:
        serving.close()
    assert result.exit_code == 0, result.output
    assert "In line" in result.output

    index = open_index(SearchSettings(), tmp_path / "data" / "index")
    try:
        victim = next(iter(index.entries())).id
        index.delete([victim])
        index.commit()
    finally:
        index.close()
    result = runner.invoke(app, ["--config", str(config), "check", "--json"])
    assert result.exit_code == 1
    body = json.loads(result.stdout)
    assert body["in_line"] is False
    [be] = body["sources"]
    assert be["index"]["missing"] == {"count": 1, "ids": [victim]} and be["index"]["documents"] == 2
    result = runner.invoke(app, ["--config", str(config), "check"])
    assert result.exit_code == 1 and f"be index, missing: {victim}" in result.output

    result = runner.invoke(app, ["--config", str(config), "check", "--repair"])
    assert result.exit_code == 0, result.output
    assert "Re-indexed 1 records." in result.output and "In line" in result.output


def test_an_index_that_missed_a_commit_catches_up_when_the_store_is_next_opened(harvested, tmp_path) -> None:
    backends, source, node = harvested(DOC)
    # a commit whose process stopped before indexing: the registry has the change, the index not
    node.write_text(DOC.replace("Genomes.", "Whole genomes, re-sequenced."))
    from catalogue.harvest import run as harvesting

    indexed = harvesting.index_records
    harvesting.index_records = lambda *args, **kwargs: None
    try:
        harvesting.harvest_source(source, backends)
    finally:
        harvesting.index_records = indexed
    assert backends.store.index_pending() == ["be"]
    assert check(backends.store, backends.index, triples=False).index_drift
    settings = backends.settings
    backends.close()

    reopened = open_backends(settings)
    try:
        assert check(reopened.store, reopened.index).in_line
        assert reopened.store.index_pending() == []
    finally:
        reopened.close()


def test_a_harvest_that_finds_nothing_changed_still_repairs_an_index_behind_its_source(harvested) -> None:
    backends, source, node = harvested(DOC)
    from catalogue.harvest import run as harvesting

    node.write_text(DOC.replace("Genomes.", "Whole genomes, re-sequenced."))
    indexed = harvesting.index_records
    harvesting.index_records = lambda *args, **kwargs: None
    try:
        harvesting.harvest_source(source, backends)
    finally:
        harvesting.index_records = indexed
    backends.index.clear()  # and the index lost everything besides
    backends.index.commit()

    run = harvesting.harvest_source(source, backends).run
    assert (run.outcome, run.new, run.changed) == ("ok", 0, 0)
    assert check(backends.store, backends.index).in_line
    assert backends.index.search(SearchQuery(text="re-sequenced")).total == 1
    assert backends.store.index_pending() == []
