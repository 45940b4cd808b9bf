"""The whole pipeline against a real HTTP server, store and index."""

import time

import pytest

from catalogue.backends import open_backends
from catalogue.config import Limits, Settings, Source
from catalogue.demo.generated import generate_catalog
from catalogue.harvest import harvest_source, reindex
from catalogue.harvest import run as harvest_run
from catalogue.index import SearchQuery
from catalogue.sources import rdf

HEAD = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix ex: <https://node.example/> .
ex:catalog a dcat:Catalog ; dct:title "Node"@en ; dct:description "A node."@en ; dct:publisher ex:org .
ex:org a foaf:Agent ; foaf:name "Hospital"@en .
"""


def dataset(name: str, title: str, description: str | None = "About genomes.") -> str:
    text = f'ex:{name} a dcat:Dataset ; dct:title "{title}"@en ; dct:publisher ex:org'
    if description:
        text += f' ; dct:description "{description}"@en'
    return text + " .\n"


def serve(feed_server, body: str, name: str = "node.ttl") -> str:
    return feed_server.publish(name, HEAD + body)


def test_harvest_publishes_valid_records_and_rejects_invalid(feed_server, open_catalogue) -> None:
    url = serve(feed_server, dataset("a", "Rare disease genomes") + dataset("b", "No description", None))
    source = Source(name="be", title="Belgium", url=url)
    backends = open_catalogue(source)
    result = harvest_source(source, backends)
    run = result.run
    assert (run.outcome, run.found, run.published, run.rejected) == ("ok", 2, 1, 1)
    assert [record.uri for record, _ in result.rejected] == ["https://node.example/b"]
    # the store keeps both, with their status and reports
    statuses = {m.uri: m.status for m in backends.store.metas("be") if m.kind == "dataset"}
    assert statuses == {"https://node.example/a": "published", "https://node.example/b": "rejected"}
    rejected = next(m for m in backends.store.metas("be") if m.status == "rejected")
    assert backends.store.get(rejected.id).report.violations >= 1
    # only the published one is searchable
    hits = backends.index.search(SearchQuery(text="genomes"))
    assert [h.id for h in hits.hits] == [
        m.id for m in backends.store.metas("be") if m.status == "published" and m.kind == "dataset"
    ]
    assert backends.index.search(SearchQuery(text="description")).total == 0


def test_policy_warn_publishes_and_flags(feed_server, open_catalogue) -> None:
    url = serve(feed_server, dataset("b", "No description", None))
    source = Source(name="nl", title="NL", url=url, policy="warn")
    backends = open_catalogue(source)
    run = harvest_source(source, backends).run
    assert (run.flagged, run.rejected) == (1, 0)
    assert backends.index.search(SearchQuery(text="description")).total == 1


def test_reharvest_of_same_document_changes_nothing(feed_server, open_catalogue) -> None:
    url = serve(feed_server, dataset("a", "Alpha") + dataset("b", "Beta"))
    source = Source(name="be", title="Belgium", url=url)
    backends = open_catalogue(source)
    harvest_source(source, backends)
    before = {m.id: m for m in backends.store.metas("be")}
    second = harvest_source(source, backends).run
    assert (second.found, second.unchanged, second.published, second.withdrawn) == (2, 2, 2, 0)
    assert {m.id: m for m in backends.store.metas("be")} == before


def test_changed_and_removed_datasets(feed_server, open_catalogue) -> None:
    url = serve(feed_server, dataset("a", "Alpha") + dataset("b", "Beta"))
    source = Source(name="be", title="Belgium", url=url)
    backends = open_catalogue(source)
    harvest_source(source, backends)
    serve(feed_server, dataset("a", "Alpha revised"))
    run = harvest_source(source, backends).run
    assert (run.found, run.published, run.unchanged, run.withdrawn) == (1, 1, 0, 1)
    assert backends.index.search(SearchQuery(text="beta")).total == 0
    assert backends.index.search(SearchQuery(text="revised")).total == 1
    withdrawn = [m for m in backends.store.metas("be") if m.status == "withdrawn"]
    assert [m.uri for m in withdrawn] == ["https://node.example/b"]


def test_failed_harvest_keeps_what_was_published(feed_server, open_catalogue) -> None:
    url = serve(feed_server, dataset("a", "Alpha"))
    source = Source(name="be", title="Belgium", url=url)
    backends = open_catalogue(source)
    harvest_source(source, backends)
    published = backends.store.metas("be")

    feed_server.publish("node.ttl", HEAD + 'ex:x a dcat:Dataset ; dct:title "broken .\n')
    run = harvest_source(source, backends).run
    assert run.outcome == "failed"
    assert "'be'" in run.error and "node.ttl" in run.error and "line" in run.error
    feed_server.respond("/node.ttl", 503, b"down")
    assert "HTTP 503" in harvest_source(source, backends).run.error
    assert backends.store.metas("be") == published
    assert backends.index.search(SearchQuery(text="alpha")).total == 1
    assert [r.outcome for r in backends.store.runs("be")] == ["failed", "failed", "ok"]


def test_document_without_datasets_is_a_failed_harvest(feed_server, open_catalogue) -> None:
    url = serve(feed_server, "")
    source = Source(name="be", title="Belgium", url=url)
    backends = open_catalogue(source)
    run = harvest_source(source, backends).run
    assert run.outcome == "failed" and "no dcat:Dataset" in run.error


def test_reindex_rebuilds_search_from_the_store(feed_server, open_catalogue) -> None:
    url = serve(feed_server, dataset("a", "Alpha") + dataset("b", "Beta") + dataset("c", "Gamma", None))
    source = Source(name="be", title="Belgium", url=url)
    backends = open_catalogue(source)
    harvest_source(source, backends)
    backends.index.clear()
    backends.index.commit()
    assert backends.index.count() == 0
    assert reindex(backends.store, backends.index, backends.vocabularies) == 2
    assert backends.index.search(SearchQuery(text="beta")).total == 1


def test_a_profile_whose_shapes_cannot_be_loaded_fails_the_harvest_cleanly(feed_server, tmp_path) -> None:
    from catalogue.validation.profiles import Profile

    url = serve(feed_server, dataset("a", "Alpha"))
    source = Source(name="be", title="Belgium", url=url, profile="ours")
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> . this is not turtle")
    profile = Profile("ours", "Our rules", "", (str(broken),), extends="dcat-ap-3")
    settings = Settings("T", "http://catalogue.test", tmp_path / "data", (source,), profiles=(profile,))
    backends = open_backends(settings)
    try:
        run = harvest_source(source, backends).run
        assert (
            run.outcome == "failed" and "validation could not run" in run.error and "broken.ttl" in run.error
        )
        assert backends.store.metas("be") == []
    finally:
        backends.close()


# -- paged sources, atomicity, history, the brake ----------------------------------------

HYDRA = "http://www.w3.org/ns/hydra/core#"


def serve_pages(feed_server, pages: list[str]) -> str:
    """A Hydra-paged feed (new style): page-1.ttl → page-2.ttl → …; returns the first page's URL."""
    for number, body in enumerate(pages, start=1):
        view = f"{feed_server.url}/page-{number}.ttl"
        paging = f"ex:catalog <{HYDRA}view> <{view}> .\n<{view}> a <{HYDRA}PartialCollectionView>"
        if number < len(pages):
            paging += f" ; <{HYDRA}next> <page-{number + 1}.ttl>"
        feed_server.publish(f"page-{number}.ttl", HEAD + body + paging + " .\n")
    return f"{feed_server.url}/page-1.ttl"


def test_every_page_of_a_paged_feed_is_harvested_into_one_catalogue_record(
    feed_server, open_catalogue
) -> None:
    url = serve_pages(feed_server, [dataset("a", "Alpha"), dataset("b", "Beta"), dataset("c", "Gamma")])
    source = Source(name="be", title="Belgium", url=url)
    backends = open_catalogue(source)
    run = harvest_source(source, backends).run
    assert (run.outcome, run.pages, run.found, run.new, run.published) == ("ok", 3, 3, 3, 3)
    catalogs = [m for m in backends.store.metas("be") if m.kind == "catalog"]
    assert len(catalogs) == 1 and catalogs[0].uri == "https://node.example/catalog"
    triples = backends.store.record_triples(catalogs[0].id)
    assert not any(HYDRA in str(t) for t in triples), "paging is not catalogue metadata"


def test_a_catalogue_that_lists_its_datasets_is_not_told_to_list_them(feed_server, open_catalogue) -> None:
    """Its links are left out of its validation (the datasets are validated themselves), but one."""
    listed = [
        dataset(name, title) + f"ex:catalog dcat:dataset ex:{name} .\n"
        for name, title in [("a", "A"), ("b", "B")]
    ]
    url = serve_pages(feed_server, listed)
    source = Source(name="be", title="Belgium", url=url)
    backends = open_catalogue(source)
    harvest_source(source, backends)
    (catalog,) = [m for m in backends.store.metas("be") if m.kind == "catalog"]
    stored = backends.store.get(catalog.id)
    assert stored is not None
    assert sum(t.predicate.value.endswith("#dataset") for t in stored.triples) == 2
    assert not [r for r in stored.report.results if r.shape.endswith("CatalogContentShape")]


def test_the_http_cache_keeps_only_the_pages_the_source_still_has(feed_server, open_catalogue) -> None:
    url = serve_pages(feed_server, [dataset("a", "Alpha"), dataset("b", "Beta"), dataset("c", "Gamma")])
    source = Source(name="be", title="Belgium", url=url)
    backends = open_catalogue(source)
    cache = backends.settings.data_dir / "http-cache" / "be"
    harvest_source(source, backends)
    assert len(list(cache.iterdir())) == 3
    (feed_server.root / "page-3.ttl").unlink()
    serve_pages(feed_server, [dataset("a", "Alpha"), dataset("b", "Beta")])
    assert harvest_source(source, backends).run.withdrawn == 1
    assert len(list(cache.iterdir())) == 2
    # a walk that fails midway prunes nothing
    feed_server.respond("/page-2.ttl", 500, b"oops")
    assert harvest_source(source, backends).run.outcome == "failed"
    assert len(list(cache.iterdir())) == 2


def test_a_page_failing_midway_changes_nothing(feed_server, open_catalogue) -> None:
    url = serve_pages(feed_server, [dataset("a", "Alpha"), dataset("b", "Beta"), dataset("c", "Gamma")])
    source = Source(name="be", title="Belgium", url=url)
    backends = open_catalogue(source)
    harvest_source(source, backends)
    before = backends.store.metas("be")
    serve_pages(feed_server, [dataset("a", "Alpha 2"), dataset("b", "Beta 2"), dataset("c", "Gamma 2")])
    feed_server.respond("/page-2.ttl", 500, b"oops")
    run = harvest_source(source, backends).run
    assert run.outcome == "failed" and "page-2.ttl" in run.error and "500" in run.error
    assert backends.store.metas("be") == before
    assert backends.index.search(SearchQuery(text="alpha")).total == 1
    assert backends.index.search(SearchQuery(text="2")).total == 0
    # what the failed run validated and staged is gone: the next good harvest starts clean
    del feed_server.overrides["/page-2.ttl"]
    again = harvest_source(source, backends).run
    assert (again.outcome, again.changed, again.unchanged) == ("ok", 3, 0)


def test_history_lists_what_each_run_added_changed_and_withdrew(feed_server, open_catalogue) -> None:
    url = serve(feed_server, dataset("a", "Alpha") + dataset("b", "Beta") + dataset("c", "Gamma"))
    source = Source(name="be", title="Belgium", url=url)
    backends = open_catalogue(source)
    first = harvest_source(source, backends).run
    assert (first.new, first.changed, first.unchanged, first.kind, first.pages) == (3, 0, 0, "rdf", 1)
    serve(feed_server, dataset("a", "Alpha revised") + dataset("b", "Beta") + dataset("d", "Delta"))
    second = harvest_source(source, backends).run
    assert (second.found, second.new, second.changed, second.unchanged, second.withdrawn) == (3, 1, 1, 1, 1)
    changes = {(c.change, c.title) for c in backends.store.run_changes(second.id)}
    assert changes == {("added", "Delta"), ("changed", "Alpha revised"), ("withdrawn", "Gamma")}
    assert {c.change for c in backends.store.run_changes(first.id)} == {"added"}
    assert [r.id for r in backends.store.runs("be")] == [second.id, first.id]


def test_the_brake_stops_a_harvest_that_would_withdraw_most_datasets(feed_server, open_catalogue) -> None:
    url = serve(feed_server, "".join(dataset(n, n.title()) for n in ("a", "b", "c", "d")))
    source = Source(name="be", title="Belgium", url=url)
    backends = open_catalogue(source)
    harvest_source(source, backends)
    serve(feed_server, dataset("a", "A"))  # the node suddenly publishes one dataset of four
    run = harvest_source(source, backends).run
    assert run.outcome == "failed"
    assert "withdraw 3 of 4 datasets (75%)" in run.error and "--force be" in run.error
    assert len(backends.store.states("be")) == 5  # four datasets and the catalogue record, untouched
    forced = harvest_source(source, backends, force=True).run
    assert (forced.outcome, forced.withdrawn) == ("ok", 3)
    assert backends.index.search(SearchQuery(text="b")).total == 0


def test_two_harvests_of_one_source_never_run_at_once(feed_server, open_catalogue) -> None:
    from catalogue.harvest import source_lock

    url = serve(feed_server, dataset("a", "Alpha"))
    source = Source(name="be", title="Belgium", url=url)
    backends = open_catalogue(source)
    with source_lock(source):  # as if a scheduled harvest were running
        run = harvest_source(source, backends).run
    assert run.outcome == "failed" and "already running" in run.error
    assert harvest_source(source, backends).run.outcome == "ok"


BREAKAGES = {
    "500 on a middle page": lambda server: server.respond("/page-2.ttl", 500, b"Internal error"),
    "a truncated page": lambda server: server.publish(
        "page-2.ttl", (server.root / "page-2.ttl").read_text()[:150]
    ),
    "a server slower than the timeout": lambda server: server.delays.update({"/page-2.ttl": 3}),
    "an oversize page": lambda server: server.publish("page-2.ttl", "# padding\n" * 30_000),
    "a redirect loop": lambda server: server.respond("/page-2.ttl", 302, b"", {"Location": "/page-2.ttl"}),
}


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_a_broken_source_leaves_the_earlier_records_intact(breakage, feed_server, tmp_path) -> None:
    url = serve_pages(feed_server, [dataset("a", "Alpha"), dataset("b", "Beta"), dataset("c", "Gamma")])
    source = Source(name="be", title="Belgium", url=url)
    limits = Limits(timeout_seconds=1, max_bytes=200_000, retries=1, backoff_seconds=0.01)
    backends = open_backends(Settings("T", "http://catalogue.test", tmp_path / "data", (source,), limits))
    try:
        assert harvest_source(source, backends).run.outcome == "ok"
        before = backends.store.metas("be")
        serve_pages(feed_server, [dataset("a", "Alpha 2"), dataset("b", "Beta 2"), dataset("c", "Gamma 2")])
        BREAKAGES[breakage](feed_server)
        run = harvest_source(source, backends).run
        assert run.outcome == "failed", breakage
        assert "'be'" in run.error and "page-2.ttl" in run.error, run.error
        assert backends.store.metas("be") == before
        assert backends.index.search(SearchQuery(text="gamma")).total == 1
        assert backends.index.search(SearchQuery(text="2")).total == 0
    finally:
        backends.close()


def test_a_document_too_big_to_hold_parsed_is_harvested_from_disk_alike(
    feed_server, open_catalogue, monkeypatch
) -> None:
    """Spilled (catalogue/sources/spilled.py) and validated batch by batch while it is split, a big
    document gives the records a small one would: harvested again in memory, nothing changed."""
    body = generate_catalog(250, invalid_every=50)
    source = Source(name="be", title="Belgium", url=feed_server.publish("big.ttl", body))
    backends = open_catalogue(source)
    scratch = backends.settings.data_dir / "scratch" / "be"
    (scratch / "page-1").mkdir(parents=True)  # left by a harvest that was killed
    (scratch / "page-1" / "000001.sst").write_bytes(b"left over")
    monkeypatch.setattr(rdf, "SPILL_BYTES", len(body) // 2)
    monkeypatch.setattr(harvest_run, "VALIDATION_BATCH", 60)  # several batches while the page is split
    spills = []
    load = rdf.SpilledGraph.load

    def counted(quads, folder):
        spills.append(folder)
        return load(quads, folder)

    monkeypatch.setattr(rdf.SpilledGraph, "load", counted)
    run = harvest_source(source, backends).run
    assert (run.outcome, run.found, run.new, run.published, run.rejected) == ("ok", 250, 250, 245, 5)
    assert list(scratch.iterdir()) == [], "the spilled page's store and the leftover are gone"
    assert len(spills) == 1
    same = harvest_source(source, backends).run
    assert (same.outcome, same.unchanged, same.changed) == ("ok", 250, 0)
    assert len(spills) == 1, "the document the last harvest split is not spilled to disk again"
    monkeypatch.setattr(rdf, "SPILL_BYTES", 10 * len(body))
    feed_server.publish("big.ttl", body + b"\n")  # another digest: split again, in memory this time
    again = harvest_source(source, backends).run
    assert (again.outcome, again.unchanged, again.changed, again.new) == ("ok", 250, 0, 0)


def test_a_page_identical_to_last_time_is_not_split_again(feed_server, open_catalogue) -> None:
    url = serve_pages(feed_server, [dataset("a", "Alpha"), dataset("b", "Beta"), dataset("c", "Gamma")])
    source = Source(name="be", title="Belgium", url=url)
    backends = open_catalogue(source)
    harvest_source(source, backends)
    store = backends.store
    memories = [store.page_memory("be", f"{feed_server.url}/page-{n}.ttl") for n in (1, 2, 3)]
    assert [len(m.datasets) for m in memories] == [1, 1, 1]
    catalog = next(m for m in store.metas("be") if m.kind == "catalog")
    again = harvest_source(source, backends).run
    assert (again.unchanged, again.changed, again.new) == (3, 0, 0)
    assert next(m for m in store.metas("be") if m.kind == "catalog") == catalog, "catalogue record untouched"
    feed_server.publish(
        "page-2.ttl",
        (feed_server.root / "page-2.ttl").read_text().replace("Beta", "Beta 2"),
    )
    changed = harvest_source(source, backends).run
    assert (changed.unchanged, changed.changed) == (2, 1)
    assert store.page_memory("be", f"{feed_server.url}/page-2.ttl").digest != memories[1].digest
    assert next(m for m in store.metas("be") if m.kind == "catalog") == catalog


def test_a_harvest_that_crashes_is_a_failed_run_not_an_exception(feed_server, open_catalogue) -> None:
    url = serve(feed_server, dataset("a", "Alpha"))
    # a kind no walker knows crashes the walk; the model refuses it, so it is built unchecked
    source = Source.model_construct(name="be", title="Belgium", url=url, kind="bogus")
    backends = open_catalogue(source)
    run = harvest_source(source, backends).run
    assert run.outcome == "failed"
    assert run.error.startswith("source 'be': the harvest crashed: ValueError") and "bogus" in run.error
    assert [r.outcome for r in backends.store.runs("be")] == ["failed"]


def test_nesting_beyond_the_limit_fails_the_harvest_naming_page_and_record(
    feed_server, open_catalogue
) -> None:
    from catalogue.records import MAX_DEPTH

    url = serve(feed_server, dataset("a", "Alpha"))
    source = Source(name="be", title="Belgium", url=url)
    backends = open_catalogue(source)
    assert harvest_source(source, backends).run.outcome == "ok"
    before = backends.store.metas("be")
    deep = "ex:a ex:p " + "[ ex:p " * (MAX_DEPTH + 1) + "1" + " ]" * (MAX_DEPTH + 1) + " .\n"
    serve(feed_server, dataset("a", "Alpha") + deep)
    run = harvest_source(source, backends).run
    assert run.outcome == "failed"
    assert run.error.startswith("source 'be': page 1, https://node.example/a: blank nodes nested"), run.error
    assert backends.store.metas("be") == before


def test_a_harvest_longer_than_its_time_limit_fails_and_keeps_what_was_published(
    feed_server, tmp_path
) -> None:
    url = serve_pages(feed_server, [dataset("a", "Alpha"), dataset("b", "Beta"), dataset("c", "Gamma")])
    source = Source(name="be", title="Belgium", url=url)

    def harvest(limits: Limits):
        backends = open_backends(Settings("T", "http://catalogue.test", tmp_path / "data", (source,), limits))
        try:
            return harvest_source(source, backends).run, backends.store.metas("be")
        finally:
            backends.close()

    first, before = harvest(Limits(timeout_seconds=5, retries=0))
    assert first.outcome == "ok"
    serve_pages(feed_server, [dataset("a", "Alpha 2"), dataset("b", "Beta 2"), dataset("c", "Gamma 2")])
    feed_server.trickles["/page-2.ttl"] = 0.05
    started = time.monotonic()
    run, after = harvest(Limits(timeout_seconds=5, retries=0, harvest_timeout_seconds=2))
    assert time.monotonic() - started < 5
    assert run.outcome == "failed"
    assert "page-2.ttl: the harvest took longer than limits.harvest_timeout_seconds (2 s)" in run.error
    assert after == before


def test_ctrl_c_midway_records_the_run_as_interrupted_and_changes_nothing(
    feed_server, open_catalogue
) -> None:
    """Ctrl+C (or SIGTERM, which the command turns into the same) while a harvest validates."""
    url = serve(feed_server, dataset("a", "Alpha") + dataset("b", "Beta"))
    source = Source(name="be", title="Belgium", url=url)
    backends = open_catalogue(source)
    harvest_source(source, backends)
    before = backends.store.metas("be")
    serve(feed_server, dataset("a", "Alpha 2") + dataset("c", "Gamma"))

    def ctrl_c(stage: str, done: int, total: int) -> None:
        if stage == "validate":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        harvest_source(source, backends, ctrl_c)
    interrupted = backends.store.runs("be", limit=1)[0]
    assert interrupted.outcome == "interrupted" and "nothing it read was published" in interrupted.error
    assert backends.store.metas("be") == before
    assert backends.index.search(SearchQuery(text="gamma")).total == 0
    # the store was left clean: nothing staged, nothing noted as under way, so the next harvest is whole
    again = harvest_source(source, backends).run
    assert (again.outcome, again.new, again.changed, again.withdrawn) == ("ok", 1, 1, 1)
    assert [run.outcome for run in backends.store.runs("be")] == ["ok", "interrupted", "ok"]
