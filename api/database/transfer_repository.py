"""Transfers and their lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database.id_pages import newest_ids
from api.database.movements import LevelRef
from api.database.rows import aware
from api.database.tables import locations, skus, transfer_lines, transfers
from domain.transfers import Transfer, TransferLine, TransferStatus


@dataclass(frozen=True, slots=True)
class StoredTransfer:
    transfer: Transfer
    sources: dict[str, LevelRef]
    """The stock level each line's SKU leaves, by SKU."""
    destinations: dict[str, LevelRef]
    """The stock level each line's SKU arrives on, by SKU."""
    line_ids: dict[str, int]

    @property
    def level_ids(self) -> list[int]:
        return sorted({lv.id for lv in [*self.sources.values(), *self.destinations.values()]})


async def insert_transfer(
    conn: AsyncConnection,
    transfer: Transfer,
    from_location_id: int,
    to_location_id: int,
    sources: dict[str, LevelRef],
    destinations: dict[str, LevelRef],
) -> None:
    await conn.execute(
        insert(transfers).values(
            id=transfer.id,
            from_location_id=from_location_id,
            to_location_id=to_location_id,
            reference=transfer.reference,
            status=transfer.status.value,
            expected_at=transfer.expected_at,
            created_at=transfer.created_at,
            updated_at=transfer.updated_at,
        )
    )
    await conn.execute(
        insert(transfer_lines),
        [
            {
                "transfer_id": transfer.id,
                "line_number": line.line_number,
                "sku_id": sources[line.sku].sku_id,
                "source_level_id": sources[line.sku].id,
                "destination_level_id": destinations[line.sku].id,
                "quantity": line.quantity,
                "received": line.received,
                "damaged": line.damaged,
            }
            for line in transfer.lines
        ],
    )


_source = locations.alias("source")
_destination = locations.alias("destination")
_header = (
    select(
        transfers,
        _source.c.code.label("from_location"),
        _destination.c.code.label("to_location"),
    )
    .join(_source, _source.c.id == transfers.c.from_location_id)
    .join(_destination, _destination.c.id == transfers.c.to_location_id)
)


async def find(
    conn: AsyncConnection, transfer_id: str, for_update: bool = False
) -> StoredTransfer | None:
    query = _header.where(transfers.c.id == transfer_id)
    if for_update:
        query = query.with_for_update(of=transfers)
    row = (await conn.execute(query)).first()
    if row is None:
        return None
    lines = (
        await conn.execute(
            select(transfer_lines, skus.c.code.label("sku"))
            .join(skus, skus.c.id == transfer_lines.c.sku_id)
            .where(transfer_lines.c.transfer_id == transfer_id)
            .order_by(transfer_lines.c.line_number)
        )
    ).all()
    return StoredTransfer(
        _transfer_from(row, lines),
        {
            line.sku: LevelRef(
                line.source_level_id,
                line.sku_id,
                row.from_location_id,
                line.sku,
                row.from_location,
            )
            for line in lines
        },
        {
            line.sku: LevelRef(
                line.destination_level_id,
                line.sku_id,
                row.to_location_id,
                line.sku,
                row.to_location,
            )
            for line in lines
        },
        {line.sku: int(line.id) for line in lines},
    )


async def page(
    conn: AsyncConnection,
    first: int,
    after: str | None,
    status: TransferStatus | None,
    location: str | None,
) -> tuple[list[str], bool]:
    """Transfer ids, newest first (ids sort by creation); `location` matches either end."""
    query = _header
    if status is not None:
        query = query.where(transfers.c.status == status.value)
    if location is not None:
        query = query.where(or_(_source.c.code == location, _destination.c.code == location))
    return await newest_ids(conn, query, transfers.c.id, first, after)


async def save_receipt(
    conn: AsyncConnection,
    stored: StoredTransfer,
    lines: tuple[TransferLine, ...],
    status: TransferStatus,
    now: datetime,
) -> None:
    for line in lines:
        await conn.execute(
            update(transfer_lines)
            .where(transfer_lines.c.id == stored.line_ids[line.sku])
            .values(received=line.received, damaged=line.damaged)
        )
    await set_status(conn, stored.transfer.id, status, now)


async def set_status(
    conn: AsyncConnection,
    transfer_id: str,
    status: TransferStatus,
    now: datetime,
    shipped: bool = False,
) -> None:
    values: dict[str, Any] = {"status": status.value, "updated_at": now}
    if shipped:
        values["shipped_at"] = now
    await conn.execute(update(transfers).where(transfers.c.id == transfer_id).values(values))


def _transfer_from(row: Any, lines: Sequence[Any]) -> Transfer:
    return Transfer(
        id=row.id,
        from_location=row.from_location,
        to_location=row.to_location,
        status=TransferStatus(row.status),
        expected_at=aware(row.expected_at),
        created_at=aware(row.created_at),
        updated_at=aware(row.updated_at),
        shipped_at=aware(row.shipped_at) if row.shipped_at is not None else None,
        reference=row.reference,
        lines=tuple(
            TransferLine(line.line_number, line.sku, line.quantity, line.received, line.damaged)
            for line in lines
        ),
    )
