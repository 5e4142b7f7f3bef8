"""Availability in feed order, snapshots that carry a cursor, and subscriptions that resume
from one (docs/realtime.md#resuming-availability).

Every availability change the hub takes goes through `AvailabilityPositions.take`: for each
channel that a group follows, changes reach the groups in the position order of the channel's
availability feed with no gap (`FeedOrder`, schema/realtime/ordering.py): one that overtook
another, or one the bus lost, is read from the feed and delivered first. So the cursor of the
last message a client got is a place to resume from that misses nothing.

A snapshot's values carry the cursor of a position read before the snapshot (the last one the
hub delivered, or for a channel it does not follow yet, the feed's head), and the hub has
delivered everything up to it before the snapshot is handed to the group, so the cursor holds
for the group's other members too. A catch-up (`after`) sends the newest change of
each listing changed after the cursor, in feed order, page by page, then the hub delivers up to
the head the last page saw, and the group's live changes follow. A cursor too far behind
(`CATCH_UP_LIMIT`) is answered with a snapshot instead."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from api.services.container import Services
from domain.feeds import MAX_FEED_PAGE, FeedPosition, FeedStream
from schema.realtime.changes import Change, availability_change
from schema.realtime.feeds import SYSTEM, AvailabilityFeed, Feed
from schema.realtime.ordering import FeedOrder

Send = Callable[[Change], Awaitable[None]]

CATCH_UP_LIMIT = 10_000
"""A cursor further behind the head than this many changes is answered with a snapshot: each
page of a catch-up reads every change after the cursor (to find each listing's newest), so a
public storefront key with a week-old cursor must not make the server read a week of changes
per page. The client ends in the same state either way (it drops versions it has)."""


def _position(cursor: str | None) -> FeedPosition | None:
    return None if cursor is None else FeedPosition.read(FeedStream.AVAILABILITY, cursor)


class AvailabilityPositions:
    def __init__(self, services: Services, dispatch: Send) -> None:
        self._services = services
        self._dispatch = dispatch
        self._channel_ids: dict[str, int] = {}
        self.catch_up_limit = CATCH_UP_LIMIT
        self.order: FeedOrder[str, Change] = FeedOrder(self._fill, dispatch, MAX_FEED_PAGE)

    def watch(self, feed: Feed) -> None:
        if isinstance(feed, AvailabilityFeed):
            self.order.watch(feed.channel)

    def unwatch(self, feed: Feed) -> None:
        if isinstance(feed, AvailabilityFeed):
            self.order.unwatch(feed.channel)

    async def take(self, change: Change) -> None:
        """A change from the bus; one without a cursor (from a worker of an earlier release)
        is delivered as it comes."""
        value = change.value
        at = _position(value.cursor)
        if at is None:
            await self._dispatch(change)
            return
        self._channel_ids[value.channel] = at.channel_id
        await self.order.offer(value.channel, at.position, change)

    async def reach(self, channel: str, cursor: str) -> None:
        """Returns once every change of the channel up to `cursor` went to its groups."""
        at = _position(cursor)
        if at is not None:
            self._channel_ids[channel] = at.channel_id
            await self.order.reach(channel, at.position)

    async def snapshot(self, feed: AvailabilityFeed, bus_was_lost: bool = False) -> list[Change]:
        """What the feed covers now, each value with the cursor of a position every change up
        to which was committed before it was read: the last one delivered here when the
        channel is followed already (no query), else (and after a bus outage, when what the
        bus lost must be read first) the feed's head, read first."""
        head = None if bus_was_lost else self._delivered(feed.channel)
        head = head or await feed.head(self._services)
        changes = await feed.snapshot(self._services)
        await self.reach(feed.channel, head)
        return [availability_change(replace(change.value, cursor=head)) for change in changes]

    async def catch_up(self, feed: AvailabilityFeed, after: str, send: Send) -> bool:
        """Sends the newest change of each listing the feed covers changed after `after`, in
        feed order, a page at a time (INVALID_CURSOR, CURSOR_EXPIRED are raised before any).
        False, having sent nothing, when the cursor is more than `catch_up_limit` changes
        behind the head: a snapshot is then cheaper, and leaves the client in the same state."""
        feeds = self._services.feeds
        head = (await feeds.availability(feed.channel, after, 0, SYSTEM)).head_cursor
        start, end = _position(after), _position(head)
        if start is None or end is None or end.position - start.position > self.catch_up_limit:
            return False
        cursor = after
        skus = None if feed.skus is None else sorted(feed.skus)
        while True:
            page = await feeds.availability(
                feed.channel, cursor, MAX_FEED_PAGE, SYSTEM, skus, newest=True
            )
            for _, value in page.changes:
                await send(availability_change(value))
            cursor = page.end_cursor
            if not page.has_next:
                break
        await self.reach(feed.channel, page.head_cursor)
        return True

    def _delivered(self, channel: str) -> str | None:
        position, channel_id = self.order.position(channel), self._channel_ids.get(channel)
        if position is None or channel_id is None:
            return None
        return FeedPosition(FeedStream.AVAILABILITY, channel_id, position).cursor

    async def _fill(
        self, channel: str, after: int, until: int, limit: int
    ) -> list[tuple[int, Change]]:
        values = await self._services.feeds.availability_between(
            self._channel_ids[channel], after, until, limit
        )
        filled = []
        for value in values:
            at = _position(value.cursor)
            if at is not None:
                filled.append((at.position, availability_change(value)))
        return filled
