"""How many WebSockets each key holds open in this process, and whether one more may open.

An admin or partner key is counted as a whole. A storefront key is public (embedded in every
page of a shop, shared by thousands of shoppers), so it is counted per client address
(api/client_address.py): one visitor cannot take the shop's connections from the others."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable

from api.client_address import address_group
from domain.access import Principal, Role
from schema.realtime.limits import RealtimeLimits

Ticket = Hashable
"""What an admitted connection is counted under; handed back to `release` when it ends."""


class Admission:
    def __init__(self) -> None:
        self._open: Counter[Ticket] = Counter()

    def admit(
        self, principal: Principal, address: Callable[[], str], limits: RealtimeLimits
    ) -> Ticket | None:
        """Counts one more connection of `principal` and answers its ticket, or None when
        its key (or, for a storefront key, its key from that address) is at its cap.
        `address` is asked only for storefront keys."""
        key = principal.key_id or principal.name
        if principal.role is Role.STOREFRONT:
            ticket: Ticket = (key, address_group(address()))
            cap = limits.max_connections_per_address
        else:
            ticket, cap = (key,), limits.max_connections_per_key
        if self._open[ticket] >= cap:
            return None
        self._open[ticket] += 1
        return ticket

    def release(self, ticket: Ticket) -> None:
        left = self._open[ticket] - 1
        if left > 0:
            self._open[ticket] = left
        else:
            del self._open[ticket]

    @property
    def connections(self) -> int:
        """Admitted connections still open, every key together."""
        return sum(self._open.values())

    def __len__(self) -> int:
        """How many tickets have connections open (an entry per key or key and address)."""
        return len(self._open)
