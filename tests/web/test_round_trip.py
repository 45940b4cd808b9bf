"""Our own DCAT-AP feed, harvested by a second catalogue, reproduces the datasets."""

from __future__ import annotations

from pathlib import Path

from catalogue.backends import open_backends
from catalogue.config import Settings, Source
from catalogue.demo.nodes import write_demo_nodes
from catalogue.harvest import harvest_source
from catalogue.store import VISIBLE
from catalogue.web import create_app


def datasets(backends) -> dict[str, set]:
    return {
        stored.meta.uri: {str(t) for t in stored.triples}
        for stored in backends.store.iter_records(VISIBLE)
        if stored.meta.kind == "dataset"
    }


def test_two_live_instances_round_trip(tmp_path: Path, live_server) -> None:
    node = write_demo_nodes(tmp_path / "nodes", datasets_per_node=12)[0]  # Belgium: Turtle, nl/fr/en
    source = Source(name=node.name, title=node.title, url=str(node.path), country=node.country)
    first = open_backends(Settings("A", "http://127.0.0.1:1", tmp_path / "a", (source,)))
    harvest_source(source, first)
    server = live_server(create_app(first))

    feed = Source(name="mirror", title="Catalogue A", url=f"{server.url}/catalog.ttl?page_size=1000")
    second = open_backends(Settings("B", "http://127.0.0.1:2", tmp_path / "b", (feed,)))
    run = harvest_source(feed, second).run
    try:
        assert run.outcome == "ok", run.error
        original, mirrored = datasets(first), datasets(second)
        assert len(original) == node.datasets - node.invalid
        assert mirrored.keys() == original.keys()  # rejected ones stay out, IRIs are kept
        for uri, triples in original.items():
            assert mirrored[uri] == triples, uri  # triple for triple
    finally:
        second.close()
        first.close()
