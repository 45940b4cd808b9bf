"""The whole pipeline against a real HTTP server, store and index."""

from catalogue.config import Source
from catalogue.harvest import harvest_source, reindex
from catalogue.index import SearchQuery

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
    (feed_server.root / name).write_text(HEAD + body)
    return f"{feed_server.url}/{name}"


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

    (feed_server.root / "node.ttl").write_text(HEAD + 'ex:x a dcat:Dataset ; dct:title "broken .\n')
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


def test_a_profile_whose_shapes_cannot_be_loaded_fails_the_harvest_cleanly(
    feed_server, open_catalogue, monkeypatch, tmp_path
) -> None:
    import catalogue.validate as validate

    url = serve(feed_server, dataset("a", "Alpha"))
    source = Source(name="be", title="Belgium", url=url)
    backends = open_catalogue(source)
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> . this is not turtle")
    monkeypatch.setattr(validate, "profile_shapes", lambda profile: broken)
    run = harvest_source(source, backends).run
    assert run.outcome == "failed" and "validation could not run" in run.error and "broken.ttl" in run.error
    assert backends.store.metas("be") == []
