"""The channel feeds' storage: positions handed out in commit order, entries appended, pages
read after a position, and retention."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import BigInteger, Integer, String, bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database.driver_sql import DriverStatement
from api.database.tables import feed_entries, feed_heads
from domain.feeds import FeedStream


@dataclass(frozen=True, slots=True)
class FeedEntry:
    position: int
    subject: str
    payload: dict[str, Any]
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class Head:
    position: int
    """The newest position handed out (0: none yet)."""
    kept_after: int
    """Entries up to this position were dropped by retention."""


FeedKey = tuple[int, FeedStream]
"""A channel's id and one of its feeds."""


async def advance(conn: AsyncConnection, counts: dict[FeedKey, int]) -> dict[FeedKey, int]:
    """Takes `counts[feed]` positions of each feed, in one statement, and returns the last of
    each. Head rows are taken in (channel id, stream) order and stay locked until commit, so
    positions follow commit order and two transactions never wait on each other in a cycle."""
    ordered = sorted(counts, key=lambda feed: (feed[0], feed[1].value))
    values = [
        value
        for channel_id, stream in ordered
        for value in (channel_id, stream.value, counts[channel_id, stream])
    ]
    result = await conn.exec_driver_sql(_advance_sql(conn.dialect, len(ordered)), tuple(values))
    heads: list[tuple[Any, ...]] = [tuple(row) for row in result]
    return {(int(channel_id), FeedStream(stream)): int(last) for channel_id, stream, last in heads}


@lru_cache(maxsize=64)
def _advance_sql(dialect: Dialect, feeds: int) -> str:
    """The upsert of `feeds` head rows as driver SQL (compiled once per dialect and size)."""
    insert = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
    values = insert(feed_heads).values(
        [
            {
                "channel_id": bindparam(f"c{n}", type_=Integer),
                "stream": bindparam(f"s{n}", type_=String),
                "position": bindparam(f"p{n}", type_=BigInteger),
            }
            for n in range(feeds)
        ]
    )
    statement = values.on_conflict_do_update(
        index_elements=["channel_id", "stream"],
        set_={"position": feed_heads.c.position + values.excluded.position},
    ).returning(feed_heads.c.channel_id, feed_heads.c.stream, feed_heads.c.position)
    compiled = statement.compile(dialect=dialect)
    names = [name for n in range(feeds) for name in (f"c{n}", f"s{n}", f"p{n}")]
    if list(compiled.positiontup or names) != names:
        raise RuntimeError("feed head upsert compiled with its parameters out of order")
    return str(compiled)


Entry = tuple[FeedKey, int, str, dict[str, Any]]
"""A feed entry to append: its feed, position, subject and payload."""
_APPEND_COLUMNS = ("channel_id", "stream", "position", "subject", "payload", "recorded_at")


async def append(conn: AsyncConnection, entries: Sequence[Entry], now: datetime) -> None:
    """Each (feed, position, subject, payload), in one statement."""
    await DriverStatement.of(conn.dialect, feed_entries, "insert", _APPEND_COLUMNS).run(
        conn,
        [
            (channel_id, stream.value, position, subject, payload, now)
            for (channel_id, stream), position, subject, payload in entries
        ],
    )


async def head(conn: AsyncConnection, channel_id: int, stream: FeedStream) -> Head:
    found = (
        await conn.execute(
            select(feed_heads.c.position, feed_heads.c.kept_after).where(
                feed_heads.c.channel_id == channel_id, feed_heads.c.stream == stream.value
            )
        )
    ).first()
    return Head(int(found.position), int(found.kept_after)) if found else Head(0, 0)


_ENTRY_COLUMNS = (
    feed_entries.c.position,
    feed_entries.c.subject,
    feed_entries.c.payload,
    feed_entries.c.recorded_at,
)


def _entries(rows: Iterable[Any]) -> list[FeedEntry]:
    return [FeedEntry(int(r.position), r.subject, r.payload, r.recorded_at) for r in rows]


async def after(
    conn: AsyncConnection,
    channel_id: int,
    stream: FeedStream,
    position: int,
    limit: int,
    subjects: Sequence[str] | None = None,
    until: int | None = None,
) -> list[FeedEntry]:
    """Up to `limit` entries after `position` (and up to `until`), oldest first."""
    query = (
        select(*_ENTRY_COLUMNS)
        .where(
            feed_entries.c.channel_id == channel_id,
            feed_entries.c.stream == stream.value,
            feed_entries.c.position > position,
        )
        .order_by(feed_entries.c.position)
        .limit(limit)
    )
    if until is not None:
        query = query.where(feed_entries.c.position <= until)
    if subjects is not None:
        query = query.where(feed_entries.c.subject.in_(list(subjects)))
    rows = await conn.execute(query)
    return _entries(rows)


async def drop_before(conn: AsyncConnection, cutoff: datetime) -> int:
    """Retention: drops every feed's entries up to the newest one recorded before `cutoff`, and
    moves each head's horizon there (cursors before it then expire). Returns entries dropped."""
    horizons = await conn.execute(
        select(
            feed_entries.c.channel_id,
            feed_entries.c.stream,
            func.max(feed_entries.c.position).label("last"),
        )
        .where(feed_entries.c.recorded_at < cutoff)
        .group_by(feed_entries.c.channel_id, feed_entries.c.stream)
        .order_by(feed_entries.c.channel_id, feed_entries.c.stream)
    )
    dropped = 0
    larger = func.max if conn.dialect.name == "sqlite" else func.greatest
    for channel_id, stream, last in horizons.all():
        await conn.execute(
            update(feed_heads)
            .where(feed_heads.c.channel_id == channel_id, feed_heads.c.stream == stream)
            .values(kept_after=larger(feed_heads.c.kept_after, last))
        )
        result = await conn.execute(
            delete(feed_entries).where(
                feed_entries.c.channel_id == channel_id,
                feed_entries.c.stream == stream,
                feed_entries.c.position <= last,
            )
        )
        dropped += result.rowcount or 0
    return dropped


async def newest_after(
    conn: AsyncConnection,
    channel_id: int,
    stream: FeedStream,
    position: int,
    limit: int,
    subjects: Sequence[str] | None = None,
    until: int | None = None,
) -> list[FeedEntry]:
    """The newest entry of each subject changed after `position` (and up to `until`), up to
    `limit` of them, oldest first. Paging on after the last one returned gives every subject
    once, as of its newest change (one that changes meanwhile comes again, later)."""
    conditions = [
        feed_entries.c.channel_id == channel_id,
        feed_entries.c.stream == stream.value,
        feed_entries.c.position > position,
    ]
    if until is not None:
        conditions.append(feed_entries.c.position <= until)
    if subjects is not None:
        conditions.append(feed_entries.c.subject.in_(list(subjects)))
    newest = func.max(feed_entries.c.position)
    found = await conn.execute(
        select(newest)
        .where(*conditions)
        .group_by(feed_entries.c.subject)
        .order_by(newest)
        .limit(limit)
    )
    # Then the entries themselves, within the primary key's range: a plan that cannot go wrong
    # whatever the statistics say (joined in one statement, or by the IN list alone, a table
    # not analysed yet took seconds a page).
    positions = [int(position) for (position,) in found]
    if not positions:
        return []
    rows = await conn.execute(
        select(*_ENTRY_COLUMNS)
        .where(
            feed_entries.c.channel_id == channel_id,
            feed_entries.c.stream == stream.value,
            feed_entries.c.position.between(positions[0], positions[-1]),
            feed_entries.c.position.in_(positions),
        )
        .order_by(feed_entries.c.position)
    )
    return _entries(rows)
