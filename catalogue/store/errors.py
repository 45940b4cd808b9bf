"""What the store raises: a store in use, a folder it cannot read, a SPARQL server that failed."""

from __future__ import annotations

from catalogue.errors import CatalogueError


class StoreLockedError(CatalogueError, RuntimeError):
    """Another process holds the store (RocksDB allows one writer)."""

    http_status = 503


class StoreFormatError(CatalogueError, RuntimeError):
    """The folder holds a store this version cannot read."""


class RemoteStoreError(CatalogueError, RuntimeError):
    """A SPARQL server holding the store's triples could not be reached, or refused a request."""

    http_status = 502

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status  # the HTTP status it answered with, if it answered


class RemoteTimeout(RemoteStoreError):
    """The SPARQL server did not answer in time."""

    http_status = 504
