"""Sales before carts against SQLite and PostgreSQL: a sale on a channel with
salesPreemptHolds that finds too few units takes them from other channels' live holds,
newest first and each whole (PREEMPTED), before anything is recorded as oversold."""

from __future__ import annotations

import asyncio

from api.services.ledger_check import check_ledger
from domain.channels import UpdateChannel
from domain.errors import StockpoolError
from domain.listings import UpsertListing
from domain.quantities import Quantities
from domain.reservations import (
    CommitReservation,
    RecordChannelSale,
    RequestedLine,
    ReservationStatus,
    ReserveStock,
    SaleLine,
)
from domain.stock import StockEventType, StockReason
from tests.conftest import ADMIN, both_hold_paths
from tests.integration.helpers import make_catalogue, make_channel, stock


async def level(services, sku: str = "TEE") -> Quantities:
    [found] = await services.queries.stock_levels(sku, "WH")
    return found.quantities


async def shop(services, units: int = 6, preempt: bool = True) -> None:
    """A web cart channel and a marketplace (`amz`) selling TEE from WH."""
    await make_catalogue(services, ("TEE", "MUG"))
    await make_channel(services, "web")
    await make_channel(services, "amz")
    if preempt:
        await services.dispatch(UpdateChannel("amz", sales_preempt_holds=True), ADMIN)
    await stock(services, ("TEE", "WH", units), ("MUG", "WH", units))
    await services.dispatch(UpsertListing("web", "TEE", "web-TEE"), ADMIN)


async def hold(services, ref: str, units: int, *more: RequestedLine):
    lines = (RequestedLine("TEE", units), *more)
    return await services.dispatch(ReserveStock("web", ref, lines), ADMIN)


async def sell(services, units: int, ref: str = "amz-1"):
    return await services.dispatch(
        RecordChannelSale("amz", ref, lines=(SaleLine(units, sku="TEE"),)), ADMIN
    )


async def status_of(services, reservation_id: str) -> ReservationStatus:
    found = await services.reservations.get(reservation_id, ADMIN)
    assert found is not None
    return found.status


async def test_a_marketplace_sale_takes_its_units_from_a_web_cart_hold(services):
    await shop(services)
    cart = await hold(services, "cart-1", 2)
    sale = await sell(services, 6)
    assert [(x.committed, x.oversold) for x in sale.lines] == [(6, 0)]
    assert await status_of(services, cart.id) is ReservationStatus.PREEMPTED
    assert await level(services) == Quantities(on_hand=6, committed=6)
    events, _ = await services.queries.stock_events(20, None, "TEE", "WH")
    released = [e for e in events if e.type is StockEventType.RELEASED]
    assert [(e.reason, e.reference, e.delta.reserved) for e in released] == [
        (StockReason.CHANNEL_SALE, cart.id, -2)
    ]
    [shown] = await services.listings.availability("web", ["TEE"], ADMIN)
    assert shown.published == 0
    assert (await check_ledger(services.database)).ok


async def test_without_the_setting_the_sale_is_oversold_and_the_hold_stays(services):
    await shop(services, preempt=False)
    cart = await hold(services, "cart-1", 2)
    sale = await sell(services, 6)
    assert [(x.committed, x.oversold) for x in sale.lines] == [(4, 2)]
    assert await status_of(services, cart.id) is ReservationStatus.HELD


async def test_holds_are_preempted_newest_first_and_whole(services):
    await shop(services)
    older = await hold(services, "cart-1", 2)
    newer = await hold(services, "cart-2", 2, RequestedLine("MUG", 1))
    sale = await sell(services, 3)
    assert [(x.committed, x.oversold) for x in sale.lines] == [(3, 0)]
    assert await status_of(services, newer.id) is ReservationStatus.PREEMPTED
    assert await status_of(services, older.id) is ReservationStatus.HELD
    assert await level(services) == Quantities(on_hand=6, reserved=2, committed=3)
    assert await level(services, "MUG") == Quantities(on_hand=6)
    assert (await check_ledger(services.database)).ok


async def test_a_paid_reservation_is_never_preempted(services):
    await shop(services)
    paid = await hold(services, "cart-1", 2)
    await services.dispatch(CommitReservation(paid.id), ADMIN)
    sale = await sell(services, 6)
    assert [(x.committed, x.oversold) for x in sale.lines] == [(4, 2)]
    assert await status_of(services, paid.id) is ReservationStatus.COMMITTED


async def test_a_setting_left_out_keeps_its_value(services):
    await shop(services)
    changed = await services.dispatch(UpdateChannel("amz", name="Marketplace"), ADMIN)
    assert changed.sales_preempt_holds is True


@both_hold_paths
async def test_a_sale_racing_fifty_cart_holds_is_never_oversold_while_holds_exist(services):
    """Run on both backends; on PostgreSQL the sale and the holds truly race."""
    await shop(services, units=10)
    carts = [hold(services, f"cart-{i}", 1) for i in range(50)]
    answers = await asyncio.gather(
        *carts[:25], sell(services, 8), *carts[25:], return_exceptions=True
    )
    sale, holds = answers[25], answers[:25] + answers[26:]
    assert not isinstance(sale, BaseException)
    assert [(x.committed, x.oversold) for x in sale.lines] == [(8, 0)]
    refused = [h for h in holds if isinstance(h, BaseException)]
    assert all(isinstance(h, StockpoolError) for h in refused)
    placed = [h for h in holds if not isinstance(h, BaseException)]
    statuses = [await status_of(services, h.id) for h in placed]
    assert set(statuses) <= {ReservationStatus.HELD, ReservationStatus.PREEMPTED}
    held = statuses.count(ReservationStatus.HELD)
    assert held <= 2
    assert await level(services) == Quantities(on_hand=10, reserved=held, committed=8)
    assert (await check_ledger(services.database)).ok
