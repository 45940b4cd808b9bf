"""Fetch a source document: http(s) with httpx, file:// URLs and plain paths.

Every failure becomes an :class:`InputError` whose message names where the
document came from, so an operator knows which source and URL to look at.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

import httpx

from catalogue import __version__
from catalogue.config import Limits

USER_AGENT = f"catalogue/{__version__} (DCAT-AP harvester)"
GZIP_MAGIC = b"\x1f\x8b"


class InputError(Exception):
    """A document could not be fetched or read; ``location`` says which one."""

    def __init__(self, location: str, message: str) -> None:
        self.location, self.message = location, message
        super().__init__(f"{location}: {message}")


@dataclass(frozen=True)
class Document:
    location: str  # the URL or path it came from (after redirects)
    data: bytes  # decompressed content
    content_type: str | None = None  # media type without parameters, when the server said


def fetch(location: str, limits: Limits) -> Document:
    scheme = urlparse(location).scheme.lower()
    if scheme in ("http", "https"):
        document = _fetch_http(location, limits)
    elif scheme == "file":
        document = _read_file(Path(unquote(urlparse(location).path)), location, limits)
    elif scheme and len(scheme) > 1:
        raise InputError(location, f"unsupported URL scheme {scheme!r} (use http, https, file or a path)")
    else:
        document = _read_file(Path(location), location, limits)
    return _decompressed(document, limits)


def _fetch_http(url: str, limits: Limits) -> Document:
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": "text/turtle, application/ld+json;q=0.9, application/rdf+xml;q=0.9, "
        "application/n-triples;q=0.8, application/n-quads;q=0.8, application/trig;q=0.8, */*;q=0.1",
    }
    try:
        with (
            httpx.Client(timeout=limits.timeout_seconds, follow_redirects=True, max_redirects=10) as client,
            client.stream("GET", url, headers=headers) as response,
        ):
            if response.status_code >= 400:
                raise InputError(url, f"HTTP {response.status_code} {response.reason_phrase}")
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > limits.max_bytes:
                raise InputError(url, _too_large(limits))
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limits.max_bytes:
                    raise InputError(url, _too_large(limits))
                chunks.append(chunk)
            content_type = response.headers.get("content-type")
            return Document(str(response.url), b"".join(chunks), _media_type(content_type))
    except httpx.TimeoutException as error:
        raise InputError(url, f"timed out after {limits.timeout_seconds:g} s ({error})") from error
    except httpx.HTTPError as error:
        raise InputError(url, f"cannot fetch: {error}") from error


def _read_file(path: Path, location: str, limits: Limits) -> Document:
    try:
        if path.stat().st_size > limits.max_bytes:
            raise InputError(location, _too_large(limits))
        return Document(location, path.read_bytes())
    except OSError as error:
        raise InputError(location, f"cannot read: {error.strerror or error}") from error


def _decompressed(document: Document, limits: Limits) -> Document:
    """Gzip is recognised by its magic bytes, whatever the name or headers say."""
    if not document.data.startswith(GZIP_MAGIC):
        return document
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(document.data, limits.max_bytes + 1)
    except zlib.error as error:
        raise InputError(document.location, f"broken gzip data: {error}") from error
    if len(data) > limits.max_bytes or inflater.unconsumed_tail:
        raise InputError(document.location, _too_large(limits) + " once decompressed")
    return Document(document.location, data, document.content_type)


def _media_type(header: str | None) -> str | None:
    if not header:
        return None
    return header.split(";")[0].strip().lower() or None


def _too_large(limits: Limits) -> str:
    return f"larger than the limit of {limits.max_bytes:,} bytes"
