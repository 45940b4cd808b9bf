"""schema.org Dataset descriptions built from a DatasetView."""

from __future__ import annotations

import json

import pyoxigraph as ox
import rdflib
from rdflib import RDF

from catalogue.schema_org import dataset_jsonld, script_json
from catalogue.views import dataset_view

DOC = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <https://node.example/> .

ex:ds a dcat:Dataset ;
   dct:title "Genomes"@en, "Genomen"@nl ; dct:description "Many genomes."@en ;
   dcat:keyword "dna"@en, "genetics"@en, "erfelijkheid"@nl ;
   dct:identifier "DS-1" ; dct:publisher ex:org ; dct:creator ex:lab ;
   dct:license <https://creativecommons.org/licenses/by/4.0/> ;
   dct:issued "2020-01-01"^^xsd:date ; dct:modified "2024-05-01"^^xsd:date ;
   dct:temporal [ dcat:startDate "2019-01-01"^^xsd:date ] ;
   dcat:landingPage <https://node.example/pages/ds> ;
   dcat:distribution ex:csv, ex:api .
ex:org foaf:name "Hospital"@en, "Ziekenhuis"@nl ; foaf:homepage <https://hospital.example/> .
ex:lab foaf:name "Lab" .
ex:csv dcat:downloadURL <https://node.example/ds.csv> ; dcat:accessURL <https://node.example/ds> ;
   dct:format <http://publications.europa.eu/resource/authority/file-type/CSV> ; dct:title "Table"@en .
ex:api dcat:accessURL <https://node.example/api> .
"""
SCHEMA = rdflib.Namespace("https://schema.org/")
# schema.org's context, reduced to what these tests need (no network)
CONTEXT = {
    "@vocab": "https://schema.org/",
    **{key: {"@type": "@id"} for key in ("url", "license", "contentUrl", "sameAs")},
}


def view():
    triples = [q.triple for q in ox.parse(DOC.encode(), format=ox.RdfFormat.TURTLE)]
    return dataset_view(triples, "https://node.example/ds")


def build(lang: str = "en") -> dict:
    return dataset_jsonld(
        view(),
        url="http://catalogue.test/datasets/be-1",
        catalogue_name="Test catalogue",
        catalogue_url="http://catalogue.test/",
        lang=lang,
        label=lambda iri: iri.rsplit("/", 1)[-1],
    )


def test_dataset_fields() -> None:
    data = build()
    assert data["@context"] == "https://schema.org" and data["@type"] == "Dataset"
    assert data["@id"] == "https://node.example/ds" and data["url"] == "http://catalogue.test/datasets/be-1"
    assert data["name"] == "Genomes" and data["description"] == "Many genomes."
    assert data["identifier"] == ["DS-1"]
    assert sorted(data["keywords"]) == ["dna", "genetics"]
    assert data["publisher"] == {
        "@type": "Organization",
        "@id": "https://node.example/org",
        "name": "Hospital",
        "url": "https://hospital.example/",
    }
    assert data["creator"] == [{"@type": "Organization", "@id": "https://node.example/lab", "name": "Lab"}]
    assert data["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert data["temporalCoverage"] == "2019-01-01/.."  # open end
    assert data["distribution"] == [
        {
            "@type": "DataDownload",
            "contentUrl": "https://node.example/ds.csv",
            "name": "Table",
            "encodingFormat": "CSV",
        }
    ]  # the access-only API is no download
    assert data["includedInDataCatalog"] == {
        "@type": "DataCatalog",
        "name": "Test catalogue",
        "url": "http://catalogue.test/",
    }
    assert data["datePublished"] == "2020-01-01" and data["dateModified"] == "2024-05-01"
    assert data["sameAs"] == "https://node.example/pages/ds"
    assert "spatialCoverage" not in data  # empty values are left out


def test_texts_follow_the_visitors_language() -> None:
    data = build("nl")
    assert data["keywords"] == ["erfelijkheid"]
    assert data["publisher"]["name"] == "Ziekenhuis"
    # no Dutch description: name and description both in English, said so
    assert (data["name"], data["description"], data["inLanguage"]) == ("Genomes", "Many genomes.", "en")


def _jsonld(doc: str, lang: str) -> dict:
    triples = [q.triple for q in ox.parse((DOC_PREFIXES + doc).encode(), format=ox.RdfFormat.TURTLE)]
    return dataset_jsonld(
        dataset_view(triples, "https://node.example/ds"),
        url="http://catalogue.test/datasets/be-1",
        catalogue_name="Test catalogue",
        catalogue_url="http://catalogue.test/",
        lang=lang,
    )


DOC_PREFIXES = """@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix ex: <https://node.example/> .
@prefix ar: <http://publications.europa.eu/resource/authority/access-right/> .
"""


def test_name_and_description_share_one_language_which_is_stated() -> None:
    """Issue point 8: both texts exist in French and Dutch; a French visitor gets both in French."""
    doc = """ex:ds a dcat:Dataset ; dct:title "Génomes"@fr, "Genomen"@nl-BE, "Genomes"@en ;
        dct:description "Beaucoup de génomes."@fr, "Veel genomen."@nl, "Many genomes."@en ."""
    for lang, expected in (("fr", "fr"), ("nl", "nl"), ("de", "en")):
        data = _jsonld(doc, lang)
        assert data["inLanguage"] == expected
        titles = {"fr": "Génomes", "nl": "Genomen", "en": "Genomes"}
        descriptions = {"fr": "Beaucoup de génomes.", "nl": "Veel genomen.", "en": "Many genomes."}
        assert (data["name"], data["description"]) == (titles[expected], descriptions[expected])
    # only Dutch has both: a visitor in English gets the Dutch pair, not an English name on a Dutch text
    data = _jsonld('ex:ds dct:title "Genomes"@en, "Genomen"@nl ; dct:description "Veel genomen."@nl .', "en")
    assert (data["name"], data["description"], data["inLanguage"]) == ("Genomen", "Veel genomen.", "nl")
    untagged = _jsonld('ex:ds dct:title "Genomes" ; dct:description "Many."@en .', "en")
    assert untagged["name"] == "Genomes" and "inLanguage" not in untagged


def test_free_access_follows_the_access_rights() -> None:
    """Issue point 8: isAccessibleForFree from dct:accessRights (EU access-right authority)."""
    base = 'ex:ds dct:title "T"@en ; dct:description "D"@en '
    assert _jsonld(base + "; dct:accessRights ar:PUBLIC .", "en")["isAccessibleForFree"] is True
    assert _jsonld(base + "; dct:accessRights ar:RESTRICTED .", "en")["isAccessibleForFree"] is False
    assert _jsonld(base + "; dct:accessRights ar:NON_PUBLIC .", "en")["isAccessibleForFree"] is False
    assert "isAccessibleForFree" not in _jsonld(base + ".", "en")
    assert "isAccessibleForFree" not in _jsonld(base + "; dct:accessRights <https://other.example/x> .", "en")


def test_it_is_json_ld_with_schema_org_types() -> None:
    data = build()
    data["@context"] = CONTEXT
    graph = rdflib.Graph().parse(data=json.dumps(data), format="json-ld")
    ds = rdflib.URIRef("https://node.example/ds")
    assert (ds, RDF.type, SCHEMA.Dataset) in graph
    assert (rdflib.URIRef("https://node.example/org"), RDF.type, SCHEMA.Organization) in graph
    assert (ds, SCHEMA.license, rdflib.URIRef("https://creativecommons.org/licenses/by/4.0/")) in graph
    download = graph.value(ds, SCHEMA.distribution)
    assert (download, RDF.type, SCHEMA.DataDownload) in graph
    assert (download, SCHEMA.contentUrl, rdflib.URIRef("https://node.example/ds.csv")) in graph
    assert (graph.value(ds, SCHEMA.includedInDataCatalog), RDF.type, SCHEMA.DataCatalog) in graph


def test_script_json_cannot_close_the_script_element() -> None:
    hostile = {"name": "</script><script>alert(1)</script><!-- & -->", "sep": "a\u2028b\u2029c", "é": "ü"}
    text = script_json(hostile)
    for forbidden in ("<", ">", "&", "\u2028", "\u2029"):
        assert forbidden not in text
    assert "\\u003c/script\\u003e" in text and "ü" in text
    assert json.loads(text) == hostile
