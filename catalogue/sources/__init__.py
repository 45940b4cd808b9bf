"""Walk a source page by page: the first stage of a harvest.

``walk(source, fetcher)`` yields the source's :class:`Page` objects in order,
lazily, whatever the source's ``kind``:

==========  =========================================================================
``rdf``     one RDF document, following Hydra paging when it has any (:mod:`.rdf`)
``fdp``     a FAIR Data Point: root → catalogues → datasets → distributions (:mod:`.fdp`)
``ldes``    a Linked Data Event Stream: the latest version of each dataset (:mod:`.ldes`)
``sparql``  a SPARQL endpoint, paged with LIMIT/OFFSET and CONSTRUCT (:mod:`.sparql`)
==========  =========================================================================

Every page is self-contained for the datasets it describes, so the harvester
can split each page into records on its own. A walk stops with an
:class:`~catalogue.fetch.InputError` after ``limits.max_pages`` documents; every
error says which source, which page (the how-manyth document of the walk) and
which URL, and a parse error keeps its line and column.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from catalogue.config import KINDS, Source
from catalogue.fetch import Fetcher, InputError
from catalogue.public_fetch import PUBLIC_ONLY, AddressPolicy
from catalogue.sources import fdp, ldes, rdf, sparql
from catalogue.sources.pages import Page, Reader

__all__ = ["Page", "walk"]

WALKERS: dict[str, Callable[[str, Reader], Iterator[Page]]] = {
    "rdf": rdf.walk,
    "fdp": fdp.walk,
    "ldes": ldes.walk,
    "sparql": sparql.walk,
}


def walk(
    source: Source, fetcher: Fetcher, policy: AddressPolicy = PUBLIC_ONLY, scratch: Path | None = None
) -> Iterator[Page]:
    """Every page of the source, in order, lazily (one page in memory at a time where the kind allows).

    Links are followed only on the source's origin, or to public addresses of its follow_hosts
    (``policy`` can allow more, for tests). With a ``scratch`` folder, a document too big to hold
    parsed is spilled to disk there (:mod:`.spilled`); the caller closes each page when done with it.
    """
    if source.kind not in WALKERS:
        raise ValueError(f"source {source.name}: unknown kind {source.kind!r} (one of {', '.join(KINDS)})")
    reader = Reader(source, fetcher, policy, scratch)
    try:
        yield from WALKERS[source.kind](source.url, reader)
    except InputError as error:
        reader.name(error)
        raise
