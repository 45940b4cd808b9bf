"""Accept headers with q-values, and the RDF format table."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import rdflib

from catalogue.negotiation import (
    BY_SUFFIX,
    HTML,
    RDF_FORMATS,
    MediaRange,
    choose,
    choose_rdf,
    negotiate,
    parse_accept,
    quality,
    serialize,
    split_suffix,
)

FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
CHROME = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,"
    "*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
)


def test_parse_orders_by_q_then_specificity() -> None:
    ranges = parse_accept("*/*;q=0.1, text/*;q=0.5, text/turtle;q=0.5, application/ld+json")
    assert [(r.type, r.subtype, r.q) for r in ranges] == [
        ("application", "ld+json", 1.0),
        ("text", "turtle", 0.5),
        ("text", "*", 0.5),
        ("*", "*", 0.1),
    ]


def test_parse_keeps_parameters_and_skips_malformed_entries() -> None:
    ranges = parse_accept(
        'application/ld+json;profile="http://www.w3.org/ns/json-ld#compacted, x";q=0.7, nonsense, text/html;q=abc, text/plain;q=2, *'
    )
    assert ranges == [
        MediaRange("*", "*"),
        MediaRange(
            "application", "ld+json", 0.7, (("profile", "http://www.w3.org/ns/json-ld#compacted, x"),)
        ),
    ]
    assert parse_accept(None) == [] and parse_accept("") == []
    # parameters after q are accept-extensions, not media type parameters
    assert parse_accept("text/turtle;q=0.3;ext=1") == [MediaRange("text", "turtle", 0.3)]
    assert parse_accept("TEXT/Turtle") == [MediaRange("text", "turtle")]


def test_quality_uses_the_most_specific_matching_range() -> None:
    ranges = parse_accept("text/*;q=0.3, text/turtle;q=0.7, */*;q=0.1, text/html;level=1;q=0.9")
    assert quality(ranges, "text/turtle") == 0.7
    assert quality(ranges, "text/plain") == 0.3
    assert quality(ranges, "application/rdf+xml") == 0.1
    assert quality(ranges, "text/html") == 0.9
    assert quality(parse_accept("text/turtle"), "application/ld+json") == 0.0


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, HTML),
        ("", HTML),
        ("*/*", HTML),
        (FIREFOX, HTML),
        (CHROME, HTML),
        ("text/turtle", "text/turtle"),
        ("application/x-turtle", "text/turtle"),
        ("application/json", "application/ld+json"),  # JSON-LD is JSON, on every RDF route
        ("text/turtle;q=0, */*", HTML),
        ("text/turtle;q=0, text/html;q=0, */*", "application/ld+json"),  # q=0 refuses Turtle, alias too
        ("application/x-turtle;q=0, text/turtle", "text/turtle"),
        ("text/turtle;q=0, application/*", "application/ld+json"),
        ("application/ld+json", "application/ld+json"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/n-triples", "application/n-triples"),
        ("text/turtle;q=0.5, application/ld+json", "application/ld+json"),
        ("text/html;q=0.1, text/turtle;q=0.9", "text/turtle"),
        ("text/html;q=0, */*", "text/turtle"),  # q=0: "not acceptable"
        ("application/*", "application/ld+json"),
        ("text/*;q=0.9, text/html;q=0.2", "text/turtle"),
        ("application/pdf", None),
        ("application/pdf, text/turtle;q=0", None),
        ("garbage", HTML),  # nothing valid: as if no header was sent
    ],
)
def test_choose_rdf(accept: str | None, expected: str | None) -> None:
    chosen = choose_rdf(accept)
    assert (chosen if chosen is None or chosen == HTML else chosen.media_type) == expected


def test_choose_rdf_without_a_page() -> None:
    """The feed has no HTML page: browsers and ``*/*`` get Turtle, ``text/turtle;q=0`` refuses it."""
    assert choose_rdf(FIREFOX, html=False) is BY_SUFFIX["rdf"]  # application/xml;q=0.9
    assert choose_rdf("*/*", html=False) is BY_SUFFIX["ttl"]
    assert choose_rdf("text/turtle;q=0, */*", html=False) is BY_SUFFIX["jsonld"]
    assert choose_rdf("text/html", html=False) is None


def test_ties_go_to_the_servers_order() -> None:
    assert negotiate("text/turtle, application/ld+json", ["application/ld+json", "text/turtle"]) == (
        "application/ld+json"
    )
    assert negotiate("*/*", []) is None
    assert (
        choose("text/turtle, application/ld+json", {"b": ["application/ld+json"], "a": ["text/turtle"]})
        == "b"
    )
    assert choose(None, {"a": ["text/turtle"]}) == "a" and choose("*/*", {}) is None


def test_choose_rdf_and_suffixes() -> None:
    assert choose_rdf(FIREFOX) == HTML
    assert choose_rdf("application/x-turtle") is BY_SUFFIX["ttl"]
    assert choose_rdf("image/png") is None
    assert split_suffix("be-0123.ttl") == ("be-0123", BY_SUFFIX["ttl"])
    assert split_suffix("be-0123.jsonld") == ("be-0123", BY_SUFFIX["jsonld"])
    assert split_suffix("be-0123") == ("be-0123", None)
    assert split_suffix("be-0123.pdf") == ("be-0123.pdf", None)
    assert split_suffix(".ttl") == (".ttl", None)


RDFLIB_FORMATS = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml", "nt": "nt"}


@pytest.mark.parametrize("syntax", RDF_FORMATS, ids=lambda s: s.suffix)
def test_serialize_round_trips_in_every_syntax(syntax) -> None:
    s = ox.NamedNode("https://node.example/ds")
    triples = [
        ox.Triple(
            s, ox.NamedNode("http://purl.org/dc/terms/title"), ox.Literal('Genomes <&> "x"', language="en")
        ),
        ox.Triple(
            s,
            ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ox.NamedNode("http://www.w3.org/ns/dcat#Dataset"),
        ),
    ]
    body = serialize(triples, syntax)
    assert body == serialize(list(reversed(triples)), syntax)  # stable bytes for equal content
    graph = rdflib.Graph().parse(data=body, format=RDFLIB_FORMATS[syntax.suffix])
    assert (
        rdflib.URIRef(s.value),
        rdflib.DCTERMS.title,
        rdflib.Literal('Genomes <&> "x"', lang="en"),
    ) in graph
    assert len(graph) == 2
