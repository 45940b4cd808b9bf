"""The ldes kind: an event stream walked over real HTTP, reduced to the latest version of each dataset."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from catalogue.fetch import InputError
from catalogue.records import split_records

DATASET = ox.NamedNode("http://www.w3.org/ns/dcat#Dataset")
TITLE = ox.NamedNode("http://purl.org/dc/terms/title")
PREFIXES = """@prefix as: <https://www.w3.org/ns/activitystreams#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix ldes: <https://w3id.org/ldes#> .
@prefix tree: <https://w3id.org/tree#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <https://node.example/> .
"""


def datasets(page) -> set[str]:
    return {q.subject.value for q in page.quads if q.object == DATASET}


def titles(page) -> set[str]:
    return {q.object.value for q in page.quads if q.predicate == TITLE}


# -- data.gov.be's stream, from the corpus ----------------------------------------------------

STREAM = "https%3A%2F%2Fw3id.org%2Fsds%23Stream"  # the folder name the publisher used, as linked
#: The corpus keeps the stream's 12 member pages, its entry points and one empty bucket, but
#: not two navigation-only nodes the pages link to; these hand-written stand-ins close the gaps.
STAND_INS = {
    # the year bucket the root links to: it leads to the day buckets
    f"/{STREAM}/root/2025-01-01T00%3A00%3A00.000Z_31536000000_0/index.trig": """
<index.trig> a <https://w3id.org/tree#Node> ;
    <https://w3id.org/tree#relation> [ <https://w3id.org/tree#node> <../2025-01-01T00%3A00%3A00.000Z_1971000000_0/index.trig> ],
        [ <https://w3id.org/tree#node> <../2025-02-05T15%3A28%3A07.500Z_123187500_1/index.trig> ] .
""",
    # the page after the twelfth: the stream's head, still empty
    f"/{STREAM}/root/2025-02-05T15%3A28%3A07.500Z_123187500_13/index.trig": "<index.trig> a <https://w3id.org/tree#Node> .\n",
}


class CorpusStream:
    """Serves the corpus copy under the URLs the stream links to (the copy renamed its folders)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.hits: list[str] = []
        self.app = Starlette(routes=[Route("/{path:path}", self.answer)])

    async def answer(self, request: Request) -> Response:
        raw = request.scope["raw_path"].decode()
        self.hits.append(raw)
        if raw in STAND_INS:
            return Response(STAND_INS[raw].encode(), 200, media_type="application/trig")
        local = raw.replace(STREAM, "stream")
        local = re.sub(r"(\d{4}-\d\d-\d\d)T[^/_]*_(\d+)_(\d+)", r"bucket_\1_\2_\3", local)
        path = self.folder / local.lstrip("/")
        if not path.is_file():
            return Response(b"not here", 404)
        return Response(path.read_bytes(), 200, media_type="application/trig")


def test_the_corpus_stream_gives_its_1200_datasets(corpus: Path, live_server, walked) -> None:
    server = CorpusStream(corpus / "examples" / "fedict-datagovbe-ldes")
    url = live_server(server.app).url
    pages = walked("ldes", f"{url}/index.trig")
    assert len(pages) == 1, "the latest version of each needs the whole stream: one page at the end"
    assert len(server.hits) == len(set(server.hits)) == 18  # entry, view, root, 2 buckets, 12 pages, head
    assert len(datasets(pages[0])) == 1200
    records = split_records(pages[0].quads, "be", "http://catalogue.test")
    assert sum(r.kind == "dataset" for r in records) == 1200
    languages = {q.object.language for q in pages[0].quads if q.predicate == TITLE}
    assert {"en", "nl-t-en", "fr-t-en"} <= languages
    assert not any("activitystreams" in q.predicate.value for q in pages[0].quads), "no stream metadata"


# -- hand-written streams ---------------------------------------------------------------------

VERSIONED = {
    "/stream": """
<> a ldes:EventStream ; ldes:timestampPath dct:modified ; ldes:versionOfPath dct:isVersionOf ;
    tree:view <page-1> .
""",
    "/page-1": """
<stream> tree:member <https://node.example/a?v=1>, <https://node.example/b?v=2> .
<https://node.example/a?v=1> a dcat:Dataset ; dct:isVersionOf ex:a ; dct:title "A, first" ;
    dct:modified "2024-01-01T00:00:00Z"^^xsd:dateTime ; dcat:distribution [ dct:title "A's old file" ] .
<https://node.example/b?v=2> a dcat:Dataset ; dct:isVersionOf ex:b ; dct:title "B, second" ;
    dct:modified "2024-03-01T00:00:00Z"^^xsd:dateTime .
<page-1> a tree:Node ; tree:relation [ a tree:GreaterThanOrEqualToRelation ; tree:node <page-2> ] .
""",
    "/page-2": """
<stream> tree:member <https://node.example/a?v=2>, <https://node.example/b?v=1> .
<https://node.example/a?v=2> a dcat:Dataset ; dct:isVersionOf ex:a ; dct:title "A, second" ;
    dct:modified "2024-02-01T00:00:00Z"^^xsd:dateTime .
<https://node.example/b?v=1> a dcat:Dataset ; dct:isVersionOf ex:b ; dct:title "B, first" ;
    dct:modified "2024-01-15T00:00:00Z"^^xsd:dateTime .
<page-2> a tree:Node ; tree:relation [ a tree:LessThanRelation ; tree:node <page-1> ] .
""",
}


def test_version_members_become_their_datasets_latest_by_timestamp(site, walked) -> None:
    stream = site({path: (200, PREFIXES + body) for path, body in VERSIONED.items()})
    pages = walked("ldes", f"{stream.url}/stream")
    assert stream.hits == {"/stream": 1, "/page-1": 1, "/page-2": 1}, "a relation back is not followed twice"
    (page,) = pages
    assert datasets(page) == {"https://node.example/a", "https://node.example/b"}
    # B's second version came first in the stream, but it is the newer one
    assert titles(page) == {"A, second", "B, second"}
    assert not any("?v=" in q.subject.value or "isVersionOf" in q.predicate.value for q in page.quads)


ACTIVITIES = """
<> a ldes:EventStream ; tree:member <#1>, <#2>, <#3> .
<#1> a as:Create ; as:object ex:c ; as:published "2024-01-01T00:00:00Z"^^xsd:dateTime .
<#1> { ex:c a dcat:Dataset ; dct:title "C" . }
<#2> a as:Create ; as:object ex:d ; as:published "2024-01-02T00:00:00Z"^^xsd:dateTime .
<#2> { ex:d a dcat:Dataset ; dct:title "D" ; dcat:contactPoint [ dct:title "D's desk" ] . }
<#3> a as:Remove ; as:object ex:c ; as:published "2024-01-03T00:00:00Z"^^xsd:dateTime .
"""


def test_activities_carry_their_dataset_in_a_graph_and_a_removal_drops_it(site, walked) -> None:
    stream = site({"/stream": (200, PREFIXES + ACTIVITIES)}, media_type="application/trig")
    (page,) = walked("ldes", f"{stream.url}/stream")
    assert datasets(page) == {"https://node.example/d"}
    assert titles(page) == {"D", "D's desk"}
    assert all(q.graph_name == ox.DefaultGraph() for q in page.quads)


VERSIONED_ACTIVITIES = """
<> a ldes:EventStream ; ldes:versionOfPath as:object ; ldes:timestampPath as:published ;
    tree:member <#1>, <#2>, <#3> .
<#1> a as:Create ; as:object ex:c ; as:published "2024-01-01T00:00:00Z"^^xsd:dateTime .
<#1> { ex:c a dcat:Dataset ; dct:title "C" . }
<#2> a as:Update ; as:object ex:d ; as:published "2024-01-02T00:00:00Z"^^xsd:dateTime .
<#2> { ex:d a dcat:Dataset ; dct:title "D" . }
<#3> a as:Delete ; as:object ex:c ; as:published "2024-01-03T00:00:00Z"^^xsd:dateTime .
"""


def test_a_deletion_is_a_tombstone_when_as_object_is_the_version_of_path(site, walked) -> None:
    """Our own /ldes names as:object as ldes:versionOfPath: its as:Delete members still drop datasets
    (they were read as a version describing the dataset as an as:Delete)."""
    stream = site({"/stream": (200, PREFIXES + VERSIONED_ACTIVITIES)}, media_type="application/trig")
    (page,) = walked("ldes", f"{stream.url}/stream")
    assert datasets(page) == {"https://node.example/d"}
    assert not any(q.subject.value == "https://node.example/c" for q in page.quads)


def test_a_missing_node_is_an_error_not_a_shorter_stream(site, walked) -> None:
    pages = {path: (200, PREFIXES + body) for path, body in VERSIONED.items() if path != "/page-2"}
    stream = site(pages)
    with pytest.raises(InputError, match=r"^source 'node': page 3, .*/page-2: HTTP 404 Not Found$"):
        walked("ldes", f"{stream.url}/stream")


def test_the_corpus_stream_harvests_into_1200_datasets(corpus: Path, live_server, open_catalogue) -> None:
    from catalogue.config import Source
    from catalogue.harvest import harvest_source

    url = live_server(CorpusStream(corpus / "examples" / "fedict-datagovbe-ldes").app).url
    source = Source(name="be", title="data.gov.be", url=f"{url}/index.trig", kind="ldes", policy="warn")
    backends = open_catalogue(source)
    run = harvest_source(source, backends).run
    assert (run.outcome, run.kind, run.found, run.new) == ("ok", "ldes", 1200, 1200), run.error
    assert run.published + run.flagged == 1200
    again = harvest_source(source, backends).run
    assert (again.found, again.unchanged, again.changed) == (1200, 1200, 0)


def test_a_tree_node_off_the_streams_origin_is_refused(site, walked) -> None:
    pages = {path: (200, PREFIXES + body) for path, body in VERSIONED.items()}
    pages["/page-1"] = (
        200,
        pages["/page-1"][1].replace("tree:node <page-2>", "tree:node <http://10.0.0.7/page-2>"),
    )
    stream = site(pages)
    with pytest.raises(
        InputError, match=r"^source 'node': page 2, .*/page-1: refused to follow http://10.0.0.7/page-2"
    ):
        walked("ldes", f"{stream.url}/stream")
    assert "/page-2" not in stream.hits
