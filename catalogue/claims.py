"""One dataset IRI, one visible record: which node's record wins when two publish the same dataset.

Records are kept per node (a record's id is made of the node's name and the
dataset IRI), so nothing stops a second node from publishing a record for a
dataset IRI that a first node already publishes. Two visible records would
put clashing titles in search and two descriptions of one resource in
SPARQL's default graph, so of the records for one IRI at most one is visible:

* the node whose namespace the IRI is in wins: the IRI's host is the host of
  the node's ``url``, or the IRI starts with one of the node's configured
  ``namespaces`` (``[[sources]] namespaces = ["https://data.example.be/"]``);
* otherwise the node that published it first keeps it.

The losing record stays in the registry with status ``duplicate``: not in
search, not in the feed or SPARQL's default graph (its provenance says
``duplicate``), and its node's run notes "dataset IRI X is already published
by source 'a'". The rule is applied by the registry inside the transaction of
each harvest's or push's commit (:func:`catalogue.store.claims.settle_claims`;
this module gives it the namespaces of the configured sources),
so two commits can never both win one IRI: the committing node's records are
compared with the other nodes' visible ones. An owner's record takes an IRI
over from a non-owner's at once (the non-owner's record becomes ``duplicate``
in the same commit; its node's next run notes why). When the winning record
is withdrawn, a ``duplicate`` record of the IRI is published again at its own
node's next harvest or push, not at once: until then nothing says that node
still offers it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from catalogue.store.claims import Owns

if TYPE_CHECKING:
    from catalogue.config import Source


def ownership(sources: Iterable[Source]) -> Owns:
    """The namespace test for the configured sources (an unknown source owns nothing)."""
    spaces = {source.name: _namespaces(source) for source in sources}

    def owns(source: str, iri: str) -> bool:
        hosts, prefixes = spaces.get(source, (frozenset(), ()))
        return _host(iri) in hosts or iri.startswith(prefixes)

    return owns


def _namespaces(source: Source) -> tuple[frozenset[str], tuple[str, ...]]:
    host = _host(source.url)
    return frozenset([host] if host else []), tuple(source.namespaces)


def _host(url: str) -> str:
    parts = urlsplit(url)
    return (parts.hostname or "") if parts.scheme in ("http", "https") else ""
