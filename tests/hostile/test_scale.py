"""Anonymous traffic that costs with the catalogue's size: /metrics scraped hard, feed pages far in.

Real catalogues, harvested for real, served by uvicorn on 127.0.0.1. The
registry's per-record reads are made to fail: anything an anonymous request
can trigger repeatedly must be counted or paged by SQL, not read whole.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pyoxigraph as ox
import pytest
from prometheus_client.parser import text_string_to_metric_families

from catalogue.demo.generated import generate_catalog
from catalogue.harvest import harvest_source
from catalogue.web import create_app

DATASETS = 600
HYDRA = "http://www.w3.org/ns/hydra/core#"


@pytest.fixture
def big(harvested, monkeypatch: pytest.MonkeyPatch):
    backends, source, node = harvested(generate_catalog(DATASETS, invalid_every=7).decode())

    def read_everything(*args: object, **kwargs: object) -> None:
        raise AssertionError("an anonymous request read every record's metadata")

    unbounded = backends.store.metas
    monkeypatch.setattr(
        backends.store,
        "metas",
        lambda *args, **kwargs: (
            unbounded(*args, **kwargs) if kwargs.get("kind") == "catalog" else read_everything()
        ),
    )
    return backends, source, node


def records(text: str) -> dict[str, float]:
    return {
        sample.labels["status"]: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "catalogue_records" and sample.labels["kind"] == "dataset"
    }


def test_many_metrics_scrapes_stay_cheap_and_follow_each_harvest(big, live_server) -> None:
    backends, source, node = big
    server = live_server(create_app(backends))
    latencies: list[float] = []
    client = httpx.Client(base_url=server.url, timeout=30)

    def scrape(_: int) -> int:
        started = time.perf_counter()
        status = client.get("/metrics").status_code
        latencies.append(time.perf_counter() - started)
        return status

    with client, ThreadPoolExecutor(8) as pool:
        assert set(pool.map(scrape, range(400))) == {200}
    latencies.sort()
    assert latencies[int(len(latencies) * 0.95)] < 0.5, latencies[-10:]
    before = records(httpx.get(server.url + "/metrics").text)
    assert before == {"published": DATASETS - DATASETS // 7, "rejected": DATASETS // 7}

    node.write_bytes(generate_catalog(DATASETS + 10, invalid_every=7))
    harvest_source(source, backends)
    after = records(httpx.get(server.url + "/metrics").text)
    assert sum(after.values()) == DATASETS + 10  # a new generation is counted again


def listed(response: httpx.Response) -> tuple[int, int]:
    """(hydra:totalItems, datasets listed) of a feed page."""
    graph = list(ox.parse(response.content, format=ox.RdfFormat.TURTLE))
    total = next(int(t.object.value) for t in graph if t.predicate.value == HYDRA + "totalItems")
    # each dataset is listed by our catalogue and by its node's sub-catalogue
    return total, len({t.object for t in graph if t.predicate.value == "http://www.w3.org/ns/dcat#dataset"})


def test_feed_pages_far_in_are_paged_by_the_registry(big, live_server) -> None:
    backends, _, _ = big
    server = live_server(create_app(backends))
    visible = DATASETS - DATASETS // 7
    turtle = {"Accept": "text/turtle"}
    with httpx.Client(base_url=server.url, timeout=30) as client:
        first = client.get("/catalog", params={"page_size": 100}, headers=turtle)
        last = client.get("/catalog", params={"page": 6, "page_size": 100}, headers=turtle)
        searched = client.get("/catalog", params={"q": "genome", "page_size": 10}, headers=turtle)
        since = client.get("/catalog", params={"modified_since": "2999-01-01"}, headers=turtle)
    assert listed(first) == (visible, 100)
    assert listed(last) == (visible, visible - 500)
    total, shown = listed(searched)
    assert 0 < total <= visible and shown == min(total, 10)
    assert listed(since) == (0, 0)


def looping_feed(feed_server, pages: int, per_page: int) -> str:
    """A node whose every page repeats the same datasets (a loop in its paging, or a careless export)."""
    base = "https://loop.example.org/"
    for number in range(1, pages + 1):
        view = f"{feed_server.url}/page-{number}.ttl"
        paging = f"\n<{base}catalog> <{HYDRA}view> <{view}> .\n<{view}> a <{HYDRA}PartialCollectionView> .\n"
        if number < pages:
            paging += f"<{view}> <{HYDRA}next> <{feed_server.url}/page-{number + 1}.ttl> .\n"
        body = generate_catalog(per_page, base=base, invalid_every=5) + paging.encode()
        (feed_server.root / f"page-{number}.ttl").write_bytes(body)
    return f"{feed_server.url}/page-1.ttl"


def test_a_harvest_never_holds_the_whole_source_in_memory(
    feed_server, open_catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The records before, those met and the catalogue's lines live in the harvest's ledger on disk: the
    store's all-at-once ``record_states`` is never asked, and a dataset repeated on every page counts once."""
    from catalogue.config import Source

    source = Source(name="loop", title="Looping node", url=looping_feed(feed_server, pages=4, per_page=40))
    backends = open_catalogue(source)

    def everything(*args: object) -> None:
        raise AssertionError("a harvest read every record's state into memory")

    monkeypatch.setattr(backends.store, "record_states", everything)
    first = harvest_source(source, backends).run
    assert (first.outcome, first.error) == ("ok", None)
    assert (first.pages, first.found, first.new, first.rejected) == (4, 40, 40, 8)
    assert len(first.rejected_ids) == 8
    again = harvest_source(source, backends).run
    assert (again.outcome, again.found, again.unchanged, again.new, again.withdrawn) == ("ok", 40, 40, 0, 0)
    assert (again.published, again.rejected) == (32, 8)


def test_a_node_whose_every_dataset_is_invalid_is_not_kept_in_memory_to_be_shown(tmp_path) -> None:
    """The command line shows the first rejected records with their violations and counts the rest:
    the harvest keeps only those few with their reports, never every refused record."""
    from typer.testing import CliRunner

    from catalogue.cli import app
    from catalogue.harvest.results import REJECTED_SHOWN

    count = REJECTED_SHOWN + 12
    (tmp_path / "be.ttl").write_bytes(generate_catalog(count, base="https://bad.example/", invalid_every=1))
    config = tmp_path / "catalogue.toml"
    config.write_text(
        '[catalogue]\ntitle = "T"\ndata_dir = "./data"\n\n[[sources]]\nname = "be"\nurl = "be.ttl"\n'
    )
    result = CliRunner().invoke(app, ["--config", str(config), "harvest"], terminal_width=300)
    assert result.exit_code == 0, result.output
    assert result.output.count("rejected be: ") == REJECTED_SHOWN
    assert "… and 12 more rejected records of be: see its page, /sources/be" in result.output


def test_a_flood_of_distinct_searches_keeps_the_kept_answers_bounded(site) -> None:
    """Every distinct search an anonymous client invents is a new entry: the cache drops the least
    recently used by count and by estimated size, so it never holds more than its bounds."""
    from catalogue.search_cache import SearchCache

    client = site(generate_catalog(30).decode())
    cache = client.app.state.search_cache = SearchCache(max_entries=20, max_bytes=2 * 1024 * 1024)
    for n in range(60):  # new words, the largest pages, long texts: each its own key
        answer = client.get("/api/search", params={"q": f"genome {n} " + "x" * 480, "size": "100"})
        assert answer.status_code == 200
        assert client.get("/datasets", params={"q": f"cohort {n}", "page": str(n + 1)}).status_code == 200
        assert len(cache) <= 20 and cache._bytes <= 2 * 1024 * 1024
    assert cache.misses >= 120
    popular = client.get("/api/search", params={"q": "genome"}).json()
    assert client.get("/api/search", params={"q": "genome"}).json() == popular and cache.hits >= 1
