"""Search pages kept for the searches people repeat, until the catalogue changes.

Most searches on a public portal are a few popular ones (a disease, "genome",
the home page's counts), and each costs tens of milliseconds over 100,000
records: every match is scored and every facet counted. A page found for a
query and a language is kept and given again while what it was built from
stays the same: the store's generation (a harvest or a push committed) and the
index's version (anything committed to it, link checks' quality scores too).

The state is read *before* the search it keys: a commit during the search
leaves the page filed under the older state, which the next request no longer
asks for. So a kept page is never older than the state it is filed under.

Bounded by count and by an estimate of size; least recently used go first.
Each process of ``serve --workers`` keeps its own.
"""

from __future__ import annotations

import json
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import asdict
from typing import TypeVar

from catalogue.index import SearchQuery

T = TypeVar("T")

#: pages kept per process
MAX_ENTRIES = 1_000
#: about what they may take, counted as the size of their query's key plus a fixed estimate per result
MAX_BYTES = 64 * 1024 * 1024
#: a page's estimated size: a result with its highlights, facts and labels, and the facets' values
RESULT_BYTES = 6 * 1024
FACETS_BYTES = 16 * 1024


def query_key(query: SearchQuery, lang: str) -> str:
    """The same text for the same search in the same language, whatever order its filters came in."""
    return json.dumps([asdict(query), lang], sort_keys=True, default=str, ensure_ascii=False)


class SearchCache:
    """Pages by (query key, state), least recently used dropped first."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, tuple[Hashable, object, int]] = OrderedDict()
        self._bytes = 0
        self.hits = self.misses = 0

    def get(self, key: str, state: Hashable, size: int, compute: Callable[[], T]) -> T:
        """The value kept for ``key`` in ``state``, else ``compute()`` kept (``size``: its results).

        Computed outside the lock: different searches run side by side, and two
        requests for the same new search may both compute it (the second kept).
        """
        with self._lock:
            found = self._entries.get(key)
            if found is not None and found[0] == state:
                self._entries.move_to_end(key)
                self.hits += 1
                return found[1]  # type: ignore[return-value]
            self.misses += 1
        value = compute()
        self._put(key, state, value, sys.getsizeof(key) + FACETS_BYTES + size * RESULT_BYTES)
        return value

    def _put(self, key: str, state: Hashable, value: object, cost: int) -> None:
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[2]
            self._entries[key] = (state, value, cost)
            self._bytes += cost
            while self._entries and (len(self._entries) > self.max_entries or self._bytes > self.max_bytes):
                _, (_, _, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped

    def __len__(self) -> int:
        return len(self._entries)
