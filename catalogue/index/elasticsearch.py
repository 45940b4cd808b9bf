"""The Elasticsearch backend: a :class:`~catalogue.index.SearchIndex` on an Elasticsearch cluster.

The request bodies come from :mod:`catalogue.index.es_requests` (pure
functions, unit-tested); this module sends them with the official client.

* **Where records live.** Searches and ordinary writes go through the alias
  ``{prefix}-records``, which points at one concrete index
  ``{prefix}-records-{timestamp}`` created from the template
  ``{prefix}-records``. The first open creates that index and the alias.
* **Commit.** Indexes have ``refresh_interval: -1``: nothing written is
  searchable until :meth:`ElasticsearchIndex.commit` refreshes (bulk writes
  with ``streaming_bulk``; deletes by id in the same bulk stream).
* **Rebuild.** :meth:`~ElasticsearchIndex.clear` does not delete anything: it
  creates a new ``{prefix}-records-{timestamp}`` index and sends every
  following write there, while searches keep reading the alias. On
  :meth:`~ElasticsearchIndex.commit` the new index is refreshed and one
  ``_aliases`` request moves the alias onto it and deletes the old index
  (``remove_index``), atomically: searches see the old records or the new
  ones, never a half-built index. :meth:`~ElasticsearchIndex.close` before
  that commit deletes the half-built index and leaves the alias as it was.
* **Deep pages.** A page within ``max_result_window`` (10,000 hits) is one
  ``from``/``size`` request. A page reaching past it (e.g. the feed asking
  for every match at once) is one counting request (total, facets) and then
  ``search_after`` steps of up to 10,000 hits over the same total order
  (every sort ends with ``id``); its cost grows with the depth.
* **Entries.** :meth:`~ElasticsearchIndex.entries` scrolls the alias in
  index order (``helpers.scan``), reading only the fields of an entry.
  :meth:`~ElasticsearchIndex.delete_source` scrolls the source's ids the same
  way and deletes them by id in the bulk stream.
* **Highlights.** A query asking for them reads the page's hits'
  ``highlight_text`` from ``_source`` (a deep page: one more request by id)
  and marks it in Python (:mod:`catalogue.index.highlight`), as the embedded
  backend does.

Unlike the embedded backend, uncommitted writes to the live index cannot be
rolled back: :meth:`close` drops only a half-built rebuild; other writes stay
invisible until the next commit (by any process), when they appear.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Hashable, Iterable, Iterator
from typing import Any

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError, __versionstr__
from elasticsearch.helpers import ScanError, scan, streaming_bulk

from catalogue.config import SearchSettings
from catalogue.index import (
    IndexEntry,
    SearchBackendError,
    SearchDocument,
    SearchHit,
    SearchQuery,
    SearchResults,
)
from catalogue.index import es_requests as req
from catalogue.index.highlight import marker_for

log = logging.getLogger(__name__)

REQUEST_TIMEOUT = 30
BULK_CHUNK = 500
#: documents per scroll page of entries(): an entry is a few short fields
SCAN_SIZE = 5_000
#: how long the cluster keeps a scroll open between two pages
SCAN_KEEP_ALIVE = "5m"
#: bulk errors quoted in the exception, at most
ERRORS_SHOWN = 5


def client_options(settings: SearchSettings) -> dict[str, Any]:
    """Keyword arguments for :class:`elasticsearch.Elasticsearch` from the ``[search]`` settings."""
    options: dict[str, Any] = {
        "hosts": [settings.url],
        "request_timeout": REQUEST_TIMEOUT,
        "retry_on_timeout": True,
        "max_retries": 3,
    }
    if settings.api_key:
        options["api_key"] = settings.api_key
    elif settings.user:
        options["basic_auth"] = (settings.user, settings.password or "")
    if settings.url.lower().startswith("https:"):
        options["verify_certs"] = settings.verify_certs
        if settings.ca_certs is not None:
            options["ca_certs"] = str(settings.ca_certs)
        if not settings.verify_certs:
            options["ssl_show_warn"] = False
    return options


def connect(settings: SearchSettings) -> Elasticsearch:
    """A client for the configured cluster, checked with one request."""
    client = Elasticsearch(**client_options(settings))
    try:
        client.info()
    except Exception as error:
        client.close()
        raise SearchBackendError(
            f"cannot use Elasticsearch at {settings.url}: {error} (client elasticsearch-py {__versionstr__}, "
            "which needs a server of the same major version)"
        ) from error
    return client


class ElasticsearchIndex:
    """A :class:`~catalogue.index.SearchIndex` on ``{prefix}-records`` in an Elasticsearch cluster."""

    def __init__(self, settings: SearchSettings, client: Elasticsearch | None = None) -> None:
        self.settings = settings
        self.prefix = settings.index_prefix
        self.alias = req.alias_name(self.prefix)
        self._own_client = client is None
        self._client = client if client is not None else connect(settings)
        self._lock = threading.Lock()
        #: the index a clear() started; writes go there until commit() switches the alias to it
        self._building: str | None = None
        #: id -> source of the records upserted since the last commit (for delete_source)
        self._pending: dict[str, str] = {}
        #: True when the live index was built from another template (run `catalogue reindex`)
        self.outdated = False
        try:
            self._prepare()
        except ApiError as error:
            self._close_client()
            raise SearchBackendError(
                f"Elasticsearch at {settings.url} refused to set up {self.alias}: {error}"
            ) from error
        except BaseException:
            self._close_client()
            raise

    # -- opening ---------------------------------------------------------------------

    def _prepare(self) -> None:
        indices = self._client.indices
        indices.put_index_template(name=req.template_name(self.prefix), body=req.index_template(self.prefix))
        live = self._aliased()
        if not live:
            if indices.exists(index=self.alias):
                raise SearchBackendError(
                    f"Elasticsearch has an index called {self.alias!r}, where the catalogue needs an alias; "
                    "rename or delete it, or set another [search] index_prefix"
                )
            indices.create(index=req.index_name(self.prefix), aliases={self.alias: {}})
            self.outdated = True  # a new cluster, or one that lost the index: to be filled from the store
            return
        if len(live) > 1:  # two first opens raced; a rebuild moves the alias onto one index again
            log.warning(
                "search alias %s points at %d indexes; run `catalogue reindex`", self.alias, len(live)
            )
        found = indices.get_mapping(index=self.alias).body
        for name, mapping in found.items():
            meta = (mapping.get("mappings") or {}).get("_meta") or {}
            if meta.get("fingerprint") != req.fingerprint():
                self.outdated = True
                log.warning(
                    "search index %s was built with another definition (%s, expected %s); "
                    "it must be rebuilt from the store (as `catalogue reindex` does)",
                    name,
                    meta.get("fingerprint"),
                    req.fingerprint(),
                )

    def _aliased(self) -> list[str]:
        """The concrete indexes the alias points at now."""
        try:
            return sorted(self._client.indices.get_alias(name=self.alias))
        except NotFoundError:
            return []

    # -- writes ----------------------------------------------------------------------

    def _target(self) -> str:
        return self._building or self.alias

    def upsert(self, documents: Iterable[SearchDocument]) -> None:
        with self._lock:
            target = self._target()

            def actions() -> Iterator[dict[str, Any]]:
                for document in documents:
                    self._pending[document.id] = document.source
                    yield req.index_action(target, document)

            self._bulk(actions())

    def delete(self, ids: Iterable[str]) -> None:
        with self._lock:
            target = self._target()

            def actions() -> Iterator[dict[str, Any]]:
                for record_id in ids:
                    self._pending.pop(record_id, None)
                    yield req.delete_action(target, record_id)

            self._bulk(actions())

    def delete_source(self, source: str) -> None:
        with self._lock:
            target = self._target()
            # the scroll sees only what was refreshed; records upserted since are known from _pending
            listed = [hit["_id"] for hit in self._scan(req.source_ids_body(source), target)]
            pending = [record_id for record_id, of in self._pending.items() if of == source]
            for record_id in pending:
                del self._pending[record_id]
            self._bulk(req.delete_action(target, record_id) for record_id in dict.fromkeys(listed + pending))

    def clear(self) -> None:
        with self._lock:
            self._drop_building()
            self._building = req.index_name(self.prefix)
            self._client.indices.create(index=self._building)
            self._pending.clear()

    def commit(self) -> None:
        with self._lock:
            target = self._target()
            self._client.indices.refresh(index=target)
            if self._building is not None:
                actions = req.alias_switch_actions(self.alias, self._building, self._aliased())
                self._client.indices.update_aliases(actions=actions)
                log.info("search alias %s now points at %s", self.alias, self._building)
                self._building = None
                self.outdated = False
            self._pending.clear()

    def close(self) -> None:
        """Delete a rebuild that was never committed and release the connection."""
        with self._lock:
            try:
                self._drop_building()
            finally:
                self._pending.clear()
                self._close_client()

    def __enter__(self) -> ElasticsearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _drop_building(self) -> None:
        building, self._building = self._building, None
        if building is not None:
            with contextlib.suppress(NotFoundError):
                self._client.indices.delete(index=building)

    def _close_client(self) -> None:
        if self._own_client:
            self._client.close()

    def _bulk(self, actions: Iterable[dict[str, Any]]) -> None:
        failures: list[dict[str, Any]] = []
        count = 0
        for ok, item in streaming_bulk(
            self._client,
            actions,
            chunk_size=BULK_CHUNK,
            raise_on_error=False,
            max_retries=3,
        ):
            if ok:
                continue
            operation, result = next(iter(item.items()))
            if operation == "delete" and result.get("status") == 404:
                continue  # deleting what is not there is fine
            count += 1
            if len(failures) < ERRORS_SHOWN:
                failures.append({operation: {key: result.get(key) for key in ("_id", "status", "error")}})
        if count:
            raise SearchBackendError(f"Elasticsearch refused {count} bulk operation(s): {failures}")

    # -- reads -----------------------------------------------------------------------

    def count(self) -> int:
        return int(self._client.count(index=self.alias)["count"])

    def version(self) -> Hashable:
        """The live index's name and how often it was refreshed for searches (one small request).

        Indexes refresh only when :meth:`commit` asks (``refresh_interval: -1``),
        and a rebuild changes the name behind the alias.
        """
        try:
            stats = self._client.indices.stats(index=self.alias, metric="refresh")
        except (ApiError, TransportError) as error:
            raise SearchBackendError(
                f"Elasticsearch at {self.settings.url} did not answer: {error}"
            ) from error
        return tuple(
            sorted(
                (
                    name,
                    index["primaries"]["refresh"].get(
                        "external_total", index["primaries"]["refresh"]["total"]
                    ),
                )
                for name, index in stats.get("indices", {}).items()
            )
        )

    def search(self, query: SearchQuery) -> SearchResults:
        if req.within_window(query):
            return req.parse_results(self._search(req.search_body(query)), query)
        head = req.parse_results(self._search(req.search_body(query, with_hits=False)), query)
        offset, size = req.paging(query)
        head.hits = self._walk(query, offset, min(offset + size, head.total)) if offset < head.total else []
        self._highlight(head.hits, query)
        return head

    def _highlight(self, hits: list[SearchHit], query: SearchQuery) -> None:
        """Highlights for the hits of a deep page, whose texts the walk did not read: one request by id."""
        marker = marker_for(query)
        if marker is None or not hits:
            return
        texts = req.parse_highlight_texts(self._search(req.highlight_texts_body([hit.id for hit in hits])))
        for hit in hits:
            hit.highlights = marker.highlights(texts.get(hit.id, {}))

    def _walk(self, query: SearchQuery, start: int, stop: int) -> list[SearchHit]:
        """Hits ``start`` to ``stop`` of the query's order, read with ``search_after``."""
        hits: list[SearchHit] = []
        after: list[Any] | None = None
        position = 0
        while position < stop:
            step = min(req.MAX_RESULT_WINDOW, stop - position)
            response = self._search(req.after_body(query, after, step))
            page = response["hits"]["hits"]
            if not page:
                break
            found = req.parse_hits(response)
            hits += found[max(0, start - position) :]
            position += len(page)
            after = page[-1]["sort"]
            if len(page) < step:
                break
        return hits

    def near(self, token: str, limit: int) -> list[str]:
        return req.parse_near(self._search(req.near_body(token, limit)))

    def entries(self) -> Iterator[IndexEntry]:
        for hit in self._scan(req.entries_body(), self.alias):
            yield req.parse_entry(hit)

    def _scan(self, body: dict[str, Any], index: str) -> Iterator[dict[str, Any]]:
        """Every hit of ``body`` in ``index``, scrolled in pages of :data:`SCAN_SIZE`."""
        try:
            yield from scan(
                self._client,
                query=body,
                index=index,
                size=SCAN_SIZE,
                scroll=SCAN_KEEP_ALIVE,
                preserve_order=False,
            )
        except (ApiError, TransportError, ScanError) as error:
            raise SearchBackendError(
                f"Elasticsearch could not list the documents of {index}: {error}"
            ) from error

    def _search(self, body: dict[str, Any]) -> dict[str, Any]:
        """One search request through the alias; the answer as plain JSON."""
        return self._client.search(index=self.alias, body=body).body
