"""Frozen copies of the embedded triple side, for readers in other processes.

pyoxigraph documents opening a store read-only while another process writes
it as undefined behaviour, and so it is: under a harvest, a read-only view
of the live folder met table files compacted away, and a query with
ORDER BY over a reopened view spun until its worker was killed, or reserved
memory until it aborted. Readers in other processes (the SPARQL endpoint's
workers, the reader workers of ``serve --workers``, CLI commands beside a
running server) therefore open a *snapshot*: a RocksDB checkpoint the
writer takes after each change (``Store.backup``), which nothing writes to
again. A checkpoint hard-links the table files, so it costs milliseconds and
no disk of its own until compaction replaces the live files.

Snapshots are folders named by a rising number beside the live folder
(``oxigraph-snapshots/000000000042``), made under a temporary name and
renamed, so a reader never sees half of one. The newest is the current one.
Older ones are removed once superseded for :data:`GRACE_SECONDS`, longer
than any query runs; a reader whose snapshot was removed opens the newest
(see ``files_vanished``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from pathlib import Path

import pyoxigraph as ox

#: how long a superseded snapshot stays for the readers that still query it (seconds)
GRACE_SECONDS = 120.0
#: how many of the newest snapshots are kept whatever their age
KEEP = 2
_TEMPORARY = ".taking-"


def snapshots_of(folder: Path) -> Path:
    """Where the snapshots of the live folder ``folder`` are kept."""
    return folder.with_name(f"{folder.name}-snapshots")


def latest_snapshot(folder: Path) -> Path | None:
    """The newest complete snapshot of the live folder ``folder``; ``None`` before the writer took one."""
    names = _numbered(snapshots_of(folder))
    return snapshots_of(folder) / names[-1] if names else None


def take_snapshot(store: ox.Store, folder: Path) -> Path:
    """A snapshot of ``store`` (open for writing on ``folder``) as it is now; superseded ones pruned."""
    root = snapshots_of(folder)
    root.mkdir(exist_ok=True)
    names = _numbered(root)
    number = int(names[-1]) + 1 if names else 1
    staging = root / f"{_TEMPORARY}{number:012d}"
    shutil.rmtree(staging, ignore_errors=True)  # left by a process killed while taking it
    store.backup(str(staging))
    final = root / f"{number:012d}"
    staging.rename(final)
    _prune(root)
    return final


def _numbered(root: Path) -> list[str]:
    with contextlib.suppress(FileNotFoundError):
        return sorted(entry.name for entry in os.scandir(root) if entry.name.isdigit())
    return []


def _prune(root: Path) -> None:
    """Remove snapshots superseded for longer than the grace time, beyond the newest :data:`KEEP`."""
    names = _numbered(root)
    now = time.time()
    for older, newer in zip(names[:-KEEP], names[1:], strict=False):
        with contextlib.suppress(FileNotFoundError):
            superseded_at = (root / newer).stat().st_mtime
            if now - superseded_at > GRACE_SECONDS:
                shutil.rmtree(root / older, ignore_errors=True)
    for entry in os.scandir(root):  # staging folders of processes that were killed
        if entry.name.startswith(_TEMPORARY) and now - entry.stat().st_mtime > GRACE_SECONDS:
            shutil.rmtree(entry.path, ignore_errors=True)
