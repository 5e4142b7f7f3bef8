"""Webhooks group: `reserveStock` throughput of the engine (as the engine rows drive it) with
no webhook endpoint, and with a dead endpoint subscribed to every event (a loopback port
nothing listens on) while this process's relay runs: a slow or dead endpoint must never
slow a sale, since the sale only writes outbox rows and the relay sends later."""

from __future__ import annotations

import asyncio
import socket
import tempfile
from contextlib import suppress
from pathlib import Path

from sqlalchemy import func, select

from api.bus import EventBus
from api.database.engine import Database
from api.database.migrate import upgrade
from api.database.tables import webhook_deliveries
from api.services.container import Services
from api.settings import Settings
from bench.checks import check_database
from bench.config import BenchConfig
from bench.engine import BENCH, HOT, _run, drive, seed
from bench.postgres import PostgresUnavailable, throwaway_database
from bench.report import Row, failed_row, skipped_row
from domain.webhooks import WebhookEvent


def _dead_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


async def _outbox_rows(database: Database) -> int:
    async with database.read() as conn:
        found = await conn.execute(select(func.count()).select_from(webhook_deliveries))
        return int(found.scalar_one())


async def _one(url: str, backend: str, slug: str, dead: bool, config: BenchConfig) -> Row:
    database = Database(url)
    bus = EventBus("memory://", "stockpool-bench")
    await bus.connect()
    settings = Settings(database_url=url, webhook_allow_private=True)
    services = Services.build(settings, database, bus)
    label = "dead" if dead else "none"
    relay = None
    try:
        await seed(services, {HOT: config.hot_stock})
        if dead:
            await services.webhooks.create(BENCH, _dead_url(), list(WebhookEvent), None)
        await services.webhook_relay.reload()
        relay = asyncio.create_task(services.webhook_relay.run_forever())
        if config.warmup_seconds > 0:
            warm = await drive(services, [HOT], config.engine_tasks, config.warmup_seconds, label)
        result = await drive(services, [HOT], config.engine_tasks, config.seconds, f"{label}m")
        result.warmup_held = warm.held if config.warmup_seconds > 0 else 0
        check = await check_database(database, [HOT], result.held + result.warmup_held)
        rows = await _outbox_rows(database)
    finally:
        if relay is not None:
            relay.cancel()
            with suppress(asyncio.CancelledError):
                await relay
        await bus.disconnect()
        await database.dispose()
    what = (
        "a dead endpoint subscribed to every event, relay running"
        if dead
        else "no webhook endpoint"
    )
    return Row(
        key=f"webhooks.{slug}.{label}",
        benchmark=f"engine `reserve()` on {backend}, one hot SKU, {what}",
        setup=f"{config.engine_tasks} tasks in one process, memory bus, "
        f"{config.seconds:g} s (+{config.warmup_seconds:g} s warm-up)",
        rate=result.rate,
        unit="reservations/s",
        p50_ms=result.percentile_ms(0.5),
        p99_ms=result.percentile_ms(0.99),
        result=f"{result.counts()}; {rows:,} outbox rows; {check.short()}",
        oversold=check.oversold,
        failed=bool(result.errors) or not check.consistent,
    )


async def _sqlite(config: BenchConfig) -> list[Row]:
    rows = []
    for dead in (False, True):
        with tempfile.TemporaryDirectory(prefix="stockpool-bench-") as tmp:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'webhooks.db'}"
            database = Database(url)
            try:
                await upgrade(database)
            finally:
                await database.dispose()
            rows.append(await _one(url, "SQLite", "sqlite", dead, config))
    return rows


async def _postgres(config: BenchConfig) -> list[Row]:
    rows = []
    for dead in (False, True):
        async with throwaway_database(config.postgres_admin_url, "webhooks") as url:
            rows.append(await _one(url, "PostgreSQL", "postgres", dead, config))
    return rows


def webhook_rows(config: BenchConfig) -> list[Row]:
    rows: list[Row] = []
    try:
        rows += _run(_sqlite(config))
    except Exception as error:
        rows.append(failed_row("webhooks.sqlite.none", "webhooks on SQLite", error))
    try:
        rows += _run(_postgres(config))
    except PostgresUnavailable as error:
        rows.append(skipped_row("webhooks.postgres.none", "webhooks on PostgreSQL", str(error)))
    except Exception as error:
        rows.append(failed_row("webhooks.postgres.none", "webhooks on PostgreSQL", error))
    return rows
