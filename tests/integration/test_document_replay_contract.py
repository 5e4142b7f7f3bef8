"""A stock document command replayed with its idempotency key answers what its first run
answered, whatever happened to the document since, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.cycle_counts import CompleteCount, CountedLine, CountStatus, RecordCount, StartCount
from domain.purchase_orders import (
    ClosePurchaseOrder,
    CreatePurchaseOrder,
    OrderedLine,
    PurchaseOrderStatus,
    ReceivedLine,
    ReceivePurchaseOrder,
)
from tests.conftest import ADMIN
from tests.integration.helpers import make_catalogue, stock

DUE = datetime(2030, 1, 1, tzinfo=UTC)


async def test_a_replayed_receipt_answers_the_purchase_order_as_it_was_received(services):
    await make_catalogue(services)
    order = await services.dispatch(
        CreatePurchaseOrder("Acme", "WH", DUE, (OrderedLine("TEE", 10),)), ADMIN
    )
    receive = ReceivePurchaseOrder(order.id, (ReceivedLine("TEE", 4),), idempotency_key="rcv-1")
    received = await services.dispatch(receive, ADMIN)
    await services.dispatch(ClosePurchaseOrder(order.id), ADMIN)

    replayed = await services.dispatch(receive, ADMIN)
    assert replayed == received
    assert replayed.status is PurchaseOrderStatus.PARTIALLY_RECEIVED


async def test_a_replayed_count_answers_the_count_as_it_was_recorded(services):
    await make_catalogue(services)
    await stock(services, ("TEE", "WH", 8))
    count = await services.dispatch(StartCount("WH", ("TEE",)), ADMIN)
    record = RecordCount(count.id, (CountedLine("TEE", 7),), idempotency_key="count-1")
    recorded = await services.dispatch(record, ADMIN)
    await services.dispatch(CompleteCount(count.id), ADMIN)

    replayed = await services.dispatch(record, ADMIN)
    assert replayed == recorded
    assert replayed.status is CountStatus.OPEN
