"""The embedded search backend: a tantivy index in a directory beside the store.

Layout of a document (see :data:`FIELDS`):

* ``id`` (raw, stored, fast: delete by term, order by id), ``uri`` (stored);
* ``content_hash`` (stored only), and ``source``, ``status`` and ``quality``
  stored as well as indexed, so :meth:`EmbeddedIndex.entries` can say what each
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

Query text is never handed to tantivy's query parser: it is split into parts
by :func:`catalogue.index.analysis.query_parts` (what every word, phrase and
prefix means is there), each analysed with each field's own analyzer and
turned into term queries. Relevance ties are ordered by id.

One writer per index, opened on first write and guarded by a lock; searches
use the reader and never wait for writes. Nothing written is visible until
:meth:`EmbeddedIndex.commit`.

An index on disk built for another schema is replaced by an empty one when
opened (:attr:`EmbeddedIndex.outdated`): tantivy cannot add fields to
existing segments, and the store can always fill it again. The replacement
gets its schema marker only when a whole rebuild (a ``clear()``) is
committed, so one interrupted midway is replaced and rebuilt again.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import os
import shutil
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol, cast

import tantivy
from tantivy import FieldType, Occur, Order, Query

from catalogue.index import (
    ANALYSED_LANGUAGES,
    FACETS,
    FILTER_FIELDS,
    FacetCount,
    IndexEntry,
    QueryError,
    SearchDocument,
    SearchHit,
    SearchQuery,
    SearchResults,
)
from catalogue.index.analysis import (
    ALTERNATIVE_BOOST,
    ANALYSIS,
    FOLDED,
    MIN_PREFIX,
    STEMMERS,
    Part,
    analyzer_name,
    analyzers,
    query_parts,
)
from catalogue.index.compounds import with_parts
from catalogue.index.embedded_discovery import (
    CONCEPTS_BOOST,
    add_discovery_fields,
    clamp,
    discovery_fields,
    keyword_forms,
    label_keywords,
    range_query,
)
from catalogue.index.highlight import Marker, highlight_source, marker_for

log = logging.getLogger(__name__)

#: Bump when the meaning of a field changes without its definition changing
#: (what goes into it, how it is analysed); the fingerprint covers the rest.
SCHEMA_VERSION = 2
MARKER = "catalogue-index.json"

WRITER_HEAP = 128_000_000
#: indexing threads: two, unless that would take every core from the searches
WRITER_THREADS = max(1, min(2, (os.cpu_count() or 2) // 2))

TEXT_FIELDS = {lang: f"text_{lang}" for lang in ANALYSED_LANGUAGES}
FACET_FIELDS = {name: name for name in FACETS}  # the source facet is the `source` field
TITLE_BOOST = 3.0
DISMAX_TIE = 0.2
#: how many hits past the requested page relevance paging may read to order tied scores by id
MAX_TIE_WINDOW = 2_000
#: facet buckets asked of tantivy beyond facet_size, so equal counts can be ordered by value
FACET_SLACK = 20


def _fields() -> list[tuple[str, str, dict[str, Any]]]:
    """(name, kind, options) of every field, in schema order."""
    fields: list[tuple[str, str, dict[str, Any]]] = [
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
    fields += [
        (field, "text", {"tokenizer_name": analyzer_name(lang)}) for lang, field in TEXT_FIELDS.items()
    ]
    fields += [(name, "text", {"tokenizer_name": FOLDED}) for name in ("text_any", "title_any", "labels")]
    fields += [
        (field, "text", {"fast": True, "tokenizer_name": "raw", "index_option": "basic"})
        for field in FACET_FIELDS.values()
        if field != "source"
    ]
    fields += discovery_fields(FOLDED)
    fields += [
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
    return fields


def _fingerprint(fields: list[tuple[str, str, dict[str, Any]]]) -> str:
    described = {"version": SCHEMA_VERSION, "fields": fields, "stemmers": STEMMERS, "analysis": ANALYSIS}
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()[:16]


class EmbeddedIndex:
    """A :class:`~catalogue.index.SearchIndex` on a tantivy index directory."""

    def __init__(self, path: Path, read_only: bool = False) -> None:
        self.path = Path(path)
        #: a reader beside the process that writes (``catalogue serve --workers``): it never writes nor
        #: replaces the index, and reloads when the writer has committed (see _searcher)
        self.read_only = read_only
        self._seen: int | None = None
        fields = _fields()
        self.fingerprint = _fingerprint(fields)
        builder = tantivy.SchemaBuilder()
        for name, kind, options in fields:
            if kind == "text":
                builder.add_text_field(name, **options)
            elif kind == "integer":
                builder.add_integer_field(name, **options)
            elif kind == "bytes":
                builder.add_bytes_field(name, **options)
            else:
                builder.add_date_field(name, **options)
        self.schema = builder.build()
        self._analyzers = analyzers()
        #: True when the index was created empty (new, or replacing an incompatible one), until a
        #: clear() is committed (a rebuild from the store)
        self.outdated = False
        self._index = self._create() if read_only else self._open()
        self._lock = threading.Lock()
        self._writer: tantivy.IndexWriter | None = None
        #: a clear() not yet committed: its commit is a full rebuild, so the index is current again
        self._clearing = False

    # -- opening -----------------------------------------------------------------

    def _open(self) -> tantivy.Index:
        self.path.mkdir(parents=True, exist_ok=True)
        marker = self.path / MARKER
        if (self.path / "meta.json").exists():
            reason = self._incompatible(marker)
            if reason is None:
                try:
                    return self._create()
                except ValueError as error:
                    reason = f"tantivy cannot open it ({error})"
            log.warning(
                "search index at %s is incompatible: %s; replacing it with an empty index "
                "to be filled again from the store (as `catalogue reindex` does)",
                self.path,
                reason,
            )
            shutil.rmtree(self.path)
            self.path.mkdir(parents=True)
            replaced = True
        else:
            replaced = False
        # new (or deleted by hand) or replaced: to be filled from the store by whoever opens it to write
        self.outdated = True
        index = self._create()
        if not replaced:  # a replaced one gets its marker once filled (see commit()), so a rebuild cut
            self._write_marker()  # short is replaced again at the next open
        return index

    def _write_marker(self) -> None:
        marker = self.path / MARKER
        marker.write_text(json.dumps({"schema_version": SCHEMA_VERSION, "fingerprint": self.fingerprint}))

    def _incompatible(self, marker: Path) -> str | None:
        try:
            found = json.loads(marker.read_text())
        except FileNotFoundError:
            return f"no {MARKER} (never filled, or its rebuild was cut short)"
        except ValueError:
            return f"unreadable {MARKER}"
        if not isinstance(found, dict):
            return f"unreadable {MARKER}"
        if found.get("fingerprint") != self.fingerprint:
            return (
                f"schema {found.get('schema_version')} ({found.get('fingerprint')}), "
                f"expected {SCHEMA_VERSION} ({self.fingerprint})"
            )
        if not tantivy.Index.is_compatible(str(self.path)):
            return "written by an incompatible tantivy version"
        return None

    def _create(self) -> tantivy.Index:
        index = tantivy.Index(self.schema, path=str(self.path), reuse=True)
        for name, analyzer in self._analyzers.items():
            index.register_tokenizer(name, analyzer)
        return index

    def _writer_locked(self) -> tantivy.IndexWriter:
        if self.read_only:
            raise RuntimeError(f"the search index at {self.path} is open read-only in this process")
        if self._writer is None:
            try:
                self._writer = self._index.writer(heap_size=WRITER_HEAP, num_threads=WRITER_THREADS)
            except ValueError as error:
                raise RuntimeError(
                    f"cannot write the search index at {self.path}: {error} "
                    "(is another harvest or reindex running?)"
                ) from error
        return self._writer

    # -- writes ------------------------------------------------------------------

    def upsert(self, documents: Iterable[SearchDocument]) -> None:
        with self._lock:
            writer = self._writer_locked()
            for document in documents:
                writer.delete_documents_by_term("id", document.id)
                writer.add_document(self._document(document))

    def delete(self, ids: Iterable[str]) -> None:
        with self._lock:
            writer = self._writer_locked()
            for record_id in ids:
                writer.delete_documents_by_term("id", record_id)

    def delete_source(self, source: str) -> None:
        with self._lock:
            self._writer_locked().delete_documents_by_term("source", source)

    def clear(self) -> None:
        with self._lock:
            self._writer_locked().delete_all_documents()
            self._clearing = True

    def commit(self) -> None:
        with self._lock:
            if self._writer is not None:
                self._writer.commit()
            if self._clearing:
                if self.outdated:
                    # only now: a rebuild cut short leaves no marker, so the next open replaces it again
                    self._write_marker()
                self._clearing = self.outdated = False
        self._index.reload()

    def close(self) -> None:
        """Drop uncommitted writes, let merges finish and release the writer lock."""
        with self._lock:
            writer, self._writer = self._writer, None
            self._clearing = False
            if writer is not None:
                writer.rollback()
                writer.wait_merging_threads()

    def __enter__(self) -> EmbeddedIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _document(self, doc: SearchDocument) -> tantivy.Document:
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

    # -- reads -------------------------------------------------------------------

    def _searcher(self) -> tantivy.Searcher:
        """The searcher; a read-only index first reloads when another process committed since.

        A commit rewrites ``meta.json``; a stat of it costs microseconds, so every read checks.
        """
        if self.read_only:
            try:
                changed = (self.path / "meta.json").stat().st_mtime_ns
            except OSError:
                changed = None
            if changed != self._seen:
                self._index.reload()
                self._seen = changed
        return self._index.searcher()

    def count(self) -> int:
        return self._searcher().num_docs

    def entries(self) -> Iterator[IndexEntry]:
        # One searcher throughout: a commit while this is read does not change what it yields.
        searcher = self._searcher()
        if not searcher.num_docs:
            return
        # every score ties, so the hits come in document order: the stored blocks are read in sequence
        hits = searcher.search(Query.all_query(), limit=searcher.num_docs, count=False).hits
        for _, address in hits:
            stored = searcher.doc(address)
            yield IndexEntry(
                id=stored.get_first("id") or "",
                source=stored.get_first("source") or "",
                content_hash=(stored.get_first("content_hash") or b"").decode(),
                status=stored.get_first("status") or "",
                quality=stored.get_first("quality") or 0,
            )

    def search(self, query: SearchQuery) -> SearchResults:
        text = self._text_query(query.text)
        filters = self._filters(query.filters)
        narrowing = [range_query(self.schema, r) for r in query.ranges]  # not facets: they narrow every count
        if query.quality_min is not None:
            narrowing.append(self._quality_at_least(query.quality_min))
        if query.ids is not None:  # the where= restriction
            narrowing.append(Query.term_set_query(self.schema, "id", query.ids))
        base = _conjunction(text, narrowing) if narrowing else text
        tantivy_query = _conjunction(base, list(filters.values()))

        searcher = self._searcher()
        size = max(0, query.size)
        offset = (max(1, query.page) - 1) * size
        if query.sort == "relevance" and text is not None:
            total, page = _relevance_page(searcher, tantivy_query, offset, size)
        else:
            field, order = {
                "modified": ("modified", Order.Desc),
                "title": ("sort_title", Order.Asc),
                "quality": ("quality", Order.Desc),
            }.get(query.sort, ("id", Order.Asc))  # relevance without text: every score ties
            result = searcher.search(
                tantivy_query, limit=max(1, size), offset=offset, order_by_field=field, order=order
            )
            total = _count(result)
            page = [(0.0, searcher.doc(address)) for _, address in result.hits[:size]]
        marker = marker_for(query)
        hits = [_hit(score, stored, marker) for score, stored in page]
        facets = (
            self._facets(searcher, tantivy_query, query.facet_size, exclude=set(filters)) if total else {}
        )
        if total and "keyword" not in filters and query.facet_size > 0:
            label_keywords(facets, keyword_forms(searcher, tantivy_query, query.facet_size + FACET_SLACK))
        # A filtered facet is counted without its own filter, so the other values
        # of that facet stay visible (values within one facet are OR-ed).
        for name in filters:
            others = _conjunction(base, [q for other, q in filters.items() if other != name])
            facets.update(self._facets(searcher, others, query.facet_size, only={name}))
            if name == "keyword" and query.facet_size > 0:
                label_keywords(facets, keyword_forms(searcher, others, query.facet_size + FACET_SLACK))
        return SearchResults(total=total, hits=hits, facets={name: facets.get(name, []) for name in FACETS})

    def near(self, token: str, limit: int) -> list[str]:
        query = Query.fuzzy_term_query(self.schema, "text_any", token, distance=2)
        searcher = self._index.searcher()
        result = searcher.search(query, limit=max(1, limit), order_by_field="id", order=Order.Asc)
        texts = []
        for _, address in result.hits[:limit]:
            stored = json.loads(searcher.doc(address).get_first("highlight_text") or b"{}")
            texts += [item["text"] for items in stored.values() for item in items]
        return texts

    def _quality_at_least(self, points: int) -> Query:
        return Query.range_query(self.schema, "quality", FieldType.Integer, points, 10_000)

    def _filters(self, filters: dict[str, list[str]]) -> dict[str, Query]:
        queries = {}
        for name, values in filters.items():
            field = FILTER_FIELDS.get(name, FACET_FIELDS.get(name))
            if field is None:
                raise QueryError(f"unknown facet {name!r}; facets are {', '.join(FACETS)}")
            if isinstance(values, str):
                values = [values]
            accepted = [value for value in dict.fromkeys(values) if isinstance(value, str)]
            if accepted:
                queries[name] = Query.term_set_query(self.schema, field, accepted)
        return queries

    def _facets(
        self,
        searcher: tantivy.Searcher,
        query: Query,
        size: int,
        exclude: set[str] = frozenset(),  # type: ignore[assignment]
        only: set[str] | None = None,
    ) -> dict[str, list[FacetCount]]:
        names = [n for n in FACETS if n not in exclude and (only is None or n in only)]
        if size <= 0 or not names:
            return {}
        request = {
            name: {"terms": {"field": FACET_FIELDS[name], "size": size + FACET_SLACK}} for name in names
        }
        result = searcher.aggregate(query, request)
        facets = {}
        for name in names:
            buckets = [
                (bucket["key"], bucket["doc_count"]) for bucket in result.get(name, {}).get("buckets", [])
            ]
            buckets.sort(key=lambda pair: (-pair[1], pair[0]))
            facets[name] = [FacetCount(str(value), count) for value, count in buckets[:size]]
        return facets

    # -- query text --------------------------------------------------------------

    def _text_query(self, text: str) -> Query | None:
        """The user's words as a query: all must match, each in any text field; None for no words."""
        required, optional = query_parts(text)
        if not required:
            return None
        clauses = [(Occur.Must, self._part(part)) for part in required]
        clauses += [(Occur.Should, self._part(part)) for part in optional]
        if len(clauses) == 1:
            return clauses[0][1]
        return Query.boolean_query(clauses)

    def _part(self, part: Part) -> Query:
        if part.kind == "prefix":
            clause = self._prefix(part.text)
        else:  # the part as written or any of its alternatives (which count less)
            written = self._any_field(part.text)
            others = (self._any_field(text) for text in part.alternatives)
            forms = [written, *(Query.boost_query(q, ALTERNATIVE_BOOST) for q in others if q is not None)]
            clause = _dismax([query for query in forms if query is not None])
        # None: nothing indexable in it (every word longer than any indexed token), so nothing matches
        return clause if clause is not None else Query.empty_query()

    def _field_analyzers(self) -> Iterable[tuple[str, str, float]]:
        for lang, field in TEXT_FIELDS.items():
            yield field, analyzer_name(lang), 1.0
        yield "text_any", FOLDED, 1.0
        yield "title_any", FOLDED, TITLE_BOOST
        yield "labels", FOLDED, 1.0
        yield "concepts", FOLDED, CONCEPTS_BOOST

    def _any_field(self, text: str) -> Query | None:
        """A word or phrase in any text field, analysed the way that field was (dis-max of fields)."""
        subqueries = []
        for field, analyzer, boost in self._field_analyzers():
            tokens = [
                (token.position, token.text) for token in self._analyzers[analyzer].pre_tokenize(text).tokens
            ]
            if not tokens:
                continue
            if len(tokens) == 1:
                query = Query.term_query(self.schema, field, tokens[0][1])
            else:
                first = tokens[0][0]
                query = Query.phrase_query(
                    self.schema, field, [(pos - first, token) for pos, token in tokens]
                )
            subqueries.append(Query.boost_query(query, boost) if boost != 1.0 else query)
        return _dismax(subqueries)

    def _prefix(self, word: str) -> Query | None:
        """``word*``: words starting with it, in the unstemmed fields."""
        tokens = self._analyzers[FOLDED].analyze(word)
        if not tokens or len(tokens[-1]) < MIN_PREFIX:
            return self._any_field(word)
        subqueries = []
        for field, analyzer, boost in self._field_analyzers():
            if analyzer != FOLDED:
                continue
            if len(tokens) == 1:
                query = Query.fuzzy_term_query(self.schema, field, tokens[0], distance=0, prefix=True)
            else:
                words: list[str | tuple[int, str]] = [*tokens]
                query = Query.phrase_prefix_query(self.schema, field, words)
            subqueries.append(Query.boost_query(query, boost) if boost != 1.0 else query)
        return _dismax(subqueries)


def _conjunction(text: Query | None, filters: list[Query]) -> Query:
    clauses = [(Occur.Must, text)] if text is not None else []
    clauses += [(Occur.Must, filter_query) for filter_query in filters]
    return Query.boolean_query(clauses) if clauses else Query.all_query()


def _dismax(subqueries: list[Query]) -> Query | None:
    if not subqueries:
        return None
    if len(subqueries) == 1:
        return subqueries[0]
    return Query.disjunction_max_query(subqueries, tie_breaker=DISMAX_TIE)


def _relevance_page(
    searcher: tantivy.Searcher, query: Query, offset: int, size: int
) -> tuple[int, list[tuple[float, tantivy.Document]]]:
    """One page by score, equal scores ordered by id: (score, stored document) of each hit.

    Reads from the top so a group of equal scores that straddles the page can
    be ordered whole; reads further while the last hit read still ties with
    the page's last, up to MAX_TIE_WINDOW hits past the page.
    """
    limit = offset + size + 1
    ceiling = offset + size + MAX_TIE_WINDOW
    while True:
        result = searcher.search(query, limit=limit, count=True)
        hits = result.hits
        end = min(offset + size, len(hits))
        if size == 0 or end <= offset:
            return _count(result), []
        if len(hits) < limit or hits[-1][0] != hits[end - 1][0] or limit >= ceiling:
            break
        limit = min(limit * 4, ceiling)
    window: list[tuple[float, tantivy.Document]] = []
    window_start: int | None = None
    position = 0
    for score, group in itertools.groupby(hits, key=lambda hit: hit[0]):
        members = list(group)
        start, position = position, position + len(members)
        if position <= offset:
            continue
        if start >= offset + size:
            break
        if window_start is None:
            window_start = start
        stored = sorted((searcher.doc(address) for _, address in members), key=_id)
        window += [(score, document) for document in stored]
    skip = offset - (window_start or 0)
    return _count(result), window[skip : skip + size]


class _Counted(Protocol):
    count: int


def _count(result: tantivy.SearchResult) -> int:
    """How many documents matched (searched with count=True; tantivy's stubs leave the attribute out)."""
    return cast(_Counted, result).count


def _id(stored: tantivy.Document) -> str:
    return stored.get_first("id") or ""


def _hit(score: float, stored: tantivy.Document, marker: Marker | None) -> SearchHit:
    hit = SearchHit(_id(stored), score)
    if marker is not None:
        hit.highlights = marker.highlights(json.loads(stored.get_first("highlight_text") or b"{}"))
    return hit
