"""What one connection has yet to write, bounded however slowly its client reads."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable


class OutboxOverflow(Exception):
    """More unkeyed frames wait than the connection may hold: its client is too slow."""


class Outbox:
    """Frames in the order they were put. A frame with a key replaces the waiting frame of the
    same operation and key and takes its place at the end, so a client that falls behind gets
    the newest value of each thing it follows, never a backlog, and still in the order the
    values happened (what the cursor of the last message received relies on: every change
    before it was sent first, or is replaced by one still to come). Frames without a key
    (ledger rows, protocol replies) each count, and at most `max_unkeyed` of them may wait."""

    __slots__ = ("_frames", "_serial", "_unkeyed", "max_unkeyed", "peak", "replaced")

    def __init__(self, max_unkeyed: int) -> None:
        self.max_unkeyed = max_unkeyed
        self._frames: OrderedDict[tuple[Hashable, ...], str] = OrderedDict()
        self._unkeyed = 0
        self._serial = 0
        self.peak = 0
        """The most frames that ever waited at once."""
        self.replaced = 0
        """How many frames a newer one of the same key replaced before they were written."""

    def __len__(self) -> int:
        return len(self._frames)

    def put(self, frame: str, operation: str | None = None, key: Hashable | None = None) -> None:
        if key is None:
            if self._unkeyed >= self.max_unkeyed:
                raise OutboxOverflow(f"more than {self.max_unkeyed} messages waiting")
            self._unkeyed += 1
            self._serial += 1
            slot: tuple[Hashable, ...] = (operation, None, self._serial)
        else:
            slot = (operation, key)
            if self._frames.pop(slot, None) is not None:
                self.replaced += 1
        self._frames[slot] = frame
        self.peak = max(self.peak, len(self._frames))

    def discard(self, operation: str) -> None:
        """Drops what still waits for an operation that is over."""
        for slot in [slot for slot in self._frames if slot[0] == operation]:
            del self._frames[slot]
            if len(slot) == 3:
                self._unkeyed -= 1

    def pop(self) -> str | None:
        """The frame waiting longest, or None when nothing waits."""
        if not self._frames:
            return None
        slot, frame = self._frames.popitem(last=False)
        if len(slot) == 3:
            self._unkeyed -= 1
        return frame
