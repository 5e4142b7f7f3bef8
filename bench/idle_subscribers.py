"""Memory per idle subscriber: server RSS with N subscribers that only wait, and how fast
they connect.

`stockpool serve` (one worker, a fresh SQLite file) gets N `availabilityChanged` subscribers
from client processes (connect, `connection_init` with a storefront key, subscribe, read the
snapshot), then nothing happens. Per subscriber = (RSS with N open - RSS before) / N. The same
clients against `bench/plain_ws_app.py` (uvicorn, the same WebSocket settings, a handler that
acknowledges and answers once) give the bare socket's part: what uvicorn, the event loop and
the ASGI task cost per connection before any of our code. The connect rate is N over the
time from the first client's first connect to the last snapshot."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import resource
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from bench.config import BenchConfig
from bench.fanout import CLIENT_PROCESSES, ONE_ADDRESS, SUBSCRIPTION, _rss_kib, _seed
from bench.graphql_client import GraphQL
from bench.report import Row
from bench.servers import (
    Server,
    free_port,
    migrate,
    serve,
    stockpool_env,
    stockpool_server,
    wait_until_ready,
)

CONNECT_BATCH = 100
SETTLE_SECONDS = 2.0
"""Between the last snapshot and the RSS reading: the server finishes what it was doing."""


@dataclass(frozen=True, slots=True)
class IdleResult:
    subscribers: int
    rss_before_kib: int
    rss_after_kib: int
    connect_seconds: float

    @property
    def per_subscriber_kib(self) -> float:
        return max(self.rss_after_kib - self.rss_before_kib, 0) / self.subscribers

    @property
    def connect_rate(self) -> float:
        return self.subscribers / self.connect_seconds


def raise_open_files(wanted: int) -> None:
    """Lifts the soft limit on open files towards `wanted` (at most the hard limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


# ---- the subscribers (in client processes) -------------------------------------------------


async def open_subscriber(url: str, key: str) -> tuple[Any, int]:
    """A subscriber that had its snapshot: the socket and the version it was sent."""
    import websockets

    ws = await websockets.connect(
        url,
        subprotocols=["graphql-transport-ws"],
        max_queue=None,
        compression=None,
        proxy=None,
        open_timeout=120,
        ping_interval=None,  # like a browser: no pings of its own
    )
    init = {"type": "connection_init", "payload": {"authorization": f"Bearer {key}"}}
    await ws.send(orjson.dumps(init).decode())
    if orjson.loads(await ws.recv())["type"] != "connection_ack":
        raise RuntimeError("connection_init was not acknowledged")
    start = {"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTION}}
    await ws.send(orjson.dumps(start).decode())
    snapshot = orjson.loads(await ws.recv())
    return ws, snapshot["payload"]["data"]["availabilityChanged"]["version"]


async def open_many(url: str, key: str, count: int) -> list[tuple[Any, int]]:
    opened: list[tuple[Any, int]] = []
    for start in range(0, count, CONNECT_BATCH):
        batch = min(CONNECT_BATCH, count - start)
        opened += await asyncio.gather(*(open_subscriber(url, key) for _ in range(batch)))
    return opened


def _idle_process(url: str, key: str, count: int, ready: Any, done: Any) -> None:
    raise_open_files(count + 1_000)

    async def run() -> None:
        started = time.time()
        opened = await open_many(url, key, count)
        ready.put((started, time.time()))
        await asyncio.get_running_loop().run_in_executor(None, done.get)
        await asyncio.gather(*(ws.close() for ws, _ in opened), return_exceptions=True)

    asyncio.run(run())


# ---- one run --------------------------------------------------------------------------------


def hold_idle(
    server: Server, key: str, subscribers: int, while_open: Callable[[], None] | None = None
) -> IdleResult:
    """Connects `subscribers` clients to `server`, reads its RSS (then calls `while_open`, a
    probe's hook), lets them go."""
    url = server.base_url.replace("http://", "ws://") + "/graphql"
    context = multiprocessing.get_context("spawn")
    ready, done = context.Queue(), context.Queue()
    processes = min(CLIENT_PROCESSES, subscribers)
    shares = [subscribers // processes + (i < subscribers % processes) for i in range(processes)]
    rss_before = _rss_kib(server.process.pid)
    clients = [
        context.Process(target=_idle_process, args=(url, key, share, ready, done), daemon=True)
        for share in shares
    ]
    for client in clients:
        client.start()
    try:
        moments = [ready.get(timeout=600) for _ in clients]
        connect_seconds = max(end for _, end in moments) - min(start for start, _ in moments)
        time.sleep(SETTLE_SECONDS)
        rss_after = _rss_kib(server.process.pid)
        if while_open is not None:
            while_open()
    finally:
        for _ in clients:
            done.put(None)
        for client in clients:
            client.join(30)
    return IdleResult(subscribers, rss_before, rss_after, connect_seconds)


def measure_stockpool(subscribers: int) -> IdleResult:
    admin = secrets.token_urlsafe(16)
    with tempfile.TemporaryDirectory() as tmp:
        env = stockpool_env(f"sqlite+aiosqlite:///{Path(tmp) / 'idle.db'}", admin)
        migrate(env)
        with stockpool_server({**env, **ONE_ADDRESS}, Path(tmp) / "server.log") as server:
            with GraphQL(server.base_url, admin) as gql:
                key = _seed(gql)
            return hold_idle(server, key, subscribers)


@contextmanager
def plain_websocket_server(log: Path) -> Iterator[Server]:
    port = free_port()
    command = [sys.executable, "-m", "bench.plain_ws_app", "--port", str(port)]
    with serve(command, {**os.environ, "PYTHONUNBUFFERED": "1"}, log, port) as server:
        wait_until_ready(server, 0)
        yield server


def measure_bare(subscribers: int) -> IdleResult:
    with (
        tempfile.TemporaryDirectory() as tmp,
        plain_websocket_server(Path(tmp) / "server.log") as server,
    ):
        return hold_idle(server, "none", subscribers)


def idle_row(ours: IdleResult, bare: IdleResult) -> Row:
    beyond = ours.per_subscriber_kib - bare.per_subscriber_kib
    return Row(
        key=f"idle.{ours.subscribers}",
        benchmark=f"memory per idle subscriber at {ours.subscribers:,}",
        setup=(
            f"1 worker, SQLite; `availabilityChanged` subscribers in {CLIENT_PROCESSES} client "
            f"processes, {CONNECT_BATCH} connecting at a time per process; (RSS with all open - "
            "RSS before) / N; bare socket: the same clients against bench/plain_ws_app.py"
        ),
        rate=ours.connect_rate,
        unit="subscribers/s connecting",
        result=(
            f"{ours.per_subscriber_kib:.1f} KiB per subscriber, of which the bare socket "
            f"{bare.per_subscriber_kib:.1f} KiB (uvicorn, event loop, ASGI task) and "
            f"{beyond:.1f} KiB beyond it; server RSS {ours.rss_after_kib / 1024:.0f} MiB; "
            f"{ours.connect_seconds:.0f} s to connect all (bare socket: "
            f"{bare.connect_rate:,.0f}/s)"
        ),
    )


def idle_rows(config: BenchConfig) -> list[Row]:
    size = max(config.fanout_sizes)
    return [idle_row(measure_stockpool(size), measure_bare(size))]


if __name__ == "__main__":
    raise_open_files(65_536)
    count = int(sys.argv[1]) if len(sys.argv) > 1 else max(BenchConfig().fanout_sizes)
    ours, bare = measure_stockpool(count), measure_bare(count)
    print(ours, bare, sep="\n")
    print(idle_row(ours, bare).result, flush=True)
