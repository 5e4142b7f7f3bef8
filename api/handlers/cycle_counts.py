"""Cycle counts: start (the SKUs to count at a location), record what was counted, complete
(on hand set to the count, units held beyond it flagged), cancel."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from api.database import alert_repository, stock_repository
from api.database import cycle_count_repository as repository
from api.database.movements import LevelRef, Movement
from api.handlers.documents import document_memo, levels_at, load_document, lock_document_levels
from api.service_layer.unit_of_work import UnitOfWork
from api.services.backorder_fill import fill_backorders
from api.services.document_ids import sortable_id
from domain.alerts import Alert
from domain.cycle_counts import (
    CancelCount,
    CompleteCount,
    CountLine,
    CountStatus,
    CycleCount,
    RecordCount,
    StartCount,
    settle,
    shortfall,
    shortfall_cause,
)
from domain.errors import CountInProgress, CountNotFound, StockpoolError, refusal
from domain.quantities import Quantities
from domain.stock import StockEventType, StockReason


def new_count_id(now: datetime) -> str:
    return sortable_id("cc", now)


async def load(conn: AsyncConnection, count_id: str) -> CycleCount | None:
    stored = await repository.find(conn, count_id)
    return stored.count if stored is not None else None


CYCLE_COUNT = document_memo(load, CycleCount)


async def start_count(uow: UnitOfWork, command: StartCount) -> CycleCount:
    conn, now = uow.conn, uow.now
    # Locked so two counts started at once cannot both take the same SKU.
    location_id, levels = await levels_at(
        uow,
        command.location,
        [(sku, ("skus", str(i))) for i, sku in enumerate(command.skus)],
        "be counted; count its components",
    )
    busy = await repository.open_counts_on(conn, [level.id for level in levels.values()])
    overlapping: list[StockpoolError] = [
        CountInProgress(sku, command.location, busy[levels[sku].id], ("skus", str(index)))
        for index, sku in enumerate(command.skus)
        if levels[sku].id in busy
    ]
    if overlapping:
        raise refusal(overlapping)
    count = CycleCount(
        id=new_count_id(now),
        location=command.location,
        status=CountStatus.OPEN,
        created_at=now,
        updated_at=now,
        reference=command.reference,
        lines=tuple(CountLine(index, sku) for index, sku in enumerate(command.skus)),
    )
    await repository.insert_count(conn, count, location_id, levels)
    return await load_document(load, conn, count.id)


async def record_count(uow: UnitOfWork, command: RecordCount) -> CycleCount:
    stored = await _locked_row(uow.conn, command.count_id)
    command.check_against(stored.count)
    for line in command.lines:
        level_id = stored.levels[line.sku].id
        on_hand = (await stock_repository.read_quantities(uow.conn, level_id)).on_hand
        await repository.record_line(
            uow.conn, stored.line_ids[line.sku], on_hand, line.counted, uow.now
        )
    return await load_document(load, uow.conn, stored.count.id)


async def complete_count(uow: UnitOfWork, command: CompleteCount) -> CycleCount:
    stored = await lock_document_levels(
        uow,
        repository.find,
        command.count_id,
        lambda found: (level.id for level in found.levels.values()),
        CountNotFound(command.count_id),
    )
    count = stored.count
    count.require_open("complete")
    count.require_recorded()
    movements = []
    for line in count.lines:
        level = stored.levels[line.sku]
        available = (await stock_repository.read_quantities(uow.conn, level.id)).available
        adjusted, unresolved = settle(line.discrepancy or 0, available)
        await repository.settle_line(uow.conn, stored.line_ids[line.sku], adjusted, unresolved)
        if adjusted:
            movements.append(
                Movement(
                    level,
                    Quantities(on_hand=adjusted),
                    StockEventType.ADJUSTED,
                    StockReason.COUNT,
                    count.id,
                )
            )
        uow.raised(*await _flag_shortfall(uow, level, count.id, unresolved))
    await uow.move(movements)
    found = [m.level for m in movements if m.delta.on_hand > 0]
    filled, settled = await fill_backorders(uow.conn, found, uow.now, uow.actor)
    uow.record(filled)
    uow.raised(*settled)
    await repository.set_status(uow.conn, count.id, CountStatus.COMPLETED, uow.now)
    return await load_document(load, uow.conn, count.id)


async def cancel_count(uow: UnitOfWork, command: CancelCount) -> CycleCount:
    stored = await _locked_row(uow.conn, command.count_id)
    stored.count.require_open("cancel")
    await repository.set_status(uow.conn, stored.count.id, CountStatus.CANCELLED, uow.now)
    return await load_document(load, uow.conn, stored.count.id)


async def _locked_row(conn: AsyncConnection, count_id: str) -> repository.StoredCount:
    stored = await repository.find(conn, count_id, for_update=True)
    if stored is None:
        raise CountNotFound(count_id)
    return stored


async def _flag_shortfall(
    uow: UnitOfWork, level: LevelRef, count_id: str, unresolved: int
) -> list[Alert]:
    """An alert while a count finds fewer units than are held; resolved by a count that fits."""
    if unresolved:
        raised = shortfall(level.sku, level.location, count_id, unresolved)
        return [await alert_repository.raise_alert(uow.conn, raised, uow.now)]
    resolved = await alert_repository.resolve_cause(
        uow.conn, shortfall_cause(level.sku, level.location), uow.now
    )
    return [resolved] if resolved is not None else []
