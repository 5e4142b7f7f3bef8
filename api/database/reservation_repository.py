"""Reservations and their lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database.change_journal import journal_of
from api.database.holds import due_for_expiry, holding_units
from api.database.id_pages import newest_ids
from api.database.movements import LevelRef
from api.database.rows import (
    RESERVATION_COLUMNS,
    RESERVATION_LINE_COLUMNS,
    reservation_line_row,
    reservation_row,
)
from api.database.tables import channels, locations, reservation_lines, reservations, skus
from domain.reservations import (
    Reservation,
    ReservationKind,
    ReservationLine,
    ReservationStatus,
)


@dataclass(frozen=True, slots=True)
class StoredLine:
    id: int
    level: LevelRef
    line: ReservationLine


@dataclass(frozen=True, slots=True)
class StoredReservation:
    reservation: Reservation
    lines: list[StoredLine]
    channel_id: int


def still_held(now: datetime) -> ColumnElement[bool]:
    return and_(
        reservations.c.status == ReservationStatus.HELD.value, reservations.c.expires_at > now
    )


def status_is(status: ReservationStatus) -> ColumnElement[bool]:
    return reservations.c.status == status.value


async def insert_reservation(
    conn: AsyncConnection,
    reservation: Reservation,
    channel_id: int,
    lines: list[tuple[LevelRef, ReservationLine]],
) -> None:
    await conn.execute(
        insert(reservations).values(
            dict(zip(RESERVATION_COLUMNS, reservation_row(reservation, channel_id), strict=True))
        )
    )
    await insert_lines(conn, reservation.id, lines)


async def insert_lines(
    conn: AsyncConnection, reservation_id: str, lines: list[tuple[LevelRef, ReservationLine]]
) -> None:
    journal_of(conn).reservation_changed(reservation_id)
    await conn.execute(
        insert(reservation_lines),
        [
            dict(
                zip(
                    RESERVATION_LINE_COLUMNS,
                    reservation_line_row(reservation_id, level, line),
                    strict=True,
                )
            )
            for level, line in lines
        ],
    )


_header = select(reservations, channels.c.code.label("channel")).join(
    channels, channels.c.id == reservations.c.channel_id
)


async def find(conn: AsyncConnection, reservation_id: str) -> StoredReservation | None:
    found = await find_many(conn, [reservation_id])
    return found[0] if found else None


async def find_many(conn: AsyncConnection, reservation_ids: list[str]) -> list[StoredReservation]:
    """The reservations with these ids, in the order given (missing ids are skipped), in two
    queries whatever their number."""
    if not reservation_ids:
        return []
    headers = {
        row.id: row
        for row in await conn.execute(_header.where(reservations.c.id.in_(reservation_ids)))
    }
    if not headers:
        return []
    lines: dict[str, list[StoredLine]] = {reservation_id: [] for reservation_id in headers}
    line_rows = await conn.execute(
        select(reservation_lines, skus.c.code.label("sku"), locations.c.code.label("location"))
        .join(skus, skus.c.id == reservation_lines.c.sku_id)
        .join(locations, locations.c.id == reservation_lines.c.location_id)
        .where(reservation_lines.c.reservation_id.in_(list(headers)))
        .order_by(reservation_lines.c.line_number, reservation_lines.c.id)
    )
    for r in line_rows:
        lines[r.reservation_id].append(_stored_line_from(r))
    return [
        StoredReservation(
            _reservation_from(headers[id_], tuple(s.line for s in lines[id_])),
            lines[id_],
            int(headers[id_].channel_id),
        )
        for id_ in reservation_ids
        if id_ in headers
    ]


def _stored_line_from(r: Any) -> StoredLine:
    return StoredLine(
        int(r.id),
        LevelRef(r.stock_level_id, r.sku_id, r.location_id, r.sku, r.location),
        ReservationLine(
            r.line_number,
            r.sku,
            r.location,
            r.quantity,
            r.reserved,
            r.committed,
            r.fulfilled,
            r.oversold,
            r.backordered,
            r.promised_at,
        ),
    )


async def page(
    conn: AsyncConnection,
    first: int,
    after: str | None,
    channel: str | None,
    status: ReservationStatus | None,
    order_ref: str | None,
    now: datetime,
) -> tuple[list[str], bool]:
    """Reservation ids, newest first (ids sort by creation)."""
    query = select(reservations.c.id)
    if channel is not None:
        query = query.join(channels, channels.c.id == reservations.c.channel_id).where(
            channels.c.code == channel
        )
    if order_ref is not None:
        query = query.where(reservations.c.order_ref == order_ref)
    if status is ReservationStatus.EXPIRED:
        query = query.where(due_for_expiry(now))
    elif status is ReservationStatus.HELD:
        query = query.where(still_held(now))
    elif status is not None:
        query = query.where(reservations.c.status == status.value)
    return await newest_ids(conn, query, reservations.c.id, first, after)


async def set_status(
    conn: AsyncConnection,
    reservation_id: str,
    new: ReservationStatus,
    now: datetime,
    when: ColumnElement[bool],
    expires_at: datetime | None = None,
) -> bool:
    """Conditional transition: true if the reservation matched `when` and moved."""
    values: dict[str, Any] = {"status": new.value, "updated_at": now}
    if expires_at is not None:
        values["expires_at"] = expires_at
    result = await conn.execute(
        update(reservations).where(reservations.c.id == reservation_id, when).values(values)
    )
    if not result.rowcount:
        return False
    journal_of(conn).reservation_changed(reservation_id, now)
    return True


async def mark_expired(conn: AsyncConnection, reservation_ids: list[str], now: datetime) -> None:
    expired = await conn.execute(
        update(reservations)
        .where(
            reservations.c.id.in_(reservation_ids),
            reservations.c.status == ReservationStatus.HELD.value,
        )
        .values(status=ReservationStatus.EXPIRED.value, updated_at=now)
        .returning(reservations.c.id)
    )
    journal = journal_of(conn)
    for (reservation_id,) in expired:
        journal.reservation_changed(reservation_id, now)


async def update_line(conn: AsyncConnection, line_id: int, **counters: int) -> None:
    await change_line(conn, line_id, counters)


async def change_line(conn: AsyncConnection, line_id: int, values: dict[str, Any]) -> None:
    """The one way a reservation line's counters change (the journal notes its reservation)."""
    moved = await conn.execute(
        update(reservation_lines)
        .where(reservation_lines.c.id == line_id)
        .values(values)
        .returning(reservation_lines.c.reservation_id)
    )
    for (reservation_id,) in moved:
        journal_of(conn).reservation_changed(reservation_id)


async def add_to_line(
    conn: AsyncConnection, line_id: int, reserved: int, committed: int, backordered: int
) -> None:
    """Moves units between a line's counters relative to what they are now."""
    await change_line(
        conn,
        line_id,
        {
            "reserved": reservation_lines.c.reserved + reserved,
            "committed": reservation_lines.c.committed + committed,
            "backordered": reservation_lines.c.backordered + backordered,
        },
    )


def _lock_due_on_levels() -> Select[tuple[str]]:
    """Built once: every hold runs it."""
    holding = select(reservation_lines.c.reservation_id).where(
        reservation_lines.c.stock_level_id.in_(bindparam("levels", expanding=True)),
        holding_units(),
    )
    now = bindparam("now", type_=reservations.c.expires_at.type)
    return (
        select(reservations.c.id)
        .where(reservations.c.id.in_(holding), due_for_expiry(now))
        .order_by(reservations.c.id)
        .with_for_update()
    )


_LOCK_DUE_ON_LEVELS = _lock_due_on_levels()


async def lock_due_on_levels(
    conn: AsyncConnection, level_ids: list[int], now: datetime
) -> list[str]:
    """Locks the reservations due for expiry that still hold units on these levels."""
    rows = await conn.execute(_LOCK_DUE_ON_LEVELS, {"levels": level_ids, "now": now})
    return [row.id for row in rows]


@dataclass(frozen=True, slots=True)
class HeldLine:
    id: int
    level_id: int
    reserved: int
    backordered: int
    reservation_id: str


async def held_lines_on_levels(
    conn: AsyncConnection, reservation_ids: list[str], level_ids: list[int] | None
) -> list[HeldLine]:
    """Lines of these reservations still holding or backordering units."""
    query = select(
        reservation_lines.c.id,
        reservation_lines.c.stock_level_id,
        reservation_lines.c.reserved,
        reservation_lines.c.backordered,
        reservation_lines.c.reservation_id,
    ).where(reservation_lines.c.reservation_id.in_(reservation_ids), holding_units())
    if level_ids is not None:
        query = query.where(reservation_lines.c.stock_level_id.in_(level_ids))
    return [
        HeldLine(
            int(r.id), int(r.stock_level_id), int(r.reserved), int(r.backordered), r.reservation_id
        )
        for r in await conn.execute(query)
    ]


async def due_ids(conn: AsyncConnection, now: datetime, limit: int) -> list[str]:
    holding = select(reservation_lines.c.reservation_id).where(holding_units())
    rows = await conn.execute(
        select(reservations.c.id)
        .where(due_for_expiry(now), reservations.c.id.in_(holding))
        .order_by(reservations.c.expires_at)
        .limit(limit)
    )
    return [row.id for row in rows]


def _reservation_from(row: Any, lines: tuple[ReservationLine, ...]) -> Reservation:
    return Reservation(
        id=row.id,
        channel=row.channel,
        order_ref=row.order_ref,
        kind=ReservationKind(row.kind),
        status=ReservationStatus(row.status),
        expires_at=row.expires_at,
        created_at=row.created_at,
        lines=lines,
    )
