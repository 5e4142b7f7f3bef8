"""Connector health and the automatic outage fallback, on SQLite and PostgreSQL, with a clock
the test moves: a monitored marketplace that goes silent goes DOWN (CONNECTOR_DOWN raised),
what it showed is held back from the webstore (which publishes less at once, holds included),
its outage sales use that exposure up, and its heartbeat lifts the rest."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from api.bus import ALERTS, AVAILABILITY
from api.database import outage_flag
from api.database.tables import channels
from api.services.connectors import ConnectorService
from api.services.ledger_check import check_ledger
from domain.access import Principal, Role
from domain.alerts import AlertStatus, AlertType
from domain.bundles import Component, SetBundleComponents
from domain.channels import UpdateChannel
from domain.connectors import ConnectorStatus, OutageFallback
from domain.errors import InsufficientStock
from domain.listings import UpsertListing
from domain.reservations import RecordChannelSale, RequestedLine, ReserveStock
from tests.conftest import ADMIN
from tests.integration.helpers import make_catalogue, make_channel, stock
from tests.query_count import assert_num_queries, count_queries

MARKETPLACE = Principal("mp-connector", Role.PARTNER, "mp", key_id="k-mp")
TIMEOUT = 30


@pytest.fixture(autouse=True)
async def no_outage_left_behind(database) -> AsyncIterator[None]:
    """The process-wide 'outages may cover pools' mark is per database: reset it after."""
    yield
    outage_flag.set_covering(database.url, False)


async def marketplace_and_webstore(services, fallback=OutageFallback.HOLD_EXPOSURE, **settings):
    """TEE (10) and CAP (3) at WH, listed on the webstore and on a monitored marketplace that
    shows at most 4 TEE."""
    await make_catalogue(services, skus=("TEE", "CAP"))
    await make_channel(services, "web")
    await make_channel(services, "mp")
    await stock(services, ("TEE", "WH", 10), ("CAP", "WH", 3))
    for channel in ("web", "mp"):
        await services.dispatch(
            UpsertListing(channel, "TEE", f"{channel}-tee", cap=4 if channel == "mp" else None),
            ADMIN,
        )
        await services.dispatch(UpsertListing(channel, "CAP", f"{channel}-cap"), ADMIN)
    await services.dispatch(
        UpdateChannel(
            "mp", connector_timeout_seconds=TIMEOUT, outage_fallback=fallback, **settings
        ),
        ADMIN,
    )


async def published(services, channel: str = "web", sku: str = "TEE") -> int:
    (found,) = await services.listings.availability(channel, [sku], ADMIN)
    return found.published


async def connector(services, channel: str = "mp"):
    return (await services.channels.get(channel, ADMIN)).connector


async def connector_alerts(services):
    return [
        a for a in await services.alerts.list(None, ADMIN) if a.type is AlertType.CONNECTOR_DOWN
    ]


async def silent_past_timeout(services, clock) -> None:
    """The marketplace is heard once, then nothing for longer than its timeout."""
    await services.connectors.seen(MARKETPLACE)
    await services.connectors.look()
    clock.advance(TIMEOUT + 1)
    await services.connectors.look()


async def test_a_silent_marketplace_goes_down_and_its_exposure_is_held_from_the_webstore(
    clocked_services, clock
):
    services = clocked_services
    await marketplace_and_webstore(services)
    assert (await published(services), await published(services, "mp")) == (10, 4)
    received: list[dict] = []
    async with services.bus.subscribe(AVAILABILITY) as messages:

        async def collect() -> None:
            async for message in messages:
                received.append(message)

        task = asyncio.create_task(collect())
        await asyncio.sleep(0.05)
        await silent_past_timeout(services, clock)
        await asyncio.sleep(0.1)
        task.cancel()
    assert (await connector(services)).status is ConnectorStatus.DOWN
    (alert,) = await connector_alerts(services)
    assert (alert.status, alert.channel) == (AlertStatus.OPEN, "mp")
    # The webstore's pool loses the 4 TEE the marketplace shows; CAP (shown 3) drops to 0.
    assert (await published(services), await published(services, sku="CAP")) == (6, 0)
    pushed = [(m["channel"], m["sku"], m["published"]) for m in received]
    assert ("web", "TEE", 6) in pushed and ("web", "CAP", 0) in pushed
    assert await published(services, "mp") == 4  # its own pool is not covered
    holds = await services.connectors.exposure_holds("mp")
    assert [(h.sku, h.units) for h in holds] == [("CAP", 3), ("TEE", 4)]
    with pytest.raises(InsufficientStock):
        await services.dispatch(ReserveStock("web", "cart-1", (RequestedLine("TEE", 7),)), ADMIN)
    await services.dispatch(ReserveStock("web", "cart-2", (RequestedLine("TEE", 2),)), ADMIN)
    assert await published(services) == 4


async def test_the_exposure_is_what_the_marketplace_was_shown_when_it_was_last_heard(
    clocked_services, clock
):
    """Its availability feed's last value at or before its last sign of life, not a lower
    value published after it fell silent (which it never fetched)."""
    services = clocked_services
    await marketplace_and_webstore(services)
    await services.connectors.seen(MARKETPLACE)
    await services.connectors.look()
    clock.advance(1)
    await services.dispatch(ReserveStock("web", "cart-1", (RequestedLine("TEE", 8),)), ADMIN)
    assert await published(services, "mp") == 2
    clock.advance(TIMEOUT + 1)
    await services.connectors.look()
    holds = await services.connectors.exposure_holds("mp")
    assert [(h.sku, h.units) for h in holds] == [("CAP", 3), ("TEE", 4)]
    assert await published(services) == 0


async def test_the_marketplace_comes_back_reports_its_outage_sales_and_its_heartbeat_lifts_the_hold(
    clocked_services, clock
):
    services = clocked_services
    await marketplace_and_webstore(services)
    await silent_past_timeout(services, clock)
    assert await published(services) == 6
    await services.connectors.seen(MARKETPLACE)  # handled at once: it is down
    state = await connector(services)
    assert (state.status, state.back_at) == (ConnectorStatus.UP, clock.now)
    (alert,) = await connector_alerts(services)
    assert alert.status is AlertStatus.RESOLVED
    assert await published(services) == 6  # still held: its outage sales are not in yet
    sale = RecordChannelSale("mp", "mp-order-1", quantity=3, sku="TEE")
    await services.dispatch(sale, MARKETPLACE)
    # 7 TEE left, of which the marketplace may still sell 1: the webstore shows 6.
    assert [(h.sku, h.units) for h in await services.connectors.exposure_holds("mp")] == [
        ("CAP", 3),
        ("TEE", 1),
    ]
    assert await published(services) == 6
    await services.connectors.heartbeat("mp", MARKETPLACE)
    assert await services.connectors.exposure_holds("mp") == []
    assert (await published(services), await published(services, sku="CAP")) == (7, 3)
    assert (await connector(services)).back_at is None
    assert (await check_ledger(services.database)).ok


async def test_a_connector_back_without_a_heartbeat_is_released_after_one_more_timeout(
    clocked_services, clock
):
    services = clocked_services
    await marketplace_and_webstore(services)
    await silent_past_timeout(services, clock)
    await services.connectors.seen(MARKETPLACE)
    clock.advance(TIMEOUT - 1)
    await services.connectors.look()
    assert await published(services) == 6
    clock.advance(2)
    await services.connectors.look()
    assert await services.connectors.exposure_holds("mp") == []
    assert await published(services) == 10


async def test_pausing_fallback_zeroes_other_channels_low_pools_while_the_marketplace_is_down(
    clocked_services, clock
):
    services = clocked_services
    await marketplace_and_webstore(
        services, OutageFallback.PAUSE_OTHER_LISTINGS_BELOW, outage_threshold=3
    )
    await silent_past_timeout(services, clock)
    assert (await published(services), await published(services, sku="CAP")) == (10, 0)
    with pytest.raises(InsufficientStock):
        await services.dispatch(ReserveStock("web", "cart-1", (RequestedLine("CAP", 1),)), ADMIN)
    await services.connectors.seen(MARKETPLACE)
    assert (await published(services), await published(services, sku="CAP")) == (10, 3)


async def test_two_workers_looking_at_once_take_the_connector_down_once(clocked_services, clock):
    services = clocked_services
    await marketplace_and_webstore(services)
    other = ConnectorService(services.database, services.dispatcher, clock)
    await services.connectors.seen(MARKETPLACE)
    await services.connectors.look()
    clock.advance(TIMEOUT + 1)
    await asyncio.gather(services.connectors.look(), other.look())
    (alert,) = await connector_alerts(services)
    assert alert.occurrences == 1
    assert await published(services) == 6


async def test_signs_of_life_cost_no_query_and_are_written_at_the_next_look(
    clocked_services, clock
):
    services = clocked_services
    await marketplace_and_webstore(services)
    storefront = Principal("badge", Role.STOREFRONT, "mp", key_id="k-badge")
    with assert_num_queries(0):
        for _ in range(100):
            last = clock.now
            await services.connectors.seen(MARKETPLACE)
            await services.connectors.seen(storefront)
            clock.advance(0.01)
    async with services.database.read() as conn:
        stored = select(channels.c.connector_last_seen).where(channels.c.code == "mp")
        assert (await conn.execute(stored)).scalar() is None
    await services.connectors.look()
    assert (await connector(services)).last_seen_at == last


@pytest.mark.parametrize("group_commit", ["one-by-one"], indirect=True)
async def test_a_hold_asks_about_outages_only_while_one_may_cover_pools(clocked_services, clock):
    """No outage: a hold sends what it always did (tests/integration/test_hold_queries.py).
    While one may cover pools: one more query where the hold reads its pools and one more
    where its republishing does."""
    services = clocked_services
    await marketplace_and_webstore(services)

    async def hold_costs(order_ref: str) -> int:
        with count_queries() as sent:
            await services.dispatch(
                ReserveStock("web", order_ref, (RequestedLine("TEE", 1),)), ADMIN
            )
        return len(sent)

    quiet = await hold_costs("cart-1")
    await silent_past_timeout(services, clock)
    assert await hold_costs("cart-2") == quiet + 2


async def test_turning_monitoring_off_ends_an_outage_and_lifts_its_hold(clocked_services, clock):
    services = clocked_services
    await marketplace_and_webstore(services)
    await silent_past_timeout(services, clock)
    await services.dispatch(UpdateChannel("mp", connector_timeout_seconds=None), ADMIN)
    await services.connectors.look()
    state = await connector(services)
    assert (state.status, state.back_at) == (ConnectorStatus.UNKNOWN, None)
    assert (await connector_alerts(services))[0].status is AlertStatus.RESOLVED
    assert await published(services) == 10


async def test_another_channels_sale_beyond_the_deduction_is_oversold_until_the_hold_lifts(
    clocked_services, clock
):
    """A sale already happened is recorded, but what the silent marketplace may still sell is
    not the webstore's: beyond it the webstore's order is oversold, and the units the lift
    frees settle it."""
    services = clocked_services
    await marketplace_and_webstore(services)
    await silent_past_timeout(services, clock)
    sale = await services.dispatch(RecordChannelSale("web", "web-1", quantity=8, sku="TEE"), ADMIN)
    ((committed, oversold),) = [(line.committed, line.oversold) for line in sale.lines]
    assert (committed, oversold) == (6, 2)
    (oversell,) = [
        a for a in await services.alerts.list(None, ADMIN) if a.type is AlertType.OVERSELL
    ]
    await services.connectors.seen(MARKETPLACE)
    await services.dispatch(RecordChannelSale("mp", "mp-1", quantity=1, sku="TEE"), MARKETPLACE)
    await services.connectors.heartbeat("mp", MARKETPLACE)
    settled = await services.reservations.get(sale.id, ADMIN)
    assert [(line.committed, line.oversold) for line in settled.lines] == [(8, 0)]
    assert await published(services) == 1
    resolved = [a for a in await services.alerts.list(None, ADMIN) if a.id == oversell.id]
    assert resolved[0].status is AlertStatus.RESOLVED
    assert (await check_ledger(services.database)).ok


async def test_the_connector_down_alert_is_published_and_so_is_its_resolution(
    clocked_services, clock
):
    services = clocked_services
    await marketplace_and_webstore(services)
    received: list[dict] = []
    async with services.bus.subscribe(ALERTS) as messages:

        async def collect() -> None:
            async for message in messages:
                received.append(message)

        task = asyncio.create_task(collect())
        await asyncio.sleep(0.05)
        await silent_past_timeout(services, clock)
        await services.connectors.seen(MARKETPLACE)
        await asyncio.sleep(0.1)
        task.cancel()
    moves = [(m["type"], m["status"], m["channel"]) for m in received]
    assert moves == [("CONNECTOR_DOWN", "OPEN", "mp"), ("CONNECTOR_DOWN", "RESOLVED", "mp")]


async def test_a_bundle_the_marketplace_shows_holds_its_components_back(clocked_services, clock):
    """mp shows 2 KITs (2 TEE and 1 CAP each, capped at 2): 4 TEE and 2 CAP are held back,
    and the webstore's own KIT listing drops with its components."""
    services = clocked_services
    await make_catalogue(services, skus=("TEE", "CAP", "KIT"))
    await make_channel(services, "web")
    await make_channel(services, "mp")
    await stock(services, ("TEE", "WH", 10), ("CAP", "WH", 3))
    await services.dispatch(
        SetBundleComponents("KIT", (Component("TEE", 2), Component("CAP", 1))), ADMIN
    )
    await services.dispatch(UpsertListing("mp", "KIT", "mp-kit", cap=2), ADMIN)
    for sku in ("TEE", "CAP", "KIT"):
        await services.dispatch(UpsertListing("web", sku, f"web-{sku}"), ADMIN)
    await services.dispatch(
        UpdateChannel(
            "mp", connector_timeout_seconds=TIMEOUT, outage_fallback=OutageFallback.HOLD_EXPOSURE
        ),
        ADMIN,
    )
    await silent_past_timeout(services, clock)
    holds = await services.connectors.exposure_holds("mp")
    assert [(h.sku, h.units) for h in holds] == [("CAP", 2), ("TEE", 4)]
    shown = [await published(services, sku=sku) for sku in ("TEE", "CAP", "KIT")]
    assert shown == [6, 1, 1]


async def test_a_sign_reaching_a_worker_that_missed_the_outage_brings_the_connector_back(
    clocked_services, clock
):
    """Worker B never looked while the connector was down: it writes the sign at its next
    look, which brings the connector back (the hold stays until the heartbeat)."""
    services = clocked_services
    await marketplace_and_webstore(services)
    other = ConnectorService(services.database, services.dispatcher, clock)
    await silent_past_timeout(services, clock)
    clock.advance(1)
    await other.seen(MARKETPLACE)
    assert (await connector(services)).status is ConnectorStatus.DOWN
    await other.look()
    state = await connector(services)
    assert (state.status, state.back_at) == (ConnectorStatus.UP, clock.now)
    assert await published(services) == 6
    await other.heartbeat("mp", MARKETPLACE)
    assert await published(services) == 10
