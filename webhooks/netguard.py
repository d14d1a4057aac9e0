"""SSRF guard: webhook URLs may only reach public addresses.

A URL is checked when it is registered and again at every delivery, against the addresses the
host resolves to *at that moment*; the delivery then connects to the very address that was
checked (``transport.py`` pins it), so a DNS answer that changes between check and connect
(DNS rebinding) cannot smuggle a private address in.

Refused: private, loopback, link-local, CGNAT (100.64/10), unique-local, cloud metadata
(169.254.169.254, fd00:ec2::254), unspecified, multicast and reserved addresses, and IPv6
forms that embed one of those (IPv4-mapped ``::ffff:127.0.0.1``, IPv4-compatible, 6to4, Teredo,
NAT64). Hosts written as encoded IPv4 (``2130706433``, ``0x7f.1``, ``017700000001``, ``127.1``)
are decoded the way ``inet_aton`` (and so every HTTP client) would. Only ``http`` and ``https``,
any port. ``WEBHOOK_ALLOW_PRIVATE_HOSTS`` lets private and loopback hosts through for
development; metadata, unspecified and multicast addresses stay refused even then.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA_ADDRESSES = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)
CGNAT = ipaddress.ip_network("100.64.0.0/10")
NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


class UnsafeURL(ValueError):
    """The URL is malformed, not http(s), or leads to an address webhooks may not reach."""

    def __init__(self, message: str, code: str = "unsafe_url"):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (``address``) and what to call the host (Host, SNI)."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def parse_ipv4_loose(host: str) -> ipaddress.IPv4Address | None:
    """Decode IPv4 written as ``inet_aton`` accepts it: 1-4 dot parts, each decimal, 0-octal or 0x-hex.

    ``"2130706433"``, ``"0x7f.1"``, ``"017700000001"`` and ``"127.1"`` all mean 127.0.0.1.
    Returns None for anything that is not such a number (a DNS name).
    """
    parts = host.split(".")
    if host.endswith("."):
        parts = parts[:-1]
    if not 1 <= len(parts) <= 4:
        return None
    values = []
    for part in parts:
        value: int | None
        try:
            if part[:2].lower() == "0x":
                value = int(part[2:] or "0", 16)
            elif len(part) > 1 and part.startswith("0"):
                value = int(part[1:], 8)
            else:
                value = int(part, 10) if part.isdigit() else None
        except ValueError:
            return None
        if value is None:
            return None
        values.append(value)
    # The last part fills all the remaining bytes: a.b.c.d, a.b.(16 bits), a.(24 bits), (32 bits).
    *head, last = values
    if any(v > 255 for v in head) or last >= 256 ** (5 - len(values)):
        return None
    number = last
    for index, value in enumerate(head):
        number |= value << (24 - 8 * index)
    return ipaddress.IPv4Address(number)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    embedded = []
    if ip.ipv4_mapped:
        embedded.append(ip.ipv4_mapped)
    if ip.sixtofour:
        embedded.append(ip.sixtofour)
    if ip.teredo:
        embedded.extend(ip.teredo)
    if any(ip in net for net in NAT64) or (ip in IPV4_COMPATIBLE and int(ip) > 1):
        embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return embedded


def refusal_reason(ip: IPAddress, *, allow_private: bool = False) -> str | None:
    """Why webhooks may not connect to ``ip``, or None if they may."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            ip = ipaddress.IPv6Address(str(ip).split("%")[0])
        for inner in _embedded_ipv4(ip):
            reason = refusal_reason(inner, allow_private=allow_private)
            if reason:
                return f"{reason} (embedded in {ip})"
    reason = _never_reachable(ip)
    if reason or allow_private:
        return reason
    return _not_public(ip)


def _never_reachable(ip: IPAddress) -> str | None:
    """Addresses refused even in development (``WEBHOOK_ALLOW_PRIVATE_HOSTS``)."""
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_multicast:
        return "a multicast address"
    return None


def _not_public(ip: IPAddress) -> str | None:
    """Addresses that are not on the public internet."""
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if isinstance(ip, ipaddress.IPv4Address) and ip in CGNAT:
        return "a shared (CGNAT) address"
    if ip.is_private:
        return "a private address"
    if ip.is_reserved or not ip.is_global:
        return "a reserved address"
    return None


def literal_address(host: str) -> IPAddress | None:
    """The address a host names by itself (IPv4, bracket-less IPv6, or encoded IPv4), if any."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return parse_ipv4_loose(host)


def split_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path-with-query) of an http(s) URL, or UnsafeURL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise UnsafeURL("Enter a valid URL.", code="invalid")
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UnsafeURL("Only http and https URLs can receive webhooks.", code="invalid_scheme")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeURL("Enter a valid URL with a host.", code="invalid")
    if parts.username is not None or parts.password is not None:
        # user:pass@host invites parser confusion; receivers authenticate with the signature.
        raise UnsafeURL("Credentials in the URL are not supported.", code="invalid")
    if port == 0:
        raise UnsafeURL("Enter a valid port.", code="invalid")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return scheme, host, port or (443 if scheme == "https" else 80), path


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to now (IPv4 and IPv6), or UnsafeURL if none."""
    literal = literal_address(host)
    if literal is not None:
        return [literal]
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise UnsafeURL(f"The host {host!r} does not resolve.", code="unresolvable_host")
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if ip not in addresses:
            addresses.append(ip)
    if not addresses:
        raise UnsafeURL(f"The host {host!r} does not resolve.", code="unresolvable_host")
    return addresses


def check_url(url: str, *, allow_private: bool = False) -> Target:
    """Resolve the URL's host and check every address; the result names the address to connect to."""
    scheme, host, port, path = split_url(url)
    addresses = resolve(host, port)
    for ip in addresses:
        reason = refusal_reason(ip, allow_private=allow_private)
        if reason:
            raise UnsafeURL(f"This URL leads to {reason}; webhooks only reach public hosts.")
    return Target(scheme=scheme, host=host, port=port, path=path, address=str(addresses[0]))
