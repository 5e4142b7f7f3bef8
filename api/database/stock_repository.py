"""Stock levels: created on first touch, changed only by conditional UPDATEs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database.rows import quantities_from, stock_level_from
from api.database.tables import locations, skus, stock_levels
from domain.quantities import QUANTITY_NAMES, Quantities
from domain.stock import StockLevel

_levels_with_codes = (
    select(
        stock_levels,
        skus.c.code.label("sku"),
        locations.c.code.label("location"),
    )
    .join(skus, skus.c.id == stock_levels.c.sku_id)
    .join(locations, locations.c.id == stock_levels.c.location_id)
)

_available = (
    stock_levels.c.on_hand
    - stock_levels.c.damaged
    - stock_levels.c.quarantined
    - stock_levels.c.reserved
    - stock_levels.c.committed
)


async def ensure_level(conn: AsyncConnection, sku_id: int, location_id: int, now: datetime) -> int:
    """The id of the stock level for the pair, created at zero the first time it is touched."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    await conn.execute(
        insert(stock_levels)
        .values(sku_id=sku_id, location_id=location_id, version=0, updated_at=now)
        .on_conflict_do_nothing(index_elements=["sku_id", "location_id"])
    )
    found = await conn.execute(
        select(stock_levels.c.id).where(
            stock_levels.c.sku_id == sku_id, stock_levels.c.location_id == location_id
        )
    )
    return int(found.scalar_one())


async def apply_movement(
    conn: AsyncConnection,
    level_id: int,
    delta: Quantities,
    now: datetime,
    expected_on_hand: int | None = None,
) -> tuple[Quantities, int] | None:
    """Add `delta` to the level if the result keeps every invariant (and on hand is what the
    caller expects); returns the new counters and version, or None when refused."""
    conditions: list[ColumnElement[bool]] = [stock_levels.c.id == level_id]
    changes: dict[str, object] = {"version": stock_levels.c.version + 1, "updated_at": now}
    for name in QUANTITY_NAMES:
        amount = getattr(delta, name)
        if amount:
            column = stock_levels.c[name]
            changes[name] = column + amount
            if amount < 0:
                conditions.append(column + amount >= 0)
    if delta.available < 0:
        conditions.append(_available + delta.available >= 0)
    if expected_on_hand is not None:
        conditions.append(stock_levels.c.on_hand == expected_on_hand)
    result = await conn.execute(
        update(stock_levels)
        .where(and_(*conditions))
        .values(changes)
        .returning(*(stock_levels.c[name] for name in QUANTITY_NAMES), stock_levels.c.version)
    )
    row = result.first()
    if row is None:
        return None
    return quantities_from(row), int(row.version)


async def read_quantities(
    conn: AsyncConnection, level_id: int, for_update: bool = False
) -> Quantities:
    query = select(stock_levels).where(stock_levels.c.id == level_id)
    if for_update:
        query = query.with_for_update()
    return quantities_from((await conn.execute(query)).one())


async def list_levels(
    conn: AsyncConnection, sku: str | None = None, location: str | None = None
) -> list[StockLevel]:
    query = _levels_with_codes.order_by(skus.c.code, locations.c.priority, locations.c.code)
    if sku is not None:
        query = query.where(skus.c.code == sku)
    if location is not None:
        query = query.where(locations.c.code == location)
    return [stock_level_from(row) for row in await conn.execute(query)]


async def totals_by_sku(conn: AsyncConnection, sku_codes: list[str]) -> dict[str, Quantities]:
    """Counters summed over every location, per SKU (a SKU with no stock sums to zero)."""
    query = (
        select(
            skus.c.code,
            *(func.coalesce(func.sum(stock_levels.c[n]), 0).label(n) for n in QUANTITY_NAMES),
        )
        .select_from(skus.outerjoin(stock_levels, stock_levels.c.sku_id == skus.c.id))
        .where(skus.c.code.in_(sku_codes))
        .group_by(skus.c.code)
    )
    return {row.code: quantities_from(row) for row in await conn.execute(query)}
