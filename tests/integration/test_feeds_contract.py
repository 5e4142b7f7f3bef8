"""The channel feeds on SQLite and PostgreSQL: every committed change of a channel's published
availability and of its reservations, once, in commit order, after a cursor; nothing of a
refused or rolled-back transaction; cursors checked, and expired past the retention window."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from api.database.tables import channels, listings
from api.services.container import Services
from api.services.publishing import republish
from domain.access import Principal, Role
from domain.errors import Forbidden, InsufficientStock
from domain.feeds import CursorExpired, FeedPosition, FeedStream, InvalidFeedCursor
from domain.listings import ListingStatus, UpsertListing
from domain.reservations import (
    CommitReservation,
    FulfilReservation,
    ReleaseReservation,
    RequestedLine,
    ReservationStatus,
    ReserveStock,
)
from tests.conftest import ADMIN, both_hold_paths
from tests.integration.helpers import make_catalogue, make_channel, stock

pytestmark = both_hold_paths


async def _shop(services: Services, units: int = 10) -> None:
    await make_catalogue(services, skus=("TEE", "CAP"))
    await make_channel(services, "web")
    await make_channel(services, "market")
    for channel in ("web", "market"):
        for sku in ("TEE", "CAP"):
            await services.dispatch(UpsertListing(channel, sku, f"{channel}-{sku}"), ADMIN)
    await stock(services, ("TEE", "WH", units), ("CAP", "WH", units))


def hold(order_ref: str, quantity: int = 1, channel: str = "web", sku: str = "TEE") -> ReserveStock:
    return ReserveStock(channel, order_ref, (RequestedLine(sku, quantity),))


async def _whole_feed(services: Services, stream: str, channel: str = "web", first: int = 3):
    """Every change of the feed, paging `first` at a time."""
    read = getattr(services.feeds, stream)
    changes, after = [], None
    while True:
        page = await read(channel, after, first, ADMIN)
        changes.extend(page.changes)
        after = page.end_cursor
        if not page.has_next:
            return changes, page


async def test_a_reservation_feed_shows_each_state_a_reservation_went_through_in_order(
    services: Services,
) -> None:
    await _shop(services)
    kept = await services.dispatch(hold("kept", 2), ADMIN)
    await services.dispatch(CommitReservation(kept.id), ADMIN)
    await services.dispatch(FulfilReservation(kept.id), ADMIN)
    dropped = await services.dispatch(hold("dropped"), ADMIN)
    await services.dispatch(ReleaseReservation(dropped.id), ADMIN)

    changes, _ = await _whole_feed(services, "reservations")

    assert [(r.order_ref, r.status) for _, r in changes] == [
        ("kept", ReservationStatus.HELD),
        ("kept", ReservationStatus.COMMITTED),
        ("kept", ReservationStatus.FULFILLED),
        ("dropped", ReservationStatus.HELD),
        ("dropped", ReservationStatus.RELEASED),
    ]
    assert changes[-1][1].lines[0].quantity == 1
    assert len({cursor for cursor, _ in changes}) == len(changes)


async def test_an_availability_feed_holds_every_new_face_once_with_growing_versions(
    services: Services,
) -> None:
    await _shop(services, units=3)
    for n in range(3):
        await services.dispatch(hold(f"o{n}"), ADMIN)
    await services.dispatch(hold("cap", sku="CAP"), ADMIN)

    changes, page = await _whole_feed(services, "availability")

    tee = [a for _, a in changes if a.sku == "TEE"]
    assert [a.published for a in tee] == [3, 2, 1, 0]
    assert [a.version for a in tee] == [tee[0].version + n for n in range(4)]
    assert all(a.channel == "web" for _, a in changes)
    assert [a.cursor for _, a in changes] == [cursor for cursor, _ in changes]
    assert page.head_cursor == changes[-1][0]


async def test_a_refused_hold_and_a_rolled_back_transaction_leave_the_feeds_unchanged(
    services: Services,
) -> None:
    await _shop(services, units=1)
    before = {s: await _whole_feed(services, s) for s in ("availability", "reservations")}

    with pytest.raises(InsufficientStock):
        await services.dispatch(hold("too-many", 5), ADMIN)
    with pytest.raises(RuntimeError):
        async with services.database.transaction() as conn:
            await conn.execute(update(listings).values(status=ListingStatus.PAUSED.value))
            assert await republish(conn, datetime.now(UTC), sku_codes=["TEE"])
            raise RuntimeError("the caller gives up before commit")

    for stream, (changes, page) in before.items():
        after = await getattr(services.feeds, stream)("web", page.end_cursor, 100, ADMIN)
        assert after.changes == [], stream
        assert (await _whole_feed(services, stream))[0] == changes


async def test_a_page_after_the_last_change_is_empty_and_keeps_the_cursor(
    services: Services,
) -> None:
    await _shop(services)
    await services.dispatch(hold("one"), ADMIN)
    page = await services.feeds.reservations("web", None, 100, ADMIN)

    again = await services.feeds.reservations("web", page.end_cursor, 100, ADMIN)
    head_only = await services.feeds.reservations("web", None, 0, ADMIN)

    assert (again.changes, again.has_next, again.end_cursor) == ([], False, page.end_cursor)
    assert head_only.changes == [] and head_only.head_cursor == page.end_cursor


async def test_a_feed_starts_without_loss_from_the_head_cursor_read_before_a_snapshot(
    services: Services,
) -> None:
    await _shop(services, units=5)
    await services.dispatch(hold("before"), ADMIN)
    head = (await services.feeds.availability("web", None, 0, ADMIN)).head_cursor
    snapshot = await services.listings.availability("web", ["TEE"], ADMIN)
    await services.dispatch(hold("after"), ADMIN)

    later = await services.feeds.availability("web", head, 100, ADMIN)

    assert [a.version for _, a in later.changes] == [snapshot[0].version + 1]
    assert later.changes[0][1].published == snapshot[0].published - 1


async def test_cursors_of_another_channel_or_feed_or_past_the_head_are_refused(
    services: Services,
) -> None:
    await _shop(services)
    await services.dispatch(hold("web-order"), ADMIN)
    await services.dispatch(hold("market-order", channel="market"), ADMIN)
    web = await services.feeds.reservations("web", None, 100, ADMIN)
    web_availability = await services.feeds.availability("web", None, 100, ADMIN)

    for channel, read, cursor in (
        ("market", services.feeds.reservations, web.end_cursor),
        ("web", services.feeds.reservations, web_availability.end_cursor),
        ("web", services.feeds.reservations, "not-a-cursor"),
        ("web", services.feeds.reservations, web.end_cursor.replace("=", "") + "x"),
    ):
        with pytest.raises(InvalidFeedCursor):
            await read(channel, cursor, 10, ADMIN)
    ahead = await _cursor_at(services, FeedStream.RESERVATIONS, "web", 10**6)
    with pytest.raises(InvalidFeedCursor):
        await services.feeds.reservations("web", ahead, 10, ADMIN)


async def test_partners_read_only_their_channels_feeds_and_storefront_keys_none(
    services: Services,
) -> None:
    await _shop(services)
    await services.dispatch(hold("web-order"), ADMIN)
    web_partner = Principal("web-connector", Role.PARTNER, "web")
    storefront = Principal("web-widget", Role.STOREFRONT, "web")

    own = await services.feeds.reservations("web", None, 10, web_partner)

    assert [r.order_ref for _, r in own.changes] == ["web-order"]
    for caller, channel in ((web_partner, "market"), (storefront, "web")):
        for read in (services.feeds.reservations, services.feeds.availability):
            with pytest.raises(Forbidden):
                await read(channel, None, 10, caller)


async def test_a_cursor_older_than_the_retention_window_has_expired(
    clocked_services: Services, clock
) -> None:
    services = clocked_services
    await _shop(services)
    await services.dispatch(hold("old"), ADMIN)
    old = await services.feeds.reservations("web", None, 100, ADMIN)
    clock.advance(8 * 24 * 3600)
    await services.dispatch(hold("new"), ADMIN)

    dropped = await services.feeds.drop_expired()

    assert dropped >= 2  # the old hold and the web listing's face it moved
    start = await _cursor_at(services, FeedStream.RESERVATIONS, "web", 0)
    with pytest.raises(CursorExpired):
        await services.feeds.reservations("web", start, 10, ADMIN)
    kept = await services.feeds.reservations("web", old.end_cursor, 10, ADMIN)
    since = [(r.order_ref, r.status) for _, r in kept.changes]
    assert since == [("old", ReservationStatus.EXPIRED), ("new", ReservationStatus.HELD)]
    from_oldest = await services.feeds.reservations("web", None, 10, ADMIN)
    assert [(r.order_ref, r.status) for _, r in from_oldest.changes] == since


async def _cursor_at(services: Services, stream: FeedStream, channel: str, position: int) -> str:
    async with services.database.read() as conn:
        found = await conn.execute(select(channels.c.id).where(channels.c.code == channel))
        return FeedPosition(stream, int(found.scalar_one()), position).cursor


async def test_concurrent_holds_appear_once_each_with_every_version_of_the_listing(
    services: Services,
) -> None:
    await _shop(services, units=30)

    outcomes = await asyncio.gather(
        *(services.dispatch(hold(f"race-{n}"), ADMIN) for n in range(40)),
        return_exceptions=True,
    )

    held = {r.id for r in outcomes if not isinstance(r, BaseException)}
    assert len(held) == 30
    assert all(isinstance(r, InsufficientStock) for r in outcomes if isinstance(r, BaseException))
    reservations, _ = await _whole_feed(services, "reservations", first=7)
    assert sorted(r.id for _, r in reservations) == sorted(held)
    availability, _ = await _whole_feed(services, "availability", first=7)
    versions = [a.version for _, a in availability if a.sku == "TEE"]
    assert versions == list(range(versions[0], versions[0] + len(versions)))
    assert [a.published for _, a in availability if a.sku == "TEE"][-1] == 0
