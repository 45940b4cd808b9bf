"""Dereference concept IRIs by content negotiation, within the limits of ``[concepts]``.

:class:`ConceptResolver` asks for each IRI (and, breadth first, for the
``skos:broader`` concepts it names, up to ``max_depth`` steps) with an
``Accept`` header for RDF, follows redirects by hand, and reads the answer
with :mod:`catalogue.parse` (RDF/XML without DTD entities, JSON-LD without
remote contexts). Every request goes through
:func:`catalogue.public_fetch.send_checked`: public addresses only, plus the
networks of ``[concepts] allow_hosts``. What it learns goes to the
:class:`~catalogue.concepts.cache.ConceptCache`; a failure is logged with
the IRI and kept there too, so it is not retried before its entry expires.
Nothing here can fail a harvest.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import time
from collections import Counter
from collections.abc import Container, Iterable
from dataclasses import replace
from urllib.parse import urldefrag

import httpx
import pyoxigraph as ox

from catalogue.concepts.cache import Concept, ConceptCache
from catalogue.config import ConceptSettings, Limits, Settings, Source
from catalogue.fetch import Document, InputError, gunzipped, read_body
from catalogue.namespaces import DCAT, DCT, HEALTHDCATAP, SKOS
from catalogue.parse import parse_document
from catalogue.public_fetch import REDIRECTS, AddressPolicy, public_client, send_checked

log = logging.getLogger(__name__)

ACCEPT = "text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.9, application/n-triples;q=0.8"
#: what a record links to that names a concept (themes, subjects, places, health codes and categories)
CONCEPT_LINKS = frozenset(
    {
        DCAT + "theme",
        DCT + "subject",
        DCT + "spatial",
        HEALTHDCATAP + "hasCodeValues",
        HEALTHDCATAP + "healthCategory",
        HEALTHDCATAP + "healthTheme",
    }
)
LABELS = (SKOS + "prefLabel", SKOS + "altLabel")
BROADER = SKOS + "broader"
MAX_LABELS = 200
MAX_LABEL_CHARS = 500
MAX_BROADER = 10
MAX_REDIRECTS = 5
#: the longest a server's max-age is believed
MAX_AGE_CAP = 30 * 86400.0
MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*(\d+)", re.IGNORECASE)


def concept_iris(triples: Iterable[ox.Triple], known: Container[str]) -> list[str]:
    """The http(s) concept IRIs the triples link to, less ``known`` ones (the vocabularies we ship)."""
    found: dict[str, None] = {}
    for triple in triples:
        value = triple.object
        if triple.predicate.value in CONCEPT_LINKS and isinstance(value, ox.NamedNode):
            iri = value.value
            if iri.startswith(("http://", "https://")) and iri not in known:
                found[iri] = None
    return list(found)


class ConceptResolver:
    """Fetches concepts for one harvest: the request budgets are this object's."""

    def __init__(self, settings: ConceptSettings, cache: ConceptCache) -> None:
        self.settings, self.cache = settings, cache
        allowed = tuple(ipaddress.ip_network(host, strict=False) for host in settings.allow_hosts)
        self.policy = AddressPolicy(allowed=allowed)
        self.limits = Limits(timeout_seconds=settings.timeout_seconds, max_bytes=settings.max_bytes)
        self.requests: Counter[str] = Counter()
        self.deadline = time.monotonic() + settings.max_seconds
        self.fetched = 0
        #: the guarded client, while resolve() runs
        self._client: httpx.Client | None = None

    def resolve(self, iris: Iterable[str]) -> dict[str, Concept]:
        """The concepts of ``iris`` and their broader ones (breadth first), fetched or from the cache."""
        found: dict[str, Concept] = {}
        frontier = list(dict.fromkeys(iris))
        # one client for all requests: making one (its TLS context) costs more than a request here
        with public_client({"Accept": ACCEPT}) as self._client:
            self._walk(frontier, found)
        return found

    def _walk(self, frontier: list[str], found: dict[str, Concept]) -> None:
        for _ in range(self.settings.max_depth + 1):  # the IRIs asked for, then each step up
            following: list[str] = []
            for iri in frontier:
                if iri in found:
                    continue
                concept = self._concept(iri)
                if concept is None:
                    continue
                found[iri] = concept
                following += [item for item in concept.broader if item not in found]
            frontier = following

    def _concept(self, iri: str) -> Concept | None:
        """From the cache while fresh; else fetched (revalidated) if the budgets allow; else the stale one."""
        cached = self.cache.get(iri)
        now = time.time()
        if cached is not None and cached.fresh(now):
            return cached
        host = httpx.URL(iri).host if iri.startswith(("http://", "https://")) else ""
        if not self._may_ask(host):
            return cached
        try:
            concept = self._fetch(iri, cached)
        except InputError as error:
            log.warning("concept %s not resolved: %s", iri, error.message)
            keep = cached or Concept(iri)
            concept = replace(
                keep, fresh_until=now + self.settings.default_max_age_seconds, error=error.message
            )
        except (httpx.HTTPError, ValueError) as error:
            log.warning("concept %s not resolved: %s", iri, error)
            keep = cached or Concept(iri)
            concept = replace(keep, fresh_until=now + self.settings.default_max_age_seconds, error=str(error))
        self.cache.put(concept)
        return concept

    def _may_ask(self, host: str) -> bool:
        if not host or time.monotonic() > self.deadline:
            return False
        if sum(self.requests.values()) >= self.settings.max_requests:
            return False
        return self.requests[host] < self.settings.max_requests_per_host

    def _fetch(self, iri: str, cached: Concept | None) -> Concept:
        client = self._client
        if client is None:
            raise RuntimeError("ConceptResolver._fetch outside resolve()")
        for name in ("If-None-Match", "If-Modified-Since"):  # the previous concept's
            client.headers.pop(name, None)
        if cached is not None and cached.etag:
            client.headers["If-None-Match"] = cached.etag
        if cached is not None and cached.last_modified:
            client.headers["If-Modified-Since"] = cached.last_modified
        deadline = min(self.deadline, time.monotonic() + self.settings.timeout_seconds)
        target = httpx.URL(urldefrag(iri).url)
        for _ in range(MAX_REDIRECTS + 1):
            if not self._may_ask(target.host):
                raise InputError(iri, "the request budget of [concepts] is spent")
            self.requests[target.host] += 1
            response = send_checked(
                client, "GET", target, self.policy, self.settings.timeout_seconds, deadline
            )
            try:
                location = response.headers.get("location")
                if response.status_code in REDIRECTS and location:
                    target = target.join(location.strip())
                    continue
                return self._answer(iri, str(target), response, cached, deadline)
            finally:
                response.close()
        raise InputError(iri, f"more than {MAX_REDIRECTS} redirects")

    def _answer(
        self, iri: str, location: str, response: httpx.Response, cached: Concept | None, deadline: float
    ) -> Concept:
        fresh_until = time.time() + self._max_age(response)
        if response.status_code == 304 and cached is not None:
            return replace(cached, fresh_until=fresh_until, error=None)
        if response.status_code >= 300:
            raise InputError(location, f"HTTP {response.status_code} {response.reason_phrase}".rstrip())
        body = gunzipped(read_body(response, location, self.limits, deadline), location, self.limits)
        content_type = (response.headers.get("content-type") or "").split(";")[0].strip().lower() or None
        quads = parse_document(Document(location, body, content_type))
        self.fetched += 1
        labels, broader = _described(iri, quads)
        return Concept(
            iri=iri,
            labels=labels,
            broader=broader,
            fresh_until=fresh_until,
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
        )

    def _max_age(self, response: httpx.Response) -> float:
        control = response.headers.get("cache-control", "")
        if "no-store" in control.lower() or "no-cache" in control.lower():
            return 0.0
        match = MAX_AGE.search(control)
        if match:
            return min(float(match.group(1)), MAX_AGE_CAP)
        return self.settings.default_max_age_seconds


def _described(iri: str, quads: list[ox.Quad]) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """The labels (prefLabels first) and broader concepts the document gives the IRI, capped."""
    subject = urldefrag(iri).url if iri.endswith("#") else iri
    pref: list[tuple[str, str]] = []
    alt: list[tuple[str, str]] = []
    broader: list[str] = []
    for quad in quads:
        if not isinstance(quad.subject, ox.NamedNode) or quad.subject.value not in (iri, subject):
            continue
        predicate, value = quad.predicate.value, quad.object
        if predicate in LABELS and isinstance(value, ox.Literal):
            entry = ((value.language or "").lower(), value.value[:MAX_LABEL_CHARS])
            (pref if predicate == LABELS[0] else alt).append(entry)
        elif predicate == BROADER and isinstance(value, ox.NamedNode):
            broader.append(value.value)
    labels = tuple(dict.fromkeys([*pref, *alt]))[:MAX_LABELS]
    return labels, tuple(dict.fromkeys(broader))[:MAX_BROADER]


def resolve_records(
    settings: Settings,
    source: Source,
    cache: ConceptCache,
    triples: Iterable[ox.Triple],
    known: Container[str],
) -> dict[str, Concept]:
    """The harvest's hook: resolve what the written records link to, unless turned off; never raises."""
    if not (settings.concepts.resolve and source.resolve_concepts):
        return {}
    iris = concept_iris(triples, known)
    if not iris:
        return {}
    resolver = ConceptResolver(settings.concepts, cache)
    try:
        found = resolver.resolve(iris)
        cache.prune()
    except OSError as error:  # the cache's disk: search goes on with the labels it has
        log.warning("%s: concepts not resolved: %s", source.name, error)
        return {}
    if resolver.fetched:
        log.info("%s: %d concepts fetched for %d linked IRIs", source.name, resolver.fetched, len(iris))
    return found
