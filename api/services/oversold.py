"""Oversold units are settled, never forgotten: filled by arriving stock or cancelled (the
order ships short). An OVERSELL alert stays active while an order of its channel still
waits for units of its SKU, and resolves once none does."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database import alert_repository
from api.database.reservation_repository import change_line
from api.database.tables import channels, reservation_lines, reservations, skus
from domain import alerts
from domain.alerts import Alert
from domain.reservations import ReservationStatus


async def settle(conn: AsyncConnection, line_id: int, units: int) -> None:
    """Oversold units of a line found in stock: allocated to it and committed now."""
    await change_line(
        conn,
        line_id,
        {
            "quantity": reservation_lines.c.quantity + units,
            "committed": reservation_lines.c.committed + units,
            "oversold": reservation_lines.c.oversold - units,
        },
    )


async def cancel(conn: AsyncConnection, line_id: int, units: int) -> None:
    """Oversold units of a line the order will ship without: no stock moves."""
    await change_line(conn, line_id, {"oversold": reservation_lines.c.oversold - units})


async def resolve_settled(
    conn: AsyncConnection, settled: set[tuple[str, str]], now: datetime
) -> list[Alert]:
    """The OVERSELL alert of each (channel, SKU) resolved if no committed order of the
    channel has units of the SKU still oversold."""
    resolved = []
    for channel, sku in sorted(settled):
        if await _still_short(conn, channel, sku):
            continue
        alert = await alert_repository.resolve_cause(conn, alerts.oversell_cause(channel, sku), now)
        if alert is not None:
            resolved.append(alert)
    return resolved


async def _still_short(conn: AsyncConnection, channel: str, sku: str) -> bool:
    found = await conn.execute(
        select(reservation_lines.c.id)
        .join(reservations, reservations.c.id == reservation_lines.c.reservation_id)
        .join(channels, channels.c.id == reservations.c.channel_id)
        .join(skus, skus.c.id == reservation_lines.c.sku_id)
        .where(
            channels.c.code == channel,
            skus.c.code == sku,
            reservations.c.status == ReservationStatus.COMMITTED.value,
            reservation_lines.c.oversold > 0,
        )
        .limit(1)
    )
    return found.first() is not None
