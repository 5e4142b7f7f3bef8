"""Churn: rounds of WebSocket clients that connect, subscribe and drop, and the server's RSS
after each round.

The server runs alone (`stockpool serve`, one worker, a fresh SQLite file, its GC tuning);
the clients live in this process. Each client sends connection_init with a storefront key,
subscribes to one SKU's availability, reads its snapshot and goes: half close cleanly, half
drop the TCP connection without a close frame. After a round the server is given a moment
to notice every drop, then its RSS is read. A server that lets go of every connection stays
flat after the first rounds (allocator warm-up); one that leaves cyclic garbage behind grows
by what each connection leaves, round after round."""

from __future__ import annotations

import asyncio
import secrets
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import orjson

from bench.config import BenchConfig
from bench.fanout import ONE_ADDRESS, SUBSCRIPTION, _rss_kib, _seed
from bench.graphql_client import GraphQL
from bench.report import Row
from bench.servers import migrate, stockpool_env, stockpool_server

ROUNDS = 5
CONNECT_BATCH = 100
SETTLE_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class ChurnResult:
    connections: int
    rss_mib: list[float]
    """Server RSS before the first round, then after each round."""
    failed: int
    first_problem: str
    seconds: float

    @property
    def growth_per_connection_kib(self) -> float:
        """RSS growth from the end of round 1 to the end of the last, per later connection."""
        later = self.connections * (len(self.rss_mib) - 2)
        return (self.rss_mib[-1] - self.rss_mib[1]) * 1024 / later if later > 0 else 0.0

    def row(self) -> Row:
        rounds = len(self.rss_mib) - 1
        return Row(
            key=f"churn.{self.connections}",
            benchmark=(
                f"WebSocket churn: {rounds} rounds of {self.connections:,} connect/subscribe/drop"
            ),
            setup=(
                f"1 worker, SQLite; storefront key, {CONNECT_BATCH} clients at a time, half "
                "close cleanly, half drop the TCP connection; RSS read "
                f"{SETTLE_SECONDS:g} s after each round"
            ),
            rate=self.connections * rounds / self.seconds,
            unit="conn/s",
            result=(
                "server RSS "
                + " → ".join(f"{mib:.0f}" for mib in self.rss_mib)
                + f" MiB; {self.growth_per_connection_kib:.2f} KiB kept per connection after "
                "round 1"
                + (
                    f"; **{self.failed} clients failed** (first: {self.first_problem})"
                    if self.failed
                    else ""
                )
            ),
            failed=bool(self.failed),
        )


async def _one(url: str, key: str, abort: bool) -> str | None:
    """None once the client had its snapshot, else what went wrong."""
    import websockets

    try:
        ws = await websockets.connect(
            url, subprotocols=["graphql-transport-ws"], compression=None, proxy=None
        )
    except Exception as error:
        return f"connect: {error!r}"
    try:
        init = {"type": "connection_init", "payload": {"authorization": f"Bearer {key}"}}
        await ws.send(orjson.dumps(init).decode())
        ack = await ws.recv()
        start = {"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTION}}
        await ws.send(orjson.dumps(start).decode())
        snapshot = await ws.recv()
        return None if orjson.loads(snapshot)["type"] == "next" else f"{ack!r} {snapshot!r}"
    except Exception as error:
        return repr(error)
    finally:
        if abort:
            ws.transport.abort()
        else:
            await ws.close()


async def _round(url: str, key: str, count: int) -> list[str]:
    problems: list[str] = []
    for start in range(0, count, CONNECT_BATCH):
        batch = range(start, min(start + CONNECT_BATCH, count))
        done = await asyncio.gather(*(_one(url, key, n % 2 == 1) for n in batch))
        problems += [problem for problem in done if problem is not None]
    return problems


def measure(connections: int, rounds: int = ROUNDS) -> ChurnResult:
    admin = secrets.token_urlsafe(16)
    with tempfile.TemporaryDirectory() as tmp:
        env = stockpool_env(f"sqlite+aiosqlite:///{Path(tmp) / 'churn.db'}", admin)
        migrate(env)
        with stockpool_server({**env, **ONE_ADDRESS}, Path(tmp) / "server.log") as server:
            with GraphQL(server.base_url, admin) as gql:
                key = _seed(gql)
            url = server.base_url.replace("http://", "ws://") + "/graphql"
            rss = [_rss_kib(server.process.pid) / 1024]
            problems: list[str] = []
            started = time.monotonic()
            for _ in range(rounds):
                problems += asyncio.run(_round(url, key, connections))
                time.sleep(SETTLE_SECONDS)
                rss.append(_rss_kib(server.process.pid) / 1024)
            seconds = time.monotonic() - started - rounds * SETTLE_SECONDS
    return ChurnResult(
        connections, rss, len(problems), problems[0][:200] if problems else "", seconds
    )


def churn_rows(config: BenchConfig) -> list[Row]:
    return [measure(config.churn_connections).row()]


if __name__ == "__main__":
    result = measure(int(sys.argv[1]) if len(sys.argv) > 1 else BenchConfig().churn_connections)
    print(result.row().result, flush=True)
