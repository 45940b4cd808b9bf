"""Hostile sources: each case is served by a real HTTP server on 127.0.0.1 to a real harvest.

Every case must end as a failed run in the history whose message names the
source, while the records published by an earlier harvest stay as they were.
"""

from __future__ import annotations

import gzip
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from ipaddress import ip_network
from pathlib import Path

import httpx
import pytest
from conftest import FeedServer

from catalogue.backends import Backends, open_backends
from catalogue.cli.harvesting import run_harvests
from catalogue.config import Limits, Settings, Source
from catalogue.harvest import harvest_source
from catalogue.index import SearchQuery
from catalogue.namespaces import HYDRA
from catalogue.public_fetch import AddressPolicy
from catalogue.records import MAX_DEPTH
from catalogue.tokens import create_token
from catalogue.web import create_app
from catalogue.web.validate import ServiceOptions

HEAD = """@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix ex: <https://node.example/> .
"""
GOOD = HEAD + 'ex:a a dcat:Dataset ; dct:title "Alpha genomes"@en ; dct:description "Published."@en .\n'
LIMITS = Limits(timeout_seconds=2, max_bytes=20_000_000, retries=0, backoff_seconds=0.01, max_redirects=5)
RDFXML = (
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dcat="http://www.w3.org/ns/dcat#"'
    ' xmlns:dct="http://purl.org/dc/terms/"><dcat:Dataset rdf:about="https://node.example/a">'
    '<dct:title xml:lang="en">{title}</dct:title><dct:description xml:lang="en">Published.</dct:description>'
    "</dcat:Dataset></rdf:RDF>"
)


def deep(depth: int) -> str:
    return "ex:a ex:p " + "[ ex:p " * depth + "1" + " ]" * depth + " .\n"


@pytest.fixture
def node(feed_server: FeedServer, tmp_path: Path) -> Iterator[tuple[FeedServer, Source, Backends]]:
    """Source 'be' at /node, harvested once from a good document: what a hostile answer must not undo."""
    source = Source(name="be", title="Belgium", url=f"{feed_server.url}/node")
    backends = open_backends(Settings("T", "http://catalogue.test", tmp_path / "data", (source,), LIMITS))
    feed_server.respond("/node", 200, GOOD.encode(), {"Content-Type": "text/turtle"})
    assert harvest_source(source, backends).run.outcome == "ok"
    yield feed_server, source, backends
    backends.close()


def assert_failed_cleanly(backends: Backends, source: Source, *expected: str) -> str:
    """The last run failed naming the source and what is expected; the published record is intact."""
    run = backends.store.runs(source.name, limit=1)[0]
    assert run.outcome == "failed", run
    assert run.error.startswith(f"source {source.name!r}: "), run.error
    for text in expected:
        assert text in run.error, run.error
    assert [m.uri for m in backends.store.metas(source.name) if m.status == "published"] == [
        "https://node.example/a"
    ]
    assert backends.index.search(SearchQuery(text="alpha")).total == 1
    return run.error


# -- cases that are answered by the document itself -------------------------------------------

XXE = '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n' + RDFXML
LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE r [\n<!ENTITY a "lol">\n'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">\n' for i in range(9))
    + "]>\n"
)
DOCUMENTS: dict[str, tuple[bytes, str, str]] = {
    # name: (body, content type, what the error says)
    "xxe (SYSTEM entity)": (XXE.format(title="&x;").encode(), "application/rdf+xml", "external entity"),
    "nested entities at the start": (
        (LAUGHS + RDFXML.format(title="&j;")).encode(),
        "application/rdf+xml",
        "nested entities",
    ),
    "nested entities after a 70 KB comment": (
        ('<?xml version="1.0"?>\n<!--' + "x" * 70_000 + "-->\n" + LAUGHS.split("\n", 1)[1])
        .encode()
        .replace(b"]>\n", b"]>\n" + RDFXML.format(title="&j;").encode()),
        "application/rdf+xml",
        "nested entities (in 'b'); refused for safety (line 5, column 1)",
    ),
    "a flat entity repeated 4,000 times": (
        (
            f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "{"a" * 16_000}">]>\n'
            + RDFXML.format(title="&a;" * 4000)
        ).encode(),
        "application/rdf+xml",
        "expand to 64,000,000 bytes",
    ),
    "an HTML page": (b"<!DOCTYPE html><html><body>Welcome</body></html>", "text/html", "HTML page"),
    "a literal over the limit": (
        (HEAD + 'ex:a dct:title "' + "x" * 1_100_000 + '" .\n').encode(),
        "text/turtle",
        "1,100,000 characters",
    ),
    "blank nodes nested too deep": ((GOOD + deep(MAX_DEPTH + 1)).encode(), "text/turtle", "nested more than"),
    "deeply nested JSON-LD": (
        ('{"@id": "https://node.example/a", "http://x/p": ' + "[" * 5000 + "1" + "]" * 5000 + "}").encode(),
        "application/ld+json",
        "nested too deeply",
    ),
}


@pytest.mark.parametrize("case", list(DOCUMENTS))
def test_a_hostile_document_fails_the_harvest_cleanly(case: str, node) -> None:
    server, source, backends = node
    body, content_type, expected = DOCUMENTS[case]
    server.respond("/node", 200, body, {"Content-Type": content_type})
    assert harvest_source(source, backends).run.outcome == "failed"
    assert_failed_cleanly(backends, source, "/node", expected)


def test_a_one_layer_gzip_bomb_is_refused(node) -> None:
    server, source, backends = node
    bomb = gzip.compress(b" " * (LIMITS.max_bytes * 3))
    server.respond("/node", 200, bomb, {"Content-Type": "text/turtle", "Content-Encoding": "gzip"})
    harvest_source(source, backends)
    assert_failed_cleanly(backends, source, "larger than the limit of 20,000,000 bytes")


def test_a_redirect_loop_is_refused(node) -> None:
    server, source, backends = node
    server.respond("/node", 302, b"", {"Location": "/elsewhere"})
    server.respond("/elsewhere", 302, b"", {"Location": "/node"})
    harvest_source(source, backends)
    assert_failed_cleanly(backends, source, "redirect loop")


def nested_gzip(size: int) -> bytes:
    """``size`` zero bytes gzipped twice: a few kilobytes."""
    inner = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1_000_000)
    return gzip.compress(
        b"".join([inner.compress(block) for _ in range(size // len(block))] + [inner.flush()])
    )


def test_a_nested_gzip_bomb_is_refused_without_inflating_it(node) -> None:
    server, source, backends = node
    bomb = nested_gzip(500_000_000)
    assert len(bomb) < 5_000
    server.respond("/node", 200, bomb, {"Content-Type": "text/turtle", "Content-Encoding": "gzip, gzip"})
    tracemalloc.start()
    try:
        harvest_source(source, backends)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert_failed_cleanly(backends, source, "larger than the limit of 20,000,000 bytes")
    assert peak < 100_000_000, f"{peak:,} bytes"


def test_a_trickling_node_is_cut_off_at_the_timeout(node) -> None:
    server, source, backends = node
    server.trickles["/node"] = 0.05
    started = time.monotonic()
    harvest_source(source, backends)
    assert time.monotonic() - started < 6
    assert_failed_cleanly(backends, source, "/node: took longer than the limit of 2 s")


@pytest.mark.parametrize(
    "link",
    [
        "http://10.1.2.3/catalog?page=2",
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost:{port}/node",
    ],
)
def test_a_next_link_off_the_nodes_origin_is_refused(link: str, node) -> None:
    server, source, backends = node
    link = link.format(port=server.httpd.server_address[1])
    paging = f"<{server.url}/node> a <{HYDRA}PartialCollectionView> ; <{HYDRA}next> <{link}> .\n"
    server.respond("/node", 200, (GOOD + paging).encode(), {"Content-Type": "text/turtle"})
    harvest_source(source, backends)
    assert_failed_cleanly(backends, source, f"page 1, {server.url}/node: refused to follow {link}")


def test_a_tree_relation_to_an_internal_address_is_refused(feed_server: FeedServer, tmp_path: Path) -> None:
    stream = (
        HEAD + "@prefix tree: <https://w3id.org/tree#> .\nex:s tree:member ex:a .\n" + GOOD.split("\n", 3)[3]
    )
    relation = "ex:s tree:view [ tree:relation [ tree:node <http://192.168.1.1/admin> ] ] .\n"
    source = Source(name="be", title="Belgium", url=f"{feed_server.url}/stream", kind="ldes")
    backends = open_backends(Settings("T", "http://catalogue.test", tmp_path / "data", (source,), LIMITS))
    try:
        feed_server.respond("/stream", 200, stream.encode(), {"Content-Type": "text/turtle"})
        assert harvest_source(source, backends).run.outcome == "ok"
        feed_server.respond("/stream", 200, (stream + relation).encode(), {"Content-Type": "text/turtle"})
        harvest_source(source, backends)
        assert_failed_cleanly(backends, source, "refused to follow http://192.168.1.1/admin")
    finally:
        backends.close()


# -- the validation service -----------------------------------------------------------------------


@pytest.fixture
def service(open_catalogue, live_server) -> Iterator[httpx.Client]:
    """The real app, whose validation service may fetch from 127.0.0.1 (and nothing else private)."""
    app = create_app(open_catalogue())
    app.state.validation = ServiceOptions(
        Limits(timeout_seconds=2, max_bytes=1_000_000, retries=0),
        AddressPolicy((ip_network("127.0.0.1/32"),)),
    )
    with httpx.Client(base_url=live_server(app).url, timeout=60) as client:
        yield client


@pytest.mark.parametrize(
    "case", ["nested entities after a 70 KB comment", "a flat entity repeated 4,000 times"]
)
def test_the_validation_service_refuses_entity_bombs_and_keeps_running(case: str, service) -> None:
    body, content_type, expected = DOCUMENTS[case]
    response = service.post("/api/validate", content=body, headers={"Content-Type": content_type})
    assert response.status_code == 400, response.text
    assert expected in response.json()["error"]["message"]
    assert service.get("/api/sources").status_code == 200


def test_the_validation_service_refuses_a_nested_gzip_bomb_by_url(service, feed_server: FeedServer) -> None:
    bomb = nested_gzip(500_000_000)
    feed_server.respond(
        "/bomb.ttl", 200, bomb, {"Content-Type": "text/turtle", "Content-Encoding": "gzip, gzip"}
    )
    response = service.post("/api/validate", params={"url": f"{feed_server.url}/bomb.ttl"})
    assert response.status_code == 400, response.text
    assert "larger than the limit of 1,000,000 bytes" in response.json()["error"]["message"]


# -- the command line and pushes ----------------------------------------------------------------


def test_the_harvest_command_goes_on_after_a_failing_source(feed_server: FeedServer, tmp_path: Path) -> None:
    feed_server.respond("/ok", 200, GOOD.encode(), {"Content-Type": "text/turtle"})
    feed_server.respond("/deep", 200, (HEAD + deep(MAX_DEPTH + 1)).encode(), {"Content-Type": "text/turtle"})
    sources = (
        Source(name="first", title="First", url=f"{feed_server.url}/deep"),
        Source.model_construct(name="broken", title="Broken", url=f"{feed_server.url}/ok", kind="bogus"),
        Source(name="last", title="Last", url=f"{feed_server.url}/ok"),
    )
    backends = open_backends(Settings("T", "http://catalogue.test", tmp_path / "data", sources, LIMITS))
    try:
        assert run_harvests(backends, [s.name for s in sources]) == 2
        outcomes = {s.name: backends.store.runs(s.name, limit=1)[0].outcome for s in sources}
        assert outcomes == {"first": "failed", "broken": "failed", "last": "ok"}
    finally:
        backends.close()


@pytest.fixture
def pushing(node, live_server) -> Iterator[Callable[[bytes], httpx.Response]]:
    """PUT a body as node 'be' to the real app."""
    _, source, backends = node
    server = live_server(create_app(backends))
    token = create_token(backends.store, source.name, "test")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/turtle"}
    with httpx.Client(base_url=server.url, timeout=60) as client:
        yield lambda body: client.put("/api/sources/be/records", content=body, headers=headers)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (HEAD + 'ex:a dct:title """' + "\\n" * (9 * 1024 * 1024) + '""" .\n', "a single term is too long"),
        (HEAD + 'ex:b a dcat:Dataset ; dct:title "' + "x" * 1_100_000 + '" .\n', "1,100,000 characters"),
        (HEAD + "ex:a a dcat:Dataset .\n" + deep(MAX_DEPTH + 1), "nested more than 2,000 levels"),
    ],
    ids=["a term over 16 MiB", "a literal over the limit", "nesting over the limit"],
)
def test_a_hostile_push_is_a_clear_json_error_and_a_failed_run(
    body: str, expected: str, node, pushing
) -> None:
    _, source, backends = node
    response = pushing(body.encode())
    assert response.status_code == 400, response.text
    assert expected in response.json()["error"]["message"]
    run = backends.store.runs("be", limit=1)[0]
    assert (run.kind, run.outcome) == ("push", "failed") and expected in run.error
    assert_failed_cleanly(backends, source)


def test_a_push_nested_deeper_than_python_recurses_is_accepted(pushing) -> None:
    body = HEAD + 'ex:n a dcat:Dataset ; dct:title "Nested"@en ; dct:description "Deep."@en .\n'
    response = pushing((body + deep(1500).replace("ex:a", "ex:n")).encode())
    assert response.status_code == 200, response.text
    assert response.json()["records"][0]["uri"] == "https://node.example/n"
