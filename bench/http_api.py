"""Group 1, over HTTP: hot-SKU `reserveStock` against the same server's `{ __typename }`
(the GraphQL floor) and a plain Starlette JSON route, one uvicorn worker each, then the
oversell check of the hot SKU."""

from __future__ import annotations

import asyncio
import json
import secrets
import tempfile
import time
from pathlib import Path

from api.database.engine import Database
from api.persisted_manifest import sha256_hex
from bench.checks import StockCheck, held_units
from bench.config import BenchConfig
from bench.graphql_client import RESERVE, GraphQL
from bench.loadgen import ORDER, Load, LoadResult, run_load, tool_name
from bench.report import Row
from bench.servers import migrate, plain_starlette_server, stockpool_env, stockpool_server

HOT = "HOT"
TYPENAME = json.dumps({"query": "{ __typename }"})
RESERVE_BODY = json.dumps({"query": RESERVE % HOT, "variables": {"order": f"http-{ORDER}"}})
PERSISTED = {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(RESERVE % HOT)}}
PERSISTED_BODY = json.dumps({"extensions": PERSISTED, "variables": {"order": f"apq-{ORDER}"}})
"""The same hold by hash only (Apollo APQ): registered once with its query, then the hash."""
SETTLE_SECONDS = 1.0


def _measure(load: Load, config: BenchConfig) -> tuple[LoadResult, LoadResult | None]:
    """A warm-up (not reported, but its holds count in the oversell check), then the run."""
    warmup = None
    if config.warmup_seconds > 0:
        warmup = run_load(load, config.connections, config.warmup_seconds, config.wrk_threads)
    measured = run_load(load, config.connections, config.seconds, config.wrk_threads)
    return measured, warmup


def _row(key: str, benchmark: str, setup: str, result: LoadResult, extra: str = "") -> Row:
    return Row(
        key=key,
        benchmark=benchmark,
        setup=setup,
        rate=result.rate,
        unit="req/s",
        p50_ms=result.p50_ms,
        p99_ms=result.p99_ms,
        result=result.counts() + extra,
    )


def http_rows(config: BenchConfig) -> list[Row]:
    token = secrets.token_urlsafe(24)
    load_setup = (
        f"{tool_name()}, {config.connections} connections, {config.seconds:g} s "
        f"(+{config.warmup_seconds:g} s warm-up)"
    )
    with tempfile.TemporaryDirectory(prefix="stockpool-bench-") as tmp:
        workdir = Path(tmp)
        url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
        env = stockpool_env(url, token, log_level=config.log_level)
        migrate(env)
        with stockpool_server(env, workdir / "stockpool.log") as server:
            with GraphQL(server.base_url, token) as gql:
                gql.seed(HOT, config.hot_stock)
            headers = (("Authorization", f"Bearer {token}"),)
            graphql_url = f"{server.base_url}/graphql"
            floor, _ = _measure(Load(graphql_url, TYPENAME, headers), config)
            reserve, warmup = _measure(Load(graphql_url, RESERVE_BODY, headers), config)
            registered = _register_persisted(server.base_url, token)
            persisted, persisted_warmup = _measure(
                Load(graphql_url, PERSISTED_BODY, headers), config
            )
            time.sleep(SETTLE_SECONDS)  # answers cut off at the deadline finish server-side
            with GraphQL(server.base_url, token) as gql:
                level = gql.level(HOT)
                ledger_ok = gql.ledger_ok()
            check = StockCheck(
                counters=level,
                held_lines=asyncio.run(_held(url)),
                successes=sum(r.ok for r in (reserve, warmup, persisted, persisted_warmup) if r)
                + registered,
                in_flight=config.connections * (4 if warmup else 2),
                ledger_ok=ledger_ok,
            )
        with plain_starlette_server(workdir / "plain.log", config.log_level) as plain:
            starlette, _ = _measure(Load(f"{plain.base_url}/json", TYPENAME), config)

    server_setup = "stockpool serve, 1 worker, SQLite file"
    return [
        _row(
            "http.reserve",
            "HTTP `reserveStock`, one hot SKU, 1 unit per request",
            f"{server_setup}; {load_setup}",
            reserve,
        ),
        _row(
            "http.reserve_persisted",
            "HTTP `reserveStock` persisted (hash only)",
            f"same server, right after the plain one, the document sent once; {load_setup}",
            persisted,
            f"; {persisted.rate / reserve.rate:.2f} x the plain `reserveStock`"
            if reserve.rate
            else "",
        ),
        _row(
            "http.typename",
            "HTTP `{ __typename }` (the GraphQL floor)",
            f"same server; {load_setup}",
            floor,
        ),
        _row(
            "http.starlette",
            "HTTP plain Starlette JSON route",
            f"uvicorn, 1 worker, same settings; {load_setup}",
            starlette,
        ),
        Row(
            key="http.oversell",
            benchmark="oversell check, hot SKU after the HTTP runs",
            setup="stockLevels + ledgerCheck over GraphQL, reservation lines from the database",
            result=check.summary(),
            oversold=check.oversold,
            failed=not check.consistent,
        ),
    ]


def _register_persisted(base_url: str, token: str) -> int:
    """Sends the hold with its query and hash, as an APQ client's first request does; 1 hold."""
    with GraphQL(base_url, token) as gql:
        body = {
            "query": RESERVE % HOT,
            "variables": {"order": "apq-first"},
            "extensions": PERSISTED,
        }
        response = gql.http.post("/graphql", json=body)
    if response.status_code != 200 or "errors" in response.json():
        raise RuntimeError(f"registering the persisted hold failed: {response.text[:500]}")
    return 1


async def _held(url: str) -> int:
    database = Database(url)
    try:
        return await held_units(database, [HOT])
    finally:
        await database.dispose()
