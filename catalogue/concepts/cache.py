"""Dereferenced concepts on disk: one small JSON file per concept IRI, with what HTTP said about caching.

Kept under ``<data_dir>/concepts`` so a re-harvest (and a rebuild of the
index) needs no network for a concept whose answer is still fresh, and a
stale one is revalidated with ``If-None-Match`` / ``If-Modified-Since``.
A file that cannot be read counts as absent: the concept is fetched again.
The cache holds at most ``max_cached`` files; :meth:`ConceptCache.prune`
drops the least recently written beyond that.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Concept:
    """What a concept IRI's document said about it, and until when that holds."""

    iri: str
    #: (language tag in lower case, "" when untagged; text): prefLabels first, then altLabels
    labels: tuple[tuple[str, str], ...] = ()
    #: skos:broader concepts (IRIs)
    broader: tuple[str, ...] = ()
    #: time.time() until which the answer is used without asking again
    fresh_until: float = 0.0
    etag: str | None = None
    last_modified: str | None = None
    #: why the last attempt failed (the labels are then those of an earlier success, if any)
    error: str | None = None

    def fresh(self, now: float) -> bool:
        return now < self.fresh_until


class ConceptCache:
    """Concepts by IRI, on disk under ``folder``, remembered in memory once read (absent ones too)."""

    def __init__(self, folder: Path, max_cached: int = 100_000) -> None:
        self.folder = Path(folder)
        self.max_cached = max_cached
        self._memo: dict[str, Concept | None] = {}
        self._lock = threading.Lock()

    def _path(self, iri: str) -> Path:
        digest = hashlib.sha256(iri.encode("utf-8", "surrogatepass")).hexdigest()
        return self.folder / digest[:2] / f"{digest}.json"

    def get(self, iri: str) -> Concept | None:
        with self._lock:
            if iri in self._memo:
                return self._memo[iri]
        concept = self._read(iri)
        with self._lock:
            self._memo[iri] = concept
        return concept

    def _read(self, iri: str) -> Concept | None:
        try:
            raw = json.loads(self._path(iri).read_text(encoding="utf-8"))
            concept = Concept(
                iri=str(raw["iri"]),
                labels=tuple((str(lang), str(text)) for lang, text in raw["labels"]),
                broader=tuple(str(item) for item in raw["broader"]),
                fresh_until=float(raw["fresh_until"]),
                etag=raw.get("etag"),
                last_modified=raw.get("last_modified"),
                error=raw.get("error"),
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.warning("concept cache entry for %s is unreadable (%s); fetching it again", iri, error)
            return None
        return concept if concept.iri == iri else None  # a hash collision: not ours

    def put(self, concept: Concept) -> None:
        """Write the concept's entry (atomically: a reader sees the old or the new one)."""
        path = self._path(concept.iri)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps(asdict(concept), ensure_ascii=False)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        with self._lock:
            self._memo[concept.iri] = concept

    def prune(self) -> int:
        """Delete the least recently written entries beyond ``max_cached``; how many went."""
        if not self.folder.is_dir():
            return 0
        files = sorted(self.folder.glob("*/*.json"), key=lambda p: p.stat().st_mtime)
        extra = files[: max(0, len(files) - self.max_cached)]
        for path in extra:
            path.unlink(missing_ok=True)
        if extra:
            with self._lock:
                self._memo.clear()
        return len(extra)
