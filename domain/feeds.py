"""A channel's feeds: every change of its published availability and of its reservations, in
commit order, each at a position that only grows. A cursor names a position in one feed of one
channel; positions up to the retention horizon are gone, and a cursor before it has expired."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from enum import Enum

from domain.cursors import MAX_CURSOR_LENGTH, decode_cursor, encode_cursor
from domain.error_codes import ErrorCode
from domain.errors import StockpoolError

MAX_FEED_PAGE = 250


class FeedStream(Enum):
    AVAILABILITY = "availability"
    RESERVATIONS = "reservations"

    def cursor_kind(self, channel_id: int) -> str:
        return f"{self.value[0]}f{channel_id}"


class InvalidFeedCursor(StockpoolError):
    code = ErrorCode.INVALID_CURSOR


class CursorExpired(StockpoolError):
    """Changes after the cursor were dropped by retention: resync from a snapshot."""

    code = ErrorCode.CURSOR_EXPIRED


@dataclass(frozen=True, slots=True)
class FeedPosition:
    stream: FeedStream
    channel_id: int
    position: int

    @property
    def cursor(self) -> str:
        return encode_cursor(self.stream.cursor_kind(self.channel_id), self.position)

    @classmethod
    def parse(cls, stream: FeedStream, channel_id: int, cursor: str) -> FeedPosition:
        """The position a cursor of this channel's feed names; INVALID_CURSOR for anything else
        (another channel's or feed's cursor included)."""
        position = decode_cursor(stream.cursor_kind(channel_id), cursor)
        if position is None:
            raise InvalidFeedCursor(f"invalid cursor {cursor[:100]!r}", ("after",))
        return cls(stream, channel_id, position)

    @classmethod
    def read(cls, stream: FeedStream, cursor: str) -> FeedPosition | None:
        """The position a cursor of this feed of any channel names (the channel is in the
        cursor); None for anything else."""
        if len(cursor) > MAX_CURSOR_LENGTH:
            return None
        try:
            kind = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")[0]
        except (binascii.Error, UnicodeError, ValueError):
            return None
        prefix = stream.cursor_kind(0)[:-1]
        channel = kind.removeprefix(prefix)
        if not kind.startswith(prefix) or not (channel.isascii() and channel.isdigit()):
            return None
        position = decode_cursor(stream.cursor_kind(int(channel)), cursor)
        return None if position is None else cls(stream, int(channel), position)

    def require_within(self, head: int, kept_after: int) -> None:
        """A position the feed has handed out (INVALID_CURSOR past its head) whose later
        changes are all still kept (CURSOR_EXPIRED before the retention horizon)."""
        if self.position > head:
            raise InvalidFeedCursor(f"invalid cursor {self.cursor!r}", ("after",))
        if self.position < kept_after:
            raise CursorExpired(
                "the changes after this cursor are past the retention window: read a snapshot "
                "and follow the feed from the cursor that comes with it",
                ("after",),
            )


class InvalidPageSize(StockpoolError):
    code = ErrorCode.INVALID_PAGE_SIZE


def feed_page_size(first: int) -> int:
    """A page of a feed holds 0 (only the head cursor) to MAX_FEED_PAGE changes."""
    if not 0 <= first <= MAX_FEED_PAGE:
        raise InvalidPageSize(f"first must be between 0 and {MAX_FEED_PAGE}", ("first",))
    return first
