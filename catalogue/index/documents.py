"""Build the search document of a record from its RDF.

Text goes in per language; concepts the record links to (themes, formats,
licences, access rights, languages, places) add their labels in every
language from the shipped EU vocabularies, so a query in German finds a
dataset described only in Dutch but themed "Health".
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import pyoxigraph as ox

from catalogue.index import SearchDocument
from catalogue.store import RecordMeta
from catalogue.views import DatasetView, dataset_view, pick_language
from catalogue.vocabularies import Vocabularies


def search_document(
    meta: RecordMeta, triples: Iterable[ox.Triple], vocabularies: Vocabularies
) -> SearchDocument:
    view = dataset_view(triples, meta.uri)
    facets = _facets(view, meta.source)
    labels: list[str] = []
    for facet in ("theme", "format", "license", "access_rights", "language"):
        for iri in facets.get(facet, []):
            labels.extend(vocabularies.all_labels(iri))
    for iri in view.spatial:
        labels.extend(vocabularies.all_labels(iri))
    for agent in filter(None, [view.publisher, *view.creators]):
        labels.extend(name for names in agent.name.values() for name in names)
    return SearchDocument(
        id=meta.id,
        uri=meta.uri,
        source=meta.source,
        quality=meta.quality or 0,
        title=view.title,
        description=view.description,
        keywords=view.keywords,
        labels=sorted(set(labels)),
        facets=facets,
        modified=parse_date(view.modified or view.issued),
        sort_title=(pick_language(view.title, "en") or meta.uri).casefold()[:200],
        status=meta.status,
        content_hash=meta.content_hash,
    )


def _facets(view: DatasetView, source: str) -> dict[str, list[str]]:
    formats = {d.format for d in view.distributions if d.format}
    publisher = [view.publisher.iri] if view.publisher and view.publisher.iri else []
    keywords = sorted({k.strip() for values in view.keywords.values() for k in values if k.strip()})
    access = {view.access_rights} if view.access_rights else set()
    facets = {
        "source": [source],
        "publisher": publisher,
        "theme": view.themes,
        "keyword": keywords,
        "format": sorted(formats),
        "license": view.licenses,
        "access_rights": sorted(access),
        "language": view.languages,
    }
    return {name: values for name, values in facets.items() if values}


def parse_date(value: str | None) -> datetime | None:
    """xsd:date, xsd:dateTime, gYear or gYearMonth as a UTC datetime; None if unreadable."""
    if not value:
        return None
    text = value.strip()
    for candidate in (text, text[:10], text[:7] + "-01", text[:4] + "-01-01"):
        try:
            parsed = datetime.fromisoformat(candidate.replace("Z", "+00:00"))
        except ValueError:
            continue
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None
