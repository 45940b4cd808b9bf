"""What every source walker shares: the Page it yields and the Reader it fetches pages with."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

import pyoxigraph as ox

from catalogue.config import Source
from catalogue.fetch import Document, Fetcher, InputError
from catalogue.parse import parse_document


@dataclass
class Page:
    """One page of a source: self-contained for every dataset it describes.

    A dataset's description — its distributions and the nodes hanging off it —
    is never split over two pages, so the harvester can cut each page into
    records (catalogue.records.split_records) on its own.
    """

    url: str  # where this page came from
    quads: list[ox.Quad]  # its parsed content
    not_modified: bool  # the server said 304 (content came from the cache)
    #: a hash of exactly what the page was made from, when that is one document ("" when unknown):
    #: the harvester skips splitting a page whose digest it saw in the last harvest
    digest: str = ""


class Reader:
    """Fetch and parse the documents of one walk, counting them against limits.max_pages."""

    def __init__(self, source: Source, fetcher: Fetcher) -> None:
        self.source, self.fetcher = source, fetcher
        self.pages = 0  # documents fetched so far: the number of the current page

    def read(self, url: str, accept: str | None = None) -> tuple[Document, list[ox.Quad]]:
        """Fetch (GET) and parse one page."""
        self._count(url)
        document = self.fetcher.get(url, accept)
        return document, parse_document(document)

    def query(self, url: str, data: dict[str, str], accept: str) -> Document:
        """POST a form (a SPARQL query) as one page; the answer comes back unparsed."""
        self._count(url)
        return self.fetcher.post(url, data, accept)

    def name(self, error: InputError) -> None:
        """Say in the error which source and which page it happened on (unless it already does)."""
        error.source = error.source or self.source.name
        error.page = error.page or self.pages or None

    def _count(self, url: str) -> None:
        self.pages += 1
        limit = self.fetcher.limits.max_pages
        if self.pages > limit:
            raise InputError(url, f"more than {limit:,} pages (limits.max_pages); stopped")


def may_follow(link: str, page_url: str) -> bool:
    """Whether a link found on a page may be fetched: only from remote to remote, or local to local.

    A remote page must never make us read a local file, and a local copy of a
    paged feed points at its publisher's next page, not at a file beside it.
    """
    return _remote(link) == _remote(page_url)


def _remote(url: str) -> bool:
    return urlparse(url).scheme.lower() in ("http", "https")


def fresh_blank_nodes(quads: list[ox.Quad]) -> list[ox.Quad]:
    """The same quads with new, unique blank node labels.

    Parsers keep a document's own labels (``_:b0``), so two documents merged
    into one page could mistake each other's blank nodes for their own.
    """
    renamed: dict[ox.BlankNode, ox.BlankNode] = {}

    def fresh(term):
        if isinstance(term, ox.BlankNode):
            return renamed.setdefault(term, ox.BlankNode())
        return term

    return [ox.Quad(fresh(q.subject), q.predicate, fresh(q.object), fresh(q.graph_name)) for q in quads]
