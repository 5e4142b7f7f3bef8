"""The storage contract: every test here runs against SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from api.services.ledger_check import check_ledger
from domain.catalogue import CreateSku
from domain.errors import (
    DuplicateCode,
    IdempotencyKeyReused,
    InsufficientStock,
    LocationNotFound,
    SkuNotFound,
    StaleQuantity,
)
from domain.quantities import Quantities
from domain.stock import StockReason
from domain.stock_commands import AdjustStock, ReceiveStock, SetStock
from tests.conftest import ADMIN
from tests.integration.helpers import make_catalogue


async def test_receiving_creates_the_level_and_writes_one_ledger_row(services):
    await make_catalogue(services)
    change = await services.dispatch(ReceiveStock("TEE", "WH", 5, reference="PO-1"), ADMIN)
    assert change.stock_level.quantities == Quantities(on_hand=5)
    assert change.stock_level.version == 1
    assert change.event.before == Quantities() and change.event.after == Quantities(on_hand=5)
    entries, _ = await services.queries.stock_events(10, None, "TEE", "WH")
    assert [(e.id, e.reference, e.actor) for e in entries] == [
        (change.event.id, "PO-1", "test-admin")
    ]


async def test_every_change_bumps_the_version_by_one(services):
    await make_catalogue(services)
    await services.dispatch(ReceiveStock("TEE", "WH", 5), ADMIN)
    await services.dispatch(AdjustStock("TEE", "WH", 2, StockReason.DAMAGED), ADMIN)
    change = await services.dispatch(AdjustStock("TEE", "WH", 1, StockReason.WRITE_OFF), ADMIN)
    assert change.stock_level.version == 3
    assert change.stock_level.quantities == Quantities(on_hand=4, damaged=1)


async def test_removing_more_than_is_available_changes_nothing(services):
    await make_catalogue(services)
    await services.dispatch(ReceiveStock("TEE", "WH", 3), ADMIN)
    with pytest.raises(InsufficientStock) as refused:
        await services.dispatch(AdjustStock("TEE", "WH", 4, StockReason.THEFT), ADMIN)
    assert (refused.value.requested, refused.value.available) == (4, 3)
    [level] = await services.queries.stock_levels("TEE", "WH")
    assert (level.quantities.on_hand, level.version) == (3, 1)


async def test_a_refused_first_touch_leaves_no_stock_level_behind(services):
    await make_catalogue(services)
    with pytest.raises(InsufficientStock):
        await services.dispatch(AdjustStock("TEE", "WH", 1, StockReason.SHRINKAGE), ADMIN)
    assert await services.queries.stock_levels("TEE", None) == []


async def test_unknown_sku_or_location_is_refused(services):
    await make_catalogue(services)
    with pytest.raises(SkuNotFound):
        await services.dispatch(ReceiveStock("NOPE", "WH", 1), ADMIN)
    with pytest.raises(LocationNotFound):
        await services.dispatch(ReceiveStock("TEE", "NOPE", 1), ADMIN)


async def test_duplicate_sku_code_is_refused(services):
    await make_catalogue(services)
    with pytest.raises(DuplicateCode):
        await services.dispatch(CreateSku("TEE", "again"), ADMIN)


async def test_set_stock_compare_and_set(services):
    await make_catalogue(services)
    await services.dispatch(ReceiveStock("TEE", "WH", 10), ADMIN)
    change = await services.dispatch(SetStock("TEE", "WH", 8, change_from_quantity=10), ADMIN)
    assert change.event.delta == Quantities(on_hand=-2)
    with pytest.raises(StaleQuantity):
        await services.dispatch(SetStock("TEE", "WH", 5, change_from_quantity=10), ADMIN)
    [level] = await services.queries.stock_levels("TEE", "WH")
    assert (level.quantities.on_hand, level.version) == (8, 2)


async def test_set_stock_cannot_count_below_units_held(services):
    await make_catalogue(services)
    await services.dispatch(ReceiveStock("TEE", "WH", 10), ADMIN)
    await services.dispatch(AdjustStock("TEE", "WH", 4, StockReason.DAMAGED), ADMIN)
    with pytest.raises(InsufficientStock):
        await services.dispatch(SetStock("TEE", "WH", 3), ADMIN)


async def test_a_replayed_key_returns_the_first_result_and_changes_nothing(services):
    await make_catalogue(services)
    command = ReceiveStock("TEE", "WH", 5, idempotency_key="delivery-77")
    first = await services.dispatch(command, ADMIN)
    await services.dispatch(ReceiveStock("TEE", "WH", 1), ADMIN)
    replay = await services.dispatch(command, ADMIN)
    assert replay == first
    [level] = await services.queries.stock_levels("TEE", "WH")
    assert level.quantities.on_hand == 6


async def test_a_key_reused_with_other_input_is_refused(services):
    await make_catalogue(services)
    await services.dispatch(ReceiveStock("TEE", "WH", 5, idempotency_key="k"), ADMIN)
    with pytest.raises(IdempotencyKeyReused):
        await services.dispatch(ReceiveStock("TEE", "WH", 6, idempotency_key="k"), ADMIN)
    with pytest.raises(IdempotencyKeyReused):
        await services.dispatch(
            AdjustStock("TEE", "WH", 5, StockReason.FOUND, idempotency_key="k"), ADMIN
        )


async def test_concurrent_requests_with_one_key_apply_once(services):
    await make_catalogue(services)
    command = ReceiveStock("TEE", "WH", 5, idempotency_key="same")
    results = await asyncio.gather(*(services.dispatch(command, ADMIN) for _ in range(10)))
    assert len({r.event.id for r in results}) == 1
    [level] = await services.queries.stock_levels("TEE", "WH")
    assert level.quantities.on_hand == 5


async def test_fifty_concurrent_adjustments_of_one_level_match_the_ledger(services):
    await make_catalogue(services)
    await services.dispatch(ReceiveStock("TEE", "WH", 30), ADMIN)
    commands = [
        AdjustStock("TEE", "WH", 1, StockReason.SHRINKAGE)
        if i % 2
        else AdjustStock("TEE", "WH", 2, StockReason.FOUND)
        for i in range(50)
    ] + [AdjustStock("TEE", "WH", 1, StockReason.DAMAGED) for _ in range(50)]
    results = await asyncio.gather(
        *(services.dispatch(c, ADMIN) for c in commands), return_exceptions=True
    )
    unexpected = [
        r for r in results if isinstance(r, Exception) and not isinstance(r, InsufficientStock)
    ]
    assert unexpected == []
    [level] = await services.queries.stock_levels("TEE", "WH")
    applied = [r for r in results if not isinstance(r, Exception)]
    assert level.version == 1 + len(applied)
    assert level.quantities.is_consistent()
    report = await check_ledger(services.database)
    assert report.ok, report.discrepancies
    assert report.events_replayed == 1 + len(applied)


async def test_the_database_itself_refuses_a_negative_counter(services):
    await make_catalogue(services)
    await services.dispatch(ReceiveStock("TEE", "WH", 1), ADMIN)
    with pytest.raises(IntegrityError):
        async with services.database.transaction() as conn:
            await conn.execute(text("UPDATE stock_levels SET reserved = on_hand + 1"))
    with pytest.raises(IntegrityError):
        async with services.database.transaction() as conn:
            await conn.execute(text("UPDATE stock_levels SET damaged = -1"))


async def test_check_reports_a_counter_changed_behind_the_ledgers_back(services):
    await make_catalogue(services)
    await services.dispatch(ReceiveStock("TEE", "WH", 4), ADMIN)
    assert (await check_ledger(services.database)).ok
    async with services.database.transaction() as conn:
        await conn.execute(text("UPDATE stock_levels SET on_hand = 9"))
    report = await check_ledger(services.database)
    [found] = report.discrepancies
    assert (found.sku, found.counters.on_hand, found.replayed.on_hand) == ("TEE", 9, 4)


async def test_totals_sum_every_location(services):
    await make_catalogue(services, skus=("TEE", "CAP"), locations=("WH", "SHOP"))
    await services.dispatch(ReceiveStock("TEE", "WH", 4), ADMIN)
    await services.dispatch(ReceiveStock("TEE", "SHOP", 3), ADMIN)
    await services.dispatch(AdjustStock("TEE", "SHOP", 1, StockReason.QUARANTINED), ADMIN)
    totals = await services.queries.totals(["TEE", "CAP"])
    assert totals["TEE"] == Quantities(on_hand=7, quarantined=1)
    assert totals["CAP"] == Quantities()
