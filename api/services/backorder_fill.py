"""Handing arrived units to the backorders waiting for them, oldest promise first, and
flagging levels whose promises outgrew what is still on its way."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database import alert_repository, stock_repository
from api.database import reservation_repository as reservations_repo
from api.database.holds import still_promising
from api.database.movements import LevelRef, Movement, apply_movements
from api.database.tables import reservation_lines, reservations
from domain import alerts
from domain.alerts import Alert
from domain.reservations import LineChange, ReservationStatus
from domain.stock import LedgerEntry, StockEventType, StockReason


async def fill_backorders(
    conn: AsyncConnection, levels: list[LevelRef], now: datetime, actor: str
) -> list[LedgerEntry]:
    """On each (locked) level, turns backordered units into held or committed ones while
    units are available: a hold's backorder becomes reserved, an order's committed."""
    movements = []
    for level in sorted(levels, key=lambda lv: lv.id):
        free = (await stock_repository.read_quantities(conn, level.id)).available
        if free <= 0:
            continue
        for line_id, backordered, status, reference in await _waiting(conn, level.id, now):
            units = min(backordered, free)
            if units <= 0:
                break
            change = (
                LineChange(backordered=-units, reserved=units)
                if status is ReservationStatus.HELD
                else LineChange(backordered=-units, committed=units)
            )
            await reservations_repo.add_to_line(
                conn, line_id, change.reserved, change.committed, change.backordered
            )
            movements.append(
                Movement(
                    level,
                    change.stock_movement(),
                    StockEventType.BACKORDER_FILLED,
                    StockReason.ORDER,
                    reference,
                )
            )
            free -= units
    return await apply_movements(conn, movements, actor, now)


async def units_arrived(
    conn: AsyncConnection, levels: list[LevelRef], now: datetime, actor: str
) -> tuple[list[LedgerEntry], list[Alert]]:
    """After a delivery reached these (locked) levels: waiting backorders filled oldest first,
    and the promises left checked against what is still on its way (a delivery short or
    damaged may leave some uncovered)."""
    return await fill_backorders(conn, levels, now, actor), await check_promises(conn, levels, now)


async def check_promises(
    conn: AsyncConnection, levels: list[LevelRef], now: datetime
) -> list[Alert]:
    """A BACKORDER_SHORT alert for each level promising more than is still on its way (a
    short or damaged delivery, a closed order); resolved once the promises fit again."""
    moved = []
    for level in levels:
        q = await stock_repository.read_quantities(conn, level.id)
        incoming = q.in_transit + q.on_order
        if q.backordered > incoming:
            raised = alerts.backorder_short(level.sku, level.location, q.backordered, incoming)
            moved.append(await alert_repository.raise_alert(conn, raised, now))
        else:
            cause = alerts.backorder_short_cause(level.sku, level.location)
            resolved = await alert_repository.resolve_cause(conn, cause, now)
            if resolved is not None:
                moved.append(resolved)
    return moved


async def _waiting(
    conn: AsyncConnection, level_id: int, now: datetime
) -> list[tuple[int, int, ReservationStatus, str]]:
    """Lines on the level with backordered units, of live holds and of orders, oldest first."""
    rows = await conn.execute(
        select(
            reservation_lines.c.id,
            reservation_lines.c.backordered,
            reservations.c.status,
            reservations.c.order_ref,
        )
        .join(reservations, reservations.c.id == reservation_lines.c.reservation_id)
        .where(
            reservation_lines.c.stock_level_id == level_id,
            reservation_lines.c.backordered > 0,
            still_promising(now),
        )
        .order_by(reservations.c.created_at, reservation_lines.c.id)
        .with_for_update(of=reservation_lines)
    )
    return [(int(r.id), int(r.backordered), ReservationStatus(r.status), r.order_ref) for r in rows]
