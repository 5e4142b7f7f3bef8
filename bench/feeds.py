"""The `feeds` group: feed read throughput. 100,000 changes of a channel's published
availability are written into its feed (through the change journal of big transactions, the
way every write transaction writes them), then read from the start to the head in pages of
250: in process through `FeedService`, and over HTTP from `stockpool serve` (one worker) with
`availabilityFeed(first: 250)`; on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import select

from api.bus import EventBus
from api.database.change_journal import journal_of
from api.database.engine import Database
from api.database.migrate import upgrade
from api.database.tables import channels
from api.services.container import Services
from api.settings import Settings
from bench.config import BenchConfig
from bench.engine import BENCH
from bench.postgres import PostgresUnavailable, throwaway_database
from bench.report import Row, failed_row, skipped_row
from bench.servers import stockpool_env, stockpool_server
from domain.channels import ChannelKind, CreateChannel
from domain.publishing import AvailabilityStatus, ChannelAvailability

CHANGES = 100_000
PAGE = 250
SKUS = 1_000
PER_TRANSACTION = 10_000
TOKEN = "bench-feeds-admin"
UNLIMITED = "100000000/100000000"
"""The admin rate limit of the served app: the rows measure the server, not the limit."""
PARTNER_RESTORE = Settings().rate_limit_partner[1]
FEED = """query($after: String, $first: Int!) {
  availabilityFeed(channel: "web", after: $after, first: $first) {
    edges { cursor node { sku externalSku published status version updatedAt } }
    pageInfo { hasNextPage endCursor } } }"""


@dataclass
class Reading:
    changes: int
    seconds: float
    page_seconds: list[float]
    page_cost: int = 0

    @property
    def rate(self) -> float:
        return self.changes / self.seconds

    def percentile_ms(self, fraction: float) -> float:
        ordered = sorted(self.page_seconds)
        if fraction == 0.5:
            return statistics.median(ordered) * 1000
        return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))] * 1000


async def _write_changes(database: Database, services: Services) -> None:
    await services.dispatch(CreateChannel("web", "Web", ChannelKind.WEBSTORE), BENCH)
    async with database.read() as conn:
        channel_id = (await conn.execute(select(channels.c.id))).scalar_one()
    now = datetime.now(UTC)
    for start in range(0, CHANGES, PER_TRANSACTION):
        async with database.transaction() as conn:
            journal = journal_of(conn)
            for n in range(start, start + PER_TRANSACTION):
                sku = f"S{n % SKUS:04d}"
                value = ChannelAvailability(
                    sku, "web", f"W-{sku}", n % 50, AvailabilityStatus.IN_STOCK, n // SKUS + 1, now
                )
                journal.availability_changed(channel_id, value)


async def _read_in_process(services: Services) -> Reading:
    after, changes, pages = None, 0, []
    started = time.perf_counter()
    while True:
        page_started = time.perf_counter()
        page = await services.feeds.availability("web", after, PAGE, BENCH)
        pages.append(time.perf_counter() - page_started)
        changes += len(page.changes)
        after = page.end_cursor
        if not page.has_next:
            return Reading(changes, time.perf_counter() - started, pages)


def _read_over_http(base_url: str) -> Reading:
    after, changes, pages, cost = None, 0, [], 0
    headers = {"authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=60.0) as http:
        started = time.perf_counter()
        while True:
            page_started = time.perf_counter()
            response = http.post(
                "/graphql", json={"query": FEED, "variables": {"after": after, "first": PAGE}}
            )
            pages.append(time.perf_counter() - page_started)
            body = response.json()
            if response.status_code != 200 or body.get("errors"):
                raise RuntimeError(f"HTTP {response.status_code}: {response.text[:300]}")
            feed = body["data"]["availabilityFeed"]
            changes += len(feed["edges"])
            cost = max(cost, body["extensions"]["cost"]["actualQueryCost"])
            after = feed["pageInfo"]["endCursor"]
            if not feed["pageInfo"]["hasNextPage"]:
                return Reading(changes, time.perf_counter() - started, pages, cost)


async def _prepare(url: str) -> Reading:
    database = Database(url)
    bus = EventBus("memory://", "stockpool-bench-feeds")
    await bus.connect()
    try:
        services = Services.build(Settings(database_url=url), database, bus)
        await _write_changes(database, services)
        return await _read_in_process(services)
    finally:
        await bus.disconnect()
        await database.dispose()


def _rows(url: str, backend: str, slug: str, tmp: Path) -> list[Row]:
    in_process = asyncio.run(_prepare(url))
    env = stockpool_env(url, TOKEN) | {"STOCKPOOL_RATE_LIMIT_ADMIN": UNLIMITED}
    with stockpool_server(env, tmp / f"feeds-{slug}.log") as server:
        over_http = _read_over_http(server.base_url)
    what = f"paging through {CHANGES:,} availability changes, first={PAGE}"
    partner = PARTNER_RESTORE / over_http.page_cost * PAGE
    return [
        _row(
            f"feeds.{slug}.engine",
            f"feed read in process on {backend}, {what}",
            "FeedService.availability, one task",
            in_process,
        ),
        _row(
            f"feeds.{slug}.http",
            f"feed read over HTTP on {backend}, {what}",
            "stockpool serve, 1 worker; one client, pages one after another, admin rate "
            "limit lifted",
            over_http,
            f"; a full page costs {over_http.page_cost} points: at the default partner "
            f"restore rate ({PARTNER_RESTORE}/s) a partner key reads ~{partner:,.0f} changes/s "
            "sustained",
        ),
    ]


def _row(key: str, benchmark: str, setup: str, reading: Reading, extra: str = "") -> Row:
    return Row(
        key=key,
        benchmark=benchmark,
        setup=setup,
        rate=reading.rate,
        unit="changes/s",
        p50_ms=reading.percentile_ms(0.5),
        p99_ms=reading.percentile_ms(0.99),
        result=f"{reading.changes:,} changes in {len(reading.page_seconds)} pages, "
        f"{reading.seconds:.1f} s (p50/p99: per page){extra}",
        failed=reading.changes != CHANGES,
    )


def _sqlite() -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="stockpool-bench-feeds-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'feeds.db'}"
        database = Database(url)
        asyncio.run(_migrate(database))
        return _rows(url, "SQLite", "sqlite", Path(tmp))


async def _migrate(database: Database) -> None:
    try:
        await upgrade(database)
    finally:
        await database.dispose()


def _postgres(config: BenchConfig) -> list[Row]:
    async def hold() -> list[Row]:
        async with throwaway_database(config.postgres_admin_url, "feeds") as url:
            with tempfile.TemporaryDirectory(prefix="stockpool-bench-feeds-") as tmp:
                return await asyncio.to_thread(_rows, url, "PostgreSQL", "postgres", Path(tmp))

    return asyncio.run(hold())


def feeds_rows(config: BenchConfig) -> list[Row]:
    rows: list[Row] = []
    try:
        rows += _sqlite()
    except Exception as error:
        rows.append(failed_row("feeds.sqlite.http", "feed read on SQLite", error))
    try:
        rows += _postgres(config)
    except PostgresUnavailable as error:
        rows.append(skipped_row("feeds.postgres.http", "feed read on PostgreSQL", str(error)))
    except Exception as error:
        rows.append(failed_row("feeds.postgres.http", "feed read on PostgreSQL", error))
    return rows
