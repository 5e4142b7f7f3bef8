"""Channel orders recorded as sales: (channel, order_ref) names one sale. The primary key of
channel_orders, not a read before the write, keeps a resent order from being sold twice."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database.rows import RESERVATION_COLUMNS, reservation_row
from api.database.tables import channel_orders, reservations
from domain.reservations import Reservation


@dataclass(frozen=True, slots=True)
class RecordedOrder:
    reservation_id: str
    lines_digest: str


async def claim_order(
    conn: AsyncConnection, sale: Reservation, channel_id: int, lines_digest: str
) -> RecordedOrder | None:
    """Writes a new sale's reservation row (its lines come later, in the same transaction)
    and claims its order; returns None. If a sale of the channel already claimed the order,
    writes nothing and returns it: a concurrent claim waits on the key until the first
    commits (or rolls back), so every resend finds the one sale."""
    try:
        async with conn.begin_nested():
            values = dict(zip(RESERVATION_COLUMNS, reservation_row(sale, channel_id), strict=True))
            await conn.execute(insert(reservations).values(values))
            await conn.execute(
                insert(channel_orders).values(
                    channel_id=channel_id,
                    order_ref=sale.order_ref,
                    reservation_id=sale.id,
                    lines_digest=lines_digest,
                    created_at=sale.created_at,
                )
            )
    except IntegrityError:
        found = await _recorded(conn, channel_id, sale.order_ref)
        if found is None:
            raise
        return found
    return None


async def _recorded(conn: AsyncConnection, channel_id: int, order_ref: str) -> RecordedOrder | None:
    row = (
        await conn.execute(
            select(channel_orders.c.reservation_id, channel_orders.c.lines_digest).where(
                channel_orders.c.channel_id == channel_id, channel_orders.c.order_ref == order_ref
            )
        )
    ).one_or_none()
    return RecordedOrder(row.reservation_id, row.lines_digest) if row else None
