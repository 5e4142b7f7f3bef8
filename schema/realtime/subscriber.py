"""One subscription of one connection: where a group's rendered results go."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable

from schema.realtime.changes import Change

Put = Callable[[str, str, Hashable | None], None]
"""Queues a frame on the connection: (frame, operation id, key to replace by or None)."""


class Subscriber:
    """Until its first state (snapshot or catch-up) is in, a subscriber holds what its group
    sends (the newest per key, in the order those arrived) while its first state goes straight
    out; then it sends what it held that is newer than its first state, and every later result
    goes straight to the connection's outbox. The group sees to version order."""

    __slots__ = ("_first", "_head", "_held", "_put", "operation")

    def __init__(self, operation: str, head: str, put: Put) -> None:
        self.operation = operation
        self._head = head
        self._put = put
        self._held: OrderedDict[Hashable, tuple[int, str]] | None = OrderedDict()
        self._first: dict[Hashable, int] = {}

    @property
    def live(self) -> bool:
        return self._held is None

    def offer(self, change: Change, payload: str) -> None:
        if self._held is None or change.key is None:
            self._put(self._head + payload + "}", self.operation, change.key)
            return
        held = self._held.get(change.key)
        if held is None or held[0] < change.version:
            # A newer value moves to the end: what is held stays in the order it happened.
            self._held.pop(change.key, None)
            self._held[change.key] = (change.version, payload)

    def first(self, change: Change, payload: str) -> None:
        """A value of its first state: out at once, unless the group already handed it this
        version or a newer one since it joined (that goes out with what it held)."""
        if self._held is None or change.key is None:
            self.offer(change, payload)
            return
        held = self._held.get(change.key)
        if held is not None and held[0] >= change.version:
            return
        self._first[change.key] = max(change.version, self._first.get(change.key, -1))
        self._put(self._head + payload + "}", self.operation, change.key)

    def go_live(self) -> None:
        held, self._held = self._held, None
        first, self._first = self._first, {}
        for key, (version, payload) in (held or {}).items():
            if version > first.get(key, -1):
                self._put(self._head + payload + "}", self.operation, key)
