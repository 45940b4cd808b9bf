"""The embedded index's schema: its fields, their fingerprint, and a record as a tantivy document.

Layout of a document (see :func:`fields`):

* ``id`` (raw, stored, fast: delete by term, order by id), ``uri`` (stored);
* ``content_hash`` (stored only), and ``source``, ``status`` and ``quality``
  stored as well as indexed, so ``EmbeddedIndex.entries`` can say what each
  document was built from without a second copy of the records;
* ``text_<lang>`` per analysed language: title, description and keywords in
  that language, stemmed with the language's snowball stemmer;
* ``text_any``: all text of the record in every language, unstemmed, folded
  to ASCII, so any word matches as written whatever the record's language;
* ``title_any``: titles in every language (boosted), ``labels``: labels of
  the concepts and agents the record links to (all languages);
* one raw fast field per facet (multi-valued; the ``source`` facet is the
  ``source`` field), ``status``, ``modified`` (date) and ``sort_title``;
* ``highlight_text`` (stored only): the titles and descriptions with their
  languages as JSON (:func:`catalogue.index.highlight.highlight_source`), read
  back only to mark the query's words in the hits of a page. None of the
  indexed text fields is stored: ``text_any`` would hold keywords too and lose
  the languages, and a stored-only bytes field skips the term dictionary a
  text field always gets.

The fingerprint covers every field's definition and the analysis, so an
index on disk built otherwise is noticed (and replaced) when opened.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
from typing import Any

import tantivy

from catalogue.index import ANALYSED_LANGUAGES, FACETS, SearchDocument
from catalogue.index.analysis import ANALYSIS, FOLDED, STEMMERS, analyzer_name
from catalogue.index.compounds import with_parts
from catalogue.index.embedded_discovery import add_discovery_fields, clamp, discovery_fields
from catalogue.index.highlight import highlight_source

log = logging.getLogger(__name__)

#: Bump when the meaning of a field changes without its definition changing
#: (what goes into it, how it is analysed); the fingerprint covers the rest.
SCHEMA_VERSION = 2

TEXT_FIELDS = {lang: f"text_{lang}" for lang in ANALYSED_LANGUAGES}
FACET_FIELDS = {name: name for name in FACETS}  # the source facet is the `source` field

#: a field: (name, kind, options of tantivy's SchemaBuilder.add_<kind>_field)
Field = tuple[str, str, dict[str, Any]]


def fields() -> list[Field]:
    """(name, kind, options) of every field, in schema order."""
    found: list[Field] = [
        ("id", "text", {"stored": True, "fast": True, "tokenizer_name": "raw", "index_option": "basic"}),
        ("uri", "text", {"stored": True, "tokenizer_name": "raw", "index_option": "basic"}),
        (
            "source",
            "text",
            {"stored": True, "fast": True, "tokenizer_name": "raw", "index_option": "basic"},
        ),
        # only ever read back: a bytes field can skip the term dictionary a text field always gets
        ("content_hash", "bytes", {"stored": True, "indexed": False, "fast": False}),
    ]
    found += [(field, "text", {"tokenizer_name": analyzer_name(lang)}) for lang, field in TEXT_FIELDS.items()]
    found += [(name, "text", {"tokenizer_name": FOLDED}) for name in ("text_any", "title_any", "labels")]
    found += [
        (field, "text", {"fast": True, "tokenizer_name": "raw", "index_option": "basic"})
        for field in FACET_FIELDS.values()
        if field != "source"
    ]
    found += discovery_fields(FOLDED)
    found += [
        (
            "status",
            "text",
            {"stored": True, "fast": True, "tokenizer_name": "raw", "index_option": "basic"},
        ),
        ("modified", "date", {"indexed": True, "fast": True}),
        ("quality", "integer", {"stored": True, "indexed": True, "fast": True}),
        ("sort_title", "text", {"fast": True, "tokenizer_name": "raw", "index_option": "basic"}),
        ("highlight_text", "bytes", {"stored": True, "indexed": False, "fast": False}),
    ]
    return found


def fingerprint(defined: list[Field]) -> str:
    """Changes whenever the fields, the schema version, the stemmers or the analysis do."""
    described = {"version": SCHEMA_VERSION, "fields": defined, "stemmers": STEMMERS, "analysis": ANALYSIS}
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()[:16]


def schema(defined: list[Field]) -> tantivy.Schema:
    """The tantivy schema of these fields."""
    builder = tantivy.SchemaBuilder()
    for name, kind, options in defined:
        if kind == "text":
            builder.add_text_field(name, **options)
        elif kind == "integer":
            builder.add_integer_field(name, **options)
        elif kind == "bytes":
            builder.add_bytes_field(name, **options)
        else:
            builder.add_date_field(name, **options)
    return builder.build()


def document(doc: SearchDocument) -> tantivy.Document:
    """A record as the index holds it (see the layout above)."""
    out = tantivy.Document()
    out.add_text("id", doc.id)
    out.add_text("uri", doc.uri)
    out.add_text("source", doc.source)
    out.add_bytes("content_hash", doc.content_hash.encode())
    for lang, texts in itertools.chain(doc.title.items(), doc.description.items(), doc.keywords.items()):
        field = TEXT_FIELDS.get(lang)
        for text in with_parts(texts, lang):
            if field:
                out.add_text(field, text)
            out.add_text("text_any", text)
    for texts in doc.title.values():
        for text in texts:
            out.add_text("title_any", text)
    for label in doc.labels:
        out.add_text("labels", label)
    for name, values in doc.facets.items():
        field = FACET_FIELDS.get(name)
        if field is None:
            log.debug("ignoring unknown facet %r of %s", name, doc.id)
            continue
        if field == "source":
            continue  # the source facet is the document's source
        for value in dict.fromkeys(values):
            if value:
                out.add_text(field, value)
    add_discovery_fields(out, doc)
    out.add_text("status", doc.status)
    if doc.modified is not None:
        out.add_date("modified", clamp(doc.modified))
    out.add_integer("quality", doc.quality)
    if doc.sort_title:
        out.add_text("sort_title", doc.sort_title[:200])
    highlighted = highlight_source(doc)
    if highlighted:
        out.add_bytes("highlight_text", json.dumps(highlighted, ensure_ascii=False).encode())
    return out
