"""What writes send to Elasticsearch: a record's ``_source``, bulk actions, the alias switch."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC
from typing import Any

from catalogue.index import SearchDocument, compounds
from catalogue.index.es_discovery import discovery_source
from catalogue.index.es_requests.schema import FACET_FIELDS, HIGHLIGHT_SOURCE, TEXT_FIELDS
from catalogue.index.highlight import highlight_source


def document_source(doc: SearchDocument) -> dict[str, Any]:
    """The ``_source`` of one record, field for field what the embedded backend indexes."""
    source: dict[str, Any] = {
        "id": doc.id,
        "uri": doc.uri,
        "source": doc.source,
        "status": doc.status,
        "content_hash": doc.content_hash,
    }
    text_any: list[str] = []
    per_language: dict[str, list[str]] = {}
    for texts_by_lang in (doc.title, doc.description, doc.keywords):
        for lang, texts in texts_by_lang.items():
            field = TEXT_FIELDS.get(lang)
            for text in compounds.with_parts(texts, lang):
                if field:
                    per_language.setdefault(field, []).append(text)
                text_any.append(text)
    source.update(per_language)
    if text_any:
        source["text_any"] = text_any
    titles = [text for texts in doc.title.values() for text in texts]
    if titles:
        source["title_any"] = titles
    if doc.labels:
        source["labels"] = list(doc.labels)
    for name, values in doc.facets.items():
        field = FACET_FIELDS.get(name)
        if field is None or field == "source":  # unknown facets are ignored; source is the record's
            continue
        kept = [value for value in dict.fromkeys(values) if value]
        if kept:
            source[field] = kept
    if doc.modified is not None:
        modified = doc.modified if doc.modified.tzinfo else doc.modified.replace(tzinfo=UTC)
        source["modified"] = modified.astimezone(UTC).isoformat()
    source["quality"] = int(doc.quality)
    source.update(discovery_source(doc))
    if doc.sort_title:
        source["sort_title"] = doc.sort_title[:200]
    highlighted = highlight_source(doc)
    if highlighted:
        source[HIGHLIGHT_SOURCE] = highlighted
    return source


def index_action(index: str, doc: SearchDocument) -> dict[str, Any]:
    """A bulk action (for ``helpers.streaming_bulk``) that adds or replaces one record."""
    return {"_op_type": "index", "_index": index, "_id": doc.id, "_source": document_source(doc)}


def delete_action(index: str, record_id: str) -> dict[str, Any]:
    return {"_op_type": "delete", "_index": index, "_id": record_id}


def source_ids_body(source: str) -> dict[str, Any]:
    """The scroll request listing one source's record ids (for ``helpers.scan``), to delete them by id.

    By id in the bulk stream rather than ``_delete_by_query``: it needs no
    reindex module and no task, and shares the bulk stream's error handling.
    """
    return {"query": {"term": {"source": source}}, "_source": False, "sort": ["_doc"]}


def alias_switch_actions(alias: str, new_index: str, old_indices: Iterable[str]) -> list[dict[str, Any]]:
    """One ``_aliases`` request: point the alias at the new index and delete the old ones, atomically."""
    actions: list[dict[str, Any]] = [{"add": {"index": new_index, "alias": alias}}]
    actions += [{"remove_index": {"index": old}} for old in sorted(set(old_indices)) if old != new_index]
    return actions
