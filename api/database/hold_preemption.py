"""The holds a sale on a channel with salesPreemptHolds may take units from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database.reservation_repository import still_held
from api.database.tables import reservation_lines, reservations
from domain.reservations import ReservationKind


async def lock_live_holds_on_levels(
    conn: AsyncConnection, level_ids: list[int], other_than_channel: int, now: datetime
) -> list[str]:
    """Locks the live holds (HELD, within their window) of other channels reserving units
    on these levels: newest first."""
    reserving = select(reservation_lines.c.reservation_id).where(
        reservation_lines.c.stock_level_id.in_(level_ids), reservation_lines.c.reserved > 0
    )
    rows = await conn.execute(
        select(reservations.c.id)
        .where(
            reservations.c.id.in_(reserving),
            reservations.c.kind == ReservationKind.HOLD.value,
            reservations.c.channel_id != other_than_channel,
            still_held(now),
        )
        .order_by(reservations.c.created_at.desc(), reservations.c.id.desc())
        .with_for_update()
    )
    return [row.id for row in rows]
