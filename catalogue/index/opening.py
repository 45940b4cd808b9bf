"""Open the configured search backend: the one place that knows every backend.

Apart from the package's ``__init__`` (the contract), so that the backends,
which import the contract, are never imported back by it.
"""

from __future__ import annotations

from pathlib import Path

from catalogue.config import SearchSettings
from catalogue.index import SearchIndex


def open_index(settings: SearchSettings, path: Path, read_only: bool = False) -> SearchIndex:
    """Open (or create) the configured backend: Elasticsearch, or the embedded index under ``path``
    (``read_only``: beside the process that writes it, never creating nor replacing it)."""
    if settings.backend == "elasticsearch":
        from catalogue.index.elasticsearch import ElasticsearchIndex

        return ElasticsearchIndex(settings)
    from catalogue.index.embedded import EmbeddedIndex

    return EmbeddedIndex(path, read_only=read_only)
