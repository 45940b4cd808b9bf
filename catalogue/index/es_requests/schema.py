"""The Elasticsearch index's definition: names, analysis, mappings, template, and their fingerprint.

Names: the records live in ``{prefix}-records-{timestamp}`` indexes, created
from the composable template ``{prefix}-records`` (pattern
``{prefix}-records-*``); searches and ordinary writes go through the alias
``{prefix}-records``, which points at exactly one of them.

Fields (see :func:`mappings`): ``text_<lang>`` per analysed language with that
language's snowball stemmer, as the embedded backend (see :func:`analysis`); ``text_any`` (all text, every language),
``title_any`` (titles, boosted) and ``labels`` (linked concepts' and agents'
labels), unstemmed with :data:`FOLDED` — the embedded backend's
"simple | remove_long(40) | lowercase | ascii_fold" chain —; one ``keyword``
per facet (the ``source`` facet is the ``source`` field), ``status``,
``modified`` (date), ``quality`` (integer), ``sort_title`` (keyword),
``content_hash`` (kept in ``_source`` only, for ``entries_body``) and
``highlight_text`` (titles and descriptions with their languages, kept in
``_source`` only, for highlights). The texts of ``text_<lang>`` and ``text_any``
are followed by the parts of their compound words, split in Python
(:mod:`catalogue.index.compounds`, which says why not by a token filter).
"""

from __future__ import annotations

import functools
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from catalogue.index import ANALYSED_LANGUAGES, FACETS, compounds
from catalogue.index.analysis import STEMMERS, analyzer_name
from catalogue.index.es_discovery import discovery_mappings

#: Bump when the meaning of a field changes without the template changing.
SCHEMA_VERSION = 2

TEXT_FIELDS: dict[str, str] = {lang: f"text_{lang}" for lang in ANALYSED_LANGUAGES}
FACET_FIELDS: dict[str, str] = {name: name for name in FACETS}  # the source facet is the `source` field

FOLDED = "catalogue_folded"
#: ``from + size`` Elasticsearch serves in one request (``index.max_result_window``);
#: deeper pages are read with ``search_after`` (see ``after_body``).
MAX_RESULT_WINDOW = 10_000
#: longest facet value indexed, in characters (Lucene refuses terms over 32,766 bytes)
KEYWORD_IGNORE_ABOVE = 8_191
TEMPLATE_PRIORITY = 500
#: the ``_source`` field of the texts to highlight (see catalogue.index.highlight)
HIGHLIGHT_SOURCE = "highlight_text"


def alias_name(prefix: str) -> str:
    """The alias searches and writes go through."""
    return f"{prefix}-records"


def template_name(prefix: str) -> str:
    return f"{prefix}-records"


def index_name(prefix: str, now: datetime | None = None) -> str:
    """A new concrete index: ``{prefix}-records-{UTC timestamp to the microsecond}``."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{prefix}-records-{moment:%Y%m%d-%H%M%S-%f}"


# -- template and mappings ----------------------------------------------------------


#: Lucene's name of the snowball stemmer that stems as tantivy's does, where it is not the capitalised name:
#: tantivy's "dutch" is Kraaij-Pohlmann ("genomen" → "noom"; Lucene's "Dutch" is the older Porter-style
#: one) and its "german" folds ä/ö/ü spelled ae/oe/ue as Lucene's "German2" does
SNOWBALL_NAMES = {"dutch": "Kp", "german": "German2"}


def snowball_language(stemmer: str) -> str:
    """The ``language`` of Elasticsearch's ``snowball`` filter for one of tantivy's stemmers."""
    return SNOWBALL_NAMES.get(stemmer, stemmer.capitalize())


def analysis() -> dict[str, Any]:
    """The embedded backend's analyzers (:func:`catalogue.index.analysis.analyzers`), built from Elasticsearch parts.

    One chain for every field: words, not long, lowercase, the language's
    snowball stemmer (``text_<lang>`` only), ASCII folding; the same stemmers
    as tantivy's, so a word matches the same records on both backends (the
    built-in language analyzers stem differently and drop stop words).
    """
    start = ["catalogue_not_long", "lowercase"]
    analyzers = {
        FOLDED: {"type": "custom", "tokenizer": "catalogue_words", "filter": [*start, "asciifolding"]}
    }
    filters: dict[str, Any] = {
        # tantivy's remove_long(40) drops tokens of 40 bytes and more
        "catalogue_not_long": {"type": "length", "max": 39}
    }
    for lang in ANALYSED_LANGUAGES:
        if lang in STEMMERS:
            stem = f"catalogue_stem_{STEMMERS[lang]}"
            filters[stem] = {"type": "snowball", "language": snowball_language(STEMMERS[lang])}
            # stem first: the snowball stemmers expect the accents; fold what is left
            analyzers[analyzer_name(lang)] = {
                "type": "custom",
                "tokenizer": "catalogue_words",
                "filter": [*start, stem, "asciifolding"],
            }
    return {
        "tokenizer": {
            # tantivy's simple tokenizer: runs of letters and digits
            "catalogue_words": {"type": "pattern", "pattern": "[^\\p{L}\\p{N}]+"}
        },
        "filter": filters,
        "analyzer": analyzers,
    }


def index_settings() -> dict[str, Any]:
    return {
        "index": {
            # one shard: exact facet counts and corpus-wide scores; a catalogue fits easily
            "number_of_shards": 1,
            "auto_expand_replicas": "0-1",
            # nothing written is searchable before commit() refreshes it
            "refresh_interval": "-1",
            "max_result_window": MAX_RESULT_WINDOW,
        },
        "analysis": analysis(),
    }


def mappings() -> dict[str, Any]:
    keyword = {"type": "keyword", "ignore_above": KEYWORD_IGNORE_ABOVE}
    properties: dict[str, Any] = {
        "id": {"type": "keyword"},
        "uri": {"type": "keyword", "index": False, "doc_values": False},
        "content_hash": {"type": "keyword", "index": False, "doc_values": False},
        "source": {"type": "keyword"},
        "status": {"type": "keyword"},
        "modified": {"type": "date"},
        "quality": {"type": "integer"},
        "sort_title": {"type": "keyword", "ignore_above": 200},
        # read back for highlights only: neither indexed nor parsed
        HIGHLIGHT_SOURCE: {"type": "object", "enabled": False},
    }
    for lang, field in TEXT_FIELDS.items():
        properties[field] = {"type": "text", "analyzer": analyzer_name(lang)}
    for field in ("text_any", "title_any", "labels"):
        properties[field] = {"type": "text", "analyzer": FOLDED}
    for field in FACET_FIELDS.values():
        properties.setdefault(field, dict(keyword))
    properties.update(discovery_mappings(keyword, FOLDED))
    return {"dynamic": "strict", "properties": properties}


@functools.cache
def fingerprint() -> str:
    """Changes whenever the index definition does; stored in each index's ``_meta``."""
    described = {
        "version": SCHEMA_VERSION,
        "settings": index_settings(),
        "mappings": mappings(),
        "compounds": compounds.describe(),  # the parts indexed beside the text are computed here
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()[:16]


def index_template(prefix: str) -> dict[str, Any]:
    """The body of ``PUT _index_template/{prefix}-records``."""
    meta = {"managed_by": "catalogue", "schema_version": SCHEMA_VERSION, "fingerprint": fingerprint()}
    return {
        "index_patterns": [f"{prefix}-records-*"],
        "priority": TEMPLATE_PRIORITY,
        "template": {"settings": index_settings(), "mappings": {**mappings(), "_meta": meta}},
        "_meta": {"managed_by": "catalogue", "description": "catalogue search records"},
    }
