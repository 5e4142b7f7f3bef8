"""Reading a channel's feeds (availability, reservations) page by page after a cursor, and
dropping what is older than the retention window."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from api.clock import Clock
from api.database import feed_repository
from api.database.engine import Database
from api.database.feed_repository import FeedEntry
from api.database.reservation_snapshots import from_snapshot
from api.database.tables import channels
from api.messages import availability_from
from domain.access import Principal
from domain.errors import ChannelNotFound
from domain.feeds import FeedPosition, FeedStream, feed_page_size
from domain.publishing import ChannelAvailability
from domain.reservations import Reservation

T = TypeVar("T")
Reader = Callable[
    [AsyncConnection, int, FeedStream, int, int, Sequence[str] | None], Awaitable[list[FeedEntry]]
]
"""Reads a page of a feed: (conn, channel id, stream, after, limit, subjects)."""


@dataclass(frozen=True, slots=True)
class FeedPage(Generic[T]):
    changes: list[tuple[str, T]]
    """Each change after the cursor asked for, oldest first, with its own cursor."""
    has_next: bool
    end_cursor: str
    """Where the next page starts: the last change's cursor, or (no change) the cursor asked
    for, so a connector can always keep the end cursor and ask again."""
    head_cursor: str
    """The newest change's cursor when the page was read: a snapshot read after it, plus the
    feed after it, misses nothing."""


def _availability(entry: FeedEntry, cursor: str) -> ChannelAvailability:
    return replace(availability_from(entry.payload), cursor=cursor)


def _reservation(entry: FeedEntry, _cursor: str) -> Reservation:
    return from_snapshot(entry.payload)


class FeedService:
    def __init__(self, database: Database, clock: Clock, retention: timedelta) -> None:
        self._database = database
        self._clock = clock
        self._retention = retention

    async def availability(
        self,
        channel: str,
        after: str | None,
        first: int,
        caller: Principal,
        skus: Sequence[str] | None = None,
        newest: bool = False,
    ) -> FeedPage[ChannelAvailability]:
        """With `newest`, only the newest change of each listing (paging on gives each listing
        once, as of its newest change): what a resuming subscription sends."""
        read = feed_repository.newest_after if newest else feed_repository.after
        return await self._page(
            FeedStream.AVAILABILITY, channel, after, first, caller, _availability, skus, read
        )

    async def availability_between(
        self, channel_id: int, after: int, until: int, limit: int
    ) -> list[ChannelAvailability]:
        """The newest change of each listing of the channel in (after, until], up to `limit`
        of them, oldest first, each with its cursor (the hub fills gaps in the bus with it)."""
        async with self._database.read() as conn:
            entries = await feed_repository.newest_after(
                conn, channel_id, FeedStream.AVAILABILITY, after, limit, until=until
            )
        return [
            _availability(
                entry, FeedPosition(FeedStream.AVAILABILITY, channel_id, entry.position).cursor
            )
            for entry in entries
        ]

    async def reservations(
        self, channel: str, after: str | None, first: int, caller: Principal
    ) -> FeedPage[Reservation]:
        return await self._page(
            FeedStream.RESERVATIONS, channel, after, first, caller, _reservation
        )

    async def _page(
        self,
        stream: FeedStream,
        channel: str,
        after: str | None,
        first: int,
        caller: Principal,
        decode: Callable[[FeedEntry, str], T],
        subjects: Sequence[str] | None = None,
        read: Reader = feed_repository.after,
    ) -> FeedPage[T]:
        caller.require_channel(channel)
        size = feed_page_size(first)
        async with self._database.read() as conn:
            channel_id = await _channel_id(conn, channel)
            head = await feed_repository.head(conn, channel_id, stream)
            start = FeedPosition(stream, channel_id, head.kept_after)
            if after is not None:
                start = FeedPosition.parse(stream, channel_id, after)
                start.require_within(head.position, head.kept_after)
            entries = await read(conn, channel_id, stream, start.position, size + 1, subjects)
        changes = []
        for entry in entries[:size]:
            cursor = FeedPosition(stream, channel_id, entry.position).cursor
            changes.append((cursor, decode(entry, cursor)))
        return FeedPage(
            changes,
            has_next=len(entries) > size,
            end_cursor=changes[-1][0] if changes else start.cursor,
            head_cursor=FeedPosition(stream, channel_id, head.position).cursor,
        )

    async def drop_expired(self) -> int:
        """Drops the changes older than the retention window; returns how many."""
        async with self._database.transaction() as conn:
            return await feed_repository.drop_before(conn, self._clock() - self._retention)


async def _channel_id(conn: Any, code: str) -> int:
    found = (await conn.execute(select(channels.c.id).where(channels.c.code == code))).first()
    if found is None:
        raise ChannelNotFound(code, ("channel",))
    return int(found.id)
