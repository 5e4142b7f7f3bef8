"""Transfers and their lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database.documents import (
    Documents,
    Row,
    levels_by_sku,
    line_ids_by_sku,
    per_document,
)
from api.database.movements import LevelRef
from api.database.tables import locations, transfer_lines, transfers
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


def _stored_from(row: Row, lines: list[Row]) -> StoredTransfer:
    return StoredTransfer(
        _transfer_from(row, lines),
        levels_by_sku(lines, "source_level_id", row.from_location_id, row.from_location),
        levels_by_sku(lines, "destination_level_id", row.to_location_id, row.to_location),
        line_ids_by_sku(lines),
    )


_transfers = Documents(
    transfers, _header, transfer_lines, "transfer_id", per_document(_stored_from)
)
find = _transfers.find
find_many = _transfers.find_many


async def insert_transfer(
    conn: AsyncConnection,
    transfer: Transfer,
    from_location_id: int,
    to_location_id: int,
    sources: dict[str, LevelRef],
    destinations: dict[str, LevelRef],
) -> None:
    await _transfers.insert(
        conn,
        transfer,
        {
            "from_location_id": from_location_id,
            "to_location_id": to_location_id,
            "reference": transfer.reference,
            "expected_at": transfer.expected_at,
        },
        [
            {
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


async def page(
    conn: AsyncConnection,
    first: int,
    after: str | None,
    status: TransferStatus | None,
    location: str | None,
) -> tuple[list[str], bool]:
    """Transfer ids, newest first (ids sort by creation); `location` matches either end."""
    conditions: list[ColumnElement[bool]] = []
    if status is not None:
        conditions.append(transfers.c.status == status.value)
    if location is not None:
        conditions.append(or_(_source.c.code == location, _destination.c.code == location))
    return await _transfers.page(conn, first, after, *conditions)


async def save_receipt(
    conn: AsyncConnection,
    stored: StoredTransfer,
    lines: tuple[TransferLine, ...],
    status: TransferStatus,
    now: datetime,
) -> None:
    await _transfers.update_lines(
        conn,
        {
            stored.line_ids[line.sku]: {"received": line.received, "damaged": line.damaged}
            for line in lines
        },
    )
    await set_status(conn, stored.transfer.id, status, now)


async def set_status(
    conn: AsyncConnection,
    transfer_id: str,
    status: TransferStatus,
    now: datetime,
    shipped: bool = False,
) -> None:
    shipped_at = {"shipped_at": now} if shipped else {}
    await _transfers.set_status(conn, transfer_id, status, now, **shipped_at)


def _transfer_from(row: Row, lines: list[Row]) -> Transfer:
    return Transfer(
        id=row.id,
        from_location=row.from_location,
        to_location=row.to_location,
        status=TransferStatus(row.status),
        expected_at=row.expected_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
        shipped_at=row.shipped_at,
        reference=row.reference,
        lines=tuple(
            TransferLine(line.line_number, line.sku, line.quantity, line.received, line.damaged)
            for line in lines
        ),
    )
