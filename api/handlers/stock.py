"""receiveStock, adjustStock, setStock: commands that change a single stock level."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from api.database import catalogue_repository as catalogue
from api.database import ledger_repository, stock_repository
from api.database.movements import LevelRef, Movement, lock_levels
from api.service_layer.dispatcher import Memo
from api.service_layer.unit_of_work import UnitOfWork
from api.services.backorder_fill import fill_backorders
from api.services.bundles import refuse_bundles
from api.services.expiry import expire_on_levels
from domain.stock import StockChange
from domain.stock_commands import SetStock, StockCommand


async def change_stock(uow: UnitOfWork, command: StockCommand) -> StockChange:
    """Before the command's own ledger row, the release of any hold on the level whose window
    has passed, so the command sees the level as everyone else does; after it, backorders
    filled from units it made available."""
    conn, now = uow.conn, uow.now
    sku_id = await catalogue.sku_id(conn, command.sku)
    location_id = await catalogue.location_id(conn, command.location)
    level_id = await stock_repository.ensure_level(conn, sku_id, location_id, now)
    level = LevelRef(level_id, sku_id, location_id, command.sku, command.location)
    locked = await lock_levels(conn, level_ids=[level_id])
    # After the lock: a concurrent setBundleComponents has committed or sees this stock.
    await refuse_bundles(
        conn, [(sku_id, command.sku)], "change its stock; change its components' instead"
    )
    uow.record(await expire_on_levels(conn, locked, now, uow.actor))
    [entry] = await uow.move([await _movement(conn, level, command)])
    if entry.after.available > 0 and entry.delta.available > 0:
        filled, settled = await fill_backorders(conn, [level], now, uow.actor)
        uow.record(filled)
        uow.raised(*settled)
    return StockChange.from_entry(entry)


async def _movement(conn: AsyncConnection, level: LevelRef, command: StockCommand) -> Movement:
    if isinstance(command, SetStock):
        on_hand = (await stock_repository.read_quantities(conn, level.id)).on_hand
        command.check_expected(on_hand)
        return Movement(
            level,
            command.movement_from(on_hand),
            command.event_type,
            command.reason,
            command.reference,
            expected_on_hand=on_hand,
        )
    return Movement(
        level, command.movement(), command.event_type, command.reason, command.reference
    )


async def _recall(conn: AsyncConnection, remembered: dict[str, Any]) -> StockChange:
    [entry] = await ledger_repository.entries_by_id(conn, remembered["events"])
    return StockChange.from_entry(entry)


STOCK_CHANGE: Memo[StockChange] = Memo(lambda change: {"events": [change.event.id]}, _recall)
