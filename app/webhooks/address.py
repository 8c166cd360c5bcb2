"""Where a webhook may be sent: public addresses only (issue 14, item 3: no SSRF).

:func:`check_url` is the one rule, used at registration (422 when refused) and again before every
delivery: the URL is ``http``/``https`` with a host name or address and no credentials; the name
is resolved once, and every address it resolves to must be public (:func:`non_public`). The
sender then connects to the address checked here (:class:`Target`), never resolving the name a
second time, so a name that changes its answer between the check and the connection (DNS
rebinding) cannot lead the connection elsewhere.

``WEBHOOK_ALLOW_PRIVATE=true`` lifts the public-address test (names are still resolved and the
connection still goes to the address resolved): for tests against a receiver on this machine
only.
"""

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["RefusedAddress", "Resolver", "Target", "check_url", "non_public", "system_resolver"]

Resolver = Callable[[str, int], Sequence[str]]
"""Resolves a host name and port to the addresses to connect to (textual IPv4 or IPv6)."""

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

NAT64 = ipaddress.ip_network("64:ff9b::/96")
"""The well-known NAT64 prefix: its addresses stand for the IPv4 address in their last 32 bits."""


class RefusedAddress(Exception):
    """The URL is not one a webhook may be sent to; ``str(exc)`` says why."""


@dataclass(frozen=True)
class Target:
    """A checked URL: connect to ``address`` (never to ``host`` again), name ``host`` in the
    ``Host`` header and in TLS (SNI and certificate)."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def system_resolver(host: str, port: int) -> list[str]:
    """The operating system's answer for ``host`` (every address, in its order)."""
    found: list[str] = []
    for *_, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        address = str(sockaddr[0])
        if address not in found:
            found.append(address)
    return found


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for: IPv4-mapped, 6to4 or NAT64."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def non_public(ip: IPAddress) -> str | None:
    """Why ``ip`` is not a public address (None: it is). Loopback, private, link-local,
    multicast, reserved, unspecified and every other special-purpose range are refused; an IPv6
    address that stands for an IPv4 one (IPv4-mapped, 6to4, NAT64) is judged by that too."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            reason = non_public(embedded)
            if reason is not None:
                return f"{reason} (inside {ip})"
    checks = (
        ("loopback", ip.is_loopback),
        ("unspecified", ip.is_unspecified),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
    )
    for name, applies in checks:
        if applies:
            return f"{ip} is a {name} address"
    if not ip.is_global:
        return f"{ip} is not a public address"
    return None


def _parse(url: str) -> tuple[str, str, int, str]:
    if not url.isascii() or any(ord(c) <= 32 or ord(c) == 127 for c in url):
        raise RefusedAddress(
            "the URL must be ASCII without spaces or control characters"
            " (an international name in its xn-- form, other characters percent-encoded)"
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise RefusedAddress(f"the URL is not valid: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise RefusedAddress("the URL must start with http:// or https://")
    if parts.username is not None or parts.password is not None:
        raise RefusedAddress("the URL must not carry credentials")
    host = parts.hostname
    if not host:
        raise RefusedAddress("the URL has no host")
    try:
        host.encode("idna")
    except UnicodeError:
        raise RefusedAddress("the URL's host is not a valid name") from None
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return parts.scheme, host, port or (443 if parts.scheme == "https" else 80), path


def check_url(url: str, *, resolver: Resolver, allow_private: bool = False) -> Target:
    """The one rule of where a webhook may be sent (see the module doc): the URL parsed, its
    host resolved once (an address in the URL is not resolved), every address public unless
    ``allow_private``. Raises :class:`RefusedAddress` saying why not."""
    scheme, host, port, path = _parse(url)
    try:
        addresses: Sequence[str] = [str(ipaddress.ip_address(host))]
    except ValueError:
        try:
            addresses = resolver(host, port)
        except (OSError, UnicodeError) as exc:
            raise RefusedAddress(f"{host} cannot be resolved: {exc}") from None
    if not addresses:
        raise RefusedAddress(f"{host} cannot be resolved")
    checked: list[IPAddress] = []
    for address in addresses:
        try:
            ip = ipaddress.ip_address(address.partition("%")[0])
        except ValueError:
            raise RefusedAddress(f"{host} resolved to something not an address") from None
        reason = None if allow_private else non_public(ip)
        if reason is not None:
            raise RefusedAddress(f"{host} resolves to a non-public address: {reason}")
        checked.append(ip)
    return Target(scheme=scheme, host=host, port=port, path=path, address=str(checked[0]))
