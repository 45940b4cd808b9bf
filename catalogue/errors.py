"""The one base of the catalogue's own errors: what went wrong, for whom, and where.

Every domain error (a document that cannot be read, a query that cannot be
answered, a configuration mistake …) derives from :class:`CatalogueError`, so
callers can catch them all at once and the web application can turn any of
them into an answer in one place (:mod:`catalogue.web.errors`): the HTTP
status comes from :attr:`CatalogueError.http_status`, the sentence from
``str(error)``, and the optional details (the source, the record, the line
and column) travel with it, so an error names where it happened without its
message being parsed.

``http_status`` is the status *we* answer with. It is not called ``status``
because some errors also carry the status a remote server answered with
(:class:`catalogue.fetch.HTTPStatusError`, :class:`catalogue.store.RemoteStoreError`).
"""

from __future__ import annotations


class CatalogueError(Exception):
    """A problem the catalogue can explain: a message, an HTTP status, and where it happened.

    The details are class-level defaults, so a subclass with its own
    constructor (say, one that takes a location first) still has all of them.
    """

    http_status: int = 500
    source: str = ""
    record: str = ""
    line: int | None = None
    column: int | None = None

    def __init__(
        self,
        message: str,
        *,
        http_status: int | None = None,
        source: str = "",
        record: str = "",
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        if http_status is not None:
            self.http_status = http_status
        self.source, self.record, self.line, self.column = source, record, line, column

    def details(self) -> dict[str, str | int]:
        """The details that are known (source, record, line, column), for an error answer."""
        known: dict[str, str | int | None] = {
            "source": self.source,
            "record": self.record,
            "line": self.line,
            "column": self.column,
        }
        return {key: value for key, value in known.items() if value}
