"""`make bench`: runs every benchmark group in BENCHMARKS, prints one markdown table and the
goals of issue 6, and writes both with the machine to docs/benchmarks.md.

A group is a function `(BenchConfig) -> list[Row]`. To add rows (e.g. the fan-out benchmark
of the real-time work), append a `Group` to BENCHMARKS, or call `main([...])` with a list
of your own; the goals read rows by their `key`, so new rows need no change here.

Environment: BENCH_SECONDS (default 10) for every measured run, BENCH_WARMUP_SECONDS,
BENCH_ONLY=http,engine,race to run some groups, BENCH_OUTPUT for another file; more in
bench/config.py."""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bench.abuse import abuse_rows
from bench.churn import churn_rows
from bench.config import BenchConfig
from bench.engine import engine_rows
from bench.fanout import fanout_rows
from bench.feeds import feeds_rows
from bench.goals import goals_paragraph
from bench.http_api import http_rows
from bench.http_workers import http_workers_rows
from bench.idle_subscribers import idle_rows
from bench.loadgen import use_wrk
from bench.machine import describe
from bench.race import race_rows
from bench.report import Row, document, failed_row, table
from bench.webhooks import webhook_rows


@dataclass(frozen=True, slots=True)
class Group:
    name: str
    """What BENCH_ONLY selects it by."""
    title: str
    run: Callable[[BenchConfig], list[Row]]


BENCHMARKS: list[Group] = [
    Group("http", "HTTP: reserveStock vs { __typename } vs plain Starlette", http_rows),
    Group("http2", "HTTP reserveStock on 2 workers, PostgreSQL + Redis", http_workers_rows),
    Group("engine", "the engine alone, SQLite and PostgreSQL", engine_rows),
    Group("race", "buyers racing for the last units, 2 workers", race_rows),
    Group("fanout", "fan-out of availabilityChanged to N WebSocket subscribers", fanout_rows),
    Group("churn", "WebSocket connect/subscribe/drop churn, server RSS per round", churn_rows),
    Group("idle", "memory per idle WebSocket subscriber, and their connect rate", idle_rows),
    Group("abuse", "hostile requests, and the storefront's latency meanwhile", abuse_rows),
    Group("feeds", "feed read throughput, paging through 100,000 changes", feeds_rows),
    Group("webhooks", "reserveStock with a dead webhook endpoint subscribed vs none", webhook_rows),
]


def notes(config: BenchConfig) -> list[str]:
    return [
        f"Every measured run lasts {config.seconds:g} s after {config.warmup_seconds:g} s of "
        "unmeasured warm-up (`BENCH_SECONDS`, `BENCH_WARMUP_SECONDS`); the runs happen one "
        "after another, never two at once.",
        "HTTP rows: the server is started by the bench (`stockpool migrate` then `stockpool "
        "serve`, one uvicorn worker, a fresh SQLite file, the in-memory bus) and seeded over "
        "GraphQL: location `WH`, SKU `HOT` with "
        f"{config.hot_stock:,} units, channel `web` selling from `WH`. The plain Starlette "
        "app (`bench/plain_app.py`, POST /json reads the body and answers a fixed JSON "
        "document) runs under the same `uvicorn.run(...)` arguments as `stockpool serve`. "
        f"Both servers log at `{config.log_level}` (no access log; `BENCH_LOG_LEVEL`).",
        (
            f"Load: wrk, {config.wrk_threads} thread(s), {config.connections} keep-alive "
            "connections, closed loop, a Lua script setting the POST body and the "
            "`Authorization: Bearer` header"
            if use_wrk()
            else f"Load: bench/pyload.py (wrk was not available), {config.connections} "
            "keep-alive connections, closed loop, with the same body and headers"
        )
        + "; `reserveStock` bodies carry a unique `orderRef` per request. Each answer is "
        "counted as ok, GraphQL userError, top-level GraphQL error or non-2xx; socket errors "
        "separately. Throughput counts every completed answer. Latency percentiles are the "
        "load generator's (closed loop: they leave out time a request would have waited to "
        "be sent). Without wrk, `bench/pyload.py` (asyncio, one process) stands in.",
        "Oversell checks: after each run that reserves, onHand must equal available + "
        "reserved + committed + damaged + quarantined, the reserved counter must equal the "
        "units held by the reservation lines in the database, the clients' count of "
        "successful holds must match it (HTTP: up to one answer per connection per run may "
        "be cut off at wrk's deadline after the server committed it), and the ledger replay "
        "(`ledgerCheck`) must agree. `oversold` adds up every unit by which any of these is "
        "off in the unsafe direction.",
        f"Engine rows: {config.engine_tasks} asyncio tasks in one process call "
        "`Services.dispatch(ReserveStock(...))` (1 unit, channel `web`) for the "
        "run's duration, round-robin over the SKUs (one hot SKU, or "
        f"{config.spread_skus:,} SKUs); default settings (pool size 10), in-memory bus, uvloop. "
        "PostgreSQL runs use a throwaway database created for the run and dropped after.",
        f"Race row: a throwaway PostgreSQL database, `stockpool serve --workers "
        f"{config.race_workers}` with `STOCKPOOL_BROADCAST_URL` on Redis; SKU `LAST` with "
        f"{config.race_units} units; a separate process (`bench/burst.py`) opens "
        f"{config.buyers:,} connections, then every buyer sends one `reserveStock` at the same "
        "moment. Wall time runs from that moment to the last answer; throughput is buyers / "
        "wall time.",
        "HTTP 2-worker rows (`http2`): a throwaway PostgreSQL database, `stockpool serve "
        f"--workers {config.race_workers}` on Redis at info logging (the default: a line per "
        "request; the server is ready once every worker has logged its startup), seeded as "
        "the HTTP rows; the same wrk load, `{ __typename }` first, then `reserveStock`, and "
        "the same oversell check. Per worker is the total divided by the workers.",
        f"Churn row: `stockpool serve` (one worker, SQLite, its GC tuning) and, in the bench "
        f"process, rounds of {config.churn_connections:,} clients (`BENCH_CHURN`), 100 at a "
        "time, each sending `connection_init` with a storefront key, subscribing to "
        "`availabilityChanged`, reading its snapshot and going (half with a close frame, half "
        "cutting the TCP connection); the server's RSS is read 1 s after each round. The "
        "per-address connection cap and storefront rate limit are lifted (every client is "
        "127.0.0.1), for the fan-out rows too.",
        "Idle-subscriber row (`bench/idle_subscribers.py`): as many subscribers as the biggest "
        "fan-out row connect and then wait; (server RSS with all open - RSS before) / N, and "
        "the same for a bare uvicorn WebSocket app under the same WebSocket settings "
        "(`bench/plain_ws_app.py`): the difference is what stockpool adds to a socket. The "
        "fan-out row marked 'during a reservation stream' runs the biggest fan-out again while "
        f"another process sends {config.stream_rate:g} `reserveStock`/s of another SKU "
        "(`BENCH_STREAM_RATE`, `bench/reservation_stream.py`).",
        "The machine may be shared with other work (tests, builds): compare rows of one run, "
        "not runs of different days.",
    ]


def _run_group(group: Group, config: BenchConfig) -> list[Row]:
    started = time.monotonic()
    print(f"bench: {group.title} …", file=sys.stderr, flush=True)
    try:
        rows = group.run(config)
    except Exception as error:
        traceback.print_exc()
        rows = [failed_row(group.name, group.title, error)]
    print(f"bench: {group.title}: {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    return rows


def main(benchmarks: Sequence[Group] | None = None) -> int:
    config = BenchConfig.from_env()
    started = time.monotonic()
    machine = describe(config.postgres_admin_url)
    rows: list[Row] = []
    for group in benchmarks if benchmarks is not None else BENCHMARKS:
        if config.wants(group.name):
            rows += _run_group(group, config)
    goals = goals_paragraph(rows)
    print()
    print(table(rows))
    print()
    print(goals)
    config.output.parent.mkdir(parents=True, exist_ok=True)
    config.output.write_text(document(rows, goals, machine, notes(config)), encoding="utf-8")
    print(f"\nwritten to {config.output} in {time.monotonic() - started:.0f} s", file=sys.stderr)
    failed = [row for row in rows if row.failed]
    for row in failed:
        print(f"bench: FAILED {row.benchmark}: {row.result}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
