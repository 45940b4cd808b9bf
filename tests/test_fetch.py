import gzip
from pathlib import Path

import pytest

from catalogue.config import Limits
from catalogue.fetch import InputError, fetch

TURTLE = b'<http://x/a> <http://purl.org/dc/terms/title> "A" .\n'


def test_fetch_over_http_keeps_the_media_type(feed_server) -> None:
    (feed_server.root / "cat.ttl").write_bytes(TURTLE)
    document = fetch(f"{feed_server.url}/cat.ttl", Limits())
    assert document.data == TURTLE
    assert document.content_type == "text/turtle"


def test_gzip_files_and_responses_are_decompressed(feed_server, tmp_path: Path) -> None:
    (feed_server.root / "cat.ttl.gz").write_bytes(gzip.compress(TURTLE))
    assert fetch(f"{feed_server.url}/cat.ttl.gz", Limits()).data == TURTLE
    path = tmp_path / "local.ttl.gz"
    path.write_bytes(gzip.compress(TURTLE))
    assert fetch(str(path), Limits()).data == TURTLE
    assert fetch(path.as_uri(), Limits()).data == TURTLE
    feed_server.respond("/encoded", 200, gzip.compress(TURTLE), {"Content-Encoding": "gzip"})
    assert fetch(f"{feed_server.url}/encoded", Limits()).data == TURTLE


def test_http_errors_name_the_url(feed_server) -> None:
    with pytest.raises(InputError, match=r"/missing\.ttl: HTTP 404"):
        fetch(f"{feed_server.url}/missing.ttl", Limits())
    feed_server.respond("/broken", 500, b"oops")
    with pytest.raises(InputError, match="HTTP 500"):
        fetch(f"{feed_server.url}/broken", Limits())


def test_size_limit_applies_before_and_after_decompression(feed_server) -> None:
    big = b"#" * 5000 + b"\n"
    (feed_server.root / "big.ttl").write_bytes(big)
    with pytest.raises(InputError, match="larger than the limit"):
        fetch(f"{feed_server.url}/big.ttl", Limits(max_bytes=1000))
    (feed_server.root / "bomb.ttl.gz").write_bytes(gzip.compress(b"#" * 100_000))
    with pytest.raises(InputError, match="once decompressed"):
        fetch(f"{feed_server.url}/bomb.ttl.gz", Limits(max_bytes=10_000))


def test_unreachable_and_unreadable_locations(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot fetch"):
        fetch("http://127.0.0.1:9/catalog.ttl", Limits(timeout_seconds=2))
    with pytest.raises(InputError, match="cannot read"):
        fetch(str(tmp_path / "absent.ttl"), Limits())
    with pytest.raises(InputError, match="unsupported URL scheme"):
        fetch("ftp://example.org/x.ttl", Limits())
