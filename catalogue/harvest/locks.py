"""One harvest or push per source at a time, within this process."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from catalogue.config import Source
from catalogue.harvest.errors import SourceBusy

_running: dict[str, threading.Lock] = {}
_running_guard = threading.Lock()


@contextmanager
def source_lock(source: Source) -> Iterator[None]:
    """Held while a source is harvested or pushed to: two never change one source at once."""
    with _running_guard:
        lock = _running.setdefault(source.name, threading.Lock())
    if not lock.acquire(blocking=False):
        raise SourceBusy(source.url, f"source {source.name!r}: a harvest of this source is already running")
    try:
        yield
    finally:
        lock.release()
