"""The DCAT-AP feed (/catalog) and the dumps, driven over HTTP against a harvested catalogue."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import rdflib
from conftest import CORPUS, free_port
from fastapi.testclient import TestClient
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF
from typer.testing import CliRunner

from catalogue.cli import app as cli
from catalogue.config import Source
from catalogue.harvest import harvest_source
from catalogue.web import create_app

BASE = "http://catalogue.test"
HYDRA = rdflib.Namespace("http://www.w3.org/ns/hydra/core#")
EX = rdflib.Namespace("https://node.example/")
NL = rdflib.Namespace("https://nl.example/")
OFFICIAL_SHAPES = CORPUS / "shapes" / "dcat-ap-3.0.0" / "shacl" / "dcat-ap-SHACL.ttl"
OWN_SHAPES = Path(__file__).resolve().parents[2] / "shapes" / "dcat-ap-3.ttl"

PREFIXES = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix theme: <http://publications.europa.eu/resource/authority/data-theme/> .
@prefix ft: <http://publications.europa.eu/resource/authority/file-type/> .
"""

# Conforms to the official DCAT-AP 3.0.0 shapes (which want rdf:type on linked
# things: concepts, agents, contact points, media types, even access URLs),
# except ex:broken, which has no description and is rejected.
BE = (
    PREFIXES
    + """
@prefix ex: <https://node.example/> .
ex:catalog a dcat:Catalog ; dct:title "Node"@en ; dct:description "The Belgian node's own catalogue."@en ;
    dct:publisher ex:org ; dcat:dataset ex:wgs, ex:cohort, ex:broken .
ex:org a foaf:Agent ; foaf:name "University Hospital"@en .
theme:HEAL a skos:Concept ; skos:prefLabel "Health"@en .
theme:TECH a skos:Concept ; skos:prefLabel "Science and technology"@en .
ft:CSV a dct:MediaTypeOrExtent .
ex:wgs a dcat:Dataset ;
    dct:title "Whole-genome sequencing of rare diseases"@en ;
    dct:description "Genomes of 2,300 patients."@en ;
    dcat:keyword "rare diseases"@en ; dcat:theme theme:HEAL ; dct:publisher ex:org ;
    dct:modified "2024-05-01"^^xsd:date ;
    dcat:contactPoint ex:desk ;
    dcat:distribution ex:wgs-csv .
ex:desk a vcard:Kind ; vcard:fn "Data desk" ; vcard:hasEmail <mailto:desk@node.example> .
ex:wgs-csv a dcat:Distribution ; dcat:accessURL <https://node.example/access/wgs> ; dct:format ft:CSV .
<https://node.example/access/wgs> a rdfs:Resource .
ex:cohort a dcat:Dataset ; dct:title "Cardiovascular cohort"@en ; dct:description "Heart study."@en ;
    dcat:theme theme:TECH ; dct:publisher ex:org ; dct:modified "2023-01-01"^^xsd:date .
ex:broken a dcat:Dataset ; dct:title "Broken record without description"@en .
"""
)

NL_DOC = (
    PREFIXES
    + """
@prefix nl: <https://nl.example/> .
nl:biobank a dcat:Dataset ; dct:title "Biobank samples"@en, "Biobankmonsters"@nl ;
    dct:description "Samples from the Dutch biobank."@en ; dct:publisher nl:umc ; dcat:theme theme:HEAL .
nl:umc a foaf:Agent ; foaf:name "UMC"@nl .
theme:HEAL a skos:Concept ; skos:prefLabel "Health"@en .
"""
)


@pytest.fixture
def harvested(tmp_path: Path, open_catalogue):
    (tmp_path / "be.ttl").write_text(BE)
    (tmp_path / "nl.ttl").write_text(NL_DOC)
    be = Source(name="be", title="Belgian node", url=str(tmp_path / "be.ttl"), country="BE")
    nl = Source(name="nl", title="Dutch node", url=str(tmp_path / "nl.ttl"), country="NL")
    backends = open_catalogue(be, nl)
    for source in (be, nl):
        harvest_source(source, backends)
    return backends


@pytest.fixture
def client(harvested):
    with TestClient(create_app(harvested)) as client:
        yield client


def graph(response, fmt: str = "turtle") -> rdflib.Graph:
    assert response.status_code == 200, response.text
    return rdflib.Graph().parse(data=response.content, format=fmt)


def datasets(g: rdflib.Graph) -> set:
    return set(g.objects(rdflib.URIRef(f"{BASE}/catalog"), DCAT.dataset))


def test_feed_has_full_descriptions_records_and_sub_catalogues(client: TestClient) -> None:
    g = graph(client.get("/catalog"))
    catalog = rdflib.URIRef(f"{BASE}/catalog")
    assert (catalog, RDF.type, DCAT.Catalog) in g
    assert str(g.value(catalog, DCTERMS.title)) == "Test catalogue"
    publisher = g.value(catalog, DCTERMS.publisher)
    assert str(g.value(publisher, FOAF.name)) == "Test catalogue"
    assert datasets(g) == {EX.wgs, EX.cohort, NL.biobank}
    assert EX.broken not in set(g.subjects()) | set(g.objects())
    # the full description, original IRIs kept
    assert (EX["wgs-csv"], DCAT.accessURL, rdflib.URIRef("https://node.example/access/wgs")) in g
    assert (EX.desk, rdflib.URIRef("http://www.w3.org/2006/vcard/ns#fn"), rdflib.Literal("Data desk")) in g
    # sub-catalogues and catalogue records
    be, nl = rdflib.URIRef(f"{BASE}/sources/be"), rdflib.URIRef(f"{BASE}/sources/nl")
    assert set(g.objects(catalog, DCTERMS.hasPart)) == {be, nl}
    assert str(g.value(be, DCTERMS.title)) == "Belgian node"
    assert g.value(be, DCTERMS.publisher) == EX.org  # from the node's own catalogue
    assert str(g.value(be, DCTERMS.description)) == "The Belgian node's own catalogue."
    assert g.value(nl, DCTERMS.publisher) == publisher  # no catalogue of its own: ours
    records = list(g.subjects(RDF.type, DCAT.CatalogRecord))
    assert len(records) == 3
    for record in records:
        topic = g.value(record, FOAF.primaryTopic)
        assert topic in datasets(g)
        assert str(record).startswith(f"{BASE}/records/")
        assert g.value(record, DCTERMS.modified).datatype == rdflib.XSD.dateTime
        assert (None, DCAT.record, record) in g
    wgs_record = g.value(predicate=FOAF.primaryTopic, object=EX.wgs)
    assert (be, DCAT.record, wgs_record) in g


@pytest.mark.parametrize(
    ("suffix", "media", "parser"),
    [
        ("ttl", "text/turtle", "turtle"),
        ("nt", "application/n-triples", "nt"),
        ("rdf", "application/rdf+xml", "xml"),
        ("jsonld", "application/ld+json", "json-ld"),
    ],
)
def test_every_format_by_suffix_and_accept(client: TestClient, suffix: str, media: str, parser: str) -> None:
    by_suffix = client.get(f"/catalog.{suffix}")
    assert by_suffix.headers["content-type"].startswith(media)
    by_accept = client.get("/catalog", headers={"Accept": media})
    assert by_accept.headers["content-type"].startswith(media)
    assert by_accept.headers["vary"] == "Accept"
    expected = graph(client.get("/catalog"))
    for response in (by_suffix, by_accept):
        g = graph(response, parser)
        assert datasets(g) == {EX.wgs, EX.cohort, NL.biobank}
        assert len(g) == len(expected)
        assert (
            EX.wgs,
            DCTERMS.title,
            rdflib.Literal("Whole-genome sequencing of rare diseases", lang="en"),
        ) in g
    if suffix == "jsonld":
        assert "@graph" in json.loads(by_suffix.content)


def test_accept_q_values(client: TestClient) -> None:
    def media(accept: str) -> str:
        return client.get("/catalog", headers={"Accept": accept}).headers["content-type"].split(";")[0]

    assert media("application/rdf+xml;q=0.5, application/ld+json;q=0.9") == "application/ld+json"
    assert media("text/html,application/xhtml+xml,*/*;q=0.8") == "text/turtle"
    assert media("application/n-triples;q=0.2, */*;q=0.1") == "application/n-triples"
    assert media("*/*") == "text/turtle"
    assert client.get("/catalog", headers={"Accept": "image/png"}).status_code == 406
    assert client.get("/catalog", headers={"Accept": "text/turtle;q=0, image/png"}).status_code == 406


def test_paging_with_hydra(client: TestClient) -> None:
    seen = []
    pages = []
    for number in (1, 2, 3):
        g = graph(client.get("/catalog", params={"page": number, "page_size": 1}))
        catalog = rdflib.URIRef(f"{BASE}/catalog")
        assert g.value(catalog, HYDRA.totalItems).toPython() == 3
        view = g.value(catalog, HYDRA.view)
        assert (view, RDF.type, HYDRA.PartialCollectionView) in g
        assert str(view) == f"{BASE}/catalog?page={number}&page_size=1"
        assert str(g.value(view, HYDRA.first)) == f"{BASE}/catalog?page=1&page_size=1"
        assert str(g.value(view, HYDRA.last)) == f"{BASE}/catalog?page=3&page_size=1"
        pages.append(g)
        seen += datasets(g)
    assert sorted(seen) == sorted({EX.wgs, EX.cohort, NL.biobank})
    views = [g.value(rdflib.URIRef(f"{BASE}/catalog"), HYDRA.view) for g in pages]
    assert pages[0].value(views[0], HYDRA.previous) is None
    assert str(pages[0].value(views[0], HYDRA.next)) == f"{BASE}/catalog?page=2&page_size=1"
    assert str(pages[1].value(views[1], HYDRA.previous)) == f"{BASE}/catalog?page=1&page_size=1"
    assert pages[2].value(views[2], HYDRA.next) is None
    # past the end: an empty page that still says where the data is
    beyond = graph(client.get("/catalog", params={"page": 9, "page_size": 1}))
    assert datasets(beyond) == set()
    for bad in ({"page_size": 1001}, {"page": 0}, {"page_size": "x"}, {"modified_since": "yesterday"}):
        assert client.get("/catalog", params=bad).status_code == 400


def test_modified_since(client: TestClient, harvested) -> None:
    metas = {m.uri: m for m in harvested.store.metas() if m.kind == "dataset"}
    nl_time = metas[str(NL.biobank)].harvested
    assert metas[str(EX.wgs)].harvested < nl_time  # harvested one after the other
    g = graph(client.get("/catalog", params={"modified_since": nl_time.isoformat()}))
    assert datasets(g) == {NL.biobank}
    view = g.value(rdflib.URIRef(f"{BASE}/catalog"), HYDRA.view)
    assert "modified_since=" in str(view)
    assert datasets(graph(client.get("/catalog", params={"modified_since": "2000-01-01"}))) == {
        EX.wgs,
        EX.cohort,
        NL.biobank,
    }
    assert datasets(graph(client.get("/catalog", params={"modified_since": "2999-01-01T00:00:00Z"}))) == set()


def test_facet_filters_and_words(client: TestClient) -> None:
    heal = "http://publications.europa.eu/resource/authority/data-theme/HEAL"

    def found(**params) -> set:
        g = graph(client.get("/catalog", params=params))
        total = g.value(rdflib.URIRef(f"{BASE}/catalog"), HYDRA.totalItems).toPython()
        assert total == len(datasets(g))
        return datasets(g)

    assert found(source="nl") == {NL.biobank}
    assert found(theme=heal) == {EX.wgs, NL.biobank}
    assert found(theme=heal, source="be") == {EX.wgs}
    assert found(q="cardiovascular") == {EX.cohort}
    assert found(q="biobankmonsters") == {NL.biobank}
    assert found(keyword="rare diseases") == {EX.wgs}
    assert found(source=["be", "nl"], page_size="1000") == {EX.wgs, EX.cohort, NL.biobank}
    view = graph(client.get("/catalog", params={"theme": heal, "q": "genome"})).value(
        rdflib.URIRef(f"{BASE}/catalog"), HYDRA.view
    )
    assert "q=genome" in str(view) and "theme=http" in str(view)


def _violations(data: rdflib.Graph, shapes: Path) -> list[str]:
    import pyshacl

    conforms, report, text = pyshacl.validate(
        data, shacl_graph=rdflib.Graph().parse(shapes), inference="none", allow_warnings=True
    )
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    return [
        f"{report.value(r, sh.focusNode)} {report.value(r, sh.resultPath)}: {report.value(r, sh.resultMessage)}"
        for r in report.subjects(sh.resultSeverity, sh.Violation)
    ]


def test_the_records_conform_to_the_official_shapes(tmp_path: Path) -> None:
    """The fixture itself (but ex:broken) conforms, so the feed test below means something."""
    if not OFFICIAL_SHAPES.is_file():
        pytest.skip("../shared/corpus is not present")
    for document in (BE, NL_DOC):
        data = rdflib.Graph().parse(data=document, format="turtle")
        data.remove((EX.broken, None, None))
        data.remove((None, None, EX.broken))
        assert _violations(data, OFFICIAL_SHAPES) == []


@pytest.mark.parametrize("suffix", ["ttl", "jsonld"])
def test_feed_conforms_to_the_official_and_our_shapes(client: TestClient, suffix: str) -> None:
    parser = {"ttl": "turtle", "jsonld": "json-ld"}[suffix]
    for params in ({}, {"page_size": 1, "page": 2}, {"source": "nl"}):
        data = graph(client.get(f"/catalog.{suffix}", params=params), parser)
        assert _violations(data, OWN_SHAPES) == []
        if OFFICIAL_SHAPES.is_file():
            assert _violations(data, OFFICIAL_SHAPES) == []
    if not OFFICIAL_SHAPES.is_file():
        pytest.skip("../shared/corpus is not present (checked against our own shapes only)")


def test_dumps(client: TestClient, harvested) -> None:
    nq = client.get("/dump.nq.gz")
    assert nq.status_code == 200
    assert nq.headers["content-type"] == "application/gzip"
    assert 'filename="catalogue.nq.gz"' in nq.headers["content-disposition"]
    dataset = rdflib.Dataset()
    dataset.parse(data=gzip.decompress(nq.content), format="nquads")
    visible = [m for m in harvested.store.metas(statuses=("published", "flagged"))]
    expected = {harvested.store.record_graph(m.id).value for m in visible} | {f"{BASE}/catalog"}
    names = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert names == expected
    wgs = next(m for m in visible if m.uri == str(EX.wgs))
    record_graph = dataset.graph(rdflib.URIRef(harvested.store.record_graph(wgs.id).value))
    assert (EX.wgs, DCAT.distribution, EX["wgs-csv"]) in record_graph
    assert (EX.broken, None, None) not in dataset

    ttl = client.get("/dump.ttl.gz")
    assert ttl.headers["content-type"] == "application/gzip"
    assert 'filename="catalogue.ttl.gz"' in ttl.headers["content-disposition"]
    merged = rdflib.Graph().parse(data=gzip.decompress(ttl.content), format="turtle")
    assert {EX.wgs, EX.cohort, NL.biobank, EX.catalog} <= set(merged.subjects())
    assert (EX.broken, RDF.type, DCAT.Dataset) not in merged
    assert len(merged) == len({quad[:3] for quad in dataset.quads()})
    # our catalogue, its sub-catalogues and the catalogue records come along, in {base}/catalog
    ours = dataset.graph(rdflib.URIRef(f"{BASE}/catalog"))
    assert (rdflib.URIRef(f"{BASE}/catalog"), RDF.type, DCAT.Catalog) in ours
    assert len(set(ours.subjects(RDF.type, DCAT.CatalogRecord))) == len(visible)
    # the node catalogue lists ex:broken, which was rejected: the dump does not link it
    assert (EX.catalog, DCAT.dataset, EX.wgs) in merged
    assert (None, DCAT.dataset, EX.broken) not in merged


def test_export_command(tmp_path: Path, harvested) -> None:
    config = tmp_path / "catalogue.toml"
    config.write_text(
        '[catalogue]\ntitle = "Test catalogue"\nbase_url = "http://catalogue.test"\ndata_dir = "./data"\n'
    )
    runner = CliRunner()
    for fmt, parser in (("nq", "nquads"), ("ttl", "turtle")):
        target = tmp_path / f"out.{fmt}.gz"
        result = runner.invoke(
            cli, ["--config", str(config), "export", "--format", fmt, "--output", str(target)]
        )
        assert result.exit_code == 0, result.output
        data = rdflib.Dataset() if fmt == "nq" else rdflib.Graph()
        data.parse(data=gzip.decompress(target.read_bytes()), format=parser)
        assert (EX.wgs, RDF.type, DCAT.Dataset) in (data if fmt == "ttl" else data.graph(_graph_of(data)))
        assert (EX.broken, RDF.type, DCAT.Dataset) not in data
    bad = runner.invoke(cli, ["--config", str(config), "export", "--format", "xml"])
    assert bad.exit_code == 2


def _graph_of(dataset: rdflib.Dataset) -> rdflib.URIRef:
    return next(g for s, p, o, g in dataset.quads((EX.wgs, RDF.type, DCAT.Dataset)))


def test_feed_pages_answer_conditional_requests(client) -> None:
    first = client.get("/catalog.ttl", params={"page_size": 1})
    assert first.status_code == 200 and first.headers["etag"].startswith('W/"')
    assert "last-modified" in first.headers
    again = client.get(
        "/catalog.ttl", params={"page_size": 1}, headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304
    other_page = client.get(
        "/catalog.ttl", params={"page_size": 1, "page": 2}, headers={"If-None-Match": first.headers["etag"]}
    )
    assert other_page.status_code == 200
    since = client.get(
        "/catalog.ttl", params={"page_size": 1}, headers={"If-Modified-Since": first.headers["last-modified"]}
    )
    assert since.status_code == 304


# -- conformance pass: what a protocol client or a validator sees --------------------------------

VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
DCATAP = rdflib.Namespace("http://data.europa.eu/r5r/")
BE_RICH = BE.replace(
    'ex:catalog a dcat:Catalog ; dct:title "Node"@en ;',
    'ex:catalog a dcat:Catalog ; dct:title "Node"@en, "Knooppunt"@nl ; dct:issued "2021-03-01"^^xsd:date ;\n'
    "    dct:language <http://publications.europa.eu/resource/authority/language/NLD> ;\n"
    "    dct:license <https://creativecommons.org/licenses/by/4.0/> ;\n"
    "    dct:spatial <http://publications.europa.eu/resource/authority/country/BEL> ;\n"
    "    dcat:themeTaxonomy <http://publications.europa.eu/resource/authority/data-theme> ;\n"
    "    foaf:homepage <https://node.example/> ;\n"
    "    <http://data.europa.eu/r5r/applicableLegislation> <http://data.europa.eu/eli/reg/2025/327/oj> ;",
)


@pytest.fixture
def live(tmp_path: Path, live_server):
    """The two nodes harvested by a catalogue whose base URL is a real server on 127.0.0.1."""
    from conftest import make_settings

    from catalogue.backends import open_backends

    (tmp_path / "be.ttl").write_text(BE_RICH)
    (tmp_path / "nl.ttl").write_text(NL_DOC)
    be = Source(name="be", title="Belgian node", url=str(tmp_path / "be.ttl"), country="BE")
    nl = Source(name="nl", title="Dutch node", url=str(tmp_path / "nl.ttl"), country="NL")
    port = free_port()
    settings = make_settings(tmp_path / "upstream", be, nl)
    settings = type(settings)(**{**settings.__dict__, "base_url": f"http://127.0.0.1:{port}"})
    backends = open_backends(settings)
    for source in (be, nl):
        harvest_source(source, backends)
    server = live_server(create_app(backends), port)
    yield backends, server.url
    backends.close()


def _hydra_walk(url: str) -> tuple[list[str], set]:
    """A generic Hydra client: hydra:next is read on the IRI of the document fetched, nowhere else."""
    import httpx

    fetched, found = [], set()
    while url:
        response = httpx.get(url, headers={"Accept": "text/turtle"}, timeout=30)
        g = rdflib.Graph().parse(data=response.content, format="turtle")
        fetched.append(url)
        found |= set(g.subjects(RDF.type, DCAT.Dataset))
        following = g.value(rdflib.URIRef(url), HYDRA.next)
        url = str(following) if following is not None else ""
        assert len(fetched) <= 10
    return fetched, found


def test_hydra_paging_is_followed_from_the_url_fetched(live) -> None:
    """Issue point 2: a client starting at /catalog (or any page) finds hydra:next on what it read."""
    backends, url = live
    pages, found = _hydra_walk(f"{url}/catalog?page_size=1")
    assert found == {EX.wgs, EX.cohort, NL.biobank} and len(pages) == 3
    pages, found = _hydra_walk(f"{url}/catalog")  # the entry point: one page of 100
    assert found == {EX.wgs, EX.cohort, NL.biobank} and pages == [f"{url}/catalog"]
    g = rdflib.Graph().parse(
        data=__import__("httpx").get(f"{url}/catalog?page_size=2").content, format="turtle"
    )
    entry = rdflib.URIRef(f"{url}/catalog?page_size=2")
    assert (rdflib.URIRef(f"{url}/catalog"), HYDRA.view, entry) in g
    assert str(g.value(entry, HYDRA.next)) == f"{url}/catalog?page=2&page_size=2"


def test_our_rdf_kind_harvests_the_whole_feed_from_the_entry_point(live, tmp_path: Path) -> None:
    """Issue point 2, with our own harvester: every page, every dataset, as published upstream."""
    from conftest import make_settings

    from catalogue.backends import open_backends

    upstream, url = live
    mirror = Source(name="up", title="Upstream", url=f"{url}/catalog?page_size=1")
    downstream = open_backends(make_settings(tmp_path / "downstream", mirror))
    try:
        harvest_source(mirror, downstream)
        got = {m.uri for m in downstream.store.metas(kind="dataset", statuses=("published", "flagged"))}
        assert got == {str(EX.wgs), str(EX.cohort), str(NL.biobank)}
        runs = downstream.store.runs("up")
        assert runs[0].pages == 3
    finally:
        downstream.close()


def test_sub_catalogues_keep_the_node_catalogue_and_list_their_datasets(live) -> None:
    """Issue point 5: the node catalogue's own properties, dcat:dataset beside dcat:record, dct:issued."""
    import httpx

    backends, url = live
    g = rdflib.Graph().parse(data=httpx.get(f"{url}/catalog").content, format="turtle")
    be = rdflib.URIRef(f"{url}/sources/be")
    assert g.value(be, DCTERMS.language) == rdflib.URIRef(
        "http://publications.europa.eu/resource/authority/language/NLD"
    )
    assert g.value(be, DCTERMS.license) == rdflib.URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert g.value(be, DCTERMS.spatial) is not None and g.value(be, DCAT.themeTaxonomy) is not None
    assert g.value(be, FOAF.homepage) == rdflib.URIRef("https://node.example/")
    assert g.value(be, DCATAP.applicableLegislation) is not None
    assert str(g.value(be, DCTERMS.issued)) == "2021-03-01"
    assert rdflib.Literal("Knooppunt", lang="nl") in set(g.objects(be, DCTERMS.title))
    assert g.value(be, DCTERMS.source) == EX.catalog
    assert set(g.objects(be, DCAT.dataset)) == {EX.wgs, EX.cohort}
    for record in g.objects(be, DCAT.record):
        issued, modified = g.value(record, DCTERMS.issued), g.value(record, DCTERMS.modified)
        assert issued is not None and issued.toPython() <= modified.toPython()
        # the record's IRI answers, with the same description
        answer = httpx.get(str(record), headers={"Accept": "text/turtle"})
        assert answer.status_code == 200, answer.text
        alone = rdflib.Graph().parse(data=answer.content, format="turtle")
        assert set(alone.triples((record, None, None))) == set(g.triples((record, None, None)))


def test_the_catalogue_describes_its_services_and_dumps(live) -> None:
    """Issue point 6: dcat:service / dcat:DataService for /sparql, VoID with the endpoint and the dumps."""
    import httpx

    backends, url = live
    for path in ("/catalog", "/index.ttl"):
        g = rdflib.Graph().parse(
            data=httpx.get(url + path, headers={"Accept": "text/turtle"}, timeout=60).content, format="turtle"
        )
        endpoint = g.value(rdflib.URIRef(f"{url}/catalog"), DCAT.service)
        assert endpoint == rdflib.URIRef(f"{url}/sparql")
        assert (endpoint, RDF.type, DCAT.DataService) in g
        assert g.value(endpoint, DCAT.endpointURL) == endpoint
        assert g.value(endpoint, DCAT.endpointDescription) is not None
        void = g.value(predicate=VOID.sparqlEndpoint, object=endpoint)
        dumps = {str(d) for d in g.objects(void, VOID.dataDump)}
        assert dumps == {f"{url}/dump.nq.gz", f"{url}/dump.ttl.gz"}
        for dump_url in dumps:  # what the description links answers
            assert httpx.get(dump_url, timeout=60).status_code == 200
    g = rdflib.Graph().parse(data=httpx.get(f"{url}/catalog", timeout=60).content, format="turtle")
    assert set(g.objects(rdflib.URIRef(f"{url}/sparql"), DCAT.servesDataset)) == {
        EX.wgs,
        EX.cohort,
        NL.biobank,
    }
    answer = httpx.get(f"{url}/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=60)
    assert answer.status_code == 200  # the endpoint the description names is there


def _official_shapes() -> list[Path]:
    """The official DCAT-AP 3.0.0 and 3.0.1 shapes and HealthDCAT-AP's, where ../shared has them."""
    found = [
        CORPUS / "shapes" / "dcat-ap-3.0.0" / "shacl" / "dcat-ap-SHACL.ttl",
        CORPUS / "shapes" / "dcat-ap-3.0.1" / "shacl" / "dcat-ap-SHACL.ttl",
        CORPUS / "shapes" / "healthdcat-ap-r5" / "healthdcatap-shacl.ttl",
    ]
    return [path for path in found if path.is_file()]


def _ours(base: str, violation: str) -> bool:
    """A violation on a node we mint: our catalogue, sub-catalogues, records, services."""
    return violation.startswith(base) and "/.well-known/genid/" not in violation.split(" ")[0]


def test_what_we_mint_conforms_in_the_feed_the_dumps_and_at_home(live) -> None:
    """Issue points 5–7: 0 violations on our own nodes, with every official shape set there is."""
    import httpx

    shape_files = _official_shapes()
    if not shape_files:
        pytest.skip("../shared/corpus is not present")
    backends, url = live
    documents = {
        "feed": rdflib.Graph().parse(data=httpx.get(f"{url}/catalog").content, format="turtle"),
        "home": rdflib.Graph().parse(data=httpx.get(f"{url}/index.ttl").content, format="turtle"),
        "dump": rdflib.Graph().parse(
            data=gzip.decompress(httpx.get(f"{url}/dump.ttl.gz").content), format="turtle"
        ),
    }
    from pyshacl.errors import ReportableRuntimeError

    checked = 0
    for shapes in shape_files:
        for name, data in documents.items():
            try:
                found = _violations(data, shapes)
            except ReportableRuntimeError:  # 3.0.1's shapes have a malformed property shape pyshacl refuses
                continue
            checked += 1
            ours = [v for v in found if _ours(url, v)]
            assert ours == [], f"{name} against {shapes.parent.parent.name}: {ours}"
    assert checked >= 3
