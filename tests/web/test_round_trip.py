"""Our own DCAT-AP feed, harvested by a second catalogue, reproduces the datasets."""

from __future__ import annotations

from pathlib import Path

from catalogue.backends import open_backends
from catalogue.config import Settings, Source
from catalogue.demo.nodes import write_demo_nodes
from catalogue.harvest import harvest_source
from catalogue.store import VISIBLE
from catalogue.web import create_app

BASE_A = "http://127.0.0.1:1"
LISTED = "<http://www.w3.org/ns/dcat#dataset>"


def datasets(backends) -> dict[str, set]:
    """Each dataset's triples; a record also carries the links to it of the catalogue that listed
    it (catalogue.records.iter_records), which is not the same catalogue for the mirror."""
    return {
        stored.meta.uri: {str(t) for t in stored.triples}
        for stored in backends.store.iter_records(VISIBLE)
        if stored.meta.kind == "dataset"
    }


def description(triples: set[str]) -> set[str]:
    return {t for t in triples if f" {LISTED} " not in t}


def test_two_live_instances_round_trip(tmp_path: Path, live_server) -> None:
    node = write_demo_nodes(tmp_path / "nodes", datasets_per_node=12)[0]  # Belgium: Turtle, nl/fr/en
    source = Source(name=node.name, title=node.title, url=str(node.path), country=node.country)
    first = open_backends(Settings("A", BASE_A, tmp_path / "a", (source,)))
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
            assert description(mirrored[uri]) == description(triples), uri  # triple for triple
            assert f"<{BASE_A}/sources/{node.name}> {LISTED} <{uri}>" in mirrored[uri], "listed by A's node"
    finally:
        second.close()
        first.close()
