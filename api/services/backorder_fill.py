"""Handing arrived units to the backorders and oversold sales waiting for them, oldest first, and
flagging levels whose promises outgrew what is still on its way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database import alert_repository, stock_repository
from api.database import reservation_repository as reservations_repo
from api.database.holds import still_promising
from api.database.movements import LevelRef, Movement, apply_movements
from api.database.tables import channels, reservation_lines, reservations, skus
from api.services import oversold
from domain import alerts
from domain.alerts import Alert
from domain.reservations import LineChange, ReservationStatus
from domain.stock import LedgerEntry, StockEventType, StockReason


@dataclass(frozen=True, slots=True)
class Waiting:
    """A line waiting for units on a level: backordered (a hold's or an order's) or oversold
    (a channel's sale recorded with no stock)."""

    line_id: int
    units: int
    oversold: bool
    status: ReservationStatus
    order_ref: str
    channel: str
    sku: str

    def change(self, units: int) -> LineChange:
        """A hold's backorder becomes reserved; an order's backorder or oversold committed."""
        if self.status is ReservationStatus.HELD:
            return LineChange(backordered=-units, reserved=units)
        if self.oversold:
            return LineChange(committed=units)
        return LineChange(backordered=-units, committed=units)


async def fill_backorders(
    conn: AsyncConnection, levels: list[LevelRef], now: datetime, actor: str
) -> tuple[list[LedgerEntry], list[Alert]]:
    """On each (locked) level, hands available units to the lines waiting for them, oldest
    first: backorders and oversold units alike. Each fill is a BACKORDER_FILLED ledger row;
    an OVERSELL alert whose shortfall is all settled resolves."""
    movements = []
    settled: set[tuple[str, str]] = set()
    for level in sorted(levels, key=lambda lv: lv.id):
        free = (await stock_repository.read_quantities(conn, level.id)).available
        if free <= 0:
            continue
        for waiting in await _waiting(conn, level.id, now):
            units = min(waiting.units, free)
            if units <= 0:
                break
            change = waiting.change(units)
            if waiting.oversold:
                await oversold.settle(conn, waiting.line_id, units)
                settled.add((waiting.channel, waiting.sku))
            else:
                await reservations_repo.add_to_line(
                    conn, waiting.line_id, change.reserved, change.committed, change.backordered
                )
            movements.append(
                Movement(
                    level,
                    change.stock_movement(),
                    StockEventType.BACKORDER_FILLED,
                    StockReason.ORDER,
                    waiting.order_ref,
                )
            )
            free -= units
    filled = await apply_movements(conn, movements, actor, now)
    return filled, await oversold.resolve_settled(conn, settled, now)


async def units_arrived(
    conn: AsyncConnection, levels: list[LevelRef], now: datetime, actor: str
) -> tuple[list[LedgerEntry], list[Alert]]:
    """After a delivery reached these (locked) levels: waiting backorders filled oldest first,
    and the promises left checked against what is still on its way (a delivery short or
    damaged may leave some uncovered)."""
    filled, settled = await fill_backorders(conn, levels, now, actor)
    return filled, [*settled, *await check_promises(conn, levels, now)]


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


async def _waiting(conn: AsyncConnection, level_id: int, now: datetime) -> list[Waiting]:
    """Lines on the level waiting for units, in the order their reservations were made:
    backordered units of live holds and of orders, oversold units of orders."""
    backordered = and_(reservation_lines.c.backordered > 0, still_promising(now))
    short = and_(
        reservation_lines.c.oversold > 0,
        reservations.c.status == ReservationStatus.COMMITTED.value,
    )
    rows = await conn.execute(
        select(
            reservation_lines.c.id,
            reservation_lines.c.backordered,
            reservation_lines.c.oversold,
            reservations.c.status,
            reservations.c.order_ref,
            channels.c.code.label("channel"),
            skus.c.code.label("sku"),
        )
        .join(reservations, reservations.c.id == reservation_lines.c.reservation_id)
        .join(channels, channels.c.id == reservations.c.channel_id)
        .join(skus, skus.c.id == reservation_lines.c.sku_id)
        .where(reservation_lines.c.stock_level_id == level_id, or_(backordered, short))
        .order_by(reservations.c.created_at, reservation_lines.c.id)
        .with_for_update(of=reservation_lines)
    )
    found = []
    for r in rows:
        status = ReservationStatus(r.status)
        line = (int(r.id), status, r.order_ref, r.channel, r.sku)
        if int(r.backordered) and status in (ReservationStatus.HELD, ReservationStatus.COMMITTED):
            found.append(Waiting(line[0], int(r.backordered), False, *line[1:]))
        if int(r.oversold) and status is ReservationStatus.COMMITTED:
            found.append(Waiting(line[0], int(r.oversold), True, *line[1:]))
    return found
