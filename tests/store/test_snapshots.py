"""Snapshots of the embedded triple side: what readers in other processes open."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from catalogue.store import snapshots

QUAD = ox.Quad(
    ox.NamedNode("https://node.example/a"), ox.NamedNode("https://node.example/p"), ox.Literal("1")
)


def test_a_snapshot_keeps_the_store_as_it_was(tmp_path: Path) -> None:
    live = tmp_path / "oxigraph"
    store = ox.Store(str(live))
    assert snapshots.latest_snapshot(live) is None
    store.add(QUAD)
    taken = snapshots.take_snapshot(store, live)
    store.remove(QUAD)
    store.flush()
    assert snapshots.latest_snapshot(live) == taken
    assert list(ox.Store.read_only(str(taken)).quads_for_pattern(None, None, None)) == [QUAD]
    assert list(store.quads_for_pattern(None, None, None)) == []


def test_superseded_snapshots_go_after_the_grace_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = tmp_path / "oxigraph"
    store = ox.Store(str(live))
    taken = [snapshots.take_snapshot(store, live) for _ in range(4)]
    assert [path.exists() for path in taken] == [True] * 4  # superseded, but maybe still read
    old = time.time() - snapshots.GRACE_SECONDS - 1
    for path in taken:
        os.utime(path, (old, old))
    leftover = snapshots.snapshots_of(live) / ".taking-000000000099"  # a writer killed while taking one
    leftover.mkdir()
    os.utime(leftover, (old, old))
    newest = snapshots.take_snapshot(store, live)
    assert [path.name for path in sorted(snapshots.snapshots_of(live).iterdir())] == [
        taken[-1].name,
        newest.name,
    ]
    assert snapshots.latest_snapshot(live) == newest
