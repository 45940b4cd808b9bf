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
from catalogue.sources.pages import Page, Reader

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
        document, quads = reader.read(url)
        following = next_page(quads, document.location)
        seen.add(urldefrag(document.location).url)
        digest = hashlib.sha256(document.data).hexdigest()
        yield Page(document.location, quads, document.not_modified, digest)
        if following is None or not reader.follows(following, document.location):
            return
        if urldefrag(following).url in seen:
            raise InputError(
                document.location,
                f"Hydra paging goes round in a circle: the next page {following} was read before",
            )
        url = following


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
