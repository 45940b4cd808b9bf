"""Shared by the benchmarks: a catalogue harvested from one generated document."""

from __future__ import annotations

import time
from pathlib import Path

from catalogue.backends import Backends, open_backends
from catalogue.config import Settings, Source
from catalogue.demo.generated import generate_catalog
from catalogue.harvest import harvest_source
from catalogue.store import HarvestRun


def harvested_catalogue(folder: Path, n: int, invalid_every: int = 0) -> tuple[Backends, HarvestRun, float]:
    """Generate n datasets into ``folder``, harvest them; returns the open backends, the run, its seconds."""
    document = folder / "catalog.ttl"
    document.write_bytes(generate_catalog(n, invalid_every=invalid_every))
    source = Source(name="bench", title="Benchmark node", url=str(document))
    backends = open_backends(Settings("bench", "http://127.0.0.1:8000", folder / "data", (source,)))
    started = time.perf_counter()
    run = harvest_source(source, backends).run
    return backends, run, time.perf_counter() - started
