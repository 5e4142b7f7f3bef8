"""Relay-style connections with opaque cursors."""

from __future__ import annotations

from typing import Generic, TypeVar

import strawberry

from domain import cursors
from domain.cursors import encode_cursor
from schema.errors import PublicError

T = TypeVar("T")
MAX_PAGE_SIZE = 100


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo


def connection(
    items: list[tuple[int, T]], kind: str, has_next: bool, after: str | None
) -> Connection[T]:
    """Integer keys, each made an opaque cursor of `kind`."""
    return id_connection([(encode_cursor(kind, key), node) for key, node in items], has_next, after)


def decode_cursor(kind: str, cursor: str | None) -> int | None:
    """The key of a cursor that `encode_cursor(kind, key)` made, exactly: anything else
    (garbage, another kind, a sign, spaces, a key past MAX_KEY) is INVALID_CURSOR."""
    if cursor is None:
        return None
    key = cursors.decode_cursor(kind, cursor)
    if key is None:
        raise _invalid_cursor(cursor)
    return key


def decode_id_cursor(prefix: str, cursor: str | None) -> str | None:
    """Ids that sort by creation (a prefix such as `po`, then ASCII letters and digits) are
    their own cursors."""
    if cursor is None:
        return None
    rest = cursor.removeprefix(prefix)
    if rest == cursor or len(cursor) > 40 or not (rest.isascii() and rest.isalnum()):
        raise _invalid_cursor(cursor)
    return cursor


def _invalid_cursor(cursor: str) -> PublicError:
    return PublicError(f"invalid cursor {cursor[:100]!r}", "INVALID_CURSOR")


def page_size(first: int) -> int:
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise PublicError(f"first must be between 1 and {MAX_PAGE_SIZE}", "INVALID_PAGE_SIZE")
    return first


def id_connection(items: list[tuple[str, T]], has_next: bool, after: str | None) -> Connection[T]:
    """For ids that sort by creation (reservations, purchase orders): the id is the cursor."""
    edges = [Edge(cursor=key, node=node) for key, node in items]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=has_next,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )
