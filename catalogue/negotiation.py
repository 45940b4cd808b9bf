"""Content negotiation: Accept headers with q-values, and the RDF formats we serve.

Framework-free, so any route (dataset pages, source pages, the DCAT-AP feed …)
can use it: :func:`negotiate` picks one of the server's offers for an Accept
header (RFC 9110 §12.5.1), :data:`RDF_FORMATS` names each RDF syntax by media
type and by URL suffix, and :func:`serialize` writes triples in one of them.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import pyoxigraph as ox

from catalogue.namespaces import (
    ADMS,
    DCAT,
    DCATAP,
    DCT,
    FOAF,
    HEALTHDCATAP,
    LOCN,
    PROV,
    RDF,
    RDFS,
    SKOS,
    SPDX,
    VCARD,
    XSD,
)

HTML = "text/html"
T = TypeVar("T")


@dataclass(frozen=True)
class MediaRange:
    """One entry of an Accept header: ``type/subtype;params;q=…``."""

    type: str
    subtype: str
    q: float = 1.0
    params: tuple[tuple[str, str], ...] = ()

    def matches(self, media_type: str) -> bool:
        kind, _, sub = media_type.lower().partition("/")
        return self.type == "*" or (self.type == kind and self.subtype in ("*", sub))

    @property
    def specificity(self) -> int:
        """``*/*`` < ``text/*`` < ``text/html`` < ``text/html;level=1``."""
        if self.type == "*":
            return 0
        if self.subtype == "*":
            return 1
        return 3 if self.params else 2


# a media range entry: commas inside quoted parameter values do not split
_ENTRY = re.compile(r'(?:[^,"]|"(?:[^"\\]|\\.)*")+')
_PARAM = re.compile(r'\s*([^=\s;]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')
_TOKEN = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")


def parse_accept(header: str | None) -> list[MediaRange]:
    """The valid media ranges of an Accept header, best first (q, then specificity).

    Malformed entries (no ``/``, a bad token, a q-value that is not a number
    from 0 to 1) are skipped, as RFC 9110 lets a server do. A lone ``*`` (sent
    by some old clients) counts as ``*/*``.
    """
    ranges: list[MediaRange] = []
    for entry in _ENTRY.findall(header or ""):
        media, _, rest = entry.strip().partition(";")
        media = media.strip().lower()
        if media == "*":
            media = "*/*"
        kind, slash, sub = media.partition("/")
        if not slash or not _TOKEN.match(kind) or not _TOKEN.match(sub) or (kind == "*" and sub != "*"):
            continue
        q, params, valid = 1.0, [], True
        for name, value in _PARAM.findall(rest):
            name = name.lower()
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    valid = False
                    break
                if not 0.0 <= q <= 1.0:
                    valid = False
                    break
                break  # what follows q are accept-extensions, not media type parameters
            params.append((name, value.strip().strip('"')))
        if valid:
            ranges.append(MediaRange(kind, sub, q, tuple(params)))
    return sorted(ranges, key=lambda r: (-r.q, -r.specificity))


def quality(ranges: Sequence[MediaRange], media_type: str) -> float:
    """The q-value the client gives a media type: that of the most specific range that matches it."""
    matching = [r for r in ranges if r.matches(media_type)]
    if not matching:
        return 0.0
    return max(matching, key=lambda r: r.specificity).q


def negotiate(accept: str | None, offers: Sequence[str]) -> str | None:
    """The offer the client prefers, or None when it accepts none of them (→ 406).

    ``offers`` are in the server's order of preference, which breaks ties:
    ``*/*``, a missing header, or one without a single valid entry get the first.
    """
    if not offers:
        return None
    ranges = parse_accept(accept)
    if not ranges:
        return offers[0]
    best, best_q = None, 0.0
    for offer in offers:
        q = quality(ranges, offer)
        if q > best_q:
            best, best_q = offer, q
    return best


def choose(accept: str | None, choices: Mapping[T, Sequence[str]]) -> T | None:
    """The choice the client prefers, each known by several media types (its own and aliases), or None.

    The first media type of a choice is its own, the others are aliases: names
    clients send for it, which count only when named (a wildcard reaches a choice
    through its own type, so ``application/*`` is not Turtle by way of
    ``application/x-turtle``). A choice's q-value is that of the most specific range
    reaching it, so ``text/turtle;q=0, */*`` refuses Turtle; among equally specific
    ranges the highest q counts. Ties go to the first choice (the server's
    preference); a missing or wholly malformed header gets the first choice.
    """
    if not choices:
        return None
    ranges = parse_accept(accept)
    if not ranges:
        return next(iter(choices))
    best, best_q = None, 0.0
    for choice, media_types in choices.items():
        matches = [
            (r.specificity, r.q)
            for position, media in enumerate(media_types)
            for r in ranges
            if r.matches(media) and (position == 0 or r.specificity >= 2)
        ]
        q = max(matches)[1] if matches else 0.0
        if q > best_q:
            best, best_q = choice, q
    return best


@dataclass(frozen=True)
class RdfSyntax:
    suffix: str  # in URLs: /datasets/{id}.ttl
    name: str  # as ``format=`` names it (the SPARQL endpoint)
    media_type: str
    format: ox.RdfFormat
    aliases: tuple[str, ...] = ()  # other media types clients use for it


#: The one table of the RDF syntaxes we serve (every other table derives from it).
#: JSON-LD is JSON: ``application/json`` gets it on every RDF route (the feed, pages, the SPARQL endpoint)
RDF_FORMATS: tuple[RdfSyntax, ...] = (
    RdfSyntax("ttl", "turtle", "text/turtle", ox.RdfFormat.TURTLE, ("application/x-turtle",)),
    RdfSyntax("jsonld", "jsonld", "application/ld+json", ox.RdfFormat.JSON_LD, ("application/json",)),
    RdfSyntax("rdf", "rdfxml", "application/rdf+xml", ox.RdfFormat.RDF_XML, ("application/xml", "text/xml")),
    RdfSyntax("nt", "ntriples", "application/n-triples", ox.RdfFormat.N_TRIPLES, ("text/plain",)),
)
#: syntaxes we read but do not serve: datasets (quads) of nodes
READ_ONLY_FORMATS = (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG)


@dataclass(frozen=True)
class ResultsSyntax:
    name: str  # as ``format=`` names it
    media_type: str
    format: ox.QueryResultsFormat
    aliases: tuple[str, ...] = ()


#: The one table of the SPARQL results syntaxes we serve (SELECT and ASK answers of /sparql).
RESULTS_FORMATS: tuple[ResultsSyntax, ...] = (
    ResultsSyntax(
        "json", "application/sparql-results+json", ox.QueryResultsFormat.JSON, ("application/json",)
    ),
    ResultsSyntax(
        "xml", "application/sparql-results+xml", ox.QueryResultsFormat.XML, ("application/xml", "text/xml")
    ),
    ResultsSyntax("csv", "text/csv", ox.QueryResultsFormat.CSV),
    ResultsSyntax("tsv", "text/tab-separated-values", ox.QueryResultsFormat.TSV),
)
BY_SUFFIX = {f.suffix: f for f in RDF_FORMATS}
BY_MEDIA_TYPE = {media: f for f in RDF_FORMATS for media in (f.media_type, *f.aliases)}


def choose_rdf(accept: str | None, html: bool = True) -> RdfSyntax | str | None:
    """:data:`HTML` (if the resource has a page), an :class:`RdfSyntax`, or None when none is acceptable.

    The one negotiation of every RDF route: aliases answer for their syntax, q=0 refuses it.
    """
    choices: dict[RdfSyntax | str, tuple[str, ...]] = {HTML: (HTML,)} if html else {}
    choices.update({f: (f.media_type, *f.aliases) for f in RDF_FORMATS})
    return choose(accept, choices)


def split_suffix(name: str) -> tuple[str, RdfSyntax | None]:
    """``"be-0123.ttl"`` → ``("be-0123", turtle)``; a name without a known suffix is returned whole."""
    stem, dot, suffix = name.rpartition(".")
    if dot and stem and suffix in BY_SUFFIX:
        return stem, BY_SUFFIX[suffix]
    return name, None


PREFIXES = {
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "dcat": DCAT,
    "dct": DCT,
    "foaf": FOAF,
    "vcard": VCARD,
    "skos": SKOS,
    "adms": ADMS,
    "prov": PROV,
    "spdx": SPDX,
    "locn": LOCN,
    "dcatap": DCATAP,
    "healthdcatap": HEALTHDCATAP,
}


def serialize(triples: Iterable[ox.Triple], syntax: RdfSyntax) -> bytes:
    """Triples in one syntax, in a stable order (so equal content gives equal bytes).

    JSON-LD comes out of pyoxigraph in expanded form (full IRIs, no context):
    valid JSON-LD 1.1 that every processor reads the same way.
    """
    ordered = sorted(set(triples), key=str)
    iris = {
        term.value
        for t in ordered
        for term in (t.subject, t.predicate, t.object, getattr(t.object, "datatype", None))
        if isinstance(term, ox.NamedNode)
    }
    used = {name: ns for name, ns in PREFIXES.items() if any(iri.startswith(ns) for iri in iris)}
    return rdf_bytes(ordered, syntax.format, used)


def rdf_bytes(
    statements: Iterable[ox.Triple] | Iterable[ox.Quad],
    format: ox.RdfFormat,
    prefixes: dict[str, str] | None = None,
) -> bytes:
    """pyoxigraph's serialize, written into bytes (it returns None when given an output: say where)."""
    out = io.BytesIO()
    ox.serialize(statements, out, format=format, prefixes=prefixes)
    return out.getvalue()
