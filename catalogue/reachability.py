"""Do the access and download URLs answer? Checked in the background, politely, never during a harvest.

The quality score's accessibility points depend on it (see catalogue/quality.py).
A background thread in ``catalogue serve`` takes a batch of URLs that were
never checked or not for a week, asks each with HEAD (GET when a server does
not do HEAD), at most one request per host every few seconds, and records
the answer; the scores of the datasets using those URLs are then computed
again — in the store, its DQV measurements and the search index.

URLs come from harvested metadata, so they are treated like user input: only
public addresses are asked, through catalogue/public_fetch.py (the host is
resolved once, checked, and connected to at that address; each redirect is
checked again), and a URL pointing elsewhere is recorded as failed with the
reason.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin, urlparse

import httpx

from catalogue import __version__
from catalogue.backends import Backends
from catalogue.fetch import InputError
from catalogue.index.documents import search_document
from catalogue.public_fetch import PUBLIC_ONLY, AddressPolicy, public_client, send_checked
from catalogue.quality import QualityScore, score, urls_to_check
from catalogue.store import QUALITY_MARK, VISIBLE
from catalogue.views.dcat_ap_3 import dataset_view

log = logging.getLogger("catalogue.reachability")
USER_AGENT = f"catalogue/{__version__} (DCAT-AP link checker)"
REDIRECTS = (301, 302, 303, 307, 308)


@dataclass(frozen=True)
class Answer:
    ok: bool
    status: int | None = None
    error: str | None = None


class UrlChecker:
    def __init__(
        self,
        backends: Backends,
        per_host_seconds: float = 2.0,
        recheck_after: timedelta = timedelta(days=7),
        batch: int = 50,
        tick_seconds: float = 30.0,
        timeout_seconds: float = 10.0,
        policy: AddressPolicy = PUBLIC_ONLY,
    ) -> None:
        self.backends = backends
        self.per_host, self.recheck_after, self.batch = per_host_seconds, recheck_after, batch
        self.tick, self.timeout, self.policy = tick_seconds, timeout_seconds, policy
        self._last_asked: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="catalogue-url-checker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def check_due(self) -> int:
        """One round: check a batch of due URLs, then rescore the datasets using them. Returns how many."""
        store = self.backends.store
        urls = store.urls_due(self.batch, datetime.now(UTC) - self.recheck_after)
        if not urls:
            return 0
        with public_client({"User-Agent": USER_AGENT}) as client:
            for url in _interleaved_by_host(urls):
                if self._stop.is_set():
                    break
                self._wait_for(urlparse(url).hostname or "")
                answer = self.probe(client, url)
                store.record_url_check(url, answer.ok, answer.status, answer.error)
        rescore(self.backends, store.records_using(urls))
        return len(urls)

    def probe(self, client: httpx.Client, url: str) -> Answer:
        """HEAD (or GET, for servers without HEAD), following redirects, each to a checked public address."""
        try:
            for _ in range(self.backends.settings.limits.max_redirects + 1):
                status, location = self._ask(client, "HEAD", url)
                if status in (405, 501):
                    status, location = self._ask(client, "GET", url)
                if status in REDIRECTS and location:
                    url = urljoin(url, location)
                    continue
                return Answer(status < 400, status)
            return Answer(False, None, "too many redirects")
        except InputError as error:
            return Answer(False, None, error.message)
        except httpx.HTTPError as error:
            return Answer(False, None, f"{type(error).__name__}: {error}")

    def _ask(self, client: httpx.Client, method: str, url: str) -> tuple[int, str | None]:
        if urlparse(url).scheme not in ("http", "https"):
            raise InputError(url, "not checked: only http(s) URLs are")
        response = send_checked(client, method, url, self.policy, timeout=self.timeout)
        try:  # the body is never read: the status says enough
            return response.status_code, response.headers.get("location")
        finally:
            response.close()

    def _wait_for(self, host: str) -> None:
        """At most one request per host every ``per_host`` seconds."""
        last = self._last_asked.get(host)
        if last is not None:
            delay = last + self.per_host - time.monotonic()
            if delay > 0:
                self._stop.wait(delay)
        self._last_asked[host] = time.monotonic()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                checked = self.check_due()
            except Exception:  # a bug must not end the checking for good
                log.exception("URL checks failed")
                checked = 0
            if not checked:
                self._stop.wait(self.tick)


def _interleaved_by_host(urls: list[str]) -> list[str]:
    """Round-robin over hosts, so one slow host does not hold up the others' turn."""
    by_host: dict[str, list[str]] = {}
    for url in urls:
        by_host.setdefault(urlparse(url).hostname or "", []).append(url)
    ordered: list[str] = []
    while by_host:
        for host in list(by_host):
            ordered.append(by_host[host].pop(0))
            if not by_host[host]:
                del by_host[host]
    return ordered


def rescore(backends: Backends, ids: Iterable[str]) -> int:
    """Compute the scores of these datasets again (URL answers changed); store and index them."""
    store, index = backends.store, backends.index
    scores: dict[str, QualityScore] = {}
    documents = []
    for meta, triples in store.triples_of(list(ids)):
        if meta.kind != "dataset" or meta.status not in VISIBLE:
            continue
        view = dataset_view(triples, meta.uri)
        new = score(view, meta.violations == 0, store.url_states(urls_to_check(view)))
        if new.total == meta.quality and store.quality(meta.id) == new:
            continue
        scores[meta.id] = new
        documents.append(search_document(replace(meta, quality=new.total), triples, backends.vocabularies))
    if scores:
        store.set_quality(scores)
        index.upsert(documents)
        index.commit()
        store.mark_indexed(QUALITY_MARK)  # set by set_quality: the index has the scores now
    return len(scores)
