"""One shape for the stock documents (purchase orders, transfers, customer returns, cycle
counts): a header row, joined to the codes it shows (a location, a channel), and numbered
lines that each name a SKU."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from enum import Enum
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import ColumnElement, Select, Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database.id_pages import newest_ids
from api.database.movements import LevelRef
from api.database.tables import locations, skus

Stored = TypeVar("Stored")
Row = Any
"""A result row: the header's columns, or a line's columns and its SKU's code as `sku`."""
Found = list[tuple[Row, list[Row]]]
"""Header rows, each with its line rows in line order."""
Assemble = Callable[[AsyncConnection, Found], Awaitable[list[Stored]]]


class Document(Protocol):
    """What every stock document has, and its header row keeps in columns of these names."""

    @property
    def id(self) -> str: ...
    @property
    def status(self) -> Enum: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...


def per_document(build: Callable[[Row, list[Row]], Stored]) -> Assemble[Stored]:
    """Assembles each document from its own rows alone."""

    async def assemble(conn: AsyncConnection, found: Found) -> list[Stored]:
        return [build(header, lines) for header, lines in found]

    return assemble


def at_location(table: Table) -> Select[Any]:
    """The header query of a document kept at one location: its row and the location's code."""
    return select(table, locations.c.code.label("location")).join(
        locations, locations.c.id == table.c.location_id
    )


def at_location_filters(
    table: Table, status: Enum | None, location: str | None
) -> list[ColumnElement[bool]]:
    """A list page's conditions on a document kept at one location (its header query from
    `at_location`): its status and its location's code, each only when given."""
    conditions: list[ColumnElement[bool]] = []
    if status is not None:
        conditions.append(table.c.status == status.value)
    if location is not None:
        conditions.append(locations.c.code == location)
    return conditions


class Documents(Generic[Stored]):
    """Stores, finds (and locks), pages and updates one kind of stock document.

    `header` selects `table`'s rows joined to whatever they show by code; each row of `lines`
    names its document in the `owner` column, and has a `line_number` and a `sku_id`;
    `assemble` makes the stored documents from their rows, all at once (a kind whose
    documents carry more than their lines loads that in one query too). Loading any number
    of documents takes two queries plus what `assemble` adds: a list page costs the same
    whatever its size."""

    def __init__(
        self,
        table: Table,
        header: Select[Any],
        lines: Table,
        owner: str,
        assemble: Assemble[Stored],
    ) -> None:
        self.table = table
        self._header = header
        self._lines = lines
        self._owner = lines.c[owner]
        self._assemble = assemble

    async def insert(
        self,
        conn: AsyncConnection,
        document: Document,
        header: Mapping[str, Any],
        lines: list[dict[str, Any]],
    ) -> None:
        """Stores a new document: its header row (what every document has, and the columns
        `header` gives) and its line rows (with the document's id)."""
        await conn.execute(
            insert(self.table).values(
                id=document.id,
                status=document.status.value,
                created_at=document.created_at,
                updated_at=document.updated_at,
                **header,
            )
        )
        await conn.execute(
            insert(self._lines), [{self._owner.name: document.id, **line} for line in lines]
        )

    async def find(
        self, conn: AsyncConnection, document_id: str, for_update: bool = False
    ) -> Stored | None:
        """The document, or None; `for_update` row-locks its header until the transaction ends."""
        query = self._header.where(self.table.c.id == document_id)
        if for_update:
            query = query.with_for_update(of=self.table)
        found = await self._load(conn, query)
        return found[0] if found else None

    async def find_many(self, conn: AsyncConnection, document_ids: Sequence[str]) -> list[Stored]:
        """The documents with these ids, in the order given; ids not found are left out."""
        if not document_ids:
            return []
        position = {document_id: index for index, document_id in enumerate(document_ids)}
        query = self._header.where(self.table.c.id.in_(list(document_ids)))
        return await self._load(conn, query, sort_key=lambda header: position[header.id])

    async def page(
        self,
        conn: AsyncConnection,
        first: int,
        after: str | None,
        *conditions: ColumnElement[bool],
    ) -> tuple[list[str], bool]:
        """Ids of the documents meeting every condition (on the header query's columns),
        newest first (ids sort by creation), and whether more follow."""
        query = self._header.with_only_columns(self.table.c.id).where(*conditions)
        return await newest_ids(conn, query, self.table.c.id, first, after)

    async def set_status(
        self, conn: AsyncConnection, document_id: str, status: Enum, now: datetime, **also: Any
    ) -> None:
        """Moves the document to `status`, setting any other header columns given too."""
        await conn.execute(
            update(self.table)
            .where(self.table.c.id == document_id)
            .values(status=status.value, updated_at=now, **also)
        )

    async def update_lines(
        self, conn: AsyncConnection, changes: Mapping[int, Mapping[str, Any]]
    ) -> None:
        """Sets lines' columns, by line id, in one statement; each line sets the same ones."""
        if not changes:
            return
        columns = list(next(iter(changes.values())))
        await conn.execute(
            update(self._lines)
            .where(self._lines.c.id == bindparam("line_id"))
            .values({name: bindparam(f"new_{name}") for name in columns}),
            [
                {"line_id": line_id, **{f"new_{name}": values[name] for name in columns}}
                for line_id, values in changes.items()
            ],
        )

    async def _load(
        self,
        conn: AsyncConnection,
        query: Select[Any],
        sort_key: Callable[[Row], int] | None = None,
    ) -> list[Stored]:
        headers = list((await conn.execute(query)).all())
        if not headers:
            return []
        if sort_key is not None:
            headers.sort(key=sort_key)
        lines: dict[str, list[Row]] = {header.id: [] for header in headers}
        line_rows = await conn.execute(
            select(self._lines, skus.c.code.label("sku"))
            .join(skus, skus.c.id == self._lines.c.sku_id)
            .where(self._owner.in_(list(lines)))
            .order_by(self._owner, self._lines.c.line_number)
        )
        for line in line_rows:
            lines[line._mapping[self._owner]].append(line)
        return await self._assemble(conn, [(header, lines[header.id]) for header in headers])


def levels_by_sku(
    lines: Sequence[Row], level_id: str, location_id: int, location: str
) -> dict[str, LevelRef]:
    """The stock level each line's SKU is on at the location (the line's `level_id` column
    holds its id), by SKU."""
    return {
        line.sku: LevelRef(getattr(line, level_id), line.sku_id, location_id, line.sku, location)
        for line in lines
    }


def line_ids_by_sku(lines: Sequence[Row]) -> dict[str, int]:
    return {line.sku: int(line.id) for line in lines}
