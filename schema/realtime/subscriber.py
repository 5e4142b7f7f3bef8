"""One subscription of one connection: where a group's rendered results go."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable

from schema.realtime.changes import Change

Put = Callable[[str, str, Hashable | None], None]
"""Queues a frame on the connection: (frame, operation id, key to replace by or None)."""


class Subscriber:
    """Until its snapshot is in, a subscriber holds what its group sends (the newest per key)
    so that the snapshot goes out first; after that every result goes straight to the
    connection's outbox. The group sees to version order."""

    def __init__(self, operation: str, head: str, put: Put) -> None:
        self.operation = operation
        self._head = head
        self._put = put
        self._held: OrderedDict[Hashable, tuple[int, str]] | None = OrderedDict()

    @property
    def live(self) -> bool:
        return self._held is None

    def offer(self, change: Change, payload: str) -> None:
        if self._held is None or change.key is None:
            self._put(self._head + payload + "}", self.operation, change.key)
            return
        held = self._held.get(change.key)
        if held is None or held[0] < change.version:
            self._held[change.key] = (change.version, payload)

    def go_live(self) -> None:
        held, self._held = self._held, None
        for key, (_, payload) in (held or {}).items():
            self._put(self._head + payload + "}", self.operation, key)
