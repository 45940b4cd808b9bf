"""Why a harvest cannot go on: the errors a harvest or a push raises, each naming its source."""

from __future__ import annotations

from catalogue.fetch import InputError


class HarvestError(InputError):
    """The harvest cannot go on; the message says why and what to do."""


class SourceBusy(HarvestError):
    """Another harvest or push of the same source is running."""

    http_status = 409


class ValidationFailed(HarvestError):
    """The validator itself failed on some records (out of memory, too deep, an engine crash)."""

    http_status = 500


def described(error: BaseException) -> str:
    """An error as one line for a run's history: its type, and its message when it has one."""
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
