"""The rdf kind: one document, or a Hydra-paged feed followed page by page over real HTTP."""

from __future__ import annotations

import socket
from pathlib import Path

import pyoxigraph as ox
import pytest

from catalogue.backends import open_backends
from catalogue.config import Limits, Settings, Source
from catalogue.fetch import Document, InputError
from catalogue.parse import ParseError, parse_document
from catalogue.records import split_records
from catalogue.sources.rdf import next_page

DATASET = ox.NamedNode("http://www.w3.org/ns/dcat#Dataset")
QUICK = Limits(timeout_seconds=5, retries=1, backoff_seconds=0.01)

PREFIXES = """@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix hydra: <http://www.w3.org/ns/hydra/core#> .
"""


def page(number: int, next_link: str | None) -> str:
    """A page in today's style: a PartialCollectionView; links relative to the page."""
    text = (
        PREFIXES
        + f"""
<catalog> a dcat:Catalog ; dct:title "Node" ; dcat:dataset <datasets/{number}> ; hydra:view <page-{number}.ttl> .
<datasets/{number}> a dcat:Dataset ; dct:title "Dataset {number}" ;
    dcat:contactPoint [ dct:title "desk {number}" ] .
<page-{number}.ttl> a hydra:PartialCollectionView ; hydra:first <page-1.ttl>"""
    )
    return text + (f" ;\n    hydra:next {next_link} .\n" if next_link else " .\n")


def serve_feed(feed_server, count: int = 3) -> str:
    for number in range(1, count + 1):
        # page 2 names its successor as a relative string, the way udata and CKAN write links
        link = (
            None
            if number == count
            else f'"page-{number + 1}.ttl"'
            if number == 2
            else f"<page-{number + 1}.ttl>"
        )
        (feed_server.root / f"page-{number}.ttl").write_text(page(number, link))
    return f"{feed_server.url}/page-1.ttl"


def titles(pages) -> list[str]:
    return [
        q.object.value
        for p in pages
        for q in p.quads
        if q.predicate.value.endswith("/title") and q.object.value.startswith("Dataset")
    ]


def test_a_plain_document_is_one_page(feed_server, walked) -> None:
    (feed_server.root / "node.ttl").write_text(
        page(1, None).replace("hydra:first <page-1.ttl>", "dct:title 'x'")
    )
    pages = walked("rdf", f"{feed_server.url}/node.ttl")
    assert [p.url for p in pages] == [f"{feed_server.url}/node.ttl"]
    assert titles(pages) == ["Dataset 1"]


def test_partial_collection_views_are_followed_with_relative_links(feed_server, walked) -> None:
    url = serve_feed(feed_server)
    pages = walked("rdf", url)
    assert [p.url for p in pages] == [f"{feed_server.url}/page-{n}.ttl" for n in (1, 2, 3)]
    assert titles(pages) == ["Dataset 1", "Dataset 2", "Dataset 3"]
    # each page is self-contained: split on its own, it gives its dataset with its contact point
    records = split_records(pages[1].quads, "node", "http://catalogue.test")
    dataset = next(r for r in records if r.kind == "dataset")
    assert dataset.uri == f"{feed_server.url}/datasets/2"
    assert any(t.object.value == "desk 2" for t in dataset.triples)


def test_legacy_paged_collections_are_followed(feed_server, walked) -> None:
    for number, following in ((1, 2), (2, None)):
        nxt = f', "hydra:nextPage": "{feed_server.url}/legacy-{following}.jsonld"' if following else ""
        (feed_server.root / f"legacy-{number}.jsonld").write_text(
            f"""[{{"@id": "https://node.example/d{number}", "@type": "http://www.w3.org/ns/dcat#Dataset"}},
                {{"@id": "{feed_server.url}/legacy-{number}.jsonld",
                  "@type": "http://www.w3.org/ns/hydra/core#PagedCollection",
                  "@context": {{"hydra": "http://www.w3.org/ns/hydra/core#"}}{nxt}}}]"""
        )
    pages = walked("rdf", f"{feed_server.url}/legacy-1.jsonld")
    assert len(pages) == 2
    assert {q.subject.value for p in pages for q in p.quads if q.object == DATASET} == {
        "https://node.example/d1",
        "https://node.example/d2",
    }


@pytest.mark.parametrize(
    "name, expected",
    [
        ("partial-collection-1.jsonld", "http://data.test.org/catalog.jsonld?page=2"),
        ("partial-collection-2.jsonld", None),
        ("paged-collection-1.jsonld", "http://data.test.org/catalog.jsonld?page=2"),
        ("paged-collection-2.jsonld", None),
        ("ckan.ttl", "http://demo.ckan.org/catalog.ttl?page=2"),
        ("ckan.rdf", "http://demo.ckan.org/catalog.rdf?page=2"),
        ("udata.xml", None),  # a PartialCollectionView with first and last only: one page
    ],
)
def test_paging_in_the_udata_and_ckan_examples(corpus: Path, name: str, expected: str | None) -> None:
    path = corpus / "examples" / "udata" / name
    quads = parse_document(Document(str(path), path.read_bytes()))
    assert next_page(quads, "http://data.test.org/catalog.jsonld?page=1") == expected


def test_a_folder_of_pages_is_followed(tmp_path: Path, walked) -> None:
    for number in (1, 2):
        following = "<page-2.ttl>" if number == 1 else None
        (tmp_path / f"page-{number}.ttl").write_text(page(number, following))
    assert titles(walked("rdf", str(tmp_path / "page-1.ttl"))) == ["Dataset 1", "Dataset 2"]


def test_a_downloaded_page_stays_one_page(corpus: Path, walked) -> None:
    # CKAN's page 1, saved to disk: its next page is on demo.ckan.org, not beside it
    (downloaded,) = walked("rdf", str(corpus / "examples" / "udata" / "ckan.ttl"))
    assert len({q.subject for q in downloaded.quads if q.object == DATASET}) == 100


def test_a_web_page_cannot_make_us_read_a_local_file(feed_server, walked) -> None:
    (feed_server.root / "page-1.ttl").write_text(page(1, "<file:///etc/hostname>"))
    pages = walked("rdf", f"{feed_server.url}/page-1.ttl")
    assert [p.url for p in pages] == [f"{feed_server.url}/page-1.ttl"]


def test_hydra_under_the_context_url_is_understood() -> None:
    """``"hydra": "http://www.w3.org/ns/hydra/context.jsonld"`` as a prefix: the terms land in that namespace."""
    document = b"""{"@context": {"hydra": "http://www.w3.org/ns/hydra/context.jsonld#"},
        "@id": "http://node.example/catalog?page=1", "@type": "hydra:PartialCollectionView",
        "hydra:next": {"@id": "?page=2"}}"""
    quads = parse_document(Document("http://node.example/catalog?page=1", document, "application/ld+json"))
    assert next_page(quads, "http://node.example/catalog?page=1") == "http://node.example/catalog?page=2"


def test_a_next_link_back_to_an_earlier_page_is_an_error(feed_server, walked) -> None:
    url = serve_feed(feed_server)
    (feed_server.root / "page-3.ttl").write_text(page(3, "<page-1.ttl>"))
    with pytest.raises(InputError) as caught:
        walked("rdf", url)
    assert str(caught.value) == (
        f"source 'node': page 3, {feed_server.url}/page-3.ttl: "
        f"Hydra paging goes round in a circle: the next page {feed_server.url}/page-1.ttl was read before"
    )


def test_the_walk_stops_after_max_pages(feed_server, walked) -> None:
    url = serve_feed(feed_server)
    with pytest.raises(InputError, match=r"page 3, .*/page-3.ttl: more than 2 pages \(limits.max_pages\)"):
        walked("rdf", url, Limits(retries=0, max_pages=2))


BREAKAGES = {
    "500 on a middle page": (
        lambda server: server.respond("/page-2.ttl", 500, b"oops"),
        r"HTTP 500 Internal Server Error \(tried 2 times\)$",
    ),
    "an oversize page": (
        lambda server: (server.root / "page-2.ttl").write_text("# padding\n" * 2_000),
        r"larger than the limit of 10,000 bytes$",
    ),
    "a redirect loop": (
        lambda server: server.respond("/page-2.ttl", 302, b"", {"Location": "/page-2.ttl"}),
        r"redirect loop: .*/page-2.ttl → .*/page-2.ttl$",
    ),
}


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_a_broken_middle_page_names_source_page_and_url(breakage: str, feed_server, walked) -> None:
    url = serve_feed(feed_server)
    breaking, problem = BREAKAGES[breakage]
    breaking(feed_server)
    with pytest.raises(InputError, match=f"^source 'node': page 2, {feed_server.url}/page-2.ttl: " + problem):
        walked("rdf", url, Limits(timeout_seconds=5, max_bytes=10_000, retries=1, backoff_seconds=0.01))


def test_a_truncated_page_is_a_parse_error_with_line_and_column(feed_server, walked) -> None:
    url = serve_feed(feed_server)
    text = (feed_server.root / "page-2.ttl").read_text()
    cut = text.index("desk 2") + 3
    (feed_server.root / "page-2.ttl").write_text(text[:cut])
    with pytest.raises(ParseError) as caught:
        walked("rdf", url)
    error = caught.value
    assert (error.source, error.page, error.location) == ("node", 2, f"{feed_server.url}/page-2.ttl")
    assert error.line == text[:cut].count("\n") + 1 and error.column
    assert str(error).startswith(f"source 'node': page 2, {feed_server.url}/page-2.ttl: not valid Turtle: ")
    assert str(error).endswith(f"(line {error.line}, column {error.column})")


def test_an_unchanged_feed_comes_back_from_the_cache(feed_server, walked) -> None:
    url = serve_feed(feed_server)
    first = walked("rdf", url, cache=True)
    again = walked("rdf", url, cache=True)  # the server answers If-Modified-Since with 304
    assert [p.not_modified for p in first] == [False, False, False]
    assert [p.not_modified for p in again] == [True, True, True]
    assert titles(again) == titles(first)


def test_our_own_catalog_feed_can_be_harvested(tmp_path: Path, live_server, walked) -> None:
    from catalogue.harvest import harvest_source
    from catalogue.web import create_app

    node = tmp_path / "node.ttl"
    node.write_text(
        PREFIXES
        + "<https://node.example/catalog> a dcat:Catalog ; dct:title 'Node'@en ; dct:description 'A node.'@en .\n"
        + "".join(
            f"<https://node.example/d{n}> a dcat:Dataset ; dct:title 'Dataset {n}'@en ;"
            f" dct:description 'About {n}.'@en .\n"
            for n in range(5)
        )
    )
    with socket.socket() as probe:  # the feed's links use base_url: it must be where we serve
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    source = Source(name="be", title="Belgium", url=str(node))
    backends = open_backends(Settings("Ours", f"http://127.0.0.1:{port}", tmp_path / "data", (source,)))
    try:
        assert harvest_source(source, backends).run.outcome == "ok"
        server = live_server(create_app(backends), port=port)
        pages = walked("rdf", f"{server.url}/catalog.ttl?page_size=2")
    finally:
        backends.close()
    assert len(pages) == 3
    found = {q.subject.value for p in pages for q in p.quads if q.object == DATASET}
    assert found == {f"https://node.example/d{n}" for n in range(5)}


def _walk(source: Source, policy=None) -> list:
    from catalogue.fetch import Fetcher
    from catalogue.public_fetch import PUBLIC_ONLY
    from catalogue.sources import walk

    with Fetcher(QUICK, source.name) as fetcher:
        return list(walk(source, fetcher, policy or PUBLIC_ONLY))


@pytest.mark.parametrize(
    "target",
    [
        "http://localhost:{port}/page-2.ttl",
        "http://169.254.169.254/latest/meta-data/",
        "https://127.0.0.1:{port}/x",
    ],
)
def test_a_next_link_off_the_sources_origin_is_refused(target: str, feed_server, walked) -> None:
    link = target.format(port=feed_server.httpd.server_address[1])
    (feed_server.root / "page-1.ttl").write_text(page(1, f"<{link}>"))
    with pytest.raises(InputError) as caught:
        walked("rdf", f"{feed_server.url}/page-1.ttl")
    assert str(caught.value) == (
        f"source 'node': page 1, {feed_server.url}/page-1.ttl: refused to follow {link}: it leaves the source's "
        f"origin (http://127.0.0.1:{feed_server.httpd.server_address[1]}); "
        "list its host in the source's follow_hosts to allow it"
    )


def test_follow_hosts_are_followed_on_public_addresses_only(feed_server) -> None:
    import ipaddress

    from catalogue.public_fetch import AddressPolicy

    port = feed_server.httpd.server_address[1]
    (feed_server.root / "page-1.ttl").write_text(page(1, f"<http://localhost:{port}/page-2.ttl>"))
    (feed_server.root / "page-2.ttl").write_text(page(2, None))
    source = Source(
        name="node", title="Node", url=f"{feed_server.url}/page-1.ttl", follow_hosts=("localhost",)
    )
    with pytest.raises(
        InputError, match=r"page 1, .*: refused to follow http://localhost:\d+/page-2.ttl: .*loopback"
    ):
        _walk(source)
    local = AddressPolicy((ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("::1/128")))
    assert titles(_walk(source, local)) == ["Dataset 1", "Dataset 2"]


def test_a_followed_page_cannot_redirect_off_the_origin(feed_server, walked) -> None:
    url = serve_feed(feed_server, 2)
    port = feed_server.httpd.server_address[1]
    feed_server.respond("/page-2.ttl", 302, b"", {"Location": f"http://localhost:{port}/page-2.ttl"})
    with pytest.raises(InputError, match=r"page 2, .*/page-2.ttl: refused to follow http://localhost:"):
        walked("rdf", url)


def test_the_configured_url_may_redirect_and_its_new_origin_is_followed(feed_server, walked) -> None:
    serve_feed(feed_server, 2)
    port = feed_server.httpd.server_address[1]
    feed_server.respond("/start", 302, b"", {"Location": f"http://localhost:{port}/page-1.ttl"})
    assert titles(walked("rdf", f"{feed_server.url}/start")) == ["Dataset 1", "Dataset 2"]
