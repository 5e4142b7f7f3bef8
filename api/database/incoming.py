"""What is on its way to each stock level and when it is due: open purchase order lines and
shipped transfer lines."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database.tables import purchase_order_lines, purchase_orders, transfer_lines, transfers
from domain.backorders import Incoming
from domain.purchase_orders import OPEN_STATUSES
from domain.transfers import ARRIVING_STATUSES


async def schedules(
    conn: AsyncConnection, level_ids: Iterable[int]
) -> dict[int, tuple[Incoming, ...]]:
    """Per stock level, the outstanding units of open purchase orders and of transfers on their
    way, earliest due first."""
    wanted = list(set(level_ids))
    if not wanted:
        return {}
    outstanding = (
        purchase_order_lines.c.ordered
        - purchase_order_lines.c.received
        - purchase_order_lines.c.damaged
    )
    rows = await conn.execute(
        select(
            purchase_order_lines.c.stock_level_id,
            purchase_orders.c.expected_at,
            outstanding.label("outstanding"),
        )
        .join(purchase_orders, purchase_orders.c.id == purchase_order_lines.c.purchase_order_id)
        .where(
            purchase_order_lines.c.stock_level_id.in_(wanted),
            purchase_orders.c.status.in_([s.value for s in OPEN_STATUSES]),
            outstanding > 0,
        )
        .order_by(purchase_orders.c.expected_at, purchase_orders.c.id)
    )
    found: dict[int, list[Incoming]] = defaultdict(list)
    for row in rows:
        found[int(row.stock_level_id)].append(Incoming(row.expected_at, int(row.outstanding)))
    for level_id, item in await _transfers_arriving(conn, wanted):
        found[level_id].append(item)
    return {
        level_id: tuple(sorted(items, key=lambda i: i.expected_at))
        for level_id, items in found.items()
    }


async def _transfers_arriving(
    conn: AsyncConnection, level_ids: list[int]
) -> list[tuple[int, Incoming]]:
    outstanding = transfer_lines.c.quantity - transfer_lines.c.received - transfer_lines.c.damaged
    rows = await conn.execute(
        select(
            transfer_lines.c.destination_level_id,
            transfers.c.expected_at,
            outstanding.label("outstanding"),
        )
        .join(transfers, transfers.c.id == transfer_lines.c.transfer_id)
        .where(
            transfer_lines.c.destination_level_id.in_(level_ids),
            transfers.c.status.in_([s.value for s in ARRIVING_STATUSES]),
            outstanding > 0,
        )
    )
    return [
        (int(row.destination_level_id), Incoming(row.expected_at, int(row.outstanding)))
        for row in rows
    ]
