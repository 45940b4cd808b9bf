"""Follow your nose: concept IRIs dereferenced at harvest, cached, bounded, and found by search."""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path

import pytest

from catalogue.backends import open_backends
from catalogue.concepts import Concept, ConceptCache, ConceptResolver, ConceptVocabularies
from catalogue.concepts.remote import concept_iris
from catalogue.config import ConceptSettings, ConfigError, Settings, Source, parse_settings
from catalogue.harvest import harvest_source, reindex
from catalogue.index import SearchQuery
from catalogue.vocabularies import Vocabularies
from tests.conftest import NODE_HEAD, QUICK_LIMITS, FeedServer

SKOS_HEAD = "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
ALLOWED = ConceptSettings(resolve=True, allow_hosts=("127.0.0.1",), timeout_seconds=5.0)


def node(server: FeedServer, *themes: str) -> str:
    """A node with one dataset themed with the given concept paths of the server."""
    links = ", ".join(f"<{server.url}{path}>" for path in themes)
    record = f'ex:a a dcat:Dataset ; dct:title "Tissue samples"@en ; dct:description "Samples."@en ; dct:publisher ex:org ; dcat:theme {links} .\n'
    (server.root / "node.ttl").write_text(NODE_HEAD + record)
    return f"{server.url}/node.ttl"


def concept_file(server: FeedServer, name: str, body: str, age: float = 0.0) -> str:
    path = server.root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(SKOS_HEAD + body)
    if age:
        os.utime(path, (time.time() - age, time.time() - age))
    return f"/{name}"


def settings(tmp_path: Path, source: Source, concepts: ConceptSettings = ALLOWED) -> Settings:
    return Settings(
        title="Test",
        base_url="http://catalogue.test",
        data_dir=tmp_path / "data",
        sources=(source,),
        limits=QUICK_LIMITS,
        concepts=concepts,
    )


def concept_requests(server: FeedServer) -> list[str]:
    return [path for path, _ in server.requests if path != "/node.ttl"]


def found(backends, text: str) -> int:
    return backends.index.search(SearchQuery(text=text)).total


@pytest.fixture
def themed(feed_server: FeedServer) -> tuple[FeedServer, str]:
    """A node whose dataset links to a concept with a broader one, each served as Turtle."""
    base = feed_server.url
    concept_file(
        feed_server,
        "theme/colorectal.ttl",
        f'<{base}/theme/colorectal.ttl> skos:prefLabel "Darmkanker"@nl, "Colorectal neoplasm"@en ;'
        f' skos:altLabel "Kolorektales Karzinom"@de ; skos:broader <{base}/theme/cancer.ttl> .',
    )
    concept_file(
        feed_server,
        "theme/cancer.ttl",
        f'<{base}/theme/cancer.ttl> skos:prefLabel "Kasvaimet"@fi, "Neoplasms"@en .',
    )
    return feed_server, node(feed_server, "/theme/colorectal.ttl")


def test_labels_in_every_language_and_the_broader_chain_are_searchable(themed, tmp_path: Path) -> None:
    server, url = themed
    source = Source(name="be", title="BE", url=url, policy="warn")
    backends = open_backends(settings(tmp_path, source))
    try:
        assert harvest_source(source, backends).run.outcome == "ok"
        for text in ("Darmkanker", "neoplasm", "Karzinom", "Kasvaimet", "Neoplasms"):
            assert found(backends, text) == 1, text
        assert concept_requests(server) == ["/theme/colorectal.ttl", "/theme/cancer.ttl"]
        # content negotiation asked for RDF
        assert "text/turtle" in server.requests[-1][1]["Accept"]
        # a rebuild of the index reads the cache: no request, same hits
        reindex(backends.store, backends.index, backends.vocabularies)
        assert found(backends, "Kasvaimet") == 1
        assert len(concept_requests(server)) == 2
    finally:
        backends.close()


def test_a_code_by_an_unshipped_iri_is_found_by_its_resolved_labels(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    base = feed_server.url
    concept_file(feed_server, "code/c50.ttl", f'<{base}/code/c50.ttl> skos:prefLabel "Rintasyöpä"@fi .')
    record = (
        'ex:a a dcat:Dataset ; dct:title "Tissue samples"@en ; dct:description "Samples."@en ; '
        f"dct:publisher ex:org ; <http://healthdataportal.eu/ns/health#hasCodeValues> <{base}/code/c50.ttl> .\n"
    )
    (feed_server.root / "node.ttl").write_text(NODE_HEAD + record)
    source = Source(name="be", title="BE", url=f"{base}/node.ttl", policy="warn")
    backends = open_backends(settings(tmp_path, source))
    try:
        harvest_source(source, backends)
        assert concept_requests(feed_server) == ["/code/c50.ttl"]
        assert found(backends, "rintasyöpä") == 1
    finally:
        backends.close()


def test_a_reharvest_asks_nothing_while_the_answers_are_fresh(themed, tmp_path: Path) -> None:
    server, url = themed
    source = Source(name="be", title="BE", url=url, policy="warn")
    backends = open_backends(settings(tmp_path, source))
    try:
        harvest_source(source, backends)
        node_file = server.root / "node.ttl"
        node_file.write_text(node_file.read_text().replace("Tissue samples", "Tissue samples, 2024"))
        os.utime(node_file, (time.time() + 60, time.time() + 60))
        harvest_source(source, backends)
        assert found(backends, "2024 Kasvaimet") == 1  # the record was written again, with the labels
        assert len(concept_requests(server)) == 2  # fresh (no caching headers: the default max-age)
    finally:
        backends.close()


def test_a_stale_answer_is_revalidated_and_a_304_keeps_it(themed, tmp_path: Path) -> None:
    server, _ = themed
    iri = f"{server.url}/theme/cancer.ttl"
    cache = ConceptCache(tmp_path)
    first = ConceptResolver(ALLOWED, cache).resolve([iri])[iri]
    assert first.last_modified
    cache.put(dataclasses.replace(first, fresh_until=0.0))
    again = ConceptResolver(ALLOWED, cache).resolve([iri])[iri]
    path, headers = server.requests[-1]
    assert path == "/theme/cancer.ttl" and headers["If-Modified-Since"] == first.last_modified
    assert again.labels == first.labels and again.fresh(time.time())


@pytest.mark.parametrize(
    ("concepts", "per_source"),
    [(ALLOWED.model_copy(update={"resolve": False}), True), (ALLOWED, False)],
    ids=["off globally", "off for the source"],
)
def test_resolution_can_be_turned_off(themed, tmp_path: Path, concepts, per_source: bool) -> None:
    server, url = themed
    source = Source(name="be", title="BE", url=url, policy="warn", resolve_concepts=per_source)
    backends = open_backends(settings(tmp_path, source, concepts))
    try:
        assert (
            harvest_source(source, backends).run.published + harvest_source(source, backends).run.flagged >= 0
        )
        assert concept_requests(server) == []
        assert found(backends, "Kasvaimet") == 0
    finally:
        backends.close()


def test_without_the_allowlist_a_loopback_concept_is_refused_and_the_harvest_goes_on(
    themed, tmp_path, caplog
):
    server, url = themed
    source = Source(name="be", title="BE", url=url, policy="warn")
    # the node itself is a configured source; the concepts it names are not: public addresses only
    backends = open_backends(settings(tmp_path, source, ConceptSettings(resolve=True)))
    try:
        assert harvest_source(source, backends).run.outcome == "ok"
        assert concept_requests(server) == []
        assert found(backends, "Tissue") == 1
        assert "loopback" in caplog.text and "/theme/colorectal.ttl" in caplog.text
    finally:
        backends.close()


def test_depth_and_requests_per_host_are_bounded(themed, tmp_path: Path) -> None:
    server, _ = themed
    cache = ConceptCache(tmp_path / "concepts")
    colorectal = f"{server.url}/theme/colorectal.ttl"
    shallow = ConceptResolver(ALLOWED.model_copy(update={"max_depth": 0}), cache).resolve([colorectal])
    assert list(shallow) == [colorectal]
    fresh_cache = ConceptCache(tmp_path / "other")
    one = ConceptResolver(ALLOWED.model_copy(update={"max_requests_per_host": 1}), fresh_cache)
    assert list(one.resolve([colorectal])) == [colorectal]
    assert len(concept_requests(server)) == 2


def test_rdf_xml_and_json_ld_answers(feed_server: FeedServer, tmp_path: Path) -> None:
    base = feed_server.url
    (feed_server.root / "x.rdf").write_text(
        '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:skos="http://www.w3.org/2004/02/skos/core#">'
        f'<rdf:Description rdf:about="{base}/x.rdf"><skos:prefLabel xml:lang="sv">Bröstcancer</skos:prefLabel>'
        "</rdf:Description></rdf:RDF>"
    )
    (feed_server.root / "y.jsonld").write_text(
        f'{{"@id": "{base}/y.jsonld", "http://www.w3.org/2004/02/skos/core#prefLabel": '
        '{"@value": "Rintasyöpä", "@language": "fi"}}'
    )
    resolved = ConceptResolver(ALLOWED, ConceptCache(tmp_path)).resolve([f"{base}/x.rdf", f"{base}/y.jsonld"])
    assert resolved[f"{base}/x.rdf"].labels == (("sv", "Bröstcancer"),)
    assert resolved[f"{base}/y.jsonld"].labels == (("fi", "Rintasyöpä"),)


def test_max_age_from_cache_control_and_failures_are_cached(feed_server: FeedServer, tmp_path: Path) -> None:
    base = feed_server.url
    feed_server.respond(
        "/c",
        200,
        f'<{base}/c> <http://www.w3.org/2004/02/skos/core#prefLabel> "C" .'.encode(),
        {"Content-Type": "application/n-triples", "Cache-Control": "max-age=60", "ETag": '"v1"'},
    )
    feed_server.respond("/gone", 404, b"no")
    cache = ConceptCache(tmp_path)
    resolved = ConceptResolver(ALLOWED, cache).resolve([f"{base}/c", f"{base}/gone"])
    concept = resolved[f"{base}/c"]
    assert concept.etag == '"v1"' and 55 < concept.fresh_until - time.time() <= 60
    assert resolved[f"{base}/gone"].error and "404" in resolved[f"{base}/gone"].error
    ConceptResolver(ALLOWED, ConceptCache(tmp_path)).resolve([f"{base}/c", f"{base}/gone"])
    assert [path for path, _ in feed_server.requests] == ["/c", "/gone"]  # neither asked again


def test_the_cache_is_bounded_and_survives_a_damaged_entry(tmp_path: Path) -> None:
    cache = ConceptCache(tmp_path, max_cached=3)
    for number in range(5):
        cache.put(Concept(f"https://x.example/{number}", labels=(("en", f"c{number}"),)))
    assert cache.prune() == 2
    assert len(list(tmp_path.glob("*/*.json"))) == 3
    damaged = ConceptCache(tmp_path)
    next(tmp_path.glob("*/*.json")).write_text("{not json")
    assert sum(damaged.get(f"https://x.example/{n}") is not None for n in range(5)) <= 2


def test_vocabularies_overlay_keeps_shipped_labels_and_cuts_cycles(tmp_path: Path) -> None:
    cache = ConceptCache(tmp_path)
    heal = "http://publications.europa.eu/resource/authority/data-theme/HEAL"
    cache.put(Concept("https://x.example/a", labels=(("en", "A"),), broader=("https://x.example/b",)))
    cache.put(Concept("https://x.example/b", labels=(("en", "B"),), broader=("https://x.example/a", heal)))
    overlay = ConceptVocabularies(Vocabularies.load(), cache)
    assert overlay.all_labels(heal) == Vocabularies.load().all_labels(heal)
    labels = overlay.all_labels("https://x.example/a")
    assert labels[:2] == ["A", "B"] and "Gezondheid" in labels
    assert overlay.all_labels("https://x.example/unknown") == []


def test_only_unshipped_http_concepts_of_concept_links_are_asked_for() -> None:
    import pyoxigraph as ox

    theme = ox.NamedNode("http://www.w3.org/ns/dcat#theme")
    record = ox.NamedNode("https://node.example/a")
    heal = "http://publications.europa.eu/resource/authority/data-theme/HEAL"
    triples = [
        ox.Triple(record, theme, ox.NamedNode(heal)),
        ox.Triple(record, theme, ox.NamedNode("https://vocab.example/t1")),
        ox.Triple(record, theme, ox.NamedNode("urn:x:t2")),
        ox.Triple(
            record, ox.NamedNode("http://purl.org/dc/terms/publisher"), ox.NamedNode("https://o.example/")
        ),
    ]
    assert concept_iris(triples, Vocabularies.load()) == ["https://vocab.example/t1"]


def test_concepts_config(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.toml"
    parsed = parse_settings(
        {"concepts": {"resolve": True, "allow_hosts": ["127.0.0.1", "10.0.0.0/8"], "max_depth": 0}}, path
    )
    assert parsed.concepts.resolve and parsed.concepts.allow_hosts == ("127.0.0.1", "10.0.0.0/8")
    assert parsed.concepts.max_depth == 0
    assert parse_settings({}, path).concepts.resolve is False  # off unless turned on
    with pytest.raises(ConfigError, match="allow_hosts"):
        parse_settings({"concepts": {"allow_hosts": ["localhost"]}}, path)
    with pytest.raises(ConfigError, match="resolve_concepts"):
        parse_settings(
            {"sources": [{"name": "a", "url": "https://a.example/", "resolve_concepts": "no"}]}, path
        )


def test_snomed_and_orphanet_codes_filter_by_exact_code_and_take_resolved_labels(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    """SNOMED CT and ORDO are not shipped (licence): exact codes filter; labels come from dereferencing."""
    from catalogue.vocabularies.codes import parse_code

    base = feed_server.url
    concept_file(
        feed_server,
        "sct/254837009.ttl",
        f'<{base}/sct/254837009.ttl> skos:prefLabel "Malignant neoplasm of breast"@en, "Borstkanker"@nl ;'
        f" skos:broader <{base}/sct/363346000.ttl> .",
    )
    concept_file(
        feed_server,
        "sct/363346000.ttl",
        f'<{base}/sct/363346000.ttl> skos:prefLabel "Kwaadaardig gezwel"@nl .',
    )
    record = (
        'ex:a a dcat:Dataset ; dct:title "Tissue samples"@en ; dct:description "Samples."@en ; dct:publisher ex:org ;'
        f' <http://healthdataportal.eu/ns/health#hasCodeValues> <{base}/sct/254837009.ttl>, "ORPHA:558" .\n'
        f'<{base}/sct/254837009.ttl> <http://purl.org/dc/terms/identifier> "SNOMED-CT:254837009" .\n'
    )
    (feed_server.root / "node.ttl").write_text(NODE_HEAD + record)
    source = Source(name="be", title="BE", url=f"{base}/node.ttl", policy="warn")
    for resolve in (True, False):
        concepts = ALLOWED if resolve else ALLOWED.model_copy(update={"resolve": False})
        backends = open_backends(settings(tmp_path / str(resolve), source, concepts))
        try:
            harvest_source(source, backends)
            for given in (
                "SNOMED-CT:254837009",
                "http://snomed.info/id/254837009",
                "ORPHA:558",
                "http://www.orpha.net/ORDO/Orphanet_558",
            ):
                code = parse_code(given)
                assert code in ("snomedct:254837009", "orpha:558"), given
                query = SearchQuery(filters={"code": [code]})
                assert backends.index.search(query).total == 1, given
            assert backends.index.search(SearchQuery(filters={"code": ["snomedct:363346000"]})).total == 0
            # the labels, and the broader concept's, only with resolution on
            assert found(backends, "borstkanker") == found(backends, "gezwel") == int(resolve)
            label = backends.vocabularies.label(f"{base}/sct/254837009.ttl", "nl")
            assert label == ("Borstkanker" if resolve else None)
        finally:
            backends.close()
