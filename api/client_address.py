"""The client address of a request or WebSocket: who limits per address are counted against.

The direct peer, unless it is one of `STOCKPOOL_TRUSTED_PROXIES`: then `X-Forwarded-For` is
read from the right (each proxy appends the address it saw), skipping trusted proxies, and
the first address no trusted proxy stands for is the client. Entries left of it were written
by the client itself and are never believed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network

UNKNOWN = "unknown"
"""The address of a connection whose server did not report its peer (a test transport)."""
IPV6_GROUP_PREFIX = 64
"""One IPv6 subscriber usually holds a whole /64: limits count the /64, not the address."""

Network = IPv4Network | IPv6Network


def parse_networks(raw: Iterable[str]) -> tuple[str, ...]:
    """Normalised networks (`10.0.0.1` → `10.0.0.1/32`); ValueError names a bad one."""
    return tuple(str(ip_network(item.strip(), strict=False)) for item in raw if item.strip())


@lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ip_network(item, strict=False) for item in trusted)


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in networks)


def client_address(
    scope: Mapping[str, object], forwarded_for: str | None, trusted: tuple[str, ...] = ()
) -> str:
    """The client's address for an ASGI `scope` (HTTP or WebSocket) and its
    `X-Forwarded-For` header, given the trusted proxy networks."""
    peer = scope.get("client")
    address = str(peer[0]) if isinstance(peer, list | tuple) and peer else UNKNOWN
    if not trusted or not forwarded_for:
        return address
    networks = _networks(trusted)
    if not _trusted(address, networks):
        return address
    for hop in reversed(forwarded_for.split(",")):
        try:
            hop_address = str(ip_address(hop.strip()))
        except ValueError:
            return address  # a trusted proxy would not write this: trust ends here
        address = hop_address
        if not _trusted(address, networks):
            return address
    return address


@lru_cache(maxsize=4096)
def address_group(address: str) -> str:
    """What per-address limits count: an IPv4 address, or the /64 of an IPv6 one (kept for
    the addresses seen last: every request asks, and parsing an address costs more than
    the rest of its rate limiting)."""
    try:
        parsed = ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ip_network(f"{parsed}/{IPV6_GROUP_PREFIX}", strict=False))
    return str(parsed)
