"""How long and how much the server waits for and holds on behalf of WebSocket clients."""

from __future__ import annotations

from dataclasses import dataclass

from api.settings import Settings
from domain.access import Principal, Role


@dataclass(frozen=True, slots=True)
class RealtimeLimits:
    init_timeout: float = 10.0
    """Seconds a client has to send connection_init (then closed with 4408)."""
    send_timeout: float = 30.0
    """Seconds a socket may accept nothing before its connection is closed as too slow."""
    max_unkeyed: int = 1_000
    """Ledger rows and replies that may wait per connection (then closed as too slow)."""
    max_operations: int = 100
    """Operations one connection of an admin or partner key may run at once."""
    max_storefront_operations: int = 10
    """The same for a storefront key (a page needs one: the badges share a subscription)."""
    max_connections_per_key: int = 1_000
    """Open connections of one admin or partner key, per process (then refused with 4429)."""
    max_connections_per_address: int = 100
    """Open connections of one storefront key from one client address, per process."""
    max_message_bytes: int = 65_536
    """A client message longer than this closes its connection with 1009."""
    close_timeout: float = 1.0
    """Seconds to try to send a close frame before giving up on the socket."""
    watchdog_interval: float = 1.0
    """How often the hub looks for sockets that accept nothing."""

    @classmethod
    def from_settings(cls, settings: Settings, init_timeout: float) -> RealtimeLimits:
        return cls(
            init_timeout=init_timeout,
            max_connections_per_key=settings.websocket_max_connections_per_key,
            max_connections_per_address=settings.websocket_max_connections_per_address,
            max_message_bytes=settings.websocket_max_message_bytes,
        )

    def operations_for(self, principal: Principal) -> int:
        """Operations a connection of `principal` may run at once."""
        if principal.role is Role.STOREFRONT:
            return self.max_storefront_operations
        return self.max_operations
