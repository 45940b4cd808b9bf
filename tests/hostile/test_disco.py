"""Discovery against hostile records and requests: codes, counts, facets and filters.

Records are harvested for real and every request goes over HTTP to the app;
what a node writes is never trusted (escaped in pages, bounded in size), and
what a visitor asks is bounded (values per facet, characters per value,
facet sizes) and refused with a message naming the parameter.
"""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from catalogue.views.health import MAX_CODES
from catalogue.web import create_app

SCRIPT = "<script>alert(1)</script>"

DOC = f"""
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix hd: <http://healthdataportal.eu/ns/health#> .
@prefix ex: <https://node.example/> .
ex:catalog a dcat:Catalog ; dct:title "Node"@en ; dct:description "A node."@en ; dct:publisher ex:org ;
   dcat:dataset ex:evil, ex:many .
ex:org a foaf:Agent ; foaf:name "Org"@en .
ex:evil a dcat:Dataset ; dct:title "Evil health record"@en ; dct:description "d"@en ; dct:publisher ex:org ;
   dcat:keyword "Key {SCRIPT}"@en ;
   hd:numberOfUniqueIndividuals "100000000000000000000000000000" ; hd:numberOfRecords "-5" ;
   hd:minTypicalAge "999" ; hd:maxTypicalAge "{SCRIPT}" ;
   hd:healthCategory <https://evil.example/{SCRIPT.replace("<", "%3C").replace(">", "%3E")}> ;
   hd:hasCodeValues [ a skos:Concept ; dct:identifier "X:{SCRIPT}" ; skos:prefLabel "{SCRIPT}"@en ],
     [ a skos:Concept ; dct:identifier "ICD-10:C50.9\\"}} UNION {{ ?s ?p ?o" ; skos:prefLabel "Inject"@en ] .
ex:many a dcat:Dataset ; dct:title "Many codes"@en ; dct:description "d"@en ; dct:publisher ex:org ;
   hd:hasCodeValues {", ".join(f'"ATC:A{n:02}"' for n in range(1, MAX_CODES + 40))} .
"""


@pytest.fixture
def client(harvested):
    backends, _, _ = harvested(DOC)
    with TestClient(create_app(backends)) as client:
        yield client


def test_hostile_health_values_are_left_out_or_escaped(client: TestClient) -> None:
    hits = {h["title"]: h for h in client.get("/api/search", params={"facet_size": 1000}).json()["results"]}
    evil = hits["Evil health record"]["health"]
    assert evil["individuals"] is None and evil["records"] is None  # absurd and negative counts
    assert evil["age_min"] is None and evil["age_max"] is None
    assert len(hits["Many codes"]["health"]["codes"]) == MAX_CODES
    page = client.get("/datasets", params={"facet_size": 1000})
    assert page.status_code == 200 and SCRIPT not in page.text
    assert "&lt;script&gt;" in page.text  # the keyword and the code are shown, escaped
    filtered = client.get("/datasets", params={"code": f"X:{SCRIPT}"})
    assert filtered.status_code == 200 and SCRIPT not in filtered.text


def test_a_code_filter_is_a_value_never_query_syntax(client: TestClient) -> None:
    for code in ('icd10:C50.9"} UNION { ?s ?p ?o', 'icd10:C50"}', "icd10:*", "atc:A%", "icd10:C50.9\\"):
        answer = client.get("/api/search", params={"code": code})
        assert answer.status_code in (200, 422), (code, answer.text)
        if answer.status_code == 200:
            assert answer.json()["total"] <= 1


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"code": "icd10:" + "C" * 3000}, "code"),
        ({"keyword": "k" * 3000}, "keyword"),
        ([("theme", f"https://t.example/{n}") for n in range(60)], "theme"),
        ({"facet_size": 1001}, "facet_size"),
        ({"age_min": 10**30}, "age_min"),
        ({"temporal_from": "99999-01-01"}, "temporal_from"),
        ({"modified_to": "2020-02-30"}, "modified_to"),
        ({"country": SCRIPT}, "country"),
    ],
)
def test_oversized_and_malformed_requests_are_refused_naming_the_parameter(
    client: TestClient, params, named: str
) -> None:
    api = client.get("/api/search", params=params)
    assert api.status_code == 422 and named in api.text
    assert api.headers["content-type"].startswith("application/json")  # any echo is data, not markup
    page = client.get("/datasets", params=params)
    assert page.status_code == 400 and named in page.text and SCRIPT not in page.text


def test_the_widest_allowed_request_is_answered_quickly(client: TestClient) -> None:
    params = [("facet_size", "1000"), ("q", "record codes " * 20)]
    params += [("code", f"atc:A{n:02}") for n in range(1, 51)]
    params += [("age_min", "0"), ("age_max", "150"), ("temporal_from", "0001"), ("temporal_to", "9999")]
    started = time.perf_counter()
    answer = client.get("/api/search", params=params)
    assert answer.status_code == 200, answer.text
    assert time.perf_counter() - started < 5


def test_a_query_of_many_medical_words_stays_bounded(client: TestClient) -> None:
    """Every word of a query of terms in many languages widens: words and alternatives stay capped."""
    from catalogue.index.analysis import MAX_WORDS, query_parts
    from catalogue.index.variants import MAX_ALTERNATIVES
    from catalogue.vocabularies.terms import terms

    words = " ".join(label for term in terms()[:60] for names in term.labels.values() for label in names[:1])
    required, optional = query_parts(words)
    assert len(required) + len(optional) <= MAX_WORDS
    assert all(len(part.alternatives) <= 2 * MAX_ALTERNATIVES for part in required)
    for text in (words, f'"{words}"', "cancer " + SCRIPT, "borstkanker" * 40):
        started = time.perf_counter()
        answer = client.get("/api/search", params={"q": text[:2000]})
        assert answer.status_code in (200, 422), answer.text
        assert time.perf_counter() - started < 5
        page = client.get("/datasets", params={"q": text[:2000]})
        assert page.status_code in (200, 400) and SCRIPT not in page.text
