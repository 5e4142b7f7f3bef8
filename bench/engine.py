"""Group 2, the engine alone (no HTTP): `Services.dispatch(...)` driven by many
concurrent tasks for a fixed time, on one hot SKU and spread over many SKUs, on SQLite and
on PostgreSQL. Each run ends with the oversell check of the SKUs it reserved."""

from __future__ import annotations

import asyncio
import itertools
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from api.bus import EventBus
from api.database.engine import Database
from api.database.migrate import upgrade
from api.services.container import Services
from api.settings import Settings
from bench.checks import StockCheck, check_database
from bench.config import BenchConfig
from bench.postgres import PostgresUnavailable, throwaway_database
from bench.report import Row, failed_row, skipped_row
from domain.access import Principal, Role
from domain.catalogue import CreateLocation, CreateSku
from domain.channels import ChannelKind, CreateChannel, SetChannelLocations
from domain.errors import StockpoolError
from domain.reservations import RequestedLine, ReserveStock
from domain.stock_commands import ReceiveStock

BENCH = Principal("bench", Role.ADMIN)
HOT = "HOT"
SEED_CONCURRENCY = 16
SPREAD_STOCK = 1_000_000


@dataclass
class EngineResult:
    seconds: float = 0.0
    held: int = 0
    warmup_held: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        completed = len(self.latencies)
        return completed / self.seconds if self.seconds else 0.0

    def percentile_ms(self, fraction: float) -> float:
        if not self.latencies:
            return float("nan")
        if fraction == 0.5:
            return statistics.median(self.latencies) * 1000
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))] * 1000

    def counts(self) -> str:
        refused = ", ".join(f"{n:,} {code}" for code, n in self.refused.most_common()) or "0"
        errors = ", ".join(f"{n:,} {kind}" for kind, n in self.errors.most_common()) or "0"
        return (
            f"{self.held:,} held (+{self.warmup_held:,} in the warm-up), refused: {refused}, "
            f"errors: {errors}"
        )


async def _gather_limited(jobs: list[Callable[[], Awaitable[object]]]) -> None:
    limit = asyncio.Semaphore(SEED_CONCURRENCY)

    async def one(job: Callable[[], Awaitable[object]]) -> None:
        async with limit:
            await job()

    await asyncio.gather(*(one(job) for job in jobs))


async def seed(services: Services, stock: dict[str, int]) -> None:
    """Location WH, channel web selling from it, and each SKU with its stock at WH."""
    await services.dispatch(CreateLocation("WH", "Warehouse"), BENCH)
    await services.dispatch(CreateChannel("web", "Web", ChannelKind.WEBSTORE), BENCH)
    await services.dispatch(SetChannelLocations("web", ("WH",)), BENCH)
    await _gather_limited(
        [lambda c=code: services.dispatch(CreateSku(c, c), BENCH) for code in stock]
    )
    await _gather_limited(
        [
            lambda c=code, q=quantity: services.dispatch(ReceiveStock(c, "WH", q), BENCH)
            for code, quantity in stock.items()
        ]
    )


async def drive(
    services: Services, codes: list[str], tasks: int, seconds: float, label: str
) -> EngineResult:
    """`tasks` tasks reserve one unit each, round-robin over `codes`, until `seconds` pass."""
    result = EngineResult()
    numbers = itertools.count()
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < deadline:
            n = next(numbers)
            command = ReserveStock(
                "web", f"{label}-{n}", (RequestedLine(codes[n % len(codes)], 1),)
            )
            started = time.perf_counter()
            try:
                await services.dispatch(command, BENCH)
                result.held += 1
            except StockpoolError as refusal:
                result.refused[refusal.code.value] += 1
            except Exception as error:  # counted and reported, never hidden
                result.errors[type(error).__name__] += 1
            result.latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(tasks)))
    result.seconds = time.perf_counter() - started
    return result


async def _measure(
    services: Services, codes: list[str], config: BenchConfig, label: str
) -> tuple[EngineResult, StockCheck]:
    warmup = None
    if config.warmup_seconds > 0:
        warmup = await drive(services, codes, config.engine_tasks, config.warmup_seconds, label)
    result = await drive(services, codes, config.engine_tasks, config.seconds, f"{label}m")
    result.warmup_held = warmup.held if warmup else 0
    check = await check_database(services.database, codes, result.held + result.warmup_held)
    return result, check


def _rows(
    backend: str, slug: str, setup: str, measured: list[tuple[str, str, EngineResult, StockCheck]]
) -> list[Row]:
    rows = []
    for key, what, result, check in measured:
        rows.append(
            Row(
                key=f"engine.{slug}.{key}",
                benchmark=f"engine `reserve()` on {backend}, {what}",
                setup=setup,
                rate=result.rate,
                unit="reservations/s",
                p50_ms=result.percentile_ms(0.5),
                p99_ms=result.percentile_ms(0.99),
                result=f"{result.counts()}; {check.short()}",
                oversold=check.oversold,
                failed=bool(result.errors) or not check.consistent,
            )
        )
    return rows


async def _engine_on(database_url: str, backend: str, slug: str, config: BenchConfig) -> list[Row]:
    database = Database(database_url)
    bus = EventBus("memory://", "stockpool-bench")
    await bus.connect()
    try:
        services = Services.build(Settings(database_url=database_url), database, bus)
        spread = [f"S{i:05d}" for i in range(config.spread_skus)]
        await seed(services, {HOT: config.hot_stock, **dict.fromkeys(spread, SPREAD_STOCK)})
        hot, hot_check = await _measure(services, [HOT], config, "hot")
        wide, wide_check = await _measure(services, spread, config, "spread")
    finally:
        await bus.disconnect()
        await database.dispose()
    setup = (
        f"{config.engine_tasks} tasks in one process, pool {Settings().database_pool_size}, "
        f"memory bus, {config.seconds:g} s (+{config.warmup_seconds:g} s warm-up)"
    )
    return _rows(
        backend,
        slug,
        setup,
        [
            ("hot", "one hot SKU", hot, hot_check),
            ("spread", f"spread over {config.spread_skus:,} SKUs", wide, wide_check),
        ],
    )


async def _sqlite(config: BenchConfig) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="stockpool-bench-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'engine.db'}"
        database = Database(url)
        try:
            await upgrade(database)
        finally:
            await database.dispose()
        return await _engine_on(url, "SQLite", "sqlite", config)


async def _postgres(config: BenchConfig) -> list[Row]:
    async with throwaway_database(config.postgres_admin_url, "engine") as url:
        return await _engine_on(url, "PostgreSQL", "postgres", config)


def _run(coroutine: Awaitable[list[Row]]) -> list[Row]:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)  # type: ignore[arg-type]
    return uvloop.run(coroutine)  # type: ignore[arg-type]


def engine_rows(config: BenchConfig) -> list[Row]:
    rows: list[Row] = []
    try:
        rows += _run(_sqlite(config))
    except Exception as error:
        rows.append(failed_row("engine.sqlite.hot", "engine `reserve()` on SQLite", error))
    try:
        rows += _run(_postgres(config))
    except PostgresUnavailable as error:
        rows.append(
            skipped_row("engine.postgres.hot", "engine `reserve()` on PostgreSQL", str(error))
        )
    except Exception as error:
        rows.append(failed_row("engine.postgres.hot", "engine `reserve()` on PostgreSQL", error))
    return rows
