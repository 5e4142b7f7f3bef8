"""HTTP `reserveStock` on `stockpool serve --workers 2` with PostgreSQL + Redis (the way
several workers are deployed): holds/s in total and per worker, against the same server's
`{ __typename }`, then the oversell check of the hot SKU."""

from __future__ import annotations

import asyncio
import json
import secrets
import tempfile
import uuid
from pathlib import Path

from api.database.engine import Database
from bench.checks import StockCheck, held_units
from bench.config import BenchConfig
from bench.graphql_client import RESERVE, GraphQL
from bench.loadgen import ORDER, Load, LoadResult, run_load, tool_name
from bench.postgres import PostgresUnavailable, throwaway_database
from bench.race import _redis_answers
from bench.report import Row, failed_row, skipped_row
from bench.servers import stockpool_env, stockpool_server

HOT = "HOT"
KEY = "http2.reserve"
TYPENAME = json.dumps({"query": "{ __typename }"})
RESERVE_BODY = json.dumps({"query": RESERVE % HOT, "variables": {"order": f"w2-{ORDER}"}})
SETTLE_SECONDS = 1.0


def _what(config: BenchConfig) -> str:
    return f"HTTP `reserveStock`, {config.race_workers} workers on PostgreSQL + Redis"


def _load(load: Load, config: BenchConfig) -> tuple[LoadResult, LoadResult | None]:
    warmup = None
    if config.warmup_seconds > 0:
        warmup = run_load(load, config.connections, config.warmup_seconds, config.wrk_threads)
    return run_load(load, config.connections, config.seconds, config.wrk_threads), warmup


async def _run(config: BenchConfig) -> list[Row]:
    workers = config.race_workers
    async with throwaway_database(config.postgres_admin_url, "http2") as url:
        token = secrets.token_urlsafe(24)
        # Info logging (the default: a line per request): the server is ready once every
        # worker logged its startup, so that no worker is left out of wrk's connections.
        env = stockpool_env(
            url, token, config.redis_url, "info", f"stockpool-bench-{uuid.uuid4().hex[:8]}"
        )
        with (
            tempfile.TemporaryDirectory(prefix="stockpool-bench-") as tmp,
            stockpool_server(env, Path(tmp) / "http2.log", workers) as server,
        ):
            with GraphQL(server.base_url, token) as gql:
                gql.seed(HOT, config.hot_stock)
            headers = (("Authorization", f"Bearer {token}"),)
            graphql_url = f"{server.base_url}/graphql"
            floor, _ = _load(Load(graphql_url, TYPENAME, headers), config)
            reserve, warmup = _load(Load(graphql_url, RESERVE_BODY, headers), config)
            await asyncio.sleep(SETTLE_SECONDS)  # answers cut off at the deadline finish
            with GraphQL(server.base_url, token) as gql:
                level = gql.level(HOT)
                ledger_ok = gql.ledger_ok()
        database = Database(url)
        try:
            held = await held_units(database, [HOT])
        finally:
            await database.dispose()
    check = StockCheck(
        counters=level,
        held_lines=held,
        successes=reserve.ok + (warmup.ok if warmup else 0),
        in_flight=config.connections * (2 if warmup else 1),
        ledger_ok=ledger_ok,
    )
    setup = (
        f"stockpool serve --workers {workers}, PostgreSQL + Redis, info logging; {tool_name()}, "
        f"{config.connections} connections, {config.seconds:g} s (+{config.warmup_seconds:g} s "
        "warm-up)"
    )
    per_worker = reserve.rate / workers
    return [
        Row(
            key=KEY,
            benchmark=f"{_what(config)}: holds/s (total; per worker in the result)",
            setup=setup,
            rate=reserve.rate,
            unit="holds/s",
            p50_ms=reserve.p50_ms,
            p99_ms=reserve.p99_ms,
            result=f"**{per_worker:,.0f} holds/s per worker**; {reserve.counts()}; "
            f"{reserve.rate / floor.rate if floor.rate else 0:.2f}x the floor below; "
            f"{check.short()}",
            oversold=check.oversold,
            failed=not check.consistent,
        ),
        Row(
            key="http2.typename",
            benchmark=f"HTTP `{{ __typename }}`, {workers} workers on PostgreSQL + Redis",
            setup=f"same server; {setup.split('; ', 1)[1]}",
            rate=floor.rate,
            p50_ms=floor.p50_ms,
            p99_ms=floor.p99_ms,
            result=f"{floor.rate / workers:,.0f} req/s per worker; {floor.counts()}",
        ),
    ]


def http_workers_rows(config: BenchConfig) -> list[Row]:
    problem = asyncio.run(_redis_answers(config.redis_url))
    if problem:
        return [skipped_row(KEY, _what(config), problem)]
    try:
        return asyncio.run(_run(config))
    except PostgresUnavailable as error:
        return [skipped_row(KEY, _what(config), str(error))]
    except Exception as error:
        return [failed_row(KEY, _what(config), error)]
