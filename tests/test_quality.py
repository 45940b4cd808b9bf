"""Quality scores, checked against hand-counted points."""

from __future__ import annotations

import pyoxigraph as ox

from catalogue.quality import DIMENSION_MAXIMA, MAXIMUM, QualityScore, rating, score, urls_to_check
from catalogue.views import dataset_view

RICH = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <https://node.example/> .
ex:d a dcat:Dataset ; dct:title "Genomes"@en ; dct:description "About."@en ;
  dcat:keyword "genome"@en ; dcat:theme <http://publications.europa.eu/resource/authority/data-theme/HEAL> ;
  dct:spatial <http://publications.europa.eu/resource/authority/country/BEL> ;
  dct:temporal [ a dct:PeriodOfTime ; dcat:startDate "2020-01-01"^^xsd:date ] ;
  dct:accessRights <http://publications.europa.eu/resource/authority/access-right/RESTRICTED> ;
  dcat:contactPoint [ a vcard:Kind ; vcard:fn "Desk" ] ; dct:publisher ex:org ; dct:rights ex:rights ;
  dct:issued "2020-01-01"^^xsd:date ; dct:modified "2021-01-01"^^xsd:date ;
  dcat:distribution ex:csv, ex:pdf .
ex:csv a dcat:Distribution ; dcat:accessURL ex:a1 ; dcat:downloadURL ex:f1 ;
  dct:format <http://publications.europa.eu/resource/authority/file-type/CSV> ;
  dcat:mediaType <http://www.iana.org/assignments/media-types/text/csv> ; dcat:byteSize 10 ;
  dct:license <http://publications.europa.eu/resource/authority/licence/CC_BY_4_0> .
ex:pdf a dcat:Distribution ; dcat:accessURL ex:a2 ;
  dct:format <http://publications.europa.eu/resource/authority/file-type/PDF> .
"""


def view(text: str, uri: str = "https://node.example/d"):
    triples = [q.triple for q in ox.parse(text, format=ox.RdfFormat.TURTLE)]
    return dataset_view(triples, uri)


def test_points_add_up_to_the_mqa_405_by_dimension() -> None:
    assert DIMENSION_MAXIMA == {
        "findability": 100, "accessibility": 100, "interoperability": 110, "reusability": 75, "contextuality": 20,
    }  # fmt: skip
    assert sum(DIMENSION_MAXIMA.values()) == MAXIMUM == 405


def test_a_rich_dataset_earns_per_distribution_shares() -> None:
    reach = {
        "https://node.example/a1": True,
        "https://node.example/a2": False,
        "https://node.example/f1": True,
    }
    result = score(view(RICH), conforms=True, reachable=reach)
    assert result.dimensions() == {
        "findability": 100,
        # access URL answers for 1 of 2 distributions (25 of 50), a download URL on 1 of 2 (10), answering (15)
        "accessibility": 50,
        # format 20, media type 1/2 → 5, vocabulary 10, non-proprietary 1/2 → 10, machine-readable 1/2 → 10, conforms 30
        "interoperability": 85,
        # licence on 1 of 2 distributions → 10, from the EU vocabulary 10, access rights 10 + 5, contact 20, publisher 10
        "reusability": 65,
        # rights 5, byte size 1/2 → 2.5, issued 5, modified 5
        "contextuality": 18,
    }
    assert result.total == 318 and result.rating == "good"
    assert [c.id for c in result.missed()][:2] == ["access-url-answers", "download-url-answers"]
    assert QualityScore.from_json(result.to_json()) == result


def test_unchecked_urls_earn_nothing_yet_and_a_bare_dataset_is_bad() -> None:
    unchecked = score(view(RICH), conforms=True)
    assert unchecked.dimension("accessibility") == 10  # only "a download URL is given"
    assert urls_to_check(view(RICH)) == {f"https://node.example/{n}" for n in ("a1", "a2", "f1")}
    bare = score(view("<https://node.example/d> a <http://www.w3.org/ns/dcat#Dataset> ."), conforms=False)
    assert bare.total == 0 and bare.rating == "bad"
    assert [rating(points) for points in (405, 351, 350, 221, 220, 121, 120, 0)] == [
        "excellent", "excellent", "good", "good", "sufficient", "sufficient", "bad", "bad",
    ]  # fmt: skip
