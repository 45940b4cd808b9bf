"""Build the search document of a record from its RDF.

Text goes in per language; concepts the record links to (themes, formats,
licences, access rights, languages, places, health categories) add their
labels in every language from the shipped vocabularies, so a query in German
finds a dataset described only in Dutch but themed "Health".

Codes (HealthDCAT-AP ``hasCodeValues``) go in with every concept above them
(``code_tree``) and those concepts' labels (``concepts``), so both backends
find a record coded C50.4 by ``code=icd10:C50`` and by the word "breast".

Facet values are identities, not spellings: a publisher described by a blank
node is keyed by its name within its node (:func:`publisher_key`), keywords
by their folded form (:func:`catalogue.index.fold`), and a record without a
country of its own (``dct:spatial``) is marked with its node (``node:<name>``,
turned into the node's country by :mod:`catalogue.search`, which knows the
configuration; the index is built without it).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import quote

import pyoxigraph as ox

from catalogue.index import SearchDocument, fold
from catalogue.store import RecordMeta
from catalogue.views import Agent, DatasetView, dataset_view, pick_language
from catalogue.views.health import SKOLEM_MARK
from catalogue.vocabularies import Vocabularies
from catalogue.vocabularies.concepts import expand
from catalogue.vocabularies.concepts import labels as concept_labels
from catalogue.vocabularies.countries import COUNTRY

#: facet value of a record without a country of its own: its node's (see catalogue.search)
NODE_MARK = "node:"
#: publisher facet value of an agent without an IRI of its own: its name within its node
AGENT_MARK = "urn:catalogue:agent:"
#: what stands for an open end of a typical age range or of a temporal coverage
AGE_OPEN = (0, 150)
DATE_OPEN = (datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, tzinfo=UTC))


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
    for facet in ("health_category", "type"):
        for iri in facets.get(facet, []):
            labels.extend(vocabularies.all_labels(iri))
    tree = list(dict.fromkeys(concept for code in view.health.codes for concept in expand(code.id)))
    concepts = {label for code in view.health.codes for names in code.labels.values() for label in names}
    concepts.update(label for concept in tree for label in concept_labels(concept))
    # codes by an IRI we do not ship: their labels and broader chain as resolved at harvest (catalogue/concepts)
    concepts.update(
        label for code in view.health.codes if code.iri for label in vocabularies.all_labels(code.iri)
    )
    health = view.health
    ages = (health.age_min, health.age_max)
    temporal = _span(view)
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
        keyword_forms=keyword_forms(view),
        code_tree=tree,
        concepts=sorted(concepts),
        individuals=health.individuals,
        records=health.records,
        age_low=None if ages == (None, None) else (ages[0] if ages[0] is not None else AGE_OPEN[0]),
        age_high=None if ages == (None, None) else (ages[1] if ages[1] is not None else AGE_OPEN[1]),
        temporal_start=temporal[0],
        temporal_end=temporal[1],
        sort_title=(pick_language(view.title, "en") or meta.uri).casefold()[:200],
        status=meta.status,
        content_hash=meta.content_hash,
    )


def _facets(view: DatasetView, source: str) -> dict[str, list[str]]:
    formats = {d.format for d in view.distributions if d.format}
    publisher = publisher_key(view.publisher, source) if view.publisher else None
    keywords = sorted({fold(k) for values in view.keywords.values() for k in values if fold(k)})
    access = {view.access_rights} if view.access_rights else set()
    countries = [iri for iri in view.spatial if iri.startswith(COUNTRY)]
    health = view.health
    facets = {
        "source": [source],
        "country": countries or [NODE_MARK + source],
        "publisher": [publisher] if publisher else [],
        "theme": view.themes,
        "health_category": health.health_categories,
        "health_theme": health.health_themes,
        "type": health.dataset_types,
        "keyword": keywords,
        "coding_system": health.coding_systems,
        "code": sorted({code.id for code in health.codes}),
        "format": sorted(formats),
        "license": view.licenses,
        "access_rights": sorted(access),
        "language": view.languages,
    }
    return {name: values for name, values in facets.items() if values}


def keyword_forms(view: DatasetView) -> list[str]:
    """The keywords as written (each once), for the facet to show a folded keyword in its most common form."""
    return sorted({k.strip() for values in view.keywords.values() for k in values if k.strip()})


def publisher_key(agent: Agent, source: str) -> str | None:
    """One facet value per organisation: its IRI, or for a blank node (or a name alone) its name in its node.

    Blank nodes are given IRIs of ours per record, so keying them by that IRI
    would make one organisation one entry per dataset.
    """
    if agent.iri and SKOLEM_MARK not in agent.iri:
        return agent.iri
    name = pick_language(agent.name, "en")
    if not name or not name.strip():
        return None
    return f"{AGENT_MARK}{quote(source, safe='')}:{quote(' '.join(name.split()), safe='')}"


def _span(view: DatasetView) -> tuple[datetime | None, datetime | None]:
    """Earliest start and latest end of the temporal coverage; an open end reaches the far past or future."""
    starts, ends = [], []
    for period in view.temporal:
        start, end = parse_date(period.start), parse_date(period.end)
        if start is None and end is None:
            continue
        starts.append(start or DATE_OPEN[0])
        ends.append(_end_of(period.end) if end else DATE_OPEN[1])
    return (min(starts), max(ends)) if starts else (None, None)


def _end_of(value: str | None) -> datetime:
    """The last moment an end date names: a year "2020" ends on 2020-12-31, a day at its midnight."""
    text = (value or "").strip()
    parsed = parse_date(text) or DATE_OPEN[1]
    if len(text) == 4:
        return parsed.replace(month=12, day=31)
    return parsed


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
