"""Hostile input for cross-language search and concept resolution: bounded, refused or cut, never a crash."""

from __future__ import annotations

import time
from pathlib import Path

from catalogue.concepts import ConceptCache, ConceptResolver
from catalogue.concepts.remote import MAX_BROADER, MAX_LABEL_CHARS, MAX_REDIRECTS
from catalogue.config import ConceptSettings, SearchSettings
from catalogue.index import SearchDocument, SearchQuery, compounds
from catalogue.index.analysis import MAX_WORDS, query_parts
from catalogue.index.opening import open_index
from catalogue.index.variants import MAX_ALTERNATIVES
from tests.conftest import FeedServer

ALLOWED = ConceptSettings(resolve=True, allow_hosts=("127.0.0.1",), timeout_seconds=2.0, max_bytes=20_000)
PREF = "<http://www.w3.org/2004/02/skos/core#prefLabel>"
BROADER = "<http://www.w3.org/2004/02/skos/core#broader>"


def resolve(server: FeedServer, tmp_path: Path, path: str, settings: ConceptSettings = ALLOWED):
    iri = f"{server.url}{path}"
    return ConceptResolver(settings, ConceptCache(tmp_path / "concepts")).resolve([iri]).get(iri)


def test_an_entity_bomb_is_refused(feed_server: FeedServer, tmp_path: Path) -> None:
    entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {b} "&{a};&{a};&{a};&{a};&{a};&{a};&{a};&{a};&{a};&{a};">'
        for a, b in zip("abcde", "bcdef", strict=True)
    )
    feed_server.respond(
        "/bomb",
        200,
        f'<?xml version="1.0"?><!DOCTYPE r [{entities}]><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:skos="http://www.w3.org/2004/02/skos/core#">'
        f'<rdf:Description rdf:about="{feed_server.url}/bomb"><skos:prefLabel>&f;</skos:prefLabel>'
        "</rdf:Description></rdf:RDF>".encode(),
        {"Content-Type": "application/rdf+xml"},
    )
    concept = resolve(feed_server, tmp_path, "/bomb")
    assert concept is not None and concept.labels == () and concept.error


def test_an_external_entity_is_refused(feed_server: FeedServer, tmp_path: Path) -> None:
    feed_server.respond(
        "/xxe",
        200,
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        b'xmlns:skos="http://www.w3.org/2004/02/skos/core#"><rdf:Description rdf:about="urn:x">'
        b"<skos:prefLabel>&x;</skos:prefLabel></rdf:Description></rdf:RDF>",
        {"Content-Type": "application/rdf+xml"},
    )
    concept = resolve(feed_server, tmp_path, "/xxe")
    assert concept is not None and concept.labels == () and concept.error and "root:" not in concept.error


def test_an_oversized_answer_is_cut_off(feed_server: FeedServer, tmp_path: Path) -> None:
    iri = f"{feed_server.url}/big"
    body = "".join(f'<{iri}> {PREF} "label {n}" .\n' for n in range(5_000)).encode()
    feed_server.respond("/big", 200, body, {"Content-Type": "application/n-triples"})
    concept = resolve(feed_server, tmp_path, "/big")
    assert concept is not None and concept.labels == () and "bytes" in (concept.error or "")


def test_a_redirect_to_a_private_address_is_refused_before_connecting(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    feed_server.respond("/away", 302, b"", {"Location": "http://10.255.255.1/secret"})
    concept = resolve(feed_server, tmp_path, "/away")
    assert concept is not None and "private" in (concept.error or "")


def test_a_redirect_loop_is_bounded(feed_server: FeedServer, tmp_path: Path) -> None:
    feed_server.respond("/loop", 302, b"", {"Location": "/loop"})
    concept = resolve(feed_server, tmp_path, "/loop")
    assert concept is not None and concept.error
    assert len(feed_server.requests) <= MAX_REDIRECTS + 1


def test_huge_labels_and_endless_broader_links_are_capped(feed_server: FeedServer, tmp_path: Path) -> None:
    iri = f"{feed_server.url}/wide"
    lines = [f'<{iri}> {PREF} "{"x" * 5_000}"@en .']
    lines += [f"<{iri}> {BROADER} <{feed_server.url}/b{n}> ." for n in range(100)]
    feed_server.respond("/wide", 200, "\n".join(lines).encode(), {"Content-Type": "application/n-triples"})
    limited = ALLOWED.model_copy(update={"max_requests": 5})
    resolver = ConceptResolver(limited, ConceptCache(tmp_path))
    found = resolver.resolve([iri])
    assert len(found[iri].broader) == MAX_BROADER
    assert len(found[iri].labels[0][1]) == MAX_LABEL_CHARS
    assert len(feed_server.requests) == 5  # the request budget, whatever the fan-out


def test_a_broader_cycle_ends(feed_server: FeedServer, tmp_path: Path) -> None:
    a, b = f"{feed_server.url}/a", f"{feed_server.url}/b"
    feed_server.respond(
        "/a", 200, f"<{a}> {BROADER} <{b}> .".encode(), {"Content-Type": "application/n-triples"}
    )
    feed_server.respond(
        "/b", 200, f"<{b}> {BROADER} <{a}> .".encode(), {"Content-Type": "application/n-triples"}
    )
    deep = ALLOWED.model_copy(update={"max_depth": 50})
    assert set(ConceptResolver(deep, ConceptCache(tmp_path)).resolve([a])) == {a, b}
    assert len(feed_server.requests) == 2


def test_a_slow_concept_server_costs_at_most_the_time_budget(feed_server: FeedServer, tmp_path: Path) -> None:
    feed_server.delays.update({f"/slow{n}": 3.0 for n in range(5)})
    budget = ALLOWED.model_copy(update={"timeout_seconds": 0.5, "max_seconds": 1.0})
    started = time.monotonic()
    iris = [f"{feed_server.url}/slow{n}" for n in range(5)]
    ConceptResolver(budget, ConceptCache(tmp_path)).resolve(iris)
    assert time.monotonic() - started < 3.0


def test_words_made_of_many_dictionary_words_split_in_bounded_time() -> None:
    for lang in compounds.WORD_LISTS:
        compounds.dictionary(lang)  # loading the word lists is not what is timed
    started = time.monotonic()
    for lang in compounds.WORD_LISTS:
        for word in ("kanker" * 6, "krebs" * 7, "a" * 39, "syöpä" * 7, "ab" * 500):
            assert len(compounds.split(word, lang)) <= 3 * compounds.MAX_PARTS
    assert time.monotonic() - started < 5.0


def test_a_query_of_many_words_with_alternatives_stays_bounded(tmp_path: Path) -> None:
    text = " ".join(["health", "english", "annual", "public", "leukaemia", "tumour"] * 20)
    required, _ = query_parts(text)
    assert len(required) <= MAX_WORDS and all(len(p.alternatives) <= MAX_ALTERNATIVES for p in required)
    index = open_index(SearchSettings(), tmp_path / "index")
    try:
        index.upsert(
            [SearchDocument(id="a", uri="https://x.example/a", source="s", title={"nl": ["Gezondheid"]})]
        )
        index.commit()
        started = time.monotonic()
        index.search(SearchQuery(text=text))
        index.search(SearchQuery(text='"' + " ".join(["health"] * 200) + '"'))
        assert time.monotonic() - started < 5.0
    finally:
        index.close()


def test_a_suggestion_keeps_the_visitors_markup_escaped(harvested) -> None:
    from fastapi.testclient import TestClient

    from catalogue.web import create_app

    backends, _, _ = harvested(
        "@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .\n"
        "@prefix foaf: <http://xmlns.com/foaf/0.1/> . @prefix ex: <https://node.example/> .\n"
        'ex:org a foaf:Agent ; foaf:name "Hospital"@en .\n'
        'ex:a a dcat:Dataset ; dct:title "Leukemia cohort"@en ; dct:description "Samples."@en ; '
        "dct:publisher ex:org .\n"
    )
    with TestClient(create_app(backends)) as client:
        page = client.get("/datasets", params={"q": "leukemai <>\"'&"})  # no word in the markup
        assert "Did you mean" in page.text
        assert "leukemia &lt;&gt;&#34;&#39;&amp;</a>" in page.text and "<>" not in page.text
