"""What is on its way to each stock level and when it is due: open purchase order lines."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database.rows import aware
from api.database.tables import purchase_order_lines, purchase_orders
from domain.backorders import Incoming
from domain.purchase_orders import OPEN_STATUSES


async def schedules(
    conn: AsyncConnection, level_ids: Iterable[int]
) -> dict[int, tuple[Incoming, ...]]:
    """Per stock level, the outstanding units of open purchase orders, earliest due first."""
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
        found[int(row.stock_level_id)].append(
            Incoming(aware(row.expected_at), int(row.outstanding))
        )
    return {level_id: tuple(items) for level_id, items in found.items()}
