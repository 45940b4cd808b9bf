"""Fetching user-given URLs: only public addresses, checked after resolution and on every redirect.

Every server a test can start listens on 127.0.0.1, which the default policy
must refuse; the tests that need a successful fetch allow exactly 127.0.0.1/32
with an explicit :class:`AddressPolicy`, and the refusals are checked with
that allow-list in place too, so they cannot pass for the wrong reason.
"""

from __future__ import annotations

import gzip
import http.server
import ipaddress
import threading
import time
import tracemalloc
from collections.abc import Iterator

import pytest

from catalogue.config import Limits
from catalogue.fetch import InputError
from catalogue.public_fetch import (
    AddressPolicy,
    RefusedURL,
    address_refusal,
    fetch_public,
    public_client,
    send_checked,
)

LOCAL_ONLY = AddressPolicy((ipaddress.ip_network("127.0.0.1/32"),))
LIMITS = Limits(timeout_seconds=5, max_bytes=10_000, retries=0, max_redirects=3)
TURTLE = b"<https://node.example/ds> a <http://www.w3.org/ns/dcat#Dataset> .\n"


class Recorder:
    """A tiny HTTP server on 127.0.0.1 that answers from a table and records every request it gets."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, dict[str, str], bytes, float]] = {}
        self.requests: list[tuple[str, str]] = []  # (path, Host header)
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                recorder.requests.append((self.path, self.headers.get("Host", "")))
                status, headers, body, delay = recorder.routes.get(self.path, (404, {}, b"", 0.0))
                time.sleep(delay)
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def route(self, path: str, status: int = 200, body: bytes = TURTLE, delay: float = 0.0, **headers: str):
        self.routes[path] = (status, {k.replace("_", "-"): v for k, v in headers.items()}, body, delay)

    def redirect(self, path: str, target: str, status: int = 302) -> None:
        self.route(path, status, b"", Location=target)


@pytest.fixture
def server() -> Iterator[Recorder]:
    recorder = Recorder()
    yield recorder
    recorder.httpd.shutdown()
    recorder.httpd.server_close()


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.5.4", "private"),
        ("192.168.0.10", "private"),
        ("fc00::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "not a public"),  # shared address space (carrier-grade NAT)
        ("fec0::1", "site-local"),
        ("::ffff:127.0.0.1", "IPv4-mapped"),
        ("::ffff:8.8.8.8", "IPv4-mapped"),
        ("2002:a00:1::1", "carrying 10.0.0.1"),  # 6to4 around a private address
        ("64:ff9b::a9fe:a9fe", "carrying 169.254.169.254"),  # NAT64 around the metadata service
    ],
)
def test_non_public_addresses_are_refused(address: str, kind: str) -> None:
    refusal = address_refusal(ipaddress.ip_address(address))
    assert refusal is not None and kind in refusal


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111", "2002:808:808::1"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert address_refusal(ipaddress.ip_address(address)) is None


def test_the_allow_list_is_exact() -> None:
    assert LOCAL_ONLY.refusal(ipaddress.ip_address("127.0.0.1")) is None
    assert LOCAL_ONLY.refusal(ipaddress.ip_address("127.0.0.2")) is not None
    assert LOCAL_ONLY.refusal(ipaddress.ip_address("::1")) is not None
    assert AddressPolicy().refusal(ipaddress.ip_address("127.0.0.1")) is not None


def test_the_default_policy_refuses_a_local_server_without_contacting_it(server: Recorder) -> None:
    server.route("/catalog.ttl")
    for url in (
        f"{server.url}/catalog.ttl",
        f"http://localhost:{server.port}/catalog.ttl",  # a name that resolves to 127.0.0.1
        f"http://2130706433:{server.port}/catalog.ttl",  # 127.0.0.1 spelled as one number
    ):
        with pytest.raises(RefusedURL) as refused:
            fetch_public(url, LIMITS)
        assert "127.0.0.1" in refused.value.reason and "loopback" in refused.value.reason
    assert server.requests == []


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://10.0.0.1/catalog.ttl", "10.0.0.1 is a private address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("http://[::1]/", "::1 is a loopback address"),
        ("https://[::ffff:10.0.0.1]/", "IPv4-mapped"),
        ("http://0.0.0.0/", "unspecified"),
        ("file:///etc/passwd", "only http and https"),
        ("ftp://node.example/catalog.ttl", "only http and https"),
        ("catalog.ttl", "only http and https"),
    ],
)
def test_refused_urls_name_the_reason(url: str, reason: str) -> None:
    with pytest.raises(RefusedURL) as refused:
        fetch_public(url, LIMITS, LOCAL_ONLY)
    assert reason in str(refused.value)


def test_an_allowed_address_is_fetched_and_redirects_are_followed(server: Recorder) -> None:
    server.redirect("/old", "/catalog.ttl", 301)
    server.route("/catalog.ttl", content_type="text/turtle; charset=utf-8")
    document = fetch_public(f"{server.url}/old", LIMITS, LOCAL_ONLY)
    assert document.data == TURTLE and document.content_type == "text/turtle"
    assert document.location == f"{server.url}/catalog.ttl"
    assert [path for path, _ in server.requests] == ["/old", "/catalog.ttl"]


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("http://10.0.0.1/catalog.ttl", "10.0.0.1 is a private address"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[::1]:{port}/catalog.ttl", "::1 is a loopback address"),
        ("http://127.0.0.2:{port}/catalog.ttl", "127.0.0.2 is a loopback address"),
        ("file:///etc/passwd", "only http and https"),
    ],
)
def test_every_redirect_is_checked_before_it_is_followed(server: Recorder, target: str, reason: str) -> None:
    server.redirect("/start", target.format(port=server.port))
    with pytest.raises(RefusedURL) as refused:
        fetch_public(f"{server.url}/start", LIMITS, LOCAL_ONLY)
    assert reason in str(refused.value)
    assert [path for path, _ in server.requests] == ["/start"]


def test_the_connection_goes_to_the_checked_address_with_the_name_in_host(server: Recorder) -> None:
    """The name is resolved once; the request goes to that address, named in Host (no second lookup)."""
    server.route("/catalog.ttl")
    lookups: list[str] = []

    def resolver(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        lookups.append(host)
        return [ipaddress.ip_address("127.0.0.1")]

    url = f"http://data.node.test:{server.port}/catalog.ttl"  # a name no DNS knows
    document = fetch_public(url, LIMITS, LOCAL_ONLY, resolver=resolver)
    assert document.data == TURTLE and document.location == url
    assert lookups == ["data.node.test"]
    assert server.requests == [("/catalog.ttl", f"data.node.test:{server.port}")]


def test_one_checked_request_for_callers_with_their_own_redirect_handling(server: Recorder) -> None:
    server.redirect("/moved", "http://10.0.0.1/")
    with public_client() as client:
        response = send_checked(client, "GET", f"http://localhost:{server.port}/moved", LOCAL_ONLY)
        response.close()
        assert response.status_code == 302 and response.headers["location"] == "http://10.0.0.1/"
        with pytest.raises(RefusedURL, match="localhost resolves to 127.0.0.1, a loopback address"):
            send_checked(client, "GET", f"http://localhost:{server.port}/moved")
    assert server.requests == [("/moved", f"localhost:{server.port}")]


def test_a_name_with_any_non_public_address_is_refused(server: Recorder) -> None:
    def resolver(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        return [ipaddress.ip_address("93.184.216.34"), ipaddress.ip_address("10.0.0.5")]

    with pytest.raises(RefusedURL) as refused:
        fetch_public("http://mixed.node.test/catalog.ttl", LIMITS, resolver=resolver)
    assert "mixed.node.test resolves to 10.0.0.5, a private address" in str(refused.value)


def test_size_limits(server: Recorder) -> None:
    server.route("/big.ttl", body=b"#" * 20_000)
    server.route("/bomb.ttl.gz", body=gzip.compress(b"#" * 50_000), content_type="application/gzip")
    server.route("/small.ttl.gz", body=gzip.compress(TURTLE), content_type="application/gzip")
    with pytest.raises(InputError, match="larger than the limit of 10,000 bytes"):
        fetch_public(f"{server.url}/big.ttl", LIMITS, LOCAL_ONLY)
    with pytest.raises(InputError, match="larger than the limit of 10,000 bytes once decompressed"):
        fetch_public(f"{server.url}/bomb.ttl.gz", LIMITS, LOCAL_ONLY)
    assert fetch_public(f"{server.url}/small.ttl.gz", LIMITS, LOCAL_ONLY).data == TURTLE


def test_time_limit(server: Recorder) -> None:
    server.route("/slow.ttl", delay=1.0)
    quick = Limits(timeout_seconds=0.3, max_bytes=10_000, retries=0)
    started = time.monotonic()
    with pytest.raises(InputError, match="took longer than the limit of 0.3 s"):
        fetch_public(f"{server.url}/slow.ttl", quick, LOCAL_ONLY)
    assert time.monotonic() - started < 0.9


def test_redirect_loops_and_chains_are_cut(server: Recorder) -> None:
    server.redirect("/a", "/b")
    server.redirect("/b", "/a")
    with pytest.raises(InputError, match="redirect loop"):
        fetch_public(f"{server.url}/a", LIMITS, LOCAL_ONLY)
    for n in range(6):
        server.redirect(f"/r{n}", f"/r{n + 1}")
    with pytest.raises(InputError, match="more than 3 redirects"):
        fetch_public(f"{server.url}/r0", LIMITS, LOCAL_ONLY)


def test_http_errors_and_unknown_hosts_are_input_errors(server: Recorder) -> None:
    with pytest.raises(InputError, match="HTTP 404"):
        fetch_public(f"{server.url}/missing.ttl", LIMITS, LOCAL_ONLY)
    with pytest.raises(InputError, match="cannot resolve"):
        fetch_public("http://no-such-host.invalid/catalog.ttl", LIMITS)


def test_nested_content_encoding_is_bounded_at_every_layer(server: Recorder) -> None:
    inner = gzip.compress(b"#" * 50_000_000)
    server.route(
        "/nested.ttl", body=gzip.compress(inner), content_type="text/turtle", content_encoding="gzip, gzip"
    )
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="larger than the limit of 10,000 bytes"):
            fetch_public(f"{server.url}/nested.ttl", LIMITS, LOCAL_ONLY)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000, f"{peak:,} bytes allocated to refuse it"
