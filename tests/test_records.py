import pyoxigraph as ox
import pytest
import rdflib

from catalogue.fetch import Document
from catalogue.parse import parse_document
from catalogue.records import split_records

BASE = "http://catalogue.test"
DOC = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix spdx: <http://spdx.org/rdf/terms#> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
@prefix ex: <https://node.example/> .

ex:catalog a dcat:Catalog ; dct:title "Node"@en ; dct:publisher ex:org ;
    dcat:dataset ex:ds1, ex:ds2 .
ex:org a foaf:Agent ; foaf:name "Hospital"@en .
ex:licence a dct:LicenseDocument ; dct:title "Orphan licence" .

ex:ds1 a dcat:Dataset ; dct:title "One"@en ; dct:publisher ex:org ;
    dcat:contactPoint [ a vcard:Kind ; vcard:fn "Desk" ] ;
    dct:temporal [ a dct:PeriodOfTime ; dcat:startDate "2020-01-01" ] ;
    dct:relation ex:ds2 ;
    dcat:distribution [ a dcat:Distribution ; dcat:accessURL ex:file1 ;
        spdx:checksum [ a spdx:Checksum ; spdx:checksumValue "abc" ] ] ,
      [ a dcat:Distribution ; dcat:accessURL ex:file2 ] .
ex:ds2 a dcat:Dataset ; dct:title "Two"@en ; dct:publisher ex:org .
"""


def split(data: str | bytes, location: str = "doc.ttl"):
    raw = data.encode() if isinstance(data, str) else data
    return split_records(parse_document(Document(location, raw)), "be", BASE)


def subjects(record) -> set[str]:
    return {t.subject.value for t in record.triples}


def test_one_record_per_dataset_and_one_for_the_catalogue() -> None:
    records = split(DOC)
    kinds = [(r.kind, r.uri) for r in records]
    assert kinds == [
        ("dataset", "https://node.example/ds1"),
        ("dataset", "https://node.example/ds2"),
        ("catalog", "https://node.example/catalog"),
    ]
    ds1, ds2, catalog = records
    # what hangs off the dataset comes along, another dataset does not
    assert "https://node.example/org" in subjects(ds1)
    assert "https://node.example/ds2" not in subjects(ds1)
    assert len([t for t in ds1.triples if t.predicate.value.endswith("checksumValue")]) == 1
    assert "https://node.example/org" in subjects(ds2)
    # the catalogue keeps its own triples, its publisher and what nobody claimed
    assert {
        "https://node.example/catalog",
        "https://node.example/org",
        "https://node.example/licence",
    } <= subjects(catalog)
    assert ds1.title == "One"


def test_blank_nodes_become_skolem_iris_under_our_base() -> None:
    ds1 = split(DOC)[0]
    terms = [term for t in ds1.triples for term in (t.subject, t.object)]
    assert not any(isinstance(term, ox.BlankNode) for term in terms)
    genids = {t.value for t in terms if isinstance(t, ox.NamedNode) and "/.well-known/genid/" in t.value}
    assert len(genids) == 5  # contact, period, two distributions, checksum
    assert all(g.startswith(BASE + "/.well-known/genid/") for g in genids)


def test_same_content_in_another_syntax_gives_identical_records() -> None:
    graph = rdflib.Graph().parse(data=DOC, format="turtle")
    as_xml = graph.serialize(format="xml").encode()
    as_jsonld = graph.serialize(format="json-ld").encode()
    first = [(r.id, r.content_hash) for r in split(DOC)]
    assert [(r.id, r.content_hash) for r in split(DOC)] == first
    assert [(r.id, r.content_hash) for r in split(as_xml, "doc.rdf")] == first
    assert [(r.id, r.content_hash) for r in split(as_jsonld, "doc.jsonld")] == first


def test_changing_one_dataset_changes_only_its_hash() -> None:
    before = {r.uri: r.content_hash for r in split(DOC)}
    after = {r.uri: r.content_hash for r in split(DOC.replace('"Two"@en', '"Two, revised"@en'))}
    changed = {uri for uri in before if before[uri] != after[uri]}
    assert changed == {"https://node.example/ds2"}


def test_blank_node_dataset_gets_a_stable_identity() -> None:
    doc = "@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .\n"
    doc += '[] a dcat:Dataset ; dct:title "Anonymous" .'
    first, second = split(doc), split(doc)
    assert first[0].uri == second[0].uri and first[0].uri.startswith(BASE)
    assert first[0].id == second[0].id and first[0].id.startswith("be-")


def _nested(depth: int) -> str:
    return (
        "@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix ex: <http://x/> .\n"
        + "ex:deep a dcat:Dataset ; ex:p "
        + "[ ex:p " * depth
        + "1"
        + " ]" * depth
        + " .\n"
    )


def test_blank_nodes_nested_deeper_than_python_recurses_are_split() -> None:
    quads = parse_document(Document("deep.ttl", _nested(1500).encode()))
    (record,) = split_records(quads, "be", "http://catalogue.test")
    assert len(record.triples) == 1502


def test_blank_nodes_nested_beyond_the_limit_are_refused_naming_the_record() -> None:
    from catalogue.fetch import InputError
    from catalogue.records import MAX_DEPTH

    quads = parse_document(Document("deep.ttl", _nested(MAX_DEPTH + 1).encode()))
    with pytest.raises(InputError, match="nested more than 2,000 levels") as caught:
        split_records(quads, "be", "http://catalogue.test")
    assert caught.value.location == "http://x/deep"
