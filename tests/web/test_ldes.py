"""Our own /ldes, read back by our own ldes source kind over real HTTP, harvest after harvest."""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import httpx
import pytest
import rdflib
from conftest import free_port, make_settings
from rdflib.compare import isomorphic

from catalogue import ldes
from catalogue.backends import Backends, open_backends
from catalogue.config import Source
from catalogue.harvest import harvest_source
from catalogue.store import VISIBLE
from catalogue.web import create_app

TREE = rdflib.Namespace("https://w3id.org/tree#")
LDES = rdflib.Namespace("https://w3id.org/ldes#")
AS = rdflib.Namespace("https://www.w3.org/ns/activitystreams#")
RDF_TYPE = rdflib.RDF.type
HEAD = """@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix ex: <https://node.example/> .
ex:org a foaf:Agent ; foaf:name "Hospital"@en .
"""


def node(**titles: str) -> str:
    """A node document: one dataset per name, with a blank-node distribution (skolemised upstream)."""
    datasets = "".join(
        f'ex:{name} a dcat:Dataset ; dct:title "{title}"@en ; dct:description "About {title}."@en ;\n'
        f"    dct:publisher ex:org ; dcat:distribution [ a dcat:Distribution ; "
        f"dcat:accessURL <https://node.example/{name}> ] .\n"
        for name, title in titles.items()
    )
    return HEAD + datasets


def published(backends: Backends) -> dict[str, rdflib.Graph]:
    """Every published dataset's description, by dataset IRI."""
    found = {}
    for meta in backends.store.metas(kind="dataset", statuses=VISIBLE):
        graph = rdflib.Graph()
        for triple in backends.store.record_triples(meta.id):
            graph.parse(data=f"{triple} .", format="nt")
        found[meta.uri] = graph
    return found


@pytest.fixture
def pair(tmp_path: Path, live_server, monkeypatch):
    """(write the node, harvest upstream, harvest downstream, upstream, downstream, stream URL)."""
    monkeypatch.setattr(ldes, "PAGE_SIZE", 2)  # several pages per day, chained by key
    document = tmp_path / "be.ttl"
    be = Source(name="be", title="Belgian node", url=str(document), country="BE")
    port = free_port()
    settings = dataclasses.replace(make_settings(tmp_path / "up", be), base_url=f"http://127.0.0.1:{port}")
    upstream = open_backends(settings)
    server = live_server(create_app(upstream), port)
    mirror = Source(name="up", title="Upstream", url=f"{server.url}/ldes", kind="ldes")
    downstream = open_backends(make_settings(tmp_path / "down", mirror))
    yield (
        document,
        lambda: harvest_source(be, upstream),
        lambda: harvest_source(mirror, downstream),
        upstream,
        downstream,
        server.url,
    )
    downstream.close()
    upstream.close()


def test_a_downstream_catalogue_holds_exactly_our_datasets_after_each_round(pair) -> None:
    document, harvest_up, harvest_down, upstream, downstream, url = pair
    rounds = [
        node(a="Alpha", b="Beta", c="Gamma", d="Delta", e="Epsilon"),
        node(b="Beta revised", c="Gamma", d="Delta", e="Epsilon", f="Phi"),  # a withdrawn, b changed, f new
        node(b="Beta revised", c="Gamma again", d="Delta", f="Phi", g="Eta"),  # e withdrawn, c changed
        node(b="Beta revised", c="Gamma again", d="Delta", f="Phi", g="Eta"),  # nothing changed
    ]
    for number, text in enumerate(rounds, 1):
        document.write_text(text)
        harvest_up()
        harvest_down()
        ours, theirs = published(upstream), published(downstream)
        assert set(theirs) == set(ours), f"round {number}"
        for uri, graph in ours.items():
            assert isomorphic(graph, theirs[uri]), f"round {number}: {uri}"
    withdrawn = {m.uri for m in downstream.store.metas(kind="dataset", statuses=("withdrawn",))}
    assert withdrawn == {"https://node.example/a", "https://node.example/e"}


def test_the_stream_is_paged_by_day_with_tombstones(pair) -> None:
    document, harvest_up, _, upstream, _, url = pair
    document.write_text(node(a="Alpha", b="Beta", c="Gamma"))
    harvest_up()
    document.write_text(node(b="Beta", c="Gamma", d="Delta"))
    harvest_up()
    root = httpx.get(f"{url}/ldes")
    assert root.status_code == 200 and root.headers["content-type"].startswith("application/trig")
    assert root.headers["cache-control"] == "no-cache"
    g = rdflib.Dataset()
    g.parse(data=root.content, format="trig")
    stream = rdflib.URIRef(f"{url}/ldes#stream")
    assert (stream, RDF_TYPE, LDES.EventStream) in g
    assert (stream, LDES.timestampPath, AS.published) in g and (stream, LDES.versionOfPath, AS.object) in g
    kinds = {g.value(r, RDF_TYPE) for r in g.objects(rdflib.URIRef(f"{url}/ldes"), TREE.relation)}
    assert kinds == {TREE.GreaterThanOrEqualToRelation, TREE.LessThanRelation}
    day = g.value(next(iter(g.objects(rdflib.URIRef(f"{url}/ldes"), TREE.relation))), TREE.node)
    # walk the day's pages: at most PAGE_SIZE members each, every dataset once, a tombstone for a
    members, pages, following = {}, 0, str(day)
    while following:
        page = rdflib.Dataset()
        page.parse(data=httpx.get(following).content, format="trig")
        on_page = list(page.objects(stream, TREE.member))
        assert 1 <= len(on_page) <= 2
        for member in on_page:
            members[str(page.value(member, AS.object))] = page.value(member, RDF_TYPE)
        pages += 1
        relation = page.value(rdflib.URIRef(following), TREE.relation)
        following = str(page.value(relation, TREE.node)) if relation is not None else ""
    assert pages == 2
    assert members == {
        "https://node.example/a": AS.Delete,
        "https://node.example/b": AS.Create,
        "https://node.example/c": AS.Create,
        "https://node.example/d": AS.Create,
    }
    again = httpx.get(f"{url}/ldes", headers={"If-None-Match": root.headers["etag"]})
    assert again.status_code == 304
    assert httpx.get(f"{url}/ldes", headers={"Accept": "text/html"}).status_code == 406
    assert httpx.get(f"{url}/ldes", headers={"Accept": "application/n-quads"}).status_code == 200
    head = httpx.head(f"{url}/ldes")
    assert head.status_code == 200 and head.headers["etag"] == root.headers["etag"] and not head.content


def test_members_come_from_the_registry(pair) -> None:
    """A change gives the dataset a newer member (an as:Update) and drops the older one."""
    document, harvest_up, _, upstream, _, _ = pair
    document.write_text(node(a="Alpha"))
    harvest_up()
    first = ldes.members(upstream.store)
    document.write_text(node(a="Alpha revised"))
    harvest_up()
    second = ldes.members(upstream.store)
    assert [m.activity for m in first] == ["Create"] and [m.activity for m in second] == ["Update"]
    assert second[0].timestamp > first[0].timestamp


def test_the_schema_has_one_operation_per_method_and_no_duplicate_ids(open_catalogue) -> None:
    """HEAD comes from web/head.py, so /ldes lists GET only; FastAPI's duplicate-id warning is an error here."""
    app = create_app(open_catalogue())
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="Duplicate Operation ID")
        schema = app.openapi()
    ids = [op["operationId"] for path in schema["paths"].values() for op in path.values()]
    assert len(ids) == len(set(ids))
    assert set(schema["paths"]["/ldes"]) == {"get"} and set(schema["paths"]["/ldes/{day}"]) == {"get"}
