"""Group 3: many buyers racing over HTTP for the last units of one SKU, against
`stockpool serve --workers 2` on PostgreSQL + Redis. Nothing may be oversold."""

from __future__ import annotations

import asyncio
import json
import secrets
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

from api.database.engine import Database
from bench.checks import StockCheck, held_units
from bench.config import ROOT, BenchConfig
from bench.graphql_client import RESERVE, GraphQL
from bench.loadgen import ORDER, RESULT_PREFIX
from bench.postgres import PostgresUnavailable, throwaway_database
from bench.report import Row, failed_row, skipped_row
from bench.servers import stockpool_env, stockpool_server

SKU = "LAST"
KEY = "race"


async def _redis_answers(url: str) -> str | None:
    import redis.asyncio as redis

    client = redis.from_url(url)
    try:
        await asyncio.wait_for(client.ping(), timeout=5)
    except (TimeoutError, OSError, redis.RedisError) as error:
        return f"Redis does not answer at {url}: {error}"
    finally:
        await client.aclose()
    return None


def _burst(url: str, token: str, buyers: int) -> dict[str, Any]:
    spec = {
        "url": url,
        "body": json.dumps({"query": RESERVE % SKU, "variables": {"order": f"buyer-{ORDER}"}}),
        "headers": [["Content-Type", "application/json"], ["Authorization", f"Bearer {token}"]],
        "buyers": buyers,
    }
    done = subprocess.run(
        [sys.executable, "-m", "bench.burst", json.dumps(spec)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    for line in done.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            found: dict[str, Any] = json.loads(line[len(RESULT_PREFIX) :])
            return found
    raise RuntimeError(f"bench.burst printed no result:\n{done.stdout}{done.stderr}")


async def _race(config: BenchConfig) -> Row:
    async with throwaway_database(config.postgres_admin_url, "race") as url:
        token = secrets.token_urlsafe(24)
        # Info logging: the server is ready once every worker logged its startup.
        env = stockpool_env(
            url, token, config.redis_url, "info", f"stockpool-bench-{uuid.uuid4().hex[:8]}"
        )
        with (
            tempfile.TemporaryDirectory(prefix="stockpool-bench-") as tmp,
            stockpool_server(env, Path(tmp) / "race.log", config.race_workers) as server,
        ):
            with GraphQL(server.base_url, token) as gql:
                gql.seed(SKU, config.race_units)
            burst = await asyncio.to_thread(
                _burst, f"{server.base_url}/graphql", token, config.buyers
            )
            with GraphQL(server.base_url, token) as gql:
                level = gql.level(SKU)
                ledger_ok = gql.ledger_ok()
        database = Database(url)
        try:
            held = await held_units(database, [SKU])
        finally:
            await database.dispose()
    outcomes: dict[str, int] = burst["outcomes"]
    winners = outcomes.get("held", 0)
    refused = outcomes.get("INSUFFICIENT_STOCK", 0)
    unanswered = sum(n for what, n in outcomes.items() if what.startswith(("socket", "connect")))
    check = StockCheck(level, held, winners, unanswered, ledger_ok)
    oversold = check.oversold + max(0, winners - config.race_units)
    other = {k: v for k, v in outcomes.items() if k not in ("held", "INSUFFICIENT_STOCK")}
    result = (
        f"winners {winners:,} of {config.race_units:,} units, {refused:,} refused "
        f"(INSUFFICIENT_STOCK), other: {other or 0}, **oversold {oversold}**, "
        f"wall {burst['wall_seconds']:.2f} s; {check.short()}"
    )
    return Row(
        key=KEY,
        benchmark=f"{config.buyers:,} buyers race for the last {config.race_units:,} units",
        setup=(
            f"stockpool serve --workers {config.race_workers}, PostgreSQL + Redis; "
            f"{config.buyers:,} connections opened first, then one request each, all at once"
        ),
        rate=config.buyers / burst["wall_seconds"] if burst["wall_seconds"] else None,
        unit="req/s",
        p50_ms=burst["p50_ms"],
        p99_ms=burst["p99_ms"],
        result=result,
        oversold=oversold,
        failed=oversold > 0 or not check.consistent or winners != config.race_units,
    )


def race_rows(config: BenchConfig) -> list[Row]:
    what = f"{config.buyers:,} buyers race for the last {config.race_units:,} units"
    problem = asyncio.run(_redis_answers(config.redis_url))
    if problem:
        return [skipped_row(KEY, what, problem)]
    try:
        return [asyncio.run(_race(config))]
    except PostgresUnavailable as error:
        return [skipped_row(KEY, what, str(error))]
    except Exception as error:
        return [failed_row(KEY, what, error)]
