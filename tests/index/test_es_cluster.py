"""Elasticsearch distributed for real: three nodes, the index with one replica, and one node stopped.

The cluster is this test's own (started by tests/es/launcher.py, never
``$CATALOGUE_TEST_ES_URL``): a node of it is stopped on purpose.
"""

from __future__ import annotations

import httpx

from catalogue.config import SearchSettings
from catalogue.index import SearchDocument, SearchQuery
from catalogue.index import es_requests as req
from catalogue.index.elasticsearch import ElasticsearchIndex

PREFIX = "catalogue-cluster"


def documents(first: int, count: int) -> list[SearchDocument]:
    return [
        SearchDocument(
            id=f"r{number:04d}",
            uri=f"https://example.org/r{number}",
            source="alpha" if number % 2 else "beta",
            title={"en": [f"Genome cohort {number}"]},
            facets={"theme": ["HEAL"]},
        )
        for number in range(first, first + count)
    ]


def shards(url: str) -> list[dict]:
    """Where the copies of the catalogue's index are: one dict per shard copy."""
    answer = httpx.get(f"{url}/_cat/shards/{req.alias_name(PREFIX)}", params={"format": "json"}, timeout=30)
    answer.raise_for_status()
    return answer.json()


def test_search_and_indexing_go_on_when_the_node_with_the_primary_stops(es_cluster) -> None:
    cluster = es_cluster(3)
    first = ElasticsearchIndex(SearchSettings(backend="elasticsearch", url=cluster.url, index_prefix=PREFIX))
    try:
        first.upsert(documents(0, 300))
        first.commit()
    finally:
        first.close()
    cluster.wait(3, status="green")  # the replica is allocated and in sync
    copies = shards(cluster.url)
    assert sorted(copy["prirep"] for copy in copies) == ["p", "r"]  # one shard, one replica
    assert len({copy["node"] for copy in copies}) == 2  # on two different nodes
    (primary,) = [copy["node"] for copy in copies if copy["prirep"] == "p"]

    stopped = next(node for node in cluster.nodes if node.name == primary)
    stopped.stop()
    through = next(node for node in cluster.nodes if node is not stopped)
    cluster.wait(2, url=through.url)  # the replica is promoted; yellow: nowhere to put a new replica
    index = ElasticsearchIndex(SearchSettings(backend="elasticsearch", url=through.url, index_prefix=PREFIX))
    try:
        assert index.search(SearchQuery(text="genome")).total == 300
        index.upsert(documents(300, 50))
        index.delete_source("beta")
        index.commit()
        results = index.search(SearchQuery(text="cohort", size=5))
        assert results.total == 175  # the odd ones of 0..349
        assert {facet.value: facet.count for facet in results.facets["source"]} == {"alpha": 175}
        assert len(list(index.entries())) == 175
    finally:
        index.close()
    assert {copy["node"] for copy in shards(through.url) if copy["state"] == "STARTED"} <= {
        node.name for node in cluster.nodes if node is not stopped
    }
