"""Harvest sources on their ``interval`` while ``catalogue serve`` runs.

One background thread looks every few seconds for sources whose last run
(harvest or failed attempt) started longer ago than their interval, and
harvests them one after another. Requests keep being served meanwhile: the
store is written in short transactions and the web reads committed data.
The harvest lock still applies, so a source is never harvested twice at once.
Stopping ends a harvest in progress within about one request's timeout: it
becomes an interrupted run ("the catalogue is shutting down"), nothing half-stored.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

from catalogue.backends import Backends
from catalogue.config import Source
from catalogue.fetch import StopSignal
from catalogue.harvest import harvest_source

log = logging.getLogger("catalogue.schedule")
#: seconds beyond a request's timeout that stop() waits for a harvest to end
STOP_GRACE = 10.0


class Scheduler:
    def __init__(self, backends: Backends, tick_seconds: float = 10.0) -> None:
        self.backends = backends
        self.tick = tick_seconds
        self._stop = StopSignal()
        #: when each source's last scheduled harvest began, in case it could not even record a run
        self._attempts: dict[str, datetime] = {}
        self._thread = threading.Thread(target=self._loop, name="catalogue-scheduler", daemon=True)

    def start(self) -> None:
        if any(s.interval for s in self.backends.settings.sources):
            self._thread.start()

    def stop(self) -> None:
        """Stop, and wait for a harvest in progress to notice (it checks between requests, pieces of
        a body and batches) — at most about one request's timeout, then it is left to die with us."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(self.backends.settings.limits.timeout_seconds + STOP_GRACE)
            if self._thread.is_alive():
                log.warning("a scheduled harvest is still running; not waiting for it any longer")

    def due(self, now: datetime | None = None) -> list[Source]:
        """Sources whose interval has passed since their last run began (or that never ran)."""
        now = now or datetime.now(UTC)
        due = []
        for source in self.backends.settings.sources:
            if source.interval is None:
                continue
            runs = self.backends.store.runs(source.name, limit=1)
            began = [t for t in (runs[0].started if runs else None, self._attempts.get(source.name)) if t]
            if not began or max(began) + source.interval <= now:
                due.append(source)
        return due

    def _loop(self) -> None:
        while not self._stop.is_set():
            for source in self.due():
                if self._stop.is_set():
                    return
                self._attempts[source.name] = datetime.now(UTC)
                try:
                    run = harvest_source(source, self.backends, stop=self._stop).run
                except Exception:  # a bug must not stop the other sources' schedules
                    log.exception("scheduled harvest of %s crashed", source.name)
                    continue
                log.info("scheduled harvest of %s: %s, %d datasets", source.name, run.outcome, run.found)
            self._stop.wait(self.tick)
