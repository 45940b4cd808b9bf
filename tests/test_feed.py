"""Feed helpers without a catalogue: content negotiation, stitching chunks, gzip."""

from __future__ import annotations

import gzip

import pyoxigraph as ox
import pytest
import rdflib

from catalogue.feed import FORMATS, JSONLD, NTRIPLES, RDFXML, TURTLE, ChunkWriter, gzipped, negotiate


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, TURTLE),
        ("", TURTLE),
        ("*/*", TURTLE),
        ("application/ld+json", JSONLD),
        ("application/rdf+xml;q=0.9, text/turtle;q=0.8", RDFXML),
        ("text/turtle;q=0.5, application/n-triples", NTRIPLES),
        ("text/html, */*;q=0.1", TURTLE),
        ("image/png", None),
        ("text/turtle;q=0", None),
    ],
)
def test_negotiate(accept, expected) -> None:
    assert negotiate(accept) is expected


def _chunks(n: int) -> list[list[ox.Triple]]:
    dcat = "http://www.w3.org/ns/dcat#"
    out = []
    for i in range(n):
        subject = ox.NamedNode(f"https://ex.org/d{i}")
        out.append(
            [
                ox.Triple(
                    subject,
                    ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                    ox.NamedNode(dcat + "Dataset"),
                ),
                ox.Triple(
                    subject,
                    ox.NamedNode("http://purl.org/dc/terms/title"),
                    ox.Literal(f'T <{i}> & "x"\n', language="en"),
                ),
                ox.Triple(
                    subject,
                    ox.NamedNode("https://other.example/vocab#n1"),
                    ox.Literal(str(i), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
                ),
            ]
        )
    return out


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.suffix)
def test_chunks_stitch_into_one_document(fmt) -> None:
    writer = ChunkWriter(fmt)
    body = writer.start() + b"".join(writer.chunk(c) for c in [[], *_chunks(3), []]) + writer.end()
    parser = {"ttl": "turtle", "nt": "nt", "rdf": "xml", "jsonld": "json-ld"}[fmt.suffix]
    graph = rdflib.Graph().parse(data=body, format=parser)
    assert len(graph) == 9
    assert (
        rdflib.URIRef("https://ex.org/d2"),
        rdflib.URIRef("http://purl.org/dc/terms/title"),
        rdflib.Literal('T <2> & "x"\n', lang="en"),
    ) in graph


def test_empty_document_is_valid() -> None:
    for fmt in FORMATS:
        writer = ChunkWriter(fmt)
        body = writer.start() + writer.end()
        parser = {"ttl": "turtle", "nt": "nt", "rdf": "xml", "jsonld": "json-ld"}[fmt.suffix]
        assert len(rdflib.Graph().parse(data=body, format=parser)) == 0


def test_gzipped_round_trip() -> None:
    parts = [b"a" * 1000, b"", b"b" * 70_000]
    assert gzip.decompress(b"".join(gzipped(iter(parts)))) == b"".join(parts)


def test_a_sub_catalogue_borrows_what_dcat_ap_allows_a_catalogue() -> None:
    """One licence and one issue date (DCAT-AP's maxCount 1), resources only where it wants
    resources (each typed with the class it gives them), tagged titles only, dates only."""
    from catalogue.describe import borrowed_from

    dct, root, sub = (
        "http://purl.org/dc/terms/",
        ox.NamedNode("https://node.example/catalog"),
        ox.NamedNode("http://x/sources/be"),
    )
    said = [
        (dct + "license", ox.NamedNode("https://licence.example/b")),
        (dct + "license", ox.NamedNode("https://licence.example/a")),
        (dct + "issued", ox.Literal("yesterday")),
        (
            dct + "issued",
            ox.Literal("2020-01-01", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")),
        ),
        (dct + "language", ox.Literal("English")),
        (dct + "spatial", ox.BlankNode()),
        (dct + "title", ox.Literal("Untagged")),
        (dct + "title", ox.Literal("Knooppunt", language="nl")),
        ("http://xmlns.com/foaf/0.1/homepage", ox.NamedNode("https://node.example/")),
    ]
    known = [ox.Triple(root, ox.NamedNode(p), o) for p, o in said]
    got = {(str(s), str(p), str(o)) for s, p, o in borrowed_from(sub, root, known)}
    assert got == {
        (str(sub), f"<{dct}license>", "<https://licence.example/a>"),
        ("<https://licence.example/a>", f"<{RDF_TYPE}>", f"<{dct}LicenseDocument>"),
        (str(sub), f"<{dct}issued>", '"2020-01-01"^^<http://www.w3.org/2001/XMLSchema#date>'),
        (str(sub), f"<{dct}title>", '"Knooppunt"@nl'),
        (str(sub), "<http://xmlns.com/foaf/0.1/homepage>", "<https://node.example/>"),
        ("<https://node.example/>", f"<{RDF_TYPE}>", "<http://xmlns.com/foaf/0.1/Document>"),
    }


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
