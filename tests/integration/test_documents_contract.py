"""The generic document repository (api/database/documents.py), through purchase orders, on
both databases: what find and find_many return and what they cost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.database import purchase_order_repository as orders
from api.database.movements import LevelRef
from api.database.stock_repository import ensure_level
from domain.purchase_orders import PurchaseOrder, PurchaseOrderLine, PurchaseOrderStatus
from tests.integration.helpers import insert_location_row, insert_sku_row
from tests.query_count import assert_num_queries

NOW = datetime(2026, 1, 1, tzinfo=UTC)
SKUS = ("TEE", "CAP")


async def _levels(conn) -> dict[str, LevelRef]:
    location_id = await insert_location_row(conn, "WH", NOW)
    levels = {}
    for code in SKUS:
        sku_id = await insert_sku_row(conn, code, NOW)
        level_id = await ensure_level(conn, sku_id, location_id, NOW)
        levels[code] = LevelRef(level_id, sku_id, location_id, code, "WH")
    return levels


def _order(number: int) -> PurchaseOrder:
    return PurchaseOrder(
        id=f"po-{number}",
        supplier="Acme",
        location="WH",
        status=PurchaseOrderStatus.OPEN,
        expected_at=NOW + timedelta(days=number),
        created_at=NOW,
        updated_at=NOW,
        reference=f"ref-{number}",
        lines=tuple(PurchaseOrderLine(n, sku, 10 * number + n) for n, sku in enumerate(SKUS, 1)),
    )


@pytest.fixture
async def stored(database) -> list[PurchaseOrder]:
    """Three purchase orders of two lines each, as stored."""
    created = [_order(number) for number in (1, 2, 3)]
    async with database.transaction() as conn:
        levels = await _levels(conn)
        for order in created:
            await orders.insert_order(conn, order, levels["TEE"].location_id, levels)
    return created


async def test_find_returns_the_document_with_its_lines_and_levels(database, stored):
    async with database.read() as conn:
        found = await orders.find(conn, "po-2")
    assert found is not None
    assert found.order == stored[1]
    assert sorted(found.levels) == sorted(SKUS)
    assert found.levels["CAP"].location == "WH"


async def test_find_many_keeps_the_order_asked_and_leaves_out_unknown_ids(database, stored):
    async with database.read() as conn:
        with assert_num_queries(2):
            found = await orders.find_many(conn, ["po-3", "po-unknown", "po-1", "po-2"])
    assert [s.order for s in found] == [stored[2], stored[0], stored[1]]


async def test_finding_nothing_costs_no_more_than_the_header_query(database, stored):
    async with database.read() as conn:
        with assert_num_queries(0):
            assert await orders.find_many(conn, []) == []
        with assert_num_queries(1):
            assert await orders.find(conn, "po-unknown") is None
