"""Where webhooks may be sent: `https` URLs whose host resolves only to public addresses.

Refused (WEBHOOK_URL_NOT_ALLOWED): other schemes, and hosts resolving to loopback, private,
link-local, multicast, reserved or unspecified addresses (an IPv4 address mapped into IPv6
counts as itself), so a key holder cannot make the server call into its own network. Checked
when an endpoint is created or changed and again before each round of attempts to it (a name
may be pointed elsewhere later). `STOCKPOOL_WEBHOOK_ALLOW_PRIVATE=true` allows `http` and every
address."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from domain.webhooks import WebhookUrlNotAllowed, check_url_text

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _public(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


async def check_target(url: str, allow_private: bool) -> None:
    """Raises WebhookUrlNotAllowed unless webhooks may be sent to `url`."""
    check_url_text(url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise WebhookUrlNotAllowed(url, "it is not a URL") from None
    if not parts.hostname:
        raise WebhookUrlNotAllowed(url, "it names no host")
    if allow_private:
        return
    if parts.scheme.lower() != "https":
        raise WebhookUrlNotAllowed(url, "only https:// URLs receive webhooks")
    for address in await _addresses(url, parts.hostname, port or 443):
        if not _public(address):
            raise WebhookUrlNotAllowed(
                url, f"{parts.hostname} resolves to {address}, which is not a public address"
            )


async def _addresses(url: str, host: str, port: int) -> list[Address]:
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise WebhookUrlNotAllowed(url, f"{host} does not resolve") from None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]
    if not addresses:
        raise WebhookUrlNotAllowed(url, f"{host} does not resolve")
    return addresses
