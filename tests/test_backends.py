"""Opening the backends together, with a real store and index in a tmp dir.

An index that is new (or was deleted) or was built for another schema (after an
upgrade) is filled from the store as the backends open, so search is never left
empty or stale.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import NODE_HEAD

from catalogue.backends import Backends
from catalogue.index import IndexEntry, SearchQuery
from catalogue.index.embedded import MARKER, EmbeddedIndex

NODE = (
    NODE_HEAD
    + """
ex:a a dcat:Dataset ; dct:title "Rare disease genomes"@en ; dct:description "About genomes."@en ;
    dct:publisher ex:org .
ex:b a dcat:Dataset ; dct:title "Cancer registry"@en ; dct:description "Counts per region."@en ;
    dct:publisher ex:org .
ex:c a dcat:Dataset ; dct:title "Rejected, no description"@en ; dct:publisher ex:org .
"""
)


def published_entries(backends: Backends) -> list[IndexEntry]:
    """What the index should hold: one entry per published dataset, from the store."""
    return sorted(
        (
            IndexEntry(meta.id, meta.source, meta.content_hash, meta.status, meta.quality or 0)
            for meta in backends.store.metas("be")
            if meta.kind == "dataset" and meta.status == "published"
        ),
        key=lambda entry: entry.id,
    )


def index_entries(backends: Backends) -> list[IndexEntry]:
    return sorted(backends.index.entries(), key=lambda entry: entry.id)


def make_old(index_dir: Path) -> None:
    """Make the index on disk look built for another schema, as after an upgrade."""
    (index_dir / MARKER).write_text(json.dumps({"schema_version": 0, "fingerprint": "old"}))


def test_an_index_of_another_schema_is_rebuilt_from_the_store_on_open(
    harvested, open_catalogue, caplog: pytest.LogCaptureFixture
) -> None:
    backends, source, _ = harvested(NODE)
    expected = published_entries(backends)
    assert len(expected) == 2 and all(entry.content_hash for entry in expected)
    genomes = next(meta.id for meta in backends.store.metas("be") if meta.uri == "https://node.example/a")
    assert index_entries(backends) == expected
    index_dir = backends.settings.index_dir
    backends.close()

    with caplog.at_level("WARNING"):
        unchanged = open_catalogue(source)
    assert "filled from the store" not in caplog.text
    unchanged.close()

    make_old(index_dir)
    with caplog.at_level("WARNING"):
        reopened = open_catalogue(source)
    assert "built for another schema: filled from the store with 2 documents" in caplog.text
    assert not reopened.index.outdated
    assert reopened.index.count() == 2
    assert [hit.id for hit in reopened.index.search(SearchQuery(text="genomes")).hits] == [genomes]
    assert index_entries(reopened) == expected


def test_a_rebuild_cut_short_is_done_again_on_the_next_open(harvested, open_catalogue) -> None:
    backends, source, _ = harvested(NODE)
    expected = published_entries(backends)
    index_dir = backends.settings.index_dir
    backends.close()
    make_old(index_dir)
    # replaced by an empty index, then stopped before the rebuild was committed
    interrupted = EmbeddedIndex(index_dir)
    assert interrupted.outdated and interrupted.count() == 0
    interrupted.clear()
    interrupted.close()

    reopened = open_catalogue(source)
    assert not reopened.index.outdated
    assert index_entries(reopened) == expected
    assert reopened.index.search(SearchQuery(text="registry")).total == 1


def test_an_index_deleted_by_hand_is_filled_again_on_open(harvested, open_catalogue) -> None:
    backends, source, _ = harvested(NODE)
    expected = published_entries(backends)
    index_dir = backends.settings.index_dir
    backends.close()
    shutil.rmtree(index_dir)
    reopened = open_catalogue(source)
    assert index_entries(reopened) == expected
