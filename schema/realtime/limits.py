"""How long and how much the server waits for and holds on behalf of WebSocket clients."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RealtimeLimits:
    init_timeout: float = 10.0
    """Seconds a client has to send connection_init (then closed with 4408)."""
    send_timeout: float = 30.0
    """Seconds a socket may accept nothing before its connection is closed as too slow."""
    max_unkeyed: int = 1_000
    """Ledger rows and replies that may wait per connection (then closed as too slow)."""
    max_operations: int = 100
    """Operations one connection may run at once."""
    close_timeout: float = 1.0
    """Seconds to try to send a close frame before giving up on the socket."""
    watchdog_interval: float = 1.0
    """How often the hub looks for sockets that accept nothing."""
