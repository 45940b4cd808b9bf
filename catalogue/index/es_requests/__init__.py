"""The Elasticsearch backend's requests, as pure functions of our own types.

Everything here returns plain dicts (JSON bodies) and never talks to a
server, so it is unit-tested as it is; :mod:`catalogue.index.elasticsearch`
sends these bodies with the official client and reads the answers back with
:func:`parse_results`. One module per concern: ``schema`` (names, analysis,
mappings, the template and its fingerprint), ``writes`` (documents, bulk
actions, the alias switch), ``queries`` (search bodies) and ``answers``
(responses read back). This package gathers their names for callers; none
of its modules imports it back.
"""

from __future__ import annotations

from catalogue.index.es_requests.answers import (
    parse_entry,
    parse_highlight_texts,
    parse_hits,
    parse_near,
    parse_results,
)
from catalogue.index.es_requests.queries import (
    DISMAX_TIE,
    after_body,
    entries_body,
    facet_filters,
    highlight_texts_body,
    near_body,
    paging,
    search_body,
    text_query,
    within_window,
)
from catalogue.index.es_requests.schema import (
    FOLDED,
    HIGHLIGHT_SOURCE,
    MAX_RESULT_WINDOW,
    alias_name,
    fingerprint,
    index_name,
    index_template,
    mappings,
    snowball_language,
    template_name,
)
from catalogue.index.es_requests.writes import (
    alias_switch_actions,
    delete_action,
    document_source,
    index_action,
    source_ids_body,
)

__all__ = [
    "DISMAX_TIE",
    "FOLDED",
    "HIGHLIGHT_SOURCE",
    "MAX_RESULT_WINDOW",
    "after_body",
    "alias_name",
    "alias_switch_actions",
    "delete_action",
    "document_source",
    "entries_body",
    "facet_filters",
    "fingerprint",
    "highlight_texts_body",
    "index_action",
    "index_name",
    "index_template",
    "mappings",
    "near_body",
    "paging",
    "parse_entry",
    "parse_highlight_texts",
    "parse_hits",
    "parse_near",
    "parse_results",
    "search_body",
    "snowball_language",
    "source_ids_body",
    "template_name",
    "text_query",
    "within_window",
]
