"""An RDF document, possibly the first page of a Hydra-paged feed.

A page that carries Hydra paging names the next page; we follow it until a
page names none. Both styles in use are understood:

* ``hydra:PartialCollectionView`` with ``hydra:next`` (Hydra as it is now: our
  own ``/catalog`` feed, udata),
* ``hydra:PagedCollection`` with ``hydra:nextPage`` (the legacy style CKAN's
  DCAT feeds and older udata versions write).

Publishers are loose with it, so we also accept: the link as a string literal
instead of an IRI (udata and CKAN write ``"hydra:next": "http://…"`` without
``@type: @id``), a relative link (resolved against the page's URL), and Hydra
terms under ``http://www.w3.org/ns/hydra/context.jsonld`` — what a JSON-LD
document gets when it binds the ``hydra`` prefix to the context's URL instead
of to the vocabulary.

Each page is yielded as soon as it is read, so one page is in memory at a time.
A next link to a page already read is an error (the feed would never end),
and so is one that leaves the source's origin (see :class:`.pages.Reader`).
A local file's next link to a web page ends the feed (a downloaded page of a
feed still names its publisher's next page), and so does a web page's link
to a local file (a publisher must not make us read our own files).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from urllib.parse import urldefrag, urljoin

import pyoxigraph as ox

from catalogue.fetch import InputError
from catalogue.namespaces import HYDRA, RDF_TYPE
from catalogue.parse import iter_quads, parse_document
from catalogue.sources.pages import Page, Reader
from catalogue.sources.spilled import SPILL_BYTES, SpilledGraph

#: where publishers put the Hydra vocabulary: the real namespace, then the context-URL mistake
HYDRA_NAMESPACES = (
    HYDRA,
    "http://www.w3.org/ns/hydra/context.jsonld#",
    "http://www.w3.org/ns/hydra/context.jsonld",
)
TYPE = ox.NamedNode(RDF_TYPE)


def _terms(name: str) -> frozenset[ox.NamedNode]:
    return frozenset(ox.NamedNode(namespace + name) for namespace in HYDRA_NAMESPACES)


#: paging class -> the property of its next page
PAGING = ((_terms("PartialCollectionView"), _terms("next")), (_terms("PagedCollection"), _terms("nextPage")))
VIEW = _terms("view")


def walk(url: str, reader: Reader) -> Iterator[Page]:
    seen: set[str] = set()
    while True:
        seen.add(urldefrag(url).url)
        page, following = _read(url, reader)
        seen.add(urldefrag(page.url).url)
        yield page
        if following is None or not reader.follows(following, page.url):
            return
        if urldefrag(following).url in seen:
            raise InputError(
                page.url, f"Hydra paging goes round in a circle: the next page {following} was read before"
            )
        url = following


def _read(url: str, reader: Reader) -> tuple[Page, str | None]:
    """One page and the URL of the next; a document too big to hold parsed is spilled to disk."""
    document = reader.fetch(url)
    digest = hashlib.sha256(document.data).hexdigest()
    if reader.scratch is None or len(document.data) <= SPILL_BYTES:
        quads = parse_document(document)
        following = next_page(quads, document.location)
        return Page(document.location, quads, document.not_modified, digest), following
    # One streaming parse for the paging alone (and any syntax error, said now): the document is
    # spilled only if the harvester must split it, not when it is the one it split last time.
    paging = [quad for quad in iter_quads(document) if is_paging(quad)]
    following = next_page(paging, document.location)
    views = {q.subject for q in paging if q.predicate == TYPE and not isinstance(q.subject, ox.Triple)}
    folder = reader.scratch / f"page-{reader.pages}"

    def spill() -> SpilledGraph:
        spilled = SpilledGraph.load((q for q in iter_quads(document) if not is_paging(q)), folder)
        try:
            spilled.forget(views)  # what else the document says of its paging views
        except BaseException:
            spilled.close()
            raise
        return spilled

    return Page(document.location, [], document.not_modified, digest, deferred=spill), following


def is_paging(quad: ox.Quad) -> bool:
    """Hydra paging (a view's type, its links): it differs page by page and is not catalogue metadata."""
    if quad.predicate.value.startswith(HYDRA_NAMESPACES):
        return True
    return (
        quad.predicate == TYPE
        and isinstance(quad.object, ox.NamedNode)
        and quad.object.value.startswith(HYDRA_NAMESPACES)
    )


def next_page(quads: list[ox.Quad], page_url: str) -> str | None:
    """The absolute URL of the next page, or None on the last page (or a document without paging)."""
    types: dict[
        ox.NamedNode | ox.BlankNode | ox.Triple, set[ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple]
    ] = {}
    views: set = set()
    for quad in quads:
        if quad.predicate == TYPE:
            types.setdefault(quad.subject, set()).add(quad.object)
        elif quad.predicate in VIEW:
            views.add(quad.object)
    links = set()
    for quad in quads:
        if not isinstance(quad.object, ox.NamedNode | ox.Literal):
            continue
        for classes, next_property in PAGING:
            paging = types.get(quad.subject, set()) & classes or quad.subject in views
            if quad.predicate in next_property and paging:
                links.add(urljoin(page_url, quad.object.value.strip()))
    if len(links) > 1:
        raise InputError(page_url, "Hydra paging names several next pages: " + ", ".join(sorted(links)))
    return links.pop() if links else None
