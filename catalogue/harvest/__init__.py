"""Harvest a source, one module per step: walk its pages → split → validate → stage; then commit → index.

``run`` drives a harvest (start there); ``ledger`` is what it knows of the whole
source, kept on disk; ``pages`` is the split step's page
handling, ``validating`` the validate step (shared with pushes), ``indexing``
the index step after a commit; ``results``, ``errors`` and ``locks`` are what
a harvest hands back, raises and holds. Rebuilding the whole index from the
store is :func:`catalogue.consistency.reindex`. No submodule imports this
package: it only gathers their public names for callers.
"""

from __future__ import annotations

from catalogue.consistency import reindex
from catalogue.harvest.errors import HarvestError, SourceBusy, ValidationFailed
from catalogue.harvest.indexing import index_records
from catalogue.harvest.locks import source_lock
from catalogue.harvest.results import HarvestResult, Progress, failed_run
from catalogue.harvest.run import harvest_source
from catalogue.harvest.validating import VALIDATION_BATCH, assess, status_for, validate_guarded

__all__ = [
    "VALIDATION_BATCH",
    "HarvestError",
    "HarvestResult",
    "Progress",
    "SourceBusy",
    "ValidationFailed",
    "assess",
    "failed_run",
    "harvest_source",
    "index_records",
    "reindex",
    "source_lock",
    "status_for",
    "validate_guarded",
]
