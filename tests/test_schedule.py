"""Scheduled harvests while the server runs."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx

from catalogue.config import Source
from catalogue.schedule import Scheduler
from catalogue.web import create_app

DOC = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
<https://node.example/a> a dcat:Dataset ; dct:title "Scheduled"@en ; dct:description "Harvested by itself."@en .
"""


def test_due_sources_are_those_whose_interval_has_passed(tmp_path, open_catalogue) -> None:
    (tmp_path / "be.ttl").write_text(DOC)
    hourly = Source(name="be", title="BE", url=str(tmp_path / "be.ttl"), interval=timedelta(hours=1))
    manual = Source(name="nl", title="NL", url=str(tmp_path / "be.ttl"))
    backends = open_catalogue(hourly, manual)
    scheduler = Scheduler(backends)
    assert [s.name for s in scheduler.due()] == ["be"]  # never harvested
    from catalogue.harvest import harvest_source

    harvest_source(hourly, backends)
    assert scheduler.due() == []
    assert [s.name for s in scheduler.due(datetime.now(UTC) + timedelta(hours=2))] == ["be"]


def test_serve_harvests_in_the_background_and_keeps_answering(tmp_path, open_catalogue, live_server) -> None:
    (tmp_path / "be.ttl").write_text(DOC)
    source = Source(name="be", title="BE", url=str(tmp_path / "be.ttl"), interval=timedelta(seconds=1))
    backends = open_catalogue(source)
    server = live_server(create_app(backends, schedule=True))
    deadline = time.monotonic() + 30
    with httpx.Client(base_url=server.url, timeout=5) as client:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            assert client.get("/api/sources").status_code == 200
            assert time.perf_counter() - started < 2
            if client.get("/api/search", params={"q": "scheduled"}).json()["total"] == 1:
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the scheduled harvest did not happen")
    assert backends.store.runs("be")[0].outcome == "ok"


def test_a_source_whose_harvest_crashes_waits_its_interval(tmp_path, open_catalogue) -> None:
    # a kind no walker knows makes the harvest raise; it must be a failed run, not a retry every tick
    # (the model refuses such a kind, so the source is built unchecked)
    source = Source.model_construct(
        name="be", title="BE", url=str(tmp_path / "be.ttl"), kind="bogus", interval=timedelta(hours=1)
    )
    backends = open_catalogue(source)
    scheduler = Scheduler(backends, tick_seconds=0.05)
    scheduler.start()
    time.sleep(1.0)
    scheduler.stop()
    runs = backends.store.runs("be")
    assert [r.outcome for r in runs] == ["failed"]
    assert "'be'" in runs[0].error and "bogus" in runs[0].error
    assert scheduler.due() == []


def test_stopping_does_not_wait_for_a_trickling_harvest(feed_server, open_catalogue) -> None:
    feed_server.trickles["/slow.ttl"] = 0.1
    source = Source(name="be", title="BE", url=f"{feed_server.url}/slow.ttl", interval=timedelta(hours=1))
    backends = open_catalogue(source)
    scheduler = Scheduler(backends, tick_seconds=0.05)
    scheduler.start()
    time.sleep(1.0)  # the harvest is reading by now
    started = time.monotonic()
    scheduler.stop()
    assert time.monotonic() - started < 2
    (run,) = backends.store.runs("be")
    assert run.outcome == "interrupted" and "shutting down" in run.error  # not the source's failure
