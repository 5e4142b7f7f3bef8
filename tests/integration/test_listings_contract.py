"""Published availability against SQLite and PostgreSQL: the formula on real stock, versions
that move only with what a channel shows, campaign windows, and holds within the buffer."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest

from api.bus import AVAILABILITY
from api.services.ledger_check import check_ledger
from domain.catalogue import UpdateLocation
from domain.channels import ChannelStatus, UpdateChannel
from domain.errors import InsufficientStock
from domain.listings import Campaign, RemoveListing, ReportChannelQuantity, UpsertListing
from domain.publishing import AvailabilityStatus
from domain.reservations import RequestedLine, ReserveStock
from domain.stock import StockReason
from domain.stock_commands import AdjustStock, ReceiveStock
from schema.realtime.feeds import AvailabilityFeed
from tests.conftest import ADMIN
from tests.integration.helpers import make_catalogue, make_channel, stock


async def shown(services, sku: str = "TEE", channel: str = "web"):
    [found] = await services.listings.availability(channel, [sku], ADMIN)
    return found


async def list_it(services, sku: str = "TEE", channel: str = "web", **settings):
    return await services.dispatch(
        UpsertListing(channel, sku, f"{channel}-{sku}", **settings), ADMIN
    )


@asynccontextmanager
async def availability_messages(services):
    """Collects what the bus carries on the availability topic while the block runs."""
    received: list[dict] = []
    async with services.bus.subscribe(AVAILABILITY) as messages:

        async def collect():
            async for message in messages:
                received.append(message)

        task = asyncio.create_task(collect())
        await asyncio.sleep(0.05)
        try:
            yield received
            await asyncio.sleep(0.1)
        finally:
            task.cancel()


async def test_the_pool_counts_only_the_locations_the_channel_sells_from(services):
    await make_catalogue(services, locations=("WH", "SHOP", "OTHER"))
    await make_channel(services, locations=("WH", "SHOP"))
    await stock(services, ("TEE", "WH", 7), ("TEE", "SHOP", 3), ("TEE", "OTHER", 50))
    await list_it(services)
    found = await shown(services)
    assert (found.published, found.status) == (10, AvailabilityStatus.IN_STOCK)
    version = found.version
    await stock(services, ("TEE", "OTHER", 5))
    assert (await shown(services)).version == version
    await stock(services, ("TEE", "SHOP", 1))
    found = await shown(services)
    assert (found.published, found.version) == (11, version + 1)


async def test_the_version_moves_only_when_what_the_channel_shows_moves(services):
    await make_catalogue(services)
    await make_channel(services)
    await stock(services, ("TEE", "WH", 5))
    await list_it(services, safety_units=10)
    hidden = await shown(services)
    assert (hidden.published, hidden.status) == (0, AvailabilityStatus.OUT_OF_STOCK)
    await stock(services, ("TEE", "WH", 3))
    assert (await shown(services)).version == hidden.version
    await stock(services, ("TEE", "WH", 4))
    visible = await shown(services)
    assert (visible.published, visible.version) == (2, hidden.version + 1)


async def test_changes_are_published_on_the_bus_in_version_order_and_refusals_publish_nothing(
    services,
):
    await make_catalogue(services)
    await make_channel(services)
    await list_it(services, safety_units=1)
    async with availability_messages(services) as received:
        for quantity in (3, 2, 4):
            await stock(services, ("TEE", "WH", quantity))
        with pytest.raises(InsufficientStock):
            await services.dispatch(
                ReserveStock("web", "too-many", (RequestedLine("TEE", 100),)), ADMIN
            )
        await services.dispatch(AdjustStock("TEE", "WH", 1, StockReason.DAMAGED, "torn"), ADMIN)
    assert [(m["published"], m["version"]) for m in received] == [
        (2, received[0]["version"]),
        (4, received[0]["version"] + 1),
        (8, received[0]["version"] + 2),
        (7, received[0]["version"] + 3),
    ]
    assert {m["channel"] for m in received} == {"web"}


async def test_a_campaign_window_raises_the_buffer_while_it_runs_and_only_then(
    clocked_services, clock
):
    services = clocked_services
    await make_catalogue(services)
    await make_channel(services)
    await stock(services, ("TEE", "WH", 10))
    starts = clock.now + timedelta(minutes=1)
    await list_it(services, campaigns=(Campaign(starts, starts + timedelta(minutes=1), 5000),))
    since = clock.now
    before = await shown(services)
    assert before.published == 10
    assert await services.listings.next_campaign_boundary(since) == starts

    clock.advance(60)
    since = await services.listings.republish_due_campaigns(since)
    during = await shown(services)
    assert (during.published, during.version) == (5, before.version + 1)

    clock.advance(30)
    since = await services.listings.republish_due_campaigns(since)
    assert (await shown(services)).version == during.version

    clock.advance(30)
    await services.listings.republish_due_campaigns(since)
    after = await shown(services)
    assert (after.published, after.version) == (10, during.version + 1)


async def test_a_paused_channel_publishes_nothing_until_it_resumes(services):
    await make_catalogue(services)
    await make_channel(services)
    await stock(services, ("TEE", "WH", 6))
    await list_it(services)
    await services.dispatch(UpdateChannel("web", status=ChannelStatus.PAUSED), ADMIN)
    assert (await shown(services)).published == 0
    await services.dispatch(UpdateChannel("web", status=ChannelStatus.ACTIVE), ADMIN)
    assert (await shown(services)).published == 6


async def test_a_channel_buffer_survives_a_hundred_concurrent_holds(services):
    await make_catalogue(services)
    await make_channel(services)
    await stock(services, ("TEE", "WH", 50))
    await list_it(services, safety_units=5)
    results = await asyncio.gather(
        *(
            services.dispatch(ReserveStock("web", f"o-{i}", (RequestedLine("TEE", 1),)), ADMIN)
            for i in range(100)
        ),
        return_exceptions=True,
    )
    won = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, InsufficientStock)]
    assert (len(won), len(refused)) == (45, 55)
    [level] = await services.queries.stock_levels("TEE", "WH")
    assert (level.quantities.reserved, level.quantities.available) == (45, 5)
    assert (await shown(services)).published == 0
    assert (await check_ledger(services.database)).ok


async def test_a_removed_listing_publishes_nothing_and_comes_back_with_a_higher_version(services):
    await make_catalogue(services)
    await make_channel(services)
    await stock(services, ("TEE", "WH", 4))
    listed = await list_it(services)
    removed = await services.dispatch(RemoveListing("web", "TEE"), ADMIN)
    assert removed.availability.published == 0
    assert removed.availability.version == listed.availability.version + 1
    assert await services.listings.availability("web", ["TEE"], ADMIN) == []
    back = await list_it(services)
    assert back.availability.published == 4
    assert back.availability.version == removed.availability.version + 1


async def test_receiving_stock_republishes_every_channel_listing_the_sku(services):
    await make_catalogue(services, locations=("WH", "SHOP"))
    await make_channel(services, "web", locations=("WH", "SHOP"))
    await make_channel(services, "pos", locations=("SHOP",))
    await list_it(services, channel="web")
    await list_it(services, channel="pos", cap=2)
    await services.dispatch(ReceiveStock("TEE", "SHOP", 5), ADMIN)
    assert (await shown(services, channel="web")).published == 5
    assert (await shown(services, channel="pos")).published == 2


async def test_a_deactivated_location_leaves_every_channel_pool_at_once(services):
    await make_catalogue(services, locations=("WH", "SHOP"))
    await make_channel(services, locations=("WH", "SHOP"))
    await stock(services, ("TEE", "WH", 4), ("TEE", "SHOP", 3))
    listed = await list_it(services)
    assert listed.availability.published == 7
    await services.dispatch(UpdateLocation("SHOP", active=False), ADMIN)
    found = await shown(services)
    assert (found.published, found.version) == (4, listed.availability.version + 1)


async def test_an_expired_hold_leaves_published_availability_before_the_sweeper_runs(
    clocked_services, clock
):
    """Every read leaves out a hold past its window at once, under the version of the last
    recorded change; the sweeper then records the figure with a new version and pushes it."""
    services = clocked_services
    await make_catalogue(services)
    await make_channel(services)
    await stock(services, ("TEE", "WH", 6))
    await list_it(services)
    hold = ReserveStock("web", "o-1", (RequestedLine("TEE", 2),), hold_seconds=60)
    await services.dispatch(hold, ADMIN)
    held = await shown(services)
    assert (held.published, held.status) == (4, AvailabilityStatus.IN_STOCK)

    clock.advance(61)
    read = await shown(services)
    assert (read.published, read.sellable, read.version) == (6, 6, held.version)
    assert read.updated_at == held.updated_at
    found = await services.listings.get("web", "TEE", ADMIN)
    [listed] = await services.listings.listed("web", ADMIN)
    [snapshot] = await AvailabilityFeed("web").snapshot(services)
    assert found is not None
    assert found.availability == listed.availability == snapshot.value == read

    async with availability_messages(services) as received:
        assert await services.reservations.expire_due() == 1
    assert [(m["published"], m["version"]) for m in received] == [(6, held.version + 1)]
    swept = await shown(services)
    assert (swept.published, swept.version) == (6, held.version + 1)


async def test_a_connector_showing_an_expired_hold_freed_is_no_drift(clocked_services, clock):
    services = clocked_services
    await make_catalogue(services)
    await make_channel(services)
    await stock(services, ("TEE", "WH", 6))
    await list_it(services)
    hold = ReserveStock("web", "o-1", (RequestedLine("TEE", 2),), hold_seconds=60)
    await services.dispatch(hold, ADMIN)
    clock.advance(61)
    report = await services.dispatch(ReportChannelQuantity("web", "web-TEE", 6), ADMIN)
    assert (report.drift, report.availability.published, report.alert) == (False, 6, None)
