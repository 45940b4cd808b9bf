"""Back up a catalogue, and restore one, through its record registry alone.

The registry (``data_dir/store/records.sqlite``) is the source of truth:
every record as harvested, its report, the harvest history, push tokens and
link checks. The triple side and the search index are derived from it, so a
backup holds only the registry, and a restore puts it back and lets the
backends rebuild the rest as they open (``open_backends``).

The copy is made with SQLite's online backup API, from a read-only
connection, so it runs beside a running catalogue: a harvest that commits
meanwhile either is in the copy whole or not at all (the API restarts a step
that saw the source change). The copy is checked before it is renamed into
place, so a backup file that exists is a complete one.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from catalogue.config import Settings
from catalogue.fetch import InputError

#: pages copied per step of the online backup: short steps keep the writer's waits short
PAGES_PER_STEP = 4096
#: tables a registry has, whatever its schema version (to refuse restoring a file that is not one)
REGISTRY_TABLES = {"records", "runs", "state", "tokens"}


class BackupError(InputError):
    """A backup or restore cannot be made; the message says why and what to do."""


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    records: int
    runs: int
    bytes: int


def registry_path(settings: Settings) -> Path:
    return settings.store_dir / "records.sqlite"


def backup(settings: Settings, target: Path) -> BackupSummary:
    """Copy the registry to ``target`` (a new file) while the catalogue may keep running."""
    source = registry_path(settings)
    if not source.is_file():
        raise BackupError(str(source), "there is no catalogue here to back up (no record registry)")
    if target.exists():
        raise BackupError(str(target), "exists already; choose a new file name")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        _copy(reader, partial)
    finally:
        reader.close()
    summary = _summarise(partial)
    partial.replace(target)
    return BackupSummary(target, summary.records, summary.runs, summary.bytes)


def restore(settings: Settings, backup_file: Path) -> BackupSummary:
    """Put a backup in place as this catalogue's registry; the data directory must hold no store yet.

    The triple side is marked as not in line, so the store rebuilds it from the
    registry when it next opens, and the search index is new, so it is filled
    from the store: open the backends (``open_backends``) to finish.
    """
    if not backup_file.is_file():
        raise BackupError(str(backup_file), "no such backup file")
    summary = _summarise(backup_file)
    target = registry_path(settings)
    if target.exists() or settings.index_dir.exists():
        raise BackupError(
            str(settings.data_dir),
            "holds a catalogue already; restore into an empty data directory (set data_dir in catalogue.toml)",
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    reader = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    try:
        _copy(reader, partial)
    finally:
        reader.close()
    writer = sqlite3.connect(partial, isolation_level=None)
    try:  # whatever the backup's marks say, the triple side here holds nothing yet
        writer.execute("INSERT OR REPLACE INTO state VALUES ('mirror', 'pending')")
        writer.execute("DELETE FROM state WHERE key = 'synced'")
    finally:
        writer.close()
    partial.replace(target)
    return summary


def _copy(reader: sqlite3.Connection, target: Path) -> None:
    writer = sqlite3.connect(target)
    try:
        reader.backup(writer, pages=PAGES_PER_STEP)
        writer.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    except sqlite3.Error as error:
        writer.close()
        target.unlink(missing_ok=True)
        raise BackupError(str(target), f"the copy failed: {error}") from error
    writer.close()


def _summarise(path: Path) -> BackupSummary:
    """What a registry file holds, after checking that it is a whole, readable registry."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise BackupError(str(path), f"cannot be opened: {error}") from error
    try:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables >= REGISTRY_TABLES:
            raise BackupError(str(path), "is not a catalogue backup (it has no record registry tables)")
        verdict = db.execute("PRAGMA quick_check").fetchone()[0]
        if verdict != "ok":
            raise BackupError(str(path), f"is damaged: {verdict}")
        records = db.execute("SELECT COUNT(*) FROM records").fetchone()[0]
        runs = db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise BackupError(str(path), f"is not a catalogue backup: {error}") from error
    finally:
        db.close()
    return BackupSummary(path, records, runs, path.stat().st_size)
