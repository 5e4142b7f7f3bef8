"""FeedOrder (schema/realtime/ordering.py): each stream delivered in position order, with no
gap and no repeat, against a feed held in a dict (no database)."""

from __future__ import annotations

import asyncio

import pytest

from schema.realtime.ordering import FeedOrder


class Feed:
    """A channel feed: every committed position and what it holds; records each read."""

    def __init__(self, positions: range) -> None:
        self.entries = {position: f"c{position}" for position in positions}
        self.reads: list[tuple[str, int, int]] = []
        self.failing = False
        self.reading = asyncio.Event()
        self.gate: asyncio.Event | None = None
        """When set, reads wait for it."""

    async def fill(self, stream: str, after: int, until: int, limit: int) -> list[tuple[int, str]]:
        self.reads.append((stream, after, until))
        self.reading.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.failing:
            raise ConnectionError("database gone")
        found = sorted(p for p in self.entries if after < p <= until)[:limit]
        return [(position, self.entries[position]) for position in found]


def order(
    feed: Feed, page: int = 250, max_pending: int = 10_000
) -> tuple[FeedOrder[str, str], list[str]]:
    delivered: list[str] = []

    async def deliver(item: str) -> None:
        delivered.append(item)

    return FeedOrder(feed.fill, deliver, page, max_pending), delivered


async def following(feed: Feed, at: int, **options: int) -> tuple[FeedOrder[str, str], list[str]]:
    """An order whose stream "web" is watched and has delivered up to `at`."""
    feed_order, delivered = order(feed, **options)
    feed_order.watch("web")
    await feed_order.reach("web", at)
    assert delivered == [] and feed.reads == []
    return feed_order, delivered


async def test_items_in_order_are_delivered_at_once_without_reading_the_feed():
    feed = Feed(range(1, 20))
    feed_order, delivered = await following(feed, 10)

    for position in (11, 12, 13):
        await feed_order.offer("web", position, f"c{position}")

    assert delivered == ["c11", "c12", "c13"]
    assert feed.reads == []
    assert feed_order.position("web") == 13


async def test_an_item_that_overtakes_another_brings_the_one_it_overtook_first():
    feed = Feed(range(1, 20))
    feed_order, delivered = await following(feed, 10)

    await feed_order.offer("web", 12, "c12")  # another worker's 11 is still on its way
    await feed_order.offer("web", 11, "c11")

    assert delivered == ["c11", "c12"]
    assert feed.reads == [("web", 10, 11)]
    assert feed_order.repeats == 1


async def test_a_lost_item_is_read_from_the_feed_before_the_next_one():
    feed = Feed(range(1, 20))
    feed_order, delivered = await following(feed, 10)

    await feed_order.offer("web", 11, "c11")
    await feed_order.offer("web", 14, "c14")  # 12 and 13 never came

    assert delivered == ["c11", "c12", "c13", "c14"]
    assert feed_order.filled == 2


async def test_a_repeat_of_a_delivered_position_is_dropped():
    feed = Feed(range(1, 20))
    feed_order, delivered = await following(feed, 10)

    await feed_order.offer("web", 11, "c11")
    await feed_order.offer("web", 11, "c11 again")
    await feed_order.offer("web", 9, "c9")

    assert delivered == ["c11"]


async def test_a_long_gap_is_read_in_pages():
    feed = Feed(range(1, 30))
    feed_order, delivered = await following(feed, 0, page=10)

    await feed_order.offer("web", 25, "c25")

    assert delivered == [f"c{position}" for position in range(1, 26)]
    assert feed.reads == [("web", 0, 24), ("web", 10, 24), ("web", 20, 24)]


async def test_a_fill_may_leave_out_what_a_later_item_replaces():
    feed = Feed(range(1, 20))
    del feed.entries[12]  # say the newest of its listing is at 13: a fill skips 12
    feed_order, delivered = await following(feed, 10)

    await feed_order.offer("web", 14, "c14")
    await feed_order.offer("web", 15, "c15")

    assert delivered == ["c11", "c13", "c14", "c15"]
    assert feed.reads == [("web", 10, 13)]


async def test_a_pending_stream_keeps_items_until_it_is_reached_then_delivers_in_order():
    feed = Feed(range(1, 20))
    feed_order, delivered = order(feed)
    feed_order.watch("web")

    await feed_order.offer("web", 13, "c13")
    await feed_order.offer("web", 12, "c12")
    assert delivered == [] and feed_order.position("web") is None

    await feed_order.reach("web", 12)  # the first follower's state stands at 12

    # Delivery starts before the first item kept (11): 12 and 13 in order, nothing repeated.
    assert delivered == ["c12", "c13"]
    assert feed_order.position("web") == 13
    assert feed.reads == []


async def test_reaching_a_position_delivers_everything_up_to_it():
    feed = Feed(range(1, 20))
    feed_order, delivered = await following(feed, 10)

    await feed_order.reach("web", 13)
    await feed_order.reach("web", 12)  # behind what is delivered: nothing to do

    assert delivered == ["c11", "c12", "c13"]
    assert feed.reads == [("web", 10, 13)]


async def test_a_pending_stream_over_its_limit_reads_what_it_could_not_keep():
    feed = Feed(range(1, 20))
    feed_order, delivered = order(feed, max_pending=2)
    feed_order.watch("web")
    for position in (11, 12, 13, 14):
        await feed_order.offer("web", position, f"c{position}")

    await feed_order.reach("web", 14)

    assert delivered == ["c11", "c12", "c13", "c14"]
    assert feed.reads == [("web", 12, 14)]


async def test_streams_nobody_watches_are_delivered_as_they_come():
    feed = Feed(range(1, 20))
    feed_order, delivered = order(feed)

    await feed_order.offer("amazon", 5, "c5")
    await feed_order.offer("amazon", 3, "c3")

    assert delivered == ["c5", "c3"]
    assert feed.reads == []


async def test_the_last_unwatch_forgets_the_stream():
    feed = Feed(range(1, 20))
    feed_order, delivered = await following(feed, 10)
    feed_order.watch("web")
    feed_order.unwatch("web")
    assert feed_order.position("web") == 10

    feed_order.unwatch("web")

    assert feed_order.position("web") is None
    await feed_order.offer("web", 15, "c15")  # not ordered any more: no read
    assert delivered == ["c15"] and feed.reads == []


async def test_a_failed_read_delivers_nothing_and_the_next_item_reads_the_span_again():
    feed = Feed(range(1, 20))
    feed_order, delivered = await following(feed, 10)
    feed.failing = True

    with pytest.raises(ConnectionError):
        await feed_order.offer("web", 12, "c12")
    assert delivered == [] and feed_order.position("web") == 10

    feed.failing = False
    await feed_order.offer("web", 13, "c13")

    assert delivered == ["c11", "c12", "c13"]


async def test_an_item_offered_while_a_read_runs_waits_for_it_and_keeps_its_place():
    feed = Feed(range(1, 20))
    feed_order, delivered = await following(feed, 10)
    feed.gate = asyncio.Event()

    reaching = asyncio.create_task(feed_order.reach("web", 12))  # a snapshot's reach
    await feed.reading.wait()
    offering = asyncio.create_task(feed_order.offer("web", 13, "c13"))  # the bus meanwhile
    await asyncio.sleep(0)
    assert delivered == []
    feed.gate.set()
    await asyncio.gather(reaching, offering)

    assert delivered == ["c11", "c12", "c13"]
