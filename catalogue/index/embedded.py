"""The embedded search backend: a tantivy index in a directory beside the store.

Its fields are in :mod:`catalogue.index.embedded_schema`, its queries in
:mod:`catalogue.index.embedded_queries` (query text is never handed to
tantivy's query parser) and the reading of answers in
:mod:`catalogue.index.embedded_results` (relevance ties ordered by id); this
module opens, writes and searches the index.

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

import json
import logging
import os
import re
import shutil
import threading
from collections.abc import Hashable, Iterable, Iterator
from pathlib import Path

import tantivy
from tantivy import Order, Query

from catalogue.index import FACETS, IndexEntry, SearchDocument, SearchQuery, SearchResults
from catalogue.index.analysis import analyzers
from catalogue.index.embedded_discovery import range_query
from catalogue.index.embedded_queries import Queries, conjunction
from catalogue.index.embedded_results import count, facet_counts, hit, relevance_page
from catalogue.index.embedded_schema import SCHEMA_VERSION, document, fields, fingerprint, schema
from catalogue.index.highlight import marker_for

log = logging.getLogger(__name__)

MARKER = "catalogue-index.json"
#: the number of operations committed, the last value in tantivy's ``meta.json``
OPSTAMP = re.compile(rb'"opstamp":\s*(\d+)')

WRITER_HEAP = 128_000_000
#: indexing threads: two, unless that would take every core from the searches
WRITER_THREADS = max(1, min(2, (os.cpu_count() or 2) // 2))


class EmbeddedIndex:
    """A :class:`~catalogue.index.SearchIndex` on a tantivy index directory."""

    def __init__(self, path: Path, read_only: bool = False) -> None:
        self.path = Path(path)
        #: a reader beside the process that writes (``catalogue serve --workers``): it never writes nor
        #: replaces the index, and reloads when the writer has committed (see _searcher)
        self.read_only = read_only
        self._seen: tuple[int, int] | None = None
        #: commits this process made visible (a writer's version; a reader's is ``_seen``)
        self._commits = 0
        defined = fields()
        self.fingerprint = fingerprint(defined)
        self.schema = schema(defined)
        self._analyzers = analyzers()
        self._queries = Queries(self.schema, self._analyzers)
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
            for each in documents:
                writer.delete_documents_by_term("id", each.id)
                writer.add_document(document(each))

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
        self._commits += 1  # after the reload: a search reading this number sees the commit

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

    # -- reads -------------------------------------------------------------------

    def _searcher(self) -> tantivy.Searcher:
        """The searcher; a read-only index first reloads when another process committed since.

        Every read checks ``meta.json``, which each commit rewrites: its opstamp
        (file times are too coarse to tell two quick commits apart) and its
        time (merges rewrite it too). Reading it costs some microseconds.
        """
        if self.read_only:
            changed = self._committed()
            if changed != self._seen:
                self._index.reload()
                self._seen = changed
        return self._index.searcher()

    def _committed(self) -> tuple[int, int] | None:
        """(opstamp, modification time) of the last commit, from ``meta.json``."""
        try:
            meta = self.path / "meta.json"
            data, modified = meta.read_bytes(), meta.stat().st_mtime_ns
        except OSError:
            return None
        stamp = OPSTAMP.search(data)
        return (int(stamp.group(1)) if stamp else -1), modified

    def count(self) -> int:
        return self._searcher().num_docs

    def version(self) -> Hashable:
        if self.read_only:
            self._searcher()  # reloads first if the writer committed: the version is what it loaded
            return self._seen
        return self._commits

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
        text = self._queries.text(query.text)
        filters = self._queries.filters(query.filters)
        narrowing = [range_query(self.schema, r) for r in query.ranges]  # not facets: they narrow every count
        if query.quality_min is not None:
            narrowing.append(self._queries.quality_at_least(query.quality_min))
        if query.ids is not None:  # the where= restriction
            narrowing.append(Query.term_set_query(self.schema, "id", query.ids))
        base = conjunction(text, narrowing) if narrowing else text
        tantivy_query = conjunction(base, list(filters.values()))

        searcher = self._searcher()
        size = max(0, query.size)
        offset = (max(1, query.page) - 1) * size
        if query.sort == "relevance" and text is not None:
            total, page = relevance_page(searcher, tantivy_query, offset, size)
        else:
            field, order = {
                "modified": ("modified", Order.Desc),
                "title": ("sort_title", Order.Asc),
                "quality": ("quality", Order.Desc),
            }.get(query.sort, ("id", Order.Asc))  # relevance without text: every score ties
            result = searcher.search(
                tantivy_query, limit=max(1, size), offset=offset, order_by_field=field, order=order
            )
            total = count(result)
            page = [(0.0, searcher.doc(address)) for _, address in result.hits[:size]]
        marker = marker_for(query)
        hits = [hit(score, stored, marker) for score, stored in page]
        facets = (
            facet_counts(searcher, tantivy_query, query.facet_size, exclude=set(filters)) if total else {}
        )
        # A filtered facet is counted without its own filter, so the other values
        # of that facet stay visible (values within one facet are OR-ed).
        for name in filters:
            others = conjunction(base, [q for other, q in filters.items() if other != name])
            facets.update(facet_counts(searcher, others, query.facet_size, only={name}))
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
