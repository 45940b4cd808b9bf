"""Fetch source documents: http(s) with httpx, file:// URLs and plain paths.

A :class:`Fetcher` serves one harvest: one connection pool, retries with
exponential backoff for failures that may pass (5xx, 429, network errors,
timeouts), redirects followed up to a limit, a size cap before and after
decompression, and — given a cache folder — conditional requests, so an
unchanged document costs the publisher a 304 instead of the whole body.
:func:`fetch` is the one-shot form.

Bodies are read by :func:`read_body` (public_fetch uses it too): we undo the
Content-Encoding ourselves, layer by layer, in bounded pieces, because httpx
inflates each chunk in one call — ``Content-Encoding: gzip, gzip`` turns 3.5 KB
into gigabytes before any count could stop it. Every layer's output counts
against ``max_bytes``. A request must be done ``timeout_seconds`` after it
started (httpx's timeout is per read, so a server trickling a byte a second
would never end); a :class:`Cutoff` ends a whole harvest at its own deadline
or when the server shuts down.

Every failure becomes an :class:`InputError` whose message names the source,
the URL and what went wrong, so an operator knows where to look.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import io
import json
import os
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from urllib.parse import unquote, urlparse

import httpx

from catalogue import __version__
from catalogue.config import Limits
from catalogue.errors import CatalogueError

USER_AGENT = f"catalogue/{__version__} (DCAT-AP harvester)"
GZIP_MAGIC = b"\x1f\x8b"
#: the Content-Encodings read_body undoes; asked for explicitly, so httpx adds none of its own
ACCEPT_ENCODING = "gzip, deflate"
#: the most one inflating step produces at once
PIECE = 64 * 1024
RDF_ACCEPT = (
    "text/turtle, application/ld+json;q=0.9, application/rdf+xml;q=0.9, "
    "application/n-triples;q=0.8, application/n-quads;q=0.8, application/trig;q=0.8, */*;q=0.1"
)


class InputError(CatalogueError):
    """A document could not be fetched or read.

    ``location`` says which one. ``source`` and ``page`` are filled in by
    whoever knows them (the fetcher, a source walker) on the way up, so the
    message reads ``source 'name': page N, URL: problem``.
    """

    http_status = 400

    def __init__(self, location: str, message: str, source: str = "") -> None:
        super().__init__(message, source=source)
        self.location, self.message = location, message
        self.page: int | None = None

    def __str__(self) -> str:
        source = f"source {self.source!r}: " if self.source else ""
        page = f"page {self.page}, " if self.page else ""
        return f"{source}{page}{self.location}: {self.message}"


class HTTPStatusError(InputError):
    """The server answered with an error status that retrying would not change (a 4xx)."""

    def __init__(self, location: str, status: int, reason: str, source: str = "") -> None:
        self.status = status
        super().__init__(location, f"HTTP {status} {reason}".rstrip(), source)


class Stopped(InputError):
    """The harvest was told to stop (the catalogue is shutting down, or the operator who started it
    stopped): not the source's fault, so the run is recorded as interrupted, not failed."""


class StopSignal(threading.Event):
    """Set to stop a harvest soon (it checks between requests, pieces of a body and batches), with
    the reason its run's record gives."""

    def __init__(self, why: str = "the catalogue is shutting down") -> None:
        super().__init__()
        self.why = why


@dataclass(frozen=True)
class Cutoff:
    """When a whole harvest must stop: at ``deadline`` (a ``time.monotonic()`` value) or once ``stop`` is set."""

    deadline: float | None = None
    seconds: float = 0.0  # the limit the deadline came from, for the message
    stop: StopSignal | None = None

    def check(self, location: str) -> None:
        if self.stop is not None and self.stop.is_set():
            raise Stopped(location, f"stopped: {self.stop.why}")
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise InputError(
                location, f"the harvest took longer than limits.harvest_timeout_seconds ({self.seconds:g} s)"
            )


@dataclass(frozen=True)
class Document:
    location: str  # the URL or path it came from (after redirects)
    data: bytes  # decompressed content
    content_type: str | None = None  # media type without parameters, when the server said
    etag: str | None = None
    last_modified: str | None = None
    #: the server answered 304 Not Modified: ``data`` is the body we cached last time
    not_modified: bool = False


def fetch(location: str, limits: Limits) -> Document:
    """Fetch one document (see :class:`Fetcher` for what happens on the way)."""
    with Fetcher(limits) as fetcher:
        return fetcher.get(location)


class _Retryable(Exception):
    """A failure that may pass: raised inside one attempt, turned into InputError after the last."""


class Fetcher:
    """Fetch the documents of one harvest; use as a context manager or call :meth:`close`."""

    def __init__(
        self, limits: Limits, source: str = "", cache_dir: Path | None = None, cutoff: Cutoff | None = None
    ) -> None:
        self.limits, self.source = limits, source
        self.cache = _Cache(cache_dir) if cache_dir is not None else None
        self.cutoff = cutoff or Cutoff()
        # redirects are followed by hand: to tell a loop from a long chain, and to count them
        self._client = httpx.Client(
            timeout=limits.timeout_seconds,
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": ACCEPT_ENCODING},
        )

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def prune_cache(self) -> int:
        """Forget cached pages this fetcher did not ask for (call after a walk of the whole source)."""
        return self.cache.prune() if self.cache else 0

    def get(
        self, url: str, accept: str | None = None, redirect_check: Callable[[str], None] | None = None
    ) -> Document:
        """The document at an http(s) URL, a file:// URL or a plain path.

        ``redirect_check`` is called with every redirect's target before it is
        requested, and refuses it by raising an InputError.
        """
        scheme = urlparse(url).scheme.lower()
        try:
            if scheme in ("http", "https"):
                document = self._http("GET", url, accept or RDF_ACCEPT, redirect_check=redirect_check)
            elif scheme == "file":
                document = self._file(Path(unquote(urlparse(url).path)), url)
            elif scheme and len(scheme) > 1:  # one letter is a Windows drive
                raise InputError(url, f"unsupported URL scheme {scheme!r} (use http, https, file or a path)")
            else:
                document = self._file(Path(url), url)
            return dataclasses.replace(
                document, data=gunzipped(document.data, document.location, self.limits)
            )
        except InputError as error:
            error.source = error.source or self.source
            raise

    def post(self, url: str, data: dict[str, str], accept: str) -> Document:
        """POST a form (a SPARQL query) and read the answer; never cached."""
        try:
            document = self._http("POST", url, accept, data)
            return dataclasses.replace(
                document, data=gunzipped(document.data, document.location, self.limits)
            )
        except InputError as error:
            error.source = error.source or self.source
            raise

    # -- http -------------------------------------------------------------------------

    def _http(
        self,
        method: str,
        url: str,
        accept: str,
        data: dict[str, str] | None = None,
        redirect_check: Callable[[str], None] | None = None,
    ) -> Document:
        headers = {"Accept": accept}
        cached = self.cache.load(url, accept) if self.cache and method == "GET" else None
        if cached:
            if cached.etag:
                headers["If-None-Match"] = cached.etag
            if cached.last_modified:
                headers["If-Modified-Since"] = cached.last_modified
        attempts = 1 + self.limits.retries
        for attempt in range(attempts):
            self.cutoff.check(url)
            try:
                document = self._exchange(self._request(method, url, headers, data), redirect_check)
                break
            except _Retryable as problem:
                self.cutoff.check(url)  # a request cut short by a stop or the harvest's deadline says so
                if attempt + 1 == attempts:
                    tried = f" (tried {attempts} times)" if attempts > 1 else ""
                    raise InputError(url, f"{problem}{tried}") from None
                self._pause(self.limits.backoff_seconds * 2**attempt)
        if document.not_modified:
            if cached is None:
                raise InputError(url, "HTTP 304 Not Modified to a request that was not conditional")
            return dataclasses.replace(cached, not_modified=True)
        if self.cache and method == "GET":
            self.cache.save(url, accept, document)
        return document

    def _request(
        self, method: str, url: str, headers: dict[str, str], data: dict[str, str] | None
    ) -> httpx.Request:
        try:
            return self._client.build_request(method, url, headers=headers, data=data)
        except httpx.InvalidURL as error:
            raise InputError(url, f"not a valid URL: {error}") from None

    def _pause(self, seconds: float) -> None:
        """Wait before a retry, unless the harvest is being stopped."""
        if self.cutoff.stop is not None:
            self.cutoff.stop.wait(seconds)
        else:
            time.sleep(seconds)

    def _deadline(self) -> float:
        """When a request starting now must be done: timeout_seconds, or sooner if the harvest must end."""
        deadline = time.monotonic() + self.limits.timeout_seconds
        return min(deadline, self.cutoff.deadline) if self.cutoff.deadline is not None else deadline

    def _exchange(self, request: httpx.Request, redirect_check: Callable[[str], None] | None) -> Document:
        """One attempt: send, follow redirects, read the body; a 304 comes back as an empty document."""
        chain = [str(request.url)]
        deadline = self._deadline()
        while True:
            self.cutoff.check(str(request.url))
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Retryable(f"timed out after {self.limits.timeout_seconds:g} s")
            request.extensions["timeout"] = httpx.Timeout(remaining).as_dict()
            try:
                response = self._client.send(request, stream=True)
                try:
                    if response.next_request is None:
                        return self._read(response, deadline)
                finally:
                    response.close()
            except httpx.TimeoutException:
                raise _Retryable(f"timed out after {self.limits.timeout_seconds:g} s") from None
            except httpx.TransportError as error:
                raise _Retryable(f"cannot fetch: {str(error) or type(error).__name__}") from None
            except httpx.HTTPError as error:  # a broken Content-Encoding …: asking again will not help
                raise InputError(str(request.url), f"cannot fetch: {error}") from None
            request = response.next_request
            target = str(request.url)
            if target in chain:
                raise InputError(chain[0], "redirect loop: " + " → ".join([*chain, target]))
            if len(chain) > self.limits.max_redirects:
                raise InputError(
                    chain[0], f"more than {self.limits.max_redirects} redirects (last: {target})"
                )
            if redirect_check is not None:
                redirect_check(target)
            chain.append(target)

    def _read(self, response: httpx.Response, deadline: float) -> Document:
        url = str(response.url)
        if response.status_code == 304:
            return Document(url, b"", not_modified=True)
        if response.status_code >= 500 or response.status_code == 429:  # it may recover, or stop throttling
            raise _Retryable(f"HTTP {response.status_code} {response.reason_phrase}")
        if response.status_code >= 400:
            raise HTTPStatusError(url, response.status_code, response.reason_phrase)
        body = read_body(response, url, self.limits, deadline, self.cutoff)
        return Document(
            url,
            body,
            _media_type(response.headers.get("content-type")),
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
        )

    # -- files ------------------------------------------------------------------------

    def _file(self, path: Path, location: str) -> Document:
        try:
            if path.stat().st_size > self.limits.max_bytes:
                raise InputError(location, _too_large(self.limits))
            return Document(location, path.read_bytes())
        except OSError as error:
            raise InputError(location, f"cannot read: {error.strerror or error}") from error


class _Cache:
    """The last body and validators (ETag, Last-Modified) per URL and Accept, one gzip file each.

    A file holds one JSON line (the document's metadata) and then the body.
    Files are written to a temporary name and renamed, so a harvest that dies
    half-way never leaves a truncated entry behind; an unreadable entry is
    treated as absent.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        #: the entries this fetcher read or wrote (see prune)
        self.used: set[Path] = set()

    def _path(self, url: str, accept: str) -> Path:
        path = self.folder / (hashlib.sha256(f"{accept}\n{url}".encode()).hexdigest() + ".gz")
        self.used.add(path)
        return path

    def prune(self) -> int:
        """Delete the entries this fetcher did not use: after a walk of the whole source, the pages that are
        gone (and leftovers of writes that died). Without it the cache grows with every page ever seen."""
        removed = 0
        for path in self.folder.iterdir():
            if path not in self.used and path.suffix in (".gz", ".tmp"):
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    def load(self, url: str, accept: str) -> Document | None:
        try:
            header, _, body = gzip.decompress(self._path(url, accept).read_bytes()).partition(b"\n")
            meta = json.loads(header)
            return Document(meta["location"], body, meta["content_type"], meta["etag"], meta["last_modified"])
        except (OSError, EOFError, ValueError, KeyError):
            return None

    def save(self, url: str, accept: str, document: Document) -> None:
        path = self._path(url, accept)
        if not (document.etag or document.last_modified):
            path.unlink(missing_ok=True)  # nothing to revalidate with
            return
        meta = {
            "location": document.location,
            "content_type": document.content_type,
            "etag": document.etag,
            "last_modified": document.last_modified,
        }
        handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
        try:
            with (
                os.fdopen(handle, "wb") as out,
                gzip.GzipFile(fileobj=out, mode="wb", compresslevel=6) as packed,
            ):
                packed.write(json.dumps(meta).encode() + b"\n")
                packed.write(document.data)  # not joined to the line above: no copy of a big body
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def read_body(
    response: httpx.Response, location: str, limits: Limits, deadline: float, cutoff: Cutoff | None = None
) -> bytes:
    """The body with its Content-Encoding undone, within ``max_bytes`` at every layer, done by ``deadline``.

    Going past the deadline is an InputError; httpx's own errors (a read
    timeout, a connection reset) are left to the caller, which may retry.
    """
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limits.max_bytes:
        raise InputError(location, _too_large(limits))
    pieces: Iterable[bytes] = response.iter_raw()
    encodings = [e.strip().lower() for e in response.headers.get("content-encoding", "").split(",")]
    for encoding in reversed([e for e in encodings if e and e != "identity"]):  # the last applied first
        pieces = _Inflater(encoding, location, limits).inflate(pieces)
    body = io.BytesIO()  # its getvalue() hands over the buffer: a 250 MB document is not held twice
    for piece in pieces:
        if body.tell() + len(piece) > limits.max_bytes:
            raise InputError(location, _too_large(limits))
        if cutoff is not None:  # first: when the harvest's deadline cut the request short, say so
            cutoff.check(location)
        if time.monotonic() > deadline:
            raise InputError(location, took_longer(limits.timeout_seconds))
        body.write(piece)
    return body.getvalue()


def gunzipped(data: bytes, location: str, limits: Limits) -> bytes:
    """Gzip data (recognised by its magic bytes, whatever the name or headers say) inflated within
    ``max_bytes``; other data as it is. For a .gz file served as such, uploaded or posted."""
    if not data.startswith(GZIP_MAGIC):
        return data
    return b"".join(_Inflater("gzip", location, limits, " once decompressed").inflate([data]))


class _Inflater:
    """One layer of Content-Encoding undone in pieces of at most PIECE bytes, stopping past ``max_bytes``."""

    def __init__(self, encoding: str, location: str, limits: Limits, said: str = "") -> None:
        if encoding not in ("gzip", "x-gzip", "deflate"):
            raise InputError(
                location, f"unsupported Content-Encoding {encoding!r} (we ask for {ACCEPT_ENCODING})"
            )
        self.encoding, self.location, self.limits, self.said = encoding, location, limits, said
        self.produced = 0
        self.inflater: zlib._Decompress | None = None

    def inflate(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            yield from self._pieces(chunk)
        if self.inflater is not None and not self.inflater.eof:
            yield self._counted(self.inflater.flush())

    def _pieces(self, data: bytes) -> Iterator[bytes]:
        while data:
            if self.inflater is None or self.inflater.eof:  # the first, or a further gzip member
                if self.inflater is not None and (
                    self.encoding == "deflate" or not data.startswith(GZIP_MAGIC)
                ):
                    return  # bytes after the end of the stream: ignored, as zlib and browsers do
                self.inflater = zlib.decompressobj(self._wbits(data))
            try:
                piece = self.inflater.decompress(data, PIECE)
            except zlib.error as error:
                raise InputError(self.location, f"broken {self.encoding} data: {error}") from None
            yield self._counted(piece)
            data = self.inflater.unconsumed_tail or self.inflater.unused_data

    def _wbits(self, data: bytes) -> int:
        if self.encoding != "deflate":
            return 16 + zlib.MAX_WBITS
        # "deflate" should be zlib-wrapped, but some servers send a raw deflate stream
        zlib_header = len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
        return zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS

    def _counted(self, piece: bytes) -> bytes:
        self.produced += len(piece)
        if self.produced > self.limits.max_bytes:
            raise InputError(self.location, _too_large(self.limits) + self.said)
        return piece


def _media_type(header: str | None) -> str | None:
    if not header:
        return None
    return header.split(";")[0].strip().lower() or None


def _too_large(limits: Limits) -> str:
    return f"larger than the limit of {limits.max_bytes:,} bytes"


def took_longer(seconds: float) -> str:
    """How every fetch (harvests and the validation service) words a request that ran out of time."""
    return f"took longer than the limit of {seconds:g} s"
