"""Oversold units against SQLite and PostgreSQL: settled by the stock that arrives, first in
line and in the order the sales were recorded, never forgotten by fulfilment."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from api.services.ledger_check import check_ledger
from domain.alerts import AlertStatus
from domain.errors import InsufficientStock, InvalidQuantity
from domain.quantities import Quantities
from domain.reservations import (
    CancelReservation,
    FulfilReservation,
    RecordChannelSale,
    RequestedLine,
    ReservationStatus,
    ReserveStock,
    SaleLine,
)
from domain.returns import (
    InspectedLine,
    InspectionOutcome,
    InspectionReason,
    InspectReturn,
    ReceiveReturn,
    ReturnedLine,
    ReturnReason,
)
from domain.stock import StockEventType
from domain.stock_commands import ReceiveStock
from domain.transfers import (
    ArrivedLine,
    CreateTransfer,
    ReceiveTransfer,
    ShipTransfer,
    TransferredLine,
)
from tests.conftest import ADMIN
from tests.integration.helpers import make_catalogue, make_channel, stock


async def level(services, sku: str = "TEE", location: str = "WH") -> Quantities:
    [found] = await services.queries.stock_levels(sku, location)
    return found.quantities


def sale(ref: str, quantity: int, **kw) -> RecordChannelSale:
    return RecordChannelSale("web", ref, lines=(SaleLine(quantity, sku="TEE"),), **kw)


async def oversold_shop(services, on_hand: int = 1) -> None:
    """WH has `on_hand` TEE; amz-1 buys 3 (2 oversold), then amz-2 buys 2 (all oversold)."""
    await make_catalogue(services, ("TEE",), ("WH", "SHOP"))
    await make_channel(services)
    if on_hand:
        await stock(services, ("TEE", "WH", on_hand))
    await services.dispatch(sale("amz-1", 3), ADMIN)
    await services.dispatch(sale("amz-2", 2), ADMIN)


async def owed(services) -> dict[str, tuple[int, int]]:
    """(committed, oversold) of each order."""
    found, _ = await services.reservations.page(ADMIN, 100, None, "web", None, None)
    return {
        r.order_ref: (sum(x.committed for x in r.lines), sum(x.oversold for x in r.lines))
        for r in found
    }


async def oversell_alert(services):
    return [a for a in await services.alerts.list(None, ADMIN) if a.type.value == "OVERSELL"]


async def test_received_stock_settles_oversold_orders_in_the_order_they_were_sold(services):
    await oversold_shop(services)
    await services.dispatch(ReceiveStock("TEE", "WH", 3), ADMIN)
    assert await owed(services) == {"amz-1": (3, 0), "amz-2": (1, 1)}
    assert await level(services) == Quantities(on_hand=4, committed=4)
    [alert] = await oversell_alert(services)
    assert alert.status is AlertStatus.OPEN
    await services.dispatch(ReceiveStock("TEE", "WH", 2), ADMIN)
    assert await owed(services) == {"amz-1": (3, 0), "amz-2": (2, 0)}
    assert await level(services) == Quantities(on_hand=6, committed=5)
    [alert] = await oversell_alert(services)
    assert alert.status is AlertStatus.RESOLVED
    fills, _ = await services.queries.stock_events(100, None, "TEE", "WH")
    filled = [
        (e.reference, e.delta.committed) for e in fills if e.type is StockEventType.BACKORDER_FILLED
    ]
    assert sorted(filled) == [("amz-1", 2), ("amz-2", 1), ("amz-2", 1)]
    assert (await check_ledger(services.database)).ok


async def test_oversold_orders_come_before_a_checkout_for_arriving_stock(services):
    await oversold_shop(services, on_hand=0)
    await services.dispatch(ReceiveStock("TEE", "WH", 4), ADMIN)
    assert await owed(services) == {"amz-1": (3, 0), "amz-2": (1, 1)}
    assert (await level(services)).available == 0
    with pytest.raises(InsufficientStock):
        await services.dispatch(ReserveStock("web", "cart-1", (RequestedLine("TEE", 1),)), ADMIN)


async def test_a_received_transfer_settles_oversold_units(services):
    await oversold_shop(services, on_hand=0)
    await stock(services, ("TEE", "SHOP", 5))
    due = datetime(2030, 1, 1, tzinfo=UTC)
    moving = await services.dispatch(
        CreateTransfer("SHOP", "WH", due, (TransferredLine("TEE", 5),)), ADMIN
    )
    await services.dispatch(ShipTransfer(moving.id), ADMIN)
    await services.dispatch(ReceiveTransfer(moving.id, (ArrivedLine("TEE", 5),)), ADMIN)
    assert await owed(services) == {"amz-1": (3, 0), "amz-2": (2, 0)}
    assert await level(services) == Quantities(on_hand=5, committed=5)
    assert (await check_ledger(services.database)).ok


async def test_a_restocked_return_settles_oversold_units(services):
    await make_catalogue(services)
    await make_channel(services)
    await stock(services, ("TEE", "WH", 2))
    await services.dispatch(sale("till-1", 2, fulfilled=True), ADMIN)
    await services.dispatch(sale("amz-1", 1), ADMIN)
    back = ReceiveReturn("WH", (ReturnedLine("TEE", 1, ReturnReason.OTHER),), None, "web", "till-1")
    returned = await services.dispatch(back, ADMIN)
    assert await owed(services) == {"till-1": (0, 0), "amz-1": (0, 1)}
    restock = InspectedLine("TEE", InspectionOutcome.RESTOCK, 1, InspectionReason.AS_NEW)
    await services.dispatch(InspectReturn(returned.id, (restock,)), ADMIN)
    assert await owed(services) == {"till-1": (0, 0), "amz-1": (1, 0)}
    [alert] = await oversell_alert(services)
    assert alert.status is AlertStatus.RESOLVED
    assert (await check_ledger(services.database)).ok


async def test_an_order_with_oversold_units_ships_what_it_has_but_stays_committed(services):
    await oversold_shop(services)
    first, _ = await services.reservations.page(ADMIN, 100, None, "web", None, None)
    amz1 = next(r for r in first if r.order_ref == "amz-1")
    shipped = await services.dispatch(FulfilReservation(amz1.id), ADMIN)
    assert shipped.status is ReservationStatus.COMMITTED
    assert [(x.fulfilled, x.oversold) for x in shipped.lines] == [(1, 2)]
    await services.dispatch(ReceiveStock("TEE", "WH", 2), ADMIN)
    done = await services.dispatch(FulfilReservation(amz1.id), ADMIN)
    assert done.status is ReservationStatus.FULFILLED
    assert [(x.fulfilled, x.oversold) for x in done.lines] == [(3, 0)]
    assert (await check_ledger(services.database)).ok


async def test_cancelling_oversold_units_ships_the_order_short(services):
    await oversold_shop(services)
    orders, _ = await services.reservations.page(ADMIN, 100, None, "web", None, None)
    amz1 = next(r for r in orders if r.order_ref == "amz-1")
    with pytest.raises(InvalidQuantity):
        await services.dispatch(CancelReservation(amz1.id, lines=(RequestedLine("TEE", 3),)), ADMIN)
    short = await services.dispatch(
        CancelReservation(amz1.id, lines=(RequestedLine("TEE", 2),)), ADMIN
    )
    assert short.status is ReservationStatus.COMMITTED
    assert [(x.committed, x.oversold) for x in short.lines] == [(1, 0)]
    done = await services.dispatch(FulfilReservation(amz1.id), ADMIN)
    assert done.status is ReservationStatus.FULFILLED
    [alert] = await oversell_alert(services)
    assert alert.status is AlertStatus.OPEN  # amz-2 is still short
    amz2 = next(r for r in orders if r.order_ref == "amz-2")
    gone = await services.dispatch(
        CancelReservation(amz2.id, lines=(RequestedLine("TEE", 2),)), ADMIN
    )
    assert gone.status is ReservationStatus.CANCELLED
    [alert] = await oversell_alert(services)
    assert alert.status is AlertStatus.RESOLVED
    await services.dispatch(ReceiveStock("TEE", "WH", 2), ADMIN)
    assert await level(services) == Quantities(on_hand=2)
    assert (await check_ledger(services.database)).ok
