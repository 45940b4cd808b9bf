"""Endpoints for the people and machines that run the catalogue: liveness, readiness, metrics.

* ``/healthz``: the process answers (a load balancer restarts it when not);
* ``/readyz``: search and SPARQL both answer a trivial question within a
  second or two, so traffic goes elsewhere while a backend is down or the
  SPARQL view is being built;
* ``/metrics``: Prometheus text — request latency per route, harvest runs by
  outcome, records by status, the size of the store and the index on disk.
  With several worker processes (``serve --workers N``) each process writes
  its request timings to files in ``data_dir/metrics`` (prometheus-client's
  multiprocess mode) and the writing process, which answers ``/metrics``,
  adds them up: every worker's requests are counted.

All are anonymous and cheap: the readiness checks ask for one hit and an
``ASK {}``; the catalogue figures are counted in SQL once per store
generation (they change only when a harvest or push commits), and the disk
sizes, a walk of the data folders, at most every :data:`DISK_SECONDS`.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest, values
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from catalogue.backends import Backends
from catalogue.index import SearchQuery

router = APIRouter(tags=["operations"])

#: seconds each readiness check may take before the backend counts as not ready
READY_TIMEOUT = 2.0
#: seconds the disk sizes are reused: walking the folders on every scrape costs with their files
DISK_SECONDS = 10.0
#: prometheus-client's switch to its multiprocess mode: the folder where each process writes its samples
SHARED_ENV = "PROMETHEUS_MULTIPROC_DIR"


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness: search and SPARQL answer",
    responses={503: {"description": "search or SPARQL does not answer; `checks` says which"}},
)
async def readyz(request: Request) -> JSONResponse:
    backends: Backends = request.app.state.backends
    sparql = request.app.state.sparql
    checks = {
        "search": await _check(lambda: backends.index.search(SearchQuery(size=1))),
        "sparql": await _check(lambda: sparql.execute("ASK {}", deadline=time.monotonic() + READY_TIMEOUT)),
    }
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "unavailable", "checks": checks}, status_code=200 if ready else 503
    )


async def _check(probe: Callable[[], object]) -> str:
    try:
        await asyncio.wait_for(asyncio.to_thread(probe), READY_TIMEOUT + 0.5)
    except TimeoutError:
        return f"no answer within {READY_TIMEOUT:g} s"
    except Exception as error:  # any failure means "not ready"; say which
        return f"{type(error).__name__}: {error}"
    return "ok"


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics(request: Request) -> Response:
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)


def share_between_processes(folder: Path) -> None:
    """From now on, this process and those it starts count requests together in ``folder``.

    Called by ``serve`` before its readers start (they inherit the
    environment). The folder is emptied first: the files of an earlier run
    would be counted again. prometheus-client picks its value class when it is
    imported, which may have happened already, so it is picked again.
    """
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    os.environ[SHARED_ENV] = str(folder)
    values.ValueClass = values.get_value_class()


def process_ended(pid: int) -> None:
    """Tell prometheus-client that a worker process is gone (its samples stay counted)."""
    if SHARED_ENV in os.environ:
        mark_process_dead(pid)


class Metrics:
    """The app's Prometheus registry: request latency, and the catalogue's own figures read at scrape time.

    Shared between processes (:func:`share_between_processes`), the latency
    histogram only writes this process's files, and the registry reads
    everyone's.
    """

    def __init__(self, backends: Backends) -> None:
        self.registry = CollectorRegistry()
        shared = os.environ.get(SHARED_ENV)
        if shared:
            MultiProcessCollector(self.registry, path=shared)
        self.latency = Histogram(
            "catalogue_request_seconds",
            "Time to answer an HTTP request, by route template, method and status class.",
            ["route", "method", "status"],
            registry=None if shared else self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )
        self.registry.register(CatalogueCollector(backends))


class CatalogueCollector(Collector):
    """Harvest runs by outcome, records by source and status, disk used: recomputed once per generation."""

    def __init__(self, backends: Backends) -> None:
        self.backends = backends
        self._cached: tuple[int, list[GaugeMetricFamily]] | None = None
        self._disk: tuple[float, GaugeMetricFamily] | None = None
        self._lock = threading.Lock()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        generation = self.backends.store.generation()
        with self._lock:  # concurrent scrapes of a new generation count once
            if self._cached is None or self._cached[0] != generation:
                self._cached = (generation, self._families())
            if self._disk is None or time.monotonic() - self._disk[0] > DISK_SECONDS:
                self._disk = (time.monotonic(), _disk_gauge(self.backends))
            families = [*self._cached[1], self._disk[1]]
        yield from families

    def _families(self) -> list[GaugeMetricFamily]:
        store = self.backends.store
        records = GaugeMetricFamily(
            "catalogue_records",
            "Records in the registry, by source, kind (dataset, catalog…) and status.",
            labels=["source", "kind", "status"],
        )
        for labels, count in sorted(store.record_counts().items()):
            records.add_metric(list(labels), count)
        runs = GaugeMetricFamily(
            "catalogue_harvest_runs", "Harvest and push runs in the history, by source and outcome.",
            labels=["source", "outcome"],
        )  # fmt: skip
        for (source, failed), count in sorted(store.run_counts().items()):
            runs.add_metric([source, "failed" if failed else "complete"], count)
        return [records, runs]


def _disk_gauge(backends: Backends) -> GaugeMetricFamily:
    disk = GaugeMetricFamily("catalogue_disk_bytes", "Bytes on disk, by part.", labels=["part"])
    settings = backends.settings
    disk.add_metric(["store"], _size(settings.store_dir))
    if settings.search.backend == "embedded":
        disk.add_metric(["index"], _size(settings.index_dir))
    return disk


def _size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) if folder.is_dir() else 0


class LatencyMiddleware:
    """Times every request into :attr:`Metrics.latency`, labelled by the route that answered it.

    The label is the route's template (``/datasets/{record_id}``), never the
    raw path, so anonymous visitors cannot grow the number of series.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), [500]

        async def record_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            self.metrics.latency.labels(template, scope["method"], f"{status[0] // 100}xx").observe(
                time.perf_counter() - started
            )
