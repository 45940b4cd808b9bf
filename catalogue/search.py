"""Search as the website and the JSON API see it: results and facets with labels.

The index knows IRIs; people want names. Labels come from the shipped EU
vocabularies, else from what the records say about the IRI (a publisher's
foaf:name), in the visitor's language when there is one.

Each result carries the index's highlights (the query's words marked in a
title and a description snippet), one per field: the one in the language the
result is shown in when it has marks, else the best in another language, so
a match in the Dutch text of a record shown in English is still pointed out.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field, replace
from functools import partial
from threading import Lock
from urllib.parse import unquote

import pyoxigraph as ox

from catalogue.backends import Backends
from catalogue.config import Settings, Source
from catalogue.index import FACETS, FacetCount, Highlight, SearchHit, SearchQuery
from catalogue.index.documents import AGENT_MARK, NODE_MARK
from catalogue.namespaces import DCT, FOAF, RDFS, SKOS, VCARD
from catalogue.quality import rating
from catalogue.search_cache import SearchCache, query_key
from catalogue.store import RecordMeta
from catalogue.views import LangText, dataset_view, pick_language
from catalogue.views.dcat_ap_3 import base_language, choose_language
from catalogue.views.health import HealthFacts
from catalogue.vocabularies.concepts import labels as concept_labels
from catalogue.vocabularies.countries import country_iri

MAX_SIZE = 100
LABEL_PREDICATES = {SKOS + "prefLabel", FOAF + "name", RDFS + "label", DCT + "title", VCARD + "fn"}


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False


@dataclass
class ResultItem:
    id: str
    uri: str
    source: str
    title: str
    description: str
    status: str
    modified: str | None = None
    title_lang: str = ""  # the language the title is in ("" when untagged)
    description_lang: str = ""
    themes: list[str] = field(default_factory=list)
    quality: int | None = None  # quality points, of 405
    #: the HealthDCAT-AP facts (counts, ages, categories, codes)
    health: HealthFacts = field(default_factory=HealthFacts)
    #: "title" / "description" -> the query's words marked (plain text and ranges, never HTML)
    highlights: dict[str, Highlight] = field(default_factory=dict)
    #: what a researcher weighs before opening a result: who publishes it, on what terms, in which formats
    publisher: str = ""  # the publisher's name in the shown language, else its IRI
    access_rights: str | None = None  # IRI
    formats: list[str] = field(default_factory=list)  # IRIs, each once
    individuals: int | None = None  # HealthDCAT-AP's number of unique individuals, when given

    @property
    def rating(self) -> str | None:
        return rating(self.quality) if self.quality is not None else None


@dataclass
class SearchPage:
    query: SearchQuery
    total: int
    results: list[ResultItem]
    facets: dict[str, list[FacetValue]]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.size))


class Labeller:
    """Names for IRIs, cached: the same publishers and themes come up in every search."""

    def __init__(self, backends: Backends) -> None:
        self.backends = backends
        self.cache: dict[str, LangText] = {}
        self.lock = Lock()

    def label(self, iri: str, lang: str) -> str:
        if iri in self.backends.vocabularies:
            return self.backends.vocabularies.label(iri, lang, fallback=iri) or iri
        with self.lock:
            if iri not in self.cache:
                self.cache[iri] = self._from_records(iri)
        return pick_language(self.cache[iri], lang) or iri

    def forget(self) -> None:
        with self.lock:
            self.cache.clear()

    def _from_records(self, iri: str) -> LangText:
        names: LangText = {}
        for triple in self.backends.store.describe([iri]).get(iri, []):
            if triple.predicate.value in LABEL_PREDICATES and isinstance(triple.object, ox.Literal):
                names.setdefault(base_language(triple.object.language), []).append(triple.object.value)
        return names


def search(
    backends: Backends, labeller: Labeller, query: SearchQuery, lang: str, cache: SearchCache | None = None
) -> SearchPage:
    """A page of results with facets, labelled in ``lang``; from ``cache`` while the catalogue is unchanged."""
    if cache is None:
        return _search(backends, labeller, query, lang)
    compute = partial(_search, backends, labeller, query, lang)
    return cache.get(query_key(query, lang), state_of(backends), query.size, compute)


def state_of(backends: Backends) -> Hashable:
    """What a search's answer depends on; read before the search (see :mod:`catalogue.search_cache`)."""
    return backends.store.generation(), backends.index.version()


def _search(backends: Backends, labeller: Labeller, query: SearchQuery, lang: str) -> SearchPage:
    results = backends.index.search(replace(with_node_countries(query, backends.settings), highlight=True))
    results.facets["country"] = node_countries(results.facets.get("country", []), backends.settings)
    # one read for the page's records, without their reports (a page shows none)
    found = {
        meta.id: (meta, triples) for meta, triples in backends.store.triples_of([h.id for h in results.hits])
    }
    items = [
        _item(*found[hit.id], lang, hit)
        for hit in results.hits
        if hit.id in found  # (not: the index is ahead of the store; `catalogue check --repair` mends it)
    ]
    facets = {
        name: [
            FacetValue(
                value=bucket.value,
                label=bucket.label or _facet_label(backends, labeller, name, bucket.value, lang),
                count=bucket.count,
                selected=bucket.value in query.filters.get(name, []),
            )
            for bucket in results.facets.get(name, [])
        ]
        for name in FACETS
    }
    return SearchPage(query, results.total, items, facets)


def _facet_label(backends: Backends, labeller: Labeller, facet: str, value: str, lang: str) -> str:
    if facet == "keyword":
        return value
    if facet == "source":
        titles = {source.name: source.title for source in backends.settings.sources}
        return titles.get(value, value)
    if facet == "publisher" and value.startswith(AGENT_MARK):
        return unquote(value.rsplit(":", 1)[-1])
    if facet == "code":
        named = concept_labels(value)
        return f"{value} {named[0]}" if named else value
    return labeller.label(value, lang)


def _country_of(source: Source) -> str | None:
    try:
        return country_iri(source.country) if source.country else None
    except ValueError:
        return None


def with_node_countries(query: SearchQuery, settings: Settings) -> SearchQuery:
    """A country filter also takes the records of that country's nodes that name no country of their own.

    The index marks such records with their node (see catalogue.index.documents);
    which country a node is in is configuration, read here.
    """
    wanted = query.filters.get("country")
    if not wanted:
        return query
    marks = [NODE_MARK + s.name for s in settings.sources if _country_of(s) in wanted]
    return replace(query, filters={**query.filters, "country": [*wanted, *marks]})


def node_countries(buckets: list[FacetCount], settings: Settings) -> list[FacetCount]:
    """The country facet with each node's unmarked records counted under the node's country (if it has one)."""
    countries = {NODE_MARK + s.name: _country_of(s) for s in settings.sources}
    counts: dict[str, int] = {}
    for bucket in buckets:
        value = (
            countries.get(bucket.value, bucket.value) if bucket.value.startswith(NODE_MARK) else bucket.value
        )
        if value:
            counts[value] = counts.get(value, 0) + bucket.count
    return [FacetCount(value, count) for value, count in sorted(counts.items(), key=lambda p: (-p[1], p[0]))]


def _item(meta: RecordMeta, triples: list[ox.Triple], lang: str, hit: SearchHit) -> ResultItem:
    view = dataset_view(triples, meta.uri)
    title, title_lang = choose_language(view.title, lang)
    description, description_lang = choose_language(view.description, lang)
    shown = {"title": title_lang, "description": description_lang}
    highlights = {
        name: next((h for h in found if h.lang == shown.get(name)), found[0])
        for name, found in hit.highlights.items()
        if found
    }
    return ResultItem(
        id=meta.id,
        uri=meta.uri,
        source=meta.source,
        title=title or meta.uri,
        description=description or "",
        status=meta.status,
        modified=view.modified,
        themes=view.themes,
        health=view.health,
        quality=meta.quality,
        title_lang=title_lang,
        description_lang=description_lang,
        highlights=highlights,
        publisher=(pick_language(view.publisher.name, lang) or view.publisher.iri or "")
        if view.publisher
        else "",
        access_rights=view.access_rights,
        formats=list(dict.fromkeys(d.format for d in view.distributions if d.format)),
        individuals=view.health.individuals,
    )
