"""Fan-out: N WebSocket subscribers on one SKU's availability while reservations stream in.

The server runs alone (`stockpool serve`, one worker, a fresh SQLite file); the subscribers
live in separate client processes. For each reservation the delay is measured from the
moment its HTTP response arrived to the moment the *last* subscriber had received that
version (or a newer one: a slow client is allowed to skip to the newest value). Server
memory per subscriber is the growth of the server's RSS from before the subscribers
connected to when all of them had their snapshot, divided by N."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import secrets
import statistics
import sys
import tempfile
import time
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from bench.config import BenchConfig
from bench.graphql_client import RESERVE, GraphQL
from bench.report import Row
from bench.reservation_stream import WORKERS, ReservationStream, StreamResult, seed_stream
from bench.servers import Server, migrate, stockpool_env, stockpool_server

RESERVATIONS = 40
PAUSE_SECONDS = 0.25
CLIENT_PROCESSES = 4
CONNECT_BATCH = 100
SUBSCRIPTION = (
    'subscription { availabilityChanged(channel: "web", skus: ["HOT"]) { version published } }'
)
ONE_ADDRESS = {
    "STOCKPOOL_WEBSOCKET_MAX_CONNECTIONS_PER_ADDRESS": "1000000",
    "STOCKPOOL_RATE_LIMIT_STOREFRONT": "100000000/100000000",
}
"""Every client of a bench comes from 127.0.0.1 with one storefront key: the per-address
connection cap and rate limit, meant for one shopper, are lifted."""


@dataclass(frozen=True, slots=True)
class FanoutResult:
    subscribers: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    rss_per_subscriber_kib: float
    server_rss_mib: float
    connect_seconds: float
    missed: int
    stream: StreamResult | None = None
    """The reservation stream that ran meanwhile (bench/reservation_stream.py), if any."""

    def row(self) -> Row:
        during = ""
        if self.stream is not None:
            during = (
                f" while a stream of `reserveStock` on another SKU runs ({WORKERS} connections "
                f"from another process, {self.stream.rate:,.0f} holds/s achieved)"
            )
        return Row(
            key=f"fanout{'_stream' if self.stream else ''}.{self.subscribers}",
            benchmark=(
                f"fan-out to {self.subscribers:,} `availabilityChanged` subscribers"
                + (" during a reservation stream" if self.stream else "")
            ),
            setup=(
                f"1 worker, SQLite; subscribers in {CLIENT_PROCESSES} client processes; "
                f"{RESERVATIONS} reservations {PAUSE_SECONDS * 1000:.0f} ms apart; delay = "
                f"response → last subscriber{during}"
            ),
            p50_ms=self.p50_ms,
            p99_ms=self.p99_ms,
            result=(
                f"max {self.max_ms:.0f} ms; server RSS {self.server_rss_mib:.0f} MiB, "
                f"{self.rss_per_subscriber_kib:.1f} KiB per subscriber; "
                f"{self.connect_seconds:.0f} s to connect all "
                f"({self.subscribers / self.connect_seconds:,.0f} subscribers/s)"
                + (f"; **{self.missed} deliveries missing**" if self.missed else "")
            ),
            failed=bool(self.missed),
        )


# ---- the server ---------------------------------------------------------------------------


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _seed(gql: GraphQL) -> str:
    """The hot SKU with plenty of stock at WH, listed on web; returns a storefront key for
    web (what a product page embeds)."""
    gql.seed("HOT", 1_000_000)
    gql(
        'mutation { upsertListing(input: {channel: "web", sku: "HOT", externalSku: "HOT"}) '
        "{ userErrors { code } } }"
    )
    created = gql(
        'mutation { createApiKey(input: {name: "badge", role: STOREFRONT, channel: "web"}) '
        "{ secret userErrors { code } } }"
    )
    secret: str = created["createApiKey"]["secret"]
    return secret


# ---- the subscribers (in client processes) -------------------------------------------------


def _subscriber_process(
    url: str, key: str, count: int, ready: Any, go: Any, results: Any, versions: int
) -> None:
    asyncio.run(_subscribe_all(url, key, count, ready, go, results, versions))


async def _subscribe_all(
    url: str, key: str, count: int, ready: Any, go: Any, results: Any, versions: int
) -> None:
    import websockets

    async def open_one() -> tuple[Any, int]:
        ws = await websockets.connect(
            url,
            subprotocols=["graphql-transport-ws"],
            max_queue=None,
            compression=None,
            open_timeout=120,  # a loaded server takes its time with a batch of handshakes
            ping_interval=None,  # like a browser: no pings of its own (10,000 of them ~500/s)
        )
        await ws.send(
            orjson.dumps(
                {"type": "connection_init", "payload": {"authorization": f"Bearer {key}"}}
            ).decode()
        )
        assert orjson.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(
            orjson.dumps(
                {"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTION}}
            ).decode()
        )
        snapshot = orjson.loads(await ws.recv())
        return ws, snapshot["payload"]["data"]["availabilityChanged"]["version"]

    opened: list[tuple[Any, int]] = []
    for start in range(0, count, CONNECT_BATCH):
        batch = min(CONNECT_BATCH, count - start)
        opened += await asyncio.gather(*(open_one() for _ in range(batch)))
    sockets = [ws for ws, _ in opened]
    snapshot_versions = [version for _, version in opened]
    first_seen: list[dict[int, float]] = [{} for _ in sockets]
    ready.put(min(snapshot_versions))
    start_version = go.get()
    last = start_version + versions

    async def listen(index: int) -> None:
        seen = first_seen[index]
        ws = sockets[index]
        newest = 0
        while newest < last:
            message = orjson.loads(await ws.recv())
            if message.get("type") != "next":
                continue
            version = message["payload"]["data"]["availabilityChanged"]["version"]
            now = time.time()
            # A client that fell behind may skip straight to the newest value.
            for v in range(max(newest + 1, start_version + 1), version + 1):
                seen.setdefault(v, now)
            newest = max(newest, version)

    # Whatever has not arrived by then is counted as missing.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.gather(*(listen(i) for i in range(count))), timeout=120)
    latest: dict[int, float] = {}
    missing = 0
    for seen in first_seen:
        for v in range(start_version + 1, last + 1):
            if v in seen:
                latest[v] = max(latest.get(v, 0.0), seen[v])
            else:
                missing += 1
    results.put((latest, missing))
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)


# ---- one run --------------------------------------------------------------------------------


def measure(
    subscribers: int, reservations: int = RESERVATIONS, stream_rate: float = 0.0
) -> FanoutResult:
    """One run; with `stream_rate`, reservations of another SKU stream in meanwhile."""
    admin = secrets.token_urlsafe(16)
    with tempfile.TemporaryDirectory() as tmp:
        env = stockpool_env(f"sqlite+aiosqlite:///{Path(tmp) / 'fanout.db'}", admin)
        migrate(env)
        with stockpool_server({**env, **ONE_ADDRESS}, Path(tmp) / "server.log") as server:
            return _measure(server, admin, subscribers, reservations, stream_rate)


def _measure(
    server: Server, admin: str, subscribers: int, reservations: int, stream_rate: float
) -> FanoutResult:
    process, base = server.process, server.base_url
    with GraphQL(base, admin) as gql:
        key = _seed(gql)
        if stream_rate:
            seed_stream(gql)
    url = base.replace("http://", "ws://") + "/graphql"
    context = multiprocessing.get_context("spawn")
    ready, go, results = context.Queue(), context.Queue(), context.Queue()
    processes = min(CLIENT_PROCESSES, subscribers)
    shares = [subscribers // processes + (i < subscribers % processes) for i in range(processes)]
    rss_before = _rss_kib(process.pid)
    started = time.monotonic()
    clients = [
        context.Process(
            target=_subscriber_process,
            args=(url, key, share, ready, go, results, reservations),
            daemon=True,
        )
        for share in shares
    ]
    for client in clients:
        client.start()
    start_version = min(ready.get(timeout=300) for _ in clients)
    connect_seconds = time.monotonic() - started
    rss_after = _rss_kib(process.pid)
    for _ in clients:
        go.put(start_version)
    stream = ReservationStream(base, admin, stream_rate) if stream_rate else nullcontext()
    with stream:
        time.sleep(0.5)
        answered = _reserve(base, admin, start_version, reservations)
    latest: dict[int, float] = {}
    missed = 0
    for _ in clients:
        seen, missing = results.get(timeout=180)
        missed += missing
        for version, moment in seen.items():
            latest[version] = max(latest.get(version, 0.0), moment)
    for client in clients:
        client.join(10)
    delays = sorted(max(latest[v] - answered[v], 0.0) * 1000 for v in answered if v in latest)
    return FanoutResult(
        subscribers=subscribers,
        p50_ms=statistics.median(delays) if delays else float("nan"),
        p99_ms=_percentile(delays, 0.99),
        max_ms=delays[-1] if delays else float("nan"),
        rss_per_subscriber_kib=max(rss_after - rss_before, 0) / subscribers,
        server_rss_mib=rss_after / 1024,
        connect_seconds=connect_seconds,
        missed=missed,
        stream=stream.result if isinstance(stream, ReservationStream) else None,
    )


def _reserve(base: str, admin: str, start_version: int, reservations: int) -> dict[int, float]:
    """The measured reservations of HOT: when each one's answer arrived, by its version."""
    answered: dict[int, float] = {}
    with GraphQL(base, admin) as gql:
        for n in range(1, reservations + 1):
            gql(RESERVE % "HOT", {"order": f"fanout-{n}"})  # refuses any userError
            answered[start_version + n] = time.time()
            time.sleep(PAUSE_SECONDS)
    return answered


def _percentile(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def fanout_rows(config: BenchConfig) -> list[Row]:
    rows = [measure(size).row() for size in config.fanout_sizes]
    if config.stream_rate:
        biggest = max(config.fanout_sizes)
        rows.append(measure(biggest, stream_rate=config.stream_rate).row())
    return rows


if __name__ == "__main__":
    # python -m bench.fanout [N …]; BENCH_STREAM_RATE=200 runs them during the stream.
    config = BenchConfig.from_env()
    chosen = tuple(int(n) for n in sys.argv[1:]) or config.fanout_sizes
    for size in chosen:
        print(measure(size, stream_rate=config.stream_rate).row().result, flush=True)
