"""Fetching over real HTTP: retries, timeouts, redirects, size caps, compression and the HTTP cache."""

from __future__ import annotations

import asyncio
import gzip
import os
import time
import tracemalloc
import zlib
from collections import Counter
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from catalogue.config import Limits
from catalogue.fetch import Cutoff, Fetcher, HTTPStatusError, InputError, StopSignal, fetch

TURTLE = b'<http://x/a> <http://purl.org/dc/terms/title> "A" .\n'
#: retries on, but waiting milliseconds
QUICK = Limits(timeout_seconds=5, retries=2, backoff_seconds=0.01)


class Scripted:
    """A tiny real web server whose answers depend on what it was asked before."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.headers: dict[str, list[dict[str, str]]] = {}
        self.app = Starlette(routes=[Route("/{name:path}", self.answer, methods=["GET", "POST"])])

    async def answer(self, request: Request) -> Response:
        name = request.path_params["name"]
        self.hits[name] += 1
        self.headers.setdefault(name, []).append(dict(request.headers))
        turtle = {"content-type": "text/turtle"}
        if name == "flaky":  # down twice, then up
            return Response(TURTLE, 200, turtle) if self.hits[name] > 2 else Response(b"busy", 503)
        if name in ("down", "throttled", "missing"):
            return Response(b"no", {"down": 503, "throttled": 429, "missing": 404}[name])
        if name == "slow":
            await asyncio.sleep(1)
            return Response(TURTLE, 200, turtle)
        if name.startswith("hop/"):  # hop/3 → hop/2 → hop/1 → hop/0
            left = int(name.split("/")[1])
            return Response(TURTLE, 200, turtle) if left == 0 else _redirect(f"/hop/{left - 1}")
        if name in ("loop-a", "loop-b"):
            return _redirect("/loop-b" if name == "loop-a" else "/loop-a")
        if name == "tagged":
            if request.headers.get("if-none-match") == '"v1"':
                return Response(status_code=304, headers={"etag": '"v1"'})
            return Response(TURTLE, 200, {**turtle, "etag": '"v1"'})
        if name == "deflated":
            return Response(zlib.compress(TURTLE), 200, {**turtle, "content-encoding": "deflate"})
        if name == "bomb":  # 10 kB on the wire, 2 MB once decoded
            body = gzip.compress(b"#" * 2_000_000)
            return Response(body, 200, {**turtle, "content-encoding": "gzip"})
        if name == "nested-bomb":  # 1 kB on the wire, 200 MB after two layers of gzip
            return Response(NESTED_BOMB, 200, {**turtle, "content-encoding": "gzip, gzip"})
        if name == "trickle":  # a byte every 0.1 s, for ever: every read is quick, the whole never ends
            return StreamingResponse(_trickle(), 200, turtle)
        if name == "endless":  # no Content-Length: the cap must apply while reading
            return StreamingResponse((b"#" * 1000 + b"\n" for _ in range(1000)), 200, turtle)
        if name == "form":
            form = await request.form()
            return Response(f'<http://x/q> <http://x/said> "{form["query"]}" .\n'.encode(), 200, turtle)
        return Response(b"?", 404)


def nested_gzip(size: int) -> bytes:
    """``size`` zero bytes gzipped, and gzipped again: a few kilobytes."""
    inner = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1_000_000)
    layer = b"".join([inner.compress(block) for _ in range(size // len(block))] + [inner.flush()])
    return gzip.compress(layer, 9)


NESTED_BOMB = nested_gzip(200_000_000)


async def _trickle():
    while True:
        yield b"#"
        await asyncio.sleep(0.1)


def _redirect(to: str) -> Response:
    return Response(status_code=302, headers={"location": to})


@pytest.fixture
def scripted(live_server) -> tuple[Scripted, str]:
    server = Scripted()
    return server, live_server(server.app).url


# -- the one-shot fetch() -------------------------------------------------------------


def test_fetch_over_http_keeps_the_media_type(feed_server) -> None:
    (feed_server.root / "cat.ttl").write_bytes(TURTLE)
    document = fetch(f"{feed_server.url}/cat.ttl", QUICK)
    assert document.data == TURTLE
    assert document.content_type == "text/turtle"


def test_gzip_files_and_responses_are_decompressed(feed_server, tmp_path: Path) -> None:
    (feed_server.root / "cat.ttl.gz").write_bytes(gzip.compress(TURTLE))
    assert fetch(f"{feed_server.url}/cat.ttl.gz", QUICK).data == TURTLE
    path = tmp_path / "local.ttl.gz"
    path.write_bytes(gzip.compress(TURTLE))
    assert fetch(str(path), QUICK).data == TURTLE
    assert fetch(path.as_uri(), QUICK).data == TURTLE
    feed_server.respond("/encoded", 200, gzip.compress(TURTLE), {"Content-Encoding": "gzip"})
    assert fetch(f"{feed_server.url}/encoded", QUICK).data == TURTLE


def test_deflate_responses_are_decompressed(scripted) -> None:
    _, url = scripted
    assert fetch(f"{url}/deflated", QUICK).data == TURTLE


def test_http_errors_name_the_url(feed_server) -> None:
    with pytest.raises(InputError, match=r"/missing\.ttl: HTTP 404"):
        fetch(f"{feed_server.url}/missing.ttl", QUICK)
    feed_server.respond("/broken", 500, b"oops")
    with pytest.raises(InputError, match=r"/broken: HTTP 500 Internal Server Error \(tried 3 times\)"):
        fetch(f"{feed_server.url}/broken", QUICK)


def test_size_limit_applies_before_and_after_decompression(feed_server, scripted) -> None:
    big = b"#" * 5000 + b"\n"
    (feed_server.root / "big.ttl").write_bytes(big)
    with pytest.raises(InputError, match="larger than the limit"):
        fetch(f"{feed_server.url}/big.ttl", Limits(max_bytes=1000))
    (feed_server.root / "bomb.ttl.gz").write_bytes(gzip.compress(b"#" * 100_000))
    with pytest.raises(InputError, match="once decompressed"):
        fetch(f"{feed_server.url}/bomb.ttl.gz", Limits(max_bytes=10_000))
    _, url = scripted
    with pytest.raises(InputError, match=r"/bomb: larger than the limit of 100,000 bytes"):
        fetch(f"{url}/bomb", Limits(max_bytes=100_000))  # Content-Encoding: gzip, decoded while read
    with pytest.raises(InputError, match=r"/endless: larger than the limit of 100,000 bytes"):
        fetch(f"{url}/endless", Limits(max_bytes=100_000))  # chunked: no Content-Length to refuse early


def test_unreachable_and_unreadable_locations(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"cannot fetch: .* \(tried 3 times\)"):
        fetch("http://127.0.0.1:9/catalog.ttl", QUICK)
    with pytest.raises(InputError, match="cannot read"):
        fetch(str(tmp_path / "absent.ttl"), QUICK)
    with pytest.raises(InputError, match="unsupported URL scheme"):
        fetch("ftp://example.org/x.ttl", QUICK)


# -- Fetcher: retries, timeouts, redirects ----------------------------------------------


def test_a_503_that_recovers_is_retried_with_exponential_backoff(scripted) -> None:
    server, url = scripted
    limits = Limits(timeout_seconds=5, retries=2, backoff_seconds=0.1)
    started = time.perf_counter()
    with Fetcher(limits, source="be") as fetcher:
        assert fetcher.get(f"{url}/flaky").data == TURTLE
    assert server.hits["flaky"] == 3
    assert time.perf_counter() - started >= 0.1 + 0.2  # backoff × 2^0, then × 2^1


def test_retries_give_up_with_a_message_naming_source_url_and_attempts(scripted) -> None:
    server, url = scripted
    with Fetcher(QUICK, source="be") as fetcher:
        with pytest.raises(InputError) as caught:
            fetcher.get(f"{url}/down")
        assert str(caught.value) == f"source 'be': {url}/down: HTTP 503 Service Unavailable (tried 3 times)"
        with pytest.raises(InputError, match=r"HTTP 429 Too Many Requests \(tried 3 times\)"):
            fetcher.get(f"{url}/throttled")
        with pytest.raises(HTTPStatusError, match="HTTP 404 Not Found$") as missing:
            fetcher.get(f"{url}/missing")
        assert missing.value.status == 404
    assert (server.hits["down"], server.hits["throttled"], server.hits["missing"]) == (3, 3, 1)


def test_a_server_slower_than_the_timeout(scripted) -> None:
    server, url = scripted
    with pytest.raises(InputError, match=r"/slow: timed out after 0.3 s \(tried 2 times\)"):
        fetch(f"{url}/slow", Limits(timeout_seconds=0.3, retries=1, backoff_seconds=0.01))
    assert server.hits["slow"] == 2


def test_redirects_are_followed_up_to_the_limit_and_loops_are_named(scripted) -> None:
    server, url = scripted
    document = fetch(f"{url}/hop/3", Limits(max_redirects=3))
    assert (document.location, document.data) == (f"{url}/hop/0", TURTLE)
    with pytest.raises(InputError, match=r"/hop/3: more than 2 redirects \(last: .*/hop/0\)"):
        fetch(f"{url}/hop/3", Limits(max_redirects=2))
    with pytest.raises(InputError) as caught:
        fetch(f"{url}/loop-a", QUICK)
    assert str(caught.value) == f"{url}/loop-a: redirect loop: {url}/loop-a → {url}/loop-b → {url}/loop-a"
    assert server.hits["loop-a"] == 1, "a loop is not retried"


def test_post_sends_a_form(scripted) -> None:
    _, url = scripted
    with Fetcher(QUICK) as fetcher:
        document = fetcher.post(f"{url}/form", {"query": "ASK {}"}, "text/turtle")
    assert document.data == b'<http://x/q> <http://x/said> "ASK {}" .\n'


# -- the HTTP cache ---------------------------------------------------------------------


def test_a_conditional_get_answered_304_returns_the_cached_body(scripted, tmp_path: Path) -> None:
    server, url = scripted
    cache = tmp_path / "cache"
    with Fetcher(QUICK, cache_dir=cache) as fetcher:
        first = fetcher.get(f"{url}/tagged")
    assert (first.data, first.etag, first.not_modified) == (TURTLE, '"v1"', False)
    assert [p.suffix for p in cache.iterdir()] == [".gz"], "one entry, no temporary file left behind"
    with Fetcher(QUICK, cache_dir=cache) as fetcher:  # the next harvest
        second = fetcher.get(f"{url}/tagged")
    assert server.headers["tagged"][1]["if-none-match"] == '"v1"'
    assert (second.data, second.content_type, second.not_modified) == (TURTLE, "text/turtle", True)


def test_last_modified_revalidation_sees_a_change(feed_server, tmp_path: Path) -> None:
    path = feed_server.root / "cat.ttl"
    path.write_bytes(TURTLE)
    os.utime(path, (time.time() - 60, time.time() - 60))
    url, cache = f"{feed_server.url}/cat.ttl", tmp_path / "cache"
    with Fetcher(QUICK, cache_dir=cache) as fetcher:
        assert fetcher.get(url).last_modified is not None
        assert fetcher.get(url).not_modified  # If-Modified-Since → 304
        path.write_bytes(TURTLE.replace(b'"A"', b'"B"'))
        changed = fetcher.get(url)
    assert (changed.not_modified, b'"B"' in changed.data) == (False, True)


def test_an_unreadable_cache_entry_is_ignored(scripted, tmp_path: Path) -> None:
    _, url = scripted
    cache = tmp_path / "cache"
    with Fetcher(QUICK, cache_dir=cache) as fetcher:
        fetcher.get(f"{url}/tagged")
        for entry in cache.iterdir():
            entry.write_bytes(b"not gzip")
        again = fetcher.get(f"{url}/tagged")
    assert (again.data, again.not_modified) == (TURTLE, False)


def test_nested_content_encoding_is_bounded_at_every_layer(scripted) -> None:
    server, url = scripted
    assert len(NESTED_BOMB) < 2_000
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="larger than the limit of 1,000,000 bytes"):
            fetch(f"{url}/nested-bomb", Limits(max_bytes=1_000_000, retries=0))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000, f"{peak:,} bytes allocated to refuse it"


def test_unknown_content_encodings_are_refused(feed_server) -> None:
    feed_server.respond("/br", 200, b"??", {"Content-Type": "text/turtle", "Content-Encoding": "br"})
    with pytest.raises(InputError, match="unsupported Content-Encoding 'br'"):
        fetch(f"{feed_server.url}/br", QUICK)


def test_a_trickling_server_is_cut_off_at_the_timeout(scripted) -> None:
    server, url = scripted
    started = time.monotonic()
    with pytest.raises(InputError, match=r"/trickle: took longer than the limit of 0.5 s"):
        fetch(f"{url}/trickle", Limits(timeout_seconds=0.5, retries=1, backoff_seconds=0.01))
    assert time.monotonic() - started < 2
    assert server.hits["trickle"] == 1  # too slow is not retried


def test_a_harvest_cutoff_ends_requests_and_retries(scripted) -> None:
    server, url = scripted
    stop = StopSignal()
    cutoff = Cutoff(time.monotonic() + 0.5, 0.5, stop)
    with Fetcher(Limits(timeout_seconds=10, retries=5, backoff_seconds=1), "be", cutoff=cutoff) as fetcher:
        started = time.monotonic()
        with pytest.raises(InputError, match="longer than limits.harvest_timeout_seconds"):
            fetcher.get(f"{url}/trickle")
        assert time.monotonic() - started < 2
        stop.set()
        with pytest.raises(InputError, match="shutting down"):
            fetcher.get(f"{url}/flaky")
