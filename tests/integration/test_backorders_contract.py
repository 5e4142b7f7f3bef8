"""Backorders against the storage backends: concurrent holds never promise more than the
listing's limit or the incoming stock, and an expired backordered hold lets its promise go."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from api.services.ledger_check import check_ledger
from domain.errors import InsufficientStock
from domain.listings import UpsertListing
from domain.purchase_orders import CreatePurchaseOrder, OrderedLine
from domain.reservations import RequestedLine, ReserveStock
from tests.conftest import ADMIN, both_hold_paths
from tests.integration.helpers import make_catalogue, make_channel, stock

pytestmark = both_hold_paths


async def backorderable(services, limit: int, incoming: int, on_hand: int, due) -> None:
    await make_catalogue(services)
    await make_channel(services)
    if on_hand:
        await stock(services, ("TEE", "WH", on_hand))
    await services.dispatch(
        UpsertListing("web", "TEE", "web-TEE", allow_backorder=True, backorder_limit=limit), ADMIN
    )
    await services.dispatch(
        CreatePurchaseOrder("Acme", "WH", due, (OrderedLine("TEE", incoming),)), ADMIN
    )


async def race(services, buyers: int) -> tuple[int, int]:
    results = await asyncio.gather(
        *(
            services.dispatch(ReserveStock("web", f"o-{i}", (RequestedLine("TEE", 1),)), ADMIN)
            for i in range(buyers)
        ),
        return_exceptions=True,
    )
    unexpected = [
        r for r in results if isinstance(r, BaseException) and not isinstance(r, InsufficientStock)
    ]
    assert unexpected == []
    won = sum(1 for r in results if not isinstance(r, BaseException))
    return won, buyers - won


async def test_a_hundred_concurrent_holds_backorder_no_more_than_the_limit(services, clock):
    await backorderable(
        services, limit=20, incoming=50, on_hand=10, due=clock() + timedelta(days=7)
    )
    assert await race(services, 100) == (30, 70)
    [level] = await services.queries.stock_levels("TEE", "WH")
    assert (level.quantities.reserved, level.quantities.backordered) == (10, 20)
    [shown] = await services.listings.availability("web", ["TEE"], ADMIN)
    assert shown.published == 0
    assert (await check_ledger(services.database)).ok


async def test_concurrent_holds_never_promise_more_than_is_incoming(services, clock):
    await backorderable(
        services, limit=500, incoming=25, on_hand=0, due=clock() + timedelta(days=7)
    )
    assert await race(services, 100) == (25, 75)
    [level] = await services.queries.stock_levels("TEE", "WH")
    assert (level.quantities.backordered, level.quantities.on_order) == (25, 25)
    assert (await check_ledger(services.database)).ok


async def test_an_expired_backordered_hold_lets_its_promise_go(clocked_services, clock):
    services = clocked_services
    await backorderable(services, limit=5, incoming=10, on_hand=0, due=clock() + timedelta(days=7))
    await services.dispatch(
        ReserveStock("web", "o-1", (RequestedLine("TEE", 5),), hold_seconds=60), ADMIN
    )
    [shown] = await services.listings.availability("web", ["TEE"], ADMIN)
    assert shown.published == 0
    clock.advance(61)
    [level] = await services.queries.stock_levels("TEE", "WH")
    assert level.quantities.backordered == 0  # as the world sees it, swept or not
    assert await services.reservations.expire_due() == 1
    [shown] = await services.listings.availability("web", ["TEE"], ADMIN)
    assert (shown.published, shown.backorderable) == (5, 5)
    again = await services.dispatch(ReserveStock("web", "o-2", (RequestedLine("TEE", 5),)), ADMIN)
    assert again.lines[0].backordered == 5
    assert (await check_ledger(services.database)).ok
