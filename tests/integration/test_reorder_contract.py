"""Reorder figures over time, against SQLite and PostgreSQL: the velocity window leaves older
sales out, an oversold sale's units count on the day of the sale (filling them adds nothing),
and the sweeper letting a hold expire resolves the LOW_STOCK alert it caused."""

from __future__ import annotations

import asyncio

from domain.alerts import AlertStatus, AlertType
from domain.channels import SplitPolicy
from domain.reorder import SetReorderPolicy
from domain.reservations import (
    CancelReservation,
    RecordChannelSale,
    RequestedLine,
    ReserveStock,
    SaleLine,
)
from domain.stock_commands import ReceiveStock
from tests.conftest import ADMIN
from tests.integration.helpers import make_catalogue, make_channel, stock

DAY = 24 * 3600


async def test_sales_older_than_the_window_are_left_out(clocked_services, clock):
    services = clocked_services
    await make_catalogue(services)
    await make_channel(services)
    await stock(services, ("TEE", "WH", 20))
    await services.dispatch(RecordChannelSale("web", "s-1", 4, sku="TEE"), ADMIN)
    clock.advance(10 * DAY)
    await services.dispatch(RecordChannelSale("web", "s-2", 2, sku="TEE"), ADMIN)
    week, available = await services.reorder.velocity(ADMIN, "TEE", 7)
    assert (week.units_sold, week.units_per_day, available) == (2, 2 / 7, 14)
    month, _ = await services.reorder.velocity(ADMIN, "TEE", 30, "WH")
    assert (month.units_sold, month.units_per_day, month.location) == (6, 0.2, "WH")


async def test_an_oversold_sale_counts_every_unit_on_the_day_of_the_sale_once(
    clocked_services, clock
):
    services = clocked_services
    await make_catalogue(services)
    await make_channel(services)
    await stock(services, ("TEE", "WH", 2))
    await services.dispatch(RecordChannelSale("web", "s-1", lines=(SaleLine(5, sku="TEE"),)), ADMIN)
    sale_day, _ = await services.reorder.velocity(ADMIN, "TEE", 1)
    assert sale_day.units_sold == 5  # 2 from stock, 3 oversold
    clock.advance(2 * DAY)
    await services.dispatch(ReceiveStock("TEE", "WH", 10), ADMIN)  # fills the 3 oversold
    fill_day, available = await services.reorder.velocity(ADMIN, "TEE", 1, "WH")
    assert (fill_day.units_sold, available) == (0, 7)
    month, _ = await services.reorder.velocity(ADMIN, "TEE", 30, "WH")
    assert month.units_sold == 5


async def test_a_cancelled_oversold_sale_still_counts_as_demand(clocked_services, clock):
    services = clocked_services
    await make_catalogue(services)
    await make_channel(services)
    await stock(services, ("TEE", "WH", 1))
    sold = await services.dispatch(
        RecordChannelSale("web", "s-1", lines=(SaleLine(4, sku="TEE"),)), ADMIN
    )
    await services.dispatch(CancelReservation(sold.id), ADMIN)
    [suggestion] = await _suggestions(services)
    assert suggestion.velocity.units_sold == 4


async def _suggestions(services):
    await services.dispatch(SetReorderPolicy("TEE", reorder_point=1, lead_time_days=7), ADMIN)
    return await services.reorder.suggestions(ADMIN, 30)


async def test_a_hold_expiring_resolves_the_low_stock_alert_it_raised(clocked_services, clock):
    services = clocked_services
    await make_catalogue(services)
    await make_channel(services)
    await stock(services, ("TEE", "WH", 10))
    await services.dispatch(
        SetReorderPolicy("TEE", reorder_point=5, lead_time_days=7, location="WH"), ADMIN
    )
    await services.dispatch(
        ReserveStock("web", "o-1", (RequestedLine("TEE", 6),), hold_seconds=60), ADMIN
    )
    [alert] = await services.alerts.list(None, ADMIN)
    assert (alert.type, alert.status, alert.details["available"]) == (
        AlertType.LOW_STOCK,
        AlertStatus.OPEN,
        4,
    )
    clock.advance(61)
    assert await services.reservations.expire_due() == 1
    [resolved] = await services.alerts.list(None, ADMIN)
    assert (resolved.id, resolved.status) == (alert.id, AlertStatus.RESOLVED)


async def test_concurrent_sales_at_several_locations_open_one_low_stock_alert(services):
    await make_catalogue(services, locations=("A", "B"))
    await make_channel(services, locations=("A", "B"), split=SplitPolicy.ALLOWED)
    await stock(services, ("TEE", "A", 30), ("TEE", "B", 30))
    await services.dispatch(SetReorderPolicy("TEE", reorder_point=20, lead_time_days=7), ADMIN)
    sales = [
        services.dispatch(
            RecordChannelSale("web", f"s-{i}", 1, sku="TEE", location="AB"[i % 2]), ADMIN
        )
        for i in range(50)
    ]
    results = await asyncio.gather(*sales, return_exceptions=True)
    assert [r for r in results if isinstance(r, BaseException)] == []
    [alert] = await services.alerts.list(None, ADMIN)
    assert (alert.type, alert.status, alert.occurrences) == (
        AlertType.LOW_STOCK,
        AlertStatus.OPEN,
        1,
    )
    assert alert.details["available"] == 20  # judged in turn: the first to reach it raised it
