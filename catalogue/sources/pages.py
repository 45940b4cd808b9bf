"""What every source walker shares: the Page it yields and the Reader it fetches pages with
(which also decides which links a walk may follow)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse, urlsplit

import pyoxigraph as ox

from catalogue.config import Source
from catalogue.fetch import Document, Fetcher, InputError
from catalogue.parse import parse_document
from catalogue.public_fetch import PUBLIC_ONLY, AddressPolicy, check_public
from catalogue.sources.spilled import SpilledGraph


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
    #: a big document's content, on disk instead of in ``quads`` (which is then empty)
    spilled: SpilledGraph | None = None
    #: how to spill a big document when the page must be split: a page the harvester finds unchanged
    #: (its digest) is never written to disk
    deferred: Callable[[], SpilledGraph] | None = None

    def spill(self) -> SpilledGraph | None:
        """A big document's content on disk, spilled now unless it was already (None: small, in ``quads``)."""
        if self.spilled is None and self.deferred is not None:
            spill, self.deferred = self.deferred, None  # lets go of the document once it is on disk
            self.spilled = spill()
        return self.spilled

    def close(self) -> None:
        """Remove a spilled page's store once the page was split (or the harvest gave up)."""
        self.deferred = None
        if self.spilled is not None:
            self.spilled.close()


class Reader:
    """Fetch and parse the documents of one walk, counting them against limits.max_pages.

    The source's ``url`` is fetched as configured (the operator chose it, and
    tests serve it from 127.0.0.1). Every other URL was *reached by following*
    a link or a redirect a publisher wrote, so it must stay on the origin
    (scheme, host and port) of ``url`` — or of where ``url`` redirected to —
    or be on one of the source's ``follow_hosts``, and then only on public
    addresses (:func:`catalogue.public_fetch.check_public`; ``policy`` exists
    for tests). Otherwise a node could make us read, and publish under its
    name, an internal address or the cloud metadata service.
    """

    def __init__(
        self,
        source: Source,
        fetcher: Fetcher,
        policy: AddressPolicy = PUBLIC_ONLY,
        scratch: Path | None = None,
    ) -> None:
        self.source, self.fetcher, self.policy = source, fetcher, policy
        #: where a document too big to hold parsed goes (catalogue.sources.spilled); None: nowhere
        self.scratch = scratch
        self.pages = 0  # documents fetched so far: the number of the current page
        self.origins = {_origin(source.url)} if _remote(source.url) else set()

    def read(self, url: str, accept: str | None = None) -> tuple[Document, list[ox.Quad]]:
        """Fetch (GET) and parse one page."""
        document = self.fetch(url, accept)
        return document, parse_document(document)

    def fetch(self, url: str, accept: str | None = None) -> Document:
        """Fetch (GET) one page, unparsed."""
        self._count(url)
        if url == self.source.url:
            document = self.fetcher.get(url, accept)
            if _remote(document.location):  # a node that moved to https lives on both
                self.origins.add(_origin(document.location))
            return document
        self.check(url)
        return self.fetcher.get(url, accept, self.check)

    def query(self, url: str, data: dict[str, str], accept: str) -> Document:
        """POST a form (a SPARQL query) as one page; the answer comes back unparsed."""
        self._count(url)
        return self.fetcher.post(url, data, accept)

    def follows(self, link: str, page_url: str) -> bool:
        """Whether to follow a link found on a page (raises InputError for a link we refuse).

        Between the web and local files nothing is followed, silently: a remote
        page must never make us read a local file, and a local copy of a paged
        feed points at its publisher's next page, not at a file beside it.
        """
        if _remote(link) != _remote(page_url):
            return False
        self.check(link, page_url)
        return True

    def on_origin(self, url: str) -> bool:
        """On the source's origin: a web URL on the same scheme, host and port; a path beside a local source."""
        return _origin(url) in self.origins if _remote(url) else not self.origins

    def check(self, url: str, page_url: str | None = None) -> None:
        """Refuse a web URL reached by following, unless on the origin or a public follow_hosts address."""
        if not _remote(url) or _origin(url) in self.origins:
            return
        where = page_url or url
        host = (urlsplit(url).hostname or "").lower()
        if host not in self.source.follow_hosts:
            origins = ", ".join(sorted(f"{scheme}://{name}:{port}" for scheme, name, port in self.origins))
            raise InputError(
                where,
                f"refused to follow {url}: it leaves the source's origin ({origins}); "
                "list its host in the source's follow_hosts to allow it",
            )
        try:
            check_public(url, self.policy)
        except InputError as refused:
            raise InputError(where, f"refused to follow {url}: {refused.message}") from None

    def name(self, error: InputError) -> None:
        """Say in the error which source and which page it happened on (unless it already does)."""
        error.source = error.source or self.source.name
        error.page = error.page or self.pages or None

    def _count(self, url: str) -> None:
        self.pages += 1
        limit = self.fetcher.limits.max_pages
        if self.pages > limit:
            raise InputError(url, f"more than {limit:,} pages (limits.max_pages); stopped")


def _remote(url: str) -> bool:
    return urlparse(url).scheme.lower() in ("http", "https")


def _origin(url: str) -> tuple[str, str, int]:
    """Scheme, host and port (the default port spelled out), as browsers compare origins."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:  # a port that is not a number: an origin nothing else shares
        return scheme, parts.netloc.lower(), -1
    return scheme, (parts.hostname or "").lower(), port or (443 if scheme == "https" else 80)


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
