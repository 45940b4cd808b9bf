"""Fetch a URL that a visitor typed in, without letting them reach our own network.

The validation service fetches any URL it is given. Unguarded, that would let
anyone make the server read what only it can reach — ``http://127.0.0.1``
admin pages, the cloud metadata service at ``169.254.169.254``, machines on
the private network (server-side request forgery). So a user-given URL is
fetched only from *public* internet addresses:

1. Only ``http`` and ``https`` URLs.
2. We resolve the host name ourselves and refuse the URL when **any** of its
   addresses is not a public unicast address (:func:`address_refusal`):
   loopback, private, link-local, shared (100.64/10), multicast, reserved,
   unspecified, documentation ranges, IPv6 site-local, IPv4-mapped IPv6, and
   6to4 / NAT64 addresses that embed a non-public IPv4 address. A literal
   address in the URL is checked the same way; so are odd spellings such as
   ``http://2130706433/``, because what is checked is what the resolver
   returns.
3. **We connect to the very address we checked.** The request is sent to
   ``scheme://<checked IP>:<port>/path`` with the ``Host`` header set to the
   name, and — for https — httpx's documented ``sni_hostname`` request
   extension, so TLS sends the name and verifies the certificate against it
   as usual. There is no second DNS lookup, so a name that answers with a
   public address for our check and a private one a moment later (DNS
   rebinding) cannot move the connection. We chose this over an httpx
   transport that checks the peer of each new connection because it needs
   only httpx's public API: such a transport would have to replace httpx's
   private connection pool or re-implement its request and error mapping.
4. ``trust_env=False``: no proxy from the environment (the connection would go
   to the proxy, not to the address we checked) and no ``.netrc`` credentials.
5. No keep-alive: a TLS connection opened for one name is never reused for
   another name that resolves to the same address.
6. Redirects are followed by hand, and every target is checked exactly like
   the first URL before anything is sent to it; their number is capped.
7. Limits come from :class:`catalogue.config.Limits`: ``max_bytes`` is checked
   against Content-Length and against what every layer of Content-Encoding
   produces (:func:`catalogue.fetch.read_body`), and again after gunzipping a
   gzip body; ``timeout_seconds`` bounds each network operation and the whole
   fetch, redirects included. Name resolution uses the
   system resolver, which has its own timeouts.

:func:`fetch_public` does all of this for one document. Code that needs
other requests (HEAD, its own redirect handling) uses :func:`public_client`
and :func:`send_checked`, which do points 2–5 for one request;
:func:`check_public` does point 2 alone (harvests, for links they follow to
another host the operator allowed).

Tests run every server on 127.0.0.1, so the policy takes an explicit
allow-list (:class:`AddressPolicy`); the default allows nothing non-public.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from catalogue.config import Limits
from catalogue.fetch import (
    ACCEPT_ENCODING,
    RDF_ACCEPT,
    USER_AGENT,
    Document,
    InputError,
    gunzipped,
    read_body,
    took_longer,
)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[IPAddress]]

REDIRECTS = (301, 302, 303, 307, 308)
#: NAT64's well-known prefix: the last 32 bits are the IPv4 address a gateway would reach
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class RefusedURL(InputError):
    """The URL (or a redirect it led to) points somewhere we do not fetch from; ``reason`` says why."""

    http_status = 422

    def __init__(self, location: str, reason: str) -> None:
        self.reason = reason
        super().__init__(location, f"refused: {reason}")


@dataclass(frozen=True)
class AddressPolicy:
    """Which addresses user-given URLs may reach: public ones, plus ``allowed`` networks.

    The default allows nothing that is not public. ``allowed`` exists for tests
    (whose servers listen on 127.0.0.1) and for an operator who deliberately
    lets the service read one internal host; it is never widened implicitly.
    """

    allowed: tuple[Network, ...] = ()

    def refusal(self, address: IPAddress) -> str | None:
        """None when the address may be fetched from, else what kind of address it is."""
        if any(address.version == net.version and address in net for net in self.allowed):
            return None
        return address_refusal(address)


PUBLIC_ONLY = AddressPolicy()


def address_refusal(address: IPAddress) -> str | None:
    """What kind of non-public address this is ("a loopback address" …), or None for a public one.

    Python's ``is_global`` alone is not enough: in the Python versions we
    support it calls multicast and IPv6 site-local addresses global, and it
    does not look inside addresses that carry an IPv4 address.
    """
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return "an IPv4-mapped IPv6 address"
        embedded = address.sixtofour or (
            ipaddress.IPv4Address(int(address) & 0xFFFFFFFF) if address in NAT64 else None
        )
        if embedded is not None and (inner := address_refusal(embedded)):
            return f"an IPv6 address carrying {embedded}, {inner}"
    checks = (
        (address.is_unspecified, "the unspecified address"),
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (address.is_reserved, "a reserved address"),
        (address.is_private, "a private address"),
        (isinstance(address, ipaddress.IPv6Address) and address.is_site_local, "a site-local address"),
        (not address.is_global, "not a public internet address"),
    )
    return next((kind for failed, kind in checks if failed), None)


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address the system resolver gives for a host name (or the literal address itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise InputError(host, f"cannot resolve the host name: {reason}") from None
    addresses: list[IPAddress] = []
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])  # drop an IPv6 zone
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise InputError(host, "the host name has no address")
    return addresses


def fetch_public(
    url: str,
    limits: Limits,
    policy: AddressPolicy = PUBLIC_ONLY,
    accept: str = RDF_ACCEPT,
    resolver: Resolver = resolve,
) -> Document:
    """GET a user-given http(s) URL from public addresses only (see the module docstring).

    Raises :class:`RefusedURL` for a URL or redirect we will not follow and
    :class:`InputError` for anything else that goes wrong; the Document's
    ``location`` is the final URL, by name, after redirects.
    """
    deadline = time.monotonic() + limits.timeout_seconds
    with public_client({"Accept": accept}) as client:
        target = _http_url(url)
        chain = [str(target)]
        while True:
            response = send_checked(client, "GET", target, policy, limits.timeout_seconds, deadline, resolver)
            try:
                location = response.headers.get("location")
                if response.status_code not in REDIRECTS or not location:
                    return _read(response, str(target), limits, deadline)
            finally:
                response.close()
            following = _http_url(str(target.join(location.strip())), via=str(target))
            if str(following) in chain:
                raise InputError(url, "redirect loop: " + " → ".join([*chain, str(following)]))
            if len(chain) > limits.max_redirects:
                raise InputError(url, f"more than {limits.max_redirects} redirects (last: {following})")
            chain.append(str(following))
            target = following


def check_public(url: str, policy: AddressPolicy = PUBLIC_ONLY, resolver: Resolver = resolve) -> None:
    """Refuse (RefusedURL) an http(s) URL whose host has any non-public address, as fetch_public would.

    For callers that connect by themselves (a harvest following a link to
    another host): unlike fetch_public, the connection is not pinned to the
    checked address.
    """
    _checked_addresses(_http_url(url), policy, resolver)


def _http_url(url: str, via: str | None = None) -> httpx.URL:
    """The URL parsed, if it is an absolute http(s) URL with a host."""
    where = f" (redirected to from {via})" if via else ""
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError, ValueError) as error:
        raise InputError(url, f"not a valid URL{where}: {error}") from None
    if parsed.scheme not in ("http", "https"):
        shown = parsed.scheme or "none"
        raise RefusedURL(url, f"only http and https URLs are fetched (scheme: {shown}){where}")
    if not parsed.host:
        raise InputError(url, f"the URL has no host name{where}")
    return parsed


def _checked_addresses(target: httpx.URL, policy: AddressPolicy, resolver: Resolver) -> list[IPAddress]:
    host = target.raw_host.decode("ascii")
    port = target.port or (443 if target.scheme == "https" else 80)
    try:
        addresses = resolver(host, port)
    except InputError as error:
        raise InputError(str(target), error.message) from None
    for address in addresses:
        if kind := policy.refusal(address):
            said = f"{address} is" if _literal(host) == address else f"{host} resolves to {address},"
            raise RefusedURL(str(target), f"{said} {kind}; only public internet addresses are fetched")
    return addresses


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def public_client(headers: dict[str, str] | None = None) -> httpx.Client:
    """An httpx client for :func:`send_checked`: no proxies or .netrc from the environment, no keep-alive."""
    return httpx.Client(
        follow_redirects=False,
        trust_env=False,
        limits=httpx.Limits(max_keepalive_connections=0),
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": ACCEPT_ENCODING, **(headers or {})},
    )


def send_checked(
    client: httpx.Client,
    method: str,
    url: str | httpx.URL,
    policy: AddressPolicy = PUBLIC_ONLY,
    timeout: float = 30.0,
    deadline: float | None = None,
    resolver: Resolver = resolve,
) -> httpx.Response:
    """Send one request to a checked address of the URL's host; redirects are the caller's to check.

    The answer is streamed (close it); its ``url`` holds the address, not the
    name. Tries the host's addresses in turn until one accepts a connection,
    until ``deadline`` (a ``time.monotonic()`` value) if given. Use a client
    from :func:`public_client`. Raises :class:`RefusedURL` or :class:`InputError`.
    """
    target = url if isinstance(url, httpx.URL) else _http_url(url)
    addresses = _checked_addresses(target, policy, resolver)
    host = target.raw_host.decode("ascii")
    extensions = {"sni_hostname": host} if target.scheme == "https" else {}
    failure = "no address to connect to"
    for address in addresses:
        remaining = timeout if deadline is None else min(timeout, deadline - time.monotonic())
        if remaining <= 0:
            break
        request = client.build_request(
            method,
            target.copy_with(host=str(address)),
            headers={"Host": target.netloc.decode("ascii")},
            extensions=extensions,
            timeout=remaining,
        )
        try:
            return client.send(request, stream=True)
        except httpx.ConnectError as error:  # try the name's next address
            failure = f"cannot connect to {address}: {error or type(error).__name__}"
        except httpx.TimeoutException:
            raise InputError(str(target), took_longer(timeout)) from None
        except httpx.HTTPError as error:
            raise InputError(str(target), f"cannot fetch: {error or type(error).__name__}") from None
    if deadline is not None and deadline - time.monotonic() <= 0:
        raise InputError(str(target), took_longer(timeout))
    raise InputError(str(target), failure)


def _read(response: httpx.Response, location: str, limits: Limits, deadline: float) -> Document:
    if response.status_code >= 400:
        raise InputError(location, f"HTTP {response.status_code} {response.reason_phrase}".rstrip())
    if response.status_code in REDIRECTS:  # without a Location header
        raise InputError(location, f"HTTP {response.status_code} redirect without a Location header")
    try:
        body = read_body(response, location, limits, deadline)
    except httpx.TimeoutException:
        raise InputError(location, took_longer(limits.timeout_seconds)) from None
    except httpx.HTTPError as error:
        raise InputError(location, f"cannot fetch: {error or type(error).__name__}") from None
    content_type = (response.headers.get("content-type") or "").split(";")[0].strip().lower() or None
    return Document(location, gunzipped(body, location, limits), content_type)
