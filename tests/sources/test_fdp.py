"""The fdp kind: a FAIR Data Point walked over real HTTP.

The tree is hand-written after the shapes in ../shared/corpus/examples
(gdi-ckanext-fairdatapoint, fairdatapoint): fdp-o/r3d links from the root, LDP
direct containers listing children, one Turtle document per resource.
"""

from __future__ import annotations

import pytest

from catalogue.fetch import InputError
from catalogue.records import split_records

PREFIXES = """@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix fdp-o: <https://w3id.org/fdp/fdp-o#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix ldp: <http://www.w3.org/ns/ldp#> .
@prefix r3d: <http://www.re3data.org/schema/3-0#> .
@prefix spdx: <http://spdx.org/rdf/terms#> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
"""

FDP = {
    "/fdp": """
<> a fdp-o:FAIRDataPoint, r3d:Repository ; dct:title "Test FAIR Data Point"@en ;
    fdp-o:metadataCatalog </catalog/c1> ; r3d:dataCatalog </catalog/c1> .
</catalog/> a ldp:DirectContainer ; dct:title "Catalogs" ;
    ldp:membershipResource <> ; ldp:hasMemberRelation r3d:dataCatalog ; ldp:contains </catalog/c1> .
""",
    "/catalog/c1": """
<> a dcat:Catalog, dcat:Resource ; dct:title "Test catalogue"@en ; dct:isPartOf </fdp> ;
    dct:publisher [ a foaf:Agent ; foaf:name "Test hospital" ] ;
    dcat:dataset </dataset/d1>, </dataset/d2>, <https://doi.org/10.1234/elsewhere> .
</dataset/> a ldp:DirectContainer ; dct:title "Datasets" ;
    ldp:membershipResource <> ; ldp:hasMemberRelation dcat:dataset ;
    ldp:contains </dataset/d1>, </dataset/d2>, </dataset/d3> .
""",
    "/dataset/d1": """
<> a dcat:Dataset, dcat:Resource ; dct:title "Published dataset"@en ; dct:isPartOf </catalog/c1> ;
    dcat:contactPoint _:b0 ; dcat:distribution </distribution/x1> .
_:b0 a vcard:Kind ; vcard:fn "Data desk" .
</distribution/> a ldp:DirectContainer ; dct:title "Distributions" ;
    ldp:membershipResource <> ; ldp:hasMemberRelation dcat:distribution ;
    ldp:contains </distribution/x1>, </distribution/x2> .
""",
    "/dataset/d2": """
<> a dcat:Dataset ; dct:title "Work in progress"@en ; fdp-o:metadataState "DRAFT" ;
    dcat:distribution </distribution/x3> .
""",
    "/distribution/x1": """
<> a dcat:Distribution ; dct:title "VCF files"@en ; dct:isPartOf </dataset/d1> ; spdx:checksum _:b0 .
_:b0 spdx:checksumValue "abc123" .
""",
    "/distribution/x2": """
<> a dcat:Distribution ; dct:title "Listed only in the container"@en .
""",
}


@pytest.fixture
def fdp(site):
    pages = {path: (200, PREFIXES + body) for path, body in FDP.items()}
    pages["/dataset/d3"] = (403, "You are not allow to view this record in state DRAFT")
    pages["/distribution/x3"] = (500, "a draft's distribution must never be asked for")
    return site(pages)


def test_catalogues_and_datasets_become_pages(fdp, walked) -> None:
    pages = walked("fdp", f"{fdp.url}/fdp")
    assert [p.url for p in pages] == [f"{fdp.url}/dataset/d1", f"{fdp.url}/catalog/c1"]
    assert fdp.hits == {
        "/fdp": 1,
        "/catalog/c1": 1,
        "/dataset/d1": 1,
        "/dataset/d2": 1,  # read, found to be a DRAFT
        "/dataset/d3": 1,  # 403: what the reference FDP says about a DRAFT
        "/distribution/x1": 1,
        "/distribution/x2": 1,
    }, "each resource once, nothing below a draft, nothing on another host"


def test_a_dataset_page_holds_its_distributions(fdp, walked) -> None:
    dataset_page = walked("fdp", f"{fdp.url}/fdp")[0]
    records = split_records(dataset_page.quads, "node", "http://catalogue.test")
    assert [(r.kind, r.uri) for r in records] == [("dataset", f"{fdp.url}/dataset/d1")]
    text = {(str(t.predicate), t.object.value) for t in records[0].triples}
    # x2 is listed only in the dataset's LDP container: its membership triple is stated
    assert ("<http://www.w3.org/ns/dcat#distribution>", f"{fdp.url}/distribution/x2") in text
    assert ("<http://purl.org/dc/terms/title>", "Listed only in the container") in text
    # both documents call a blank node _:b0: they stay two nodes
    desk = next(t.subject for t in records[0].triples if t.object.value == "Data desk")
    checksum = next(t.subject for t in records[0].triples if t.object.value == "abc123")
    assert desk != checksum


def test_the_catalogue_page_drops_links_to_drafts(fdp, walked) -> None:
    catalogue_page = walked("fdp", f"{fdp.url}/fdp")[1]
    linked = {q.object.value for q in catalogue_page.quads if q.predicate.value.endswith("#dataset")}
    assert linked == {f"{fdp.url}/dataset/d1", "https://doi.org/10.1234/elsewhere"}
    records = split_records(catalogue_page.quads, "node", "http://catalogue.test")
    assert [(r.kind, r.uri) for r in records] == [("catalog", f"{fdp.url}/catalog/c1")]


def test_an_fdp_whose_root_refuses_us_is_an_error(site, walked) -> None:
    refusing = site({"/fdp": (403, "log in first")})
    with pytest.raises(InputError, match=r"^source 'node': page 1, .*/fdp: HTTP 403 Forbidden$"):
        walked("fdp", f"{refusing.url}/fdp")


def test_an_fdp_harvests_into_the_catalogue_without_its_drafts(fdp, open_catalogue) -> None:
    from catalogue.config import Source
    from catalogue.harvest import harvest_source

    source = Source(name="fdp", title="FDP", url=f"{fdp.url}/fdp", kind="fdp", policy="warn")
    backends = open_catalogue(source)
    run = harvest_source(source, backends).run
    assert (run.outcome, run.kind, run.found) == ("ok", "fdp", 1), run.error
    (dataset,) = [m for m in backends.store.metas("fdp") if m.kind == "dataset"]
    assert dataset.uri == f"{fdp.url}/dataset/d1" and dataset.title == "Published dataset"
    triples = {str(t) for t in backends.store.record_triples(dataset.id)}
    assert any("VCF files" in t for t in triples), "the distribution's document is part of the record"
