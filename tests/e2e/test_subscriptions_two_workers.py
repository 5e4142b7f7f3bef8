"""The real `stockpool serve --workers 2` on PostgreSQL and Redis: a change made through one
worker process reaches subscribers connected to the other, through Redis."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
import websockets

from tests.e2e.test_two_workers_on_postgres import (
    Server,
    _empty,
    _graphql,
    _has_proc,
    _seed,
    _serve,
    _wait_until_ready,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

MAX_CONNECTIONS = 32
AVAILABILITY = """subscription { availabilityChanged(channel: "web", skus: ["TEE"]) {
  sku published version } }"""
RECEIVE = """mutation { receiveStock(input: {sku: "TEE", location: "WH", quantity: 5}) {
  stockLevel { onHand } userErrors { code } } }"""


def _worker_holding(server: Server, client_port: int) -> int | None:
    """The worker process whose socket is the server end of the client's connection."""
    inodes = {}
    for pid in server.worker_pids():
        for fd in (Path("/proc") / str(pid) / "fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes[target[len("socket:[") : -1]] = pid
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local = int(fields[1].rsplit(":", 1)[1], 16)
            remote = int(fields[2].rsplit(":", 1)[1], 16)
            if (local, remote) == (server.port, client_port) and fields[9] in inodes:
                return inodes[fields[9]]
    return None


class Subscriber:
    def __init__(self, socket: Any) -> None:
        self.socket = socket

    async def receive(self) -> dict[str, Any]:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(self.socket.recv(), 10))
        return message


async def _connect(stack: AsyncExitStack, server: Server, token: str) -> Subscriber:
    socket = await stack.enter_async_context(
        websockets.connect(
            f"ws://127.0.0.1:{server.port}/graphql",
            subprotocols=["graphql-transport-ws"],
            proxy=None,
        )
    )
    # Compression costs ~50 KiB of zlib state per socket for tiny messages: it stays off.
    assert socket.response.headers.get("Sec-WebSocket-Extensions") is None
    subscriber = Subscriber(socket)
    await socket.send(
        json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
    )
    assert await subscriber.receive() == {"type": "connection_ack"}
    return subscriber


async def test_a_change_made_through_one_worker_reaches_subscribers_of_the_other(
    postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    if not _has_proc():
        pytest.skip("finds the worker processes through /proc")
    await _empty(postgres_url)
    token = secrets.token_urlsafe(24)

    with _serve(postgres_url, redis_url, token, tmp_path / "server.log") as server:
        await _wait_until_ready(server)
        async with _graphql(server, token) as gql:
            await _seed(gql)
            listed = await gql(
                'mutation { upsertListing(input: {channel: "web", sku: "TEE", externalSku: "T"})'
                " { userErrors { code } } }"
            )
            assert listed["upsertListing"]["userErrors"] == []

        async with AsyncExitStack() as stack:
            # Connect until each worker holds at least one of our connections.
            by_worker: dict[int, Subscriber] = {}
            for _ in range(MAX_CONNECTIONS):
                subscriber = await _connect(stack, server, token)
                worker = _worker_holding(server, subscriber.socket.local_address[1])
                assert worker is not None, server.output()
                by_worker.setdefault(worker, subscriber)
                if len(by_worker) == 2:
                    break
            assert len(by_worker) == 2, f"all {MAX_CONNECTIONS} connections went to one worker"
            (_, writer), (_, reader) = by_worker.items()

            for subscriber in (writer, reader):
                await subscriber.socket.send(
                    json.dumps(
                        {"id": "live", "type": "subscribe", "payload": {"query": AVAILABILITY}}
                    )
                )
                snapshot = await subscriber.receive()
                assert snapshot["payload"]["data"]["availabilityChanged"]["published"] == 50

            # The mutation runs in the writer's worker; the reader's worker only hears Redis.
            await writer.socket.send(
                json.dumps({"id": "change", "type": "subscribe", "payload": {"query": RECEIVE}})
            )
            seen = await reader.receive()
            assert seen["id"] == "live", seen
            assert seen["payload"]["data"]["availabilityChanged"] == {
                "sku": "TEE",
                "published": 55,
                "version": snapshot["payload"]["data"]["availabilityChanged"]["version"] + 1,
            }
            mine = [await writer.receive() for _ in range(3)]
            assert {(m["id"], m["type"]) for m in mine} == {
                ("live", "next"),
                ("change", "next"),
                ("change", "complete"),
            }
