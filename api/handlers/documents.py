"""What the handlers of stock documents (purchase orders, transfers, returns, counts) share:
a replay answers with the document as the first run left it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from api.database import catalogue_repository, stock_repository
from api.database.document_snapshots import from_snapshot, snapshot
from api.database.movements import LevelRef, lock_levels
from api.service_layer.dispatcher import Memo
from api.service_layer.unit_of_work import UnitOfWork
from api.services.backorder_fill import units_arrived
from api.services.expiry import expire_on_levels
from api.services.stocked_skus import stocked_sku_ids
from domain.errors import FieldPath, StockpoolError


class Document(Protocol):
    @property
    def id(self) -> str: ...


D = TypeVar("D", bound=Document)
S = TypeVar("S")

Load = Callable[[AsyncConnection, str], Awaitable[D | None]]
Find = Callable[..., Awaitable[S | None]]
"""A repository's `find(conn, id, for_update=False)`: the stored document or None."""


async def load_document(load: Load[D], conn: AsyncConnection, document_id: str) -> D:
    """The document a command just wrote or a replay names: it exists in this transaction."""
    document = await load(conn, document_id)
    if document is None:
        raise LookupError(f"document {document_id} vanished inside its own transaction")
    return document


def document_memo(load: Load[D], kind: type[D]) -> Memo[D]:
    """A replay answers with the `kind` document as the first run left it (kept as a
    snapshot); a record kept before snapshots, with only the id, with the document as now."""

    async def recall(conn: AsyncConnection, remembered: dict[str, Any]) -> D:
        if "document" in remembered:
            return from_snapshot(kind, remembered["document"])
        return await load_document(load, conn, remembered["id"])

    return Memo(lambda document: {"id": document.id, "document": snapshot(document)}, recall)


async def lock_document_levels(
    uow: UnitOfWork,
    find: Find[S],
    document_id: str,
    level_ids: Callable[[S], Iterable[int]],
    missing: StockpoolError,
) -> S:
    """A stored document with its stock levels locked (due holds on them let go) and then its
    own row locked: levels first, the order every transaction follows."""
    stored = await find(uow.conn, document_id)
    if stored is None:
        raise missing
    locked = await lock_levels(uow.conn, level_ids=sorted(level_ids(stored)))
    uow.record(await expire_on_levels(uow.conn, locked, uow.now, uow.actor))
    stored = await find(uow.conn, document_id, for_update=True)
    if stored is None:
        raise missing
    return stored


async def levels_at(
    uow: UnitOfWork, location: str, named: list[tuple[str, FieldPath]], action: str
) -> tuple[int, dict[str, LevelRef]]:
    """A new document's stock levels: its SKUs (named as code and input field) at one
    location, made if new and locked in id order. Refuses unknown SKUs, and bundles with
    `action` saying what cannot be done to one. Returns the location's id and the levels."""
    location_id = await catalogue_repository.location_id(uow.conn, location)
    known = await stocked_sku_ids(uow.conn, named, action)
    levels = {}
    for sku, _ in named:
        level_id = await stock_repository.ensure_level(uow.conn, known[sku], location_id, uow.now)
        levels[sku] = LevelRef(level_id, known[sku], location_id, sku, location)
    await lock_levels(uow.conn, level_ids=sorted(level.id for level in levels.values()))
    return location_id, levels


async def units_arrived_at(uow: UnitOfWork, levels: list[LevelRef]) -> None:
    """After a delivery reached these (locked) levels: backorders filled, promises checked."""
    filled, short = await units_arrived(uow.conn, levels, uow.now, uow.actor)
    uow.record(filled)
    uow.raised(*short)
