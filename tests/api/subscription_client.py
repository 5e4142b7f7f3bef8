"""A raw-frame GraphQL-over-WebSocket client for the subscription tests, and a GraphQL client
over HTTP for the same live server (mutations must reach the server whose bus the
subscribers hang on)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from tests.conftest import ADMIN_TOKEN, GraphQLClient

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"
QUIET = 0.3
"""Seconds of silence taken as "nothing was sent"."""


class Client:
    """One WebSocket connection; messages are JSON dicts."""

    def __init__(self, socket: Any, protocol: str) -> None:
        self.socket = socket
        self.protocol = protocol

    @property
    def start(self) -> str:
        return "subscribe" if self.protocol == TRANSPORT_WS else "start"

    @property
    def result(self) -> str:
        return "next" if self.protocol == TRANSPORT_WS else "data"

    async def send(self, message: dict[str, Any]) -> None:
        await self.socket.send(json.dumps(message))

    async def init(self, token: str | None = ADMIN_TOKEN) -> dict[str, Any]:
        payload = {"authorization": f"Bearer {token}"} if token else {}
        await self.send({"type": "connection_init", "payload": payload})
        return await self.receive()

    async def subscribe(
        self, operation_id: str, query: str, variables: dict[str, Any] | None = None
    ) -> None:
        payload = {"query": query, "variables": variables or {}}
        await self.send({"id": operation_id, "type": self.start, "payload": payload})

    async def receive(self, within: float = 5.0) -> dict[str, Any]:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(self.socket.recv(), within))
        return message

    async def results(self, count: int, within: float = 5.0) -> list[dict[str, Any]]:
        """The `data` of the next `count` results; fails on anything else."""
        found = []
        for _ in range(count):
            message = await self.receive(within)
            assert message["type"] == self.result, message
            assert "errors" not in message["payload"], message
            found.append(message["payload"]["data"])
        return found

    async def silent(self, seconds: float = QUIET) -> bool:
        try:
            message = await asyncio.wait_for(self.socket.recv(), seconds)
        except TimeoutError:
            return True
        pytest.fail(f"expected nothing, got {message}")

    async def closed_with(self, within: float = 5.0) -> tuple[int, str]:
        """Reads until the server closes; the close code and reason it sent."""
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(self.socket.recv(), within)
        assert closed.value.rcvd is not None, "closed without a close frame"
        return closed.value.rcvd.code, closed.value.rcvd.reason


@asynccontextmanager
async def connected(
    live_server: Any, protocol: str = TRANSPORT_WS, token: str | None = ADMIN_TOKEN, **options: Any
) -> AsyncIterator[Client]:
    """A connection that sent connection_init with `token` and was acknowledged."""
    async with opened(live_server, protocol, **options) as client:
        assert await client.init(token) == {"type": "connection_ack"}
        yield client


@asynccontextmanager
async def opened(
    live_server: Any, protocol: str = TRANSPORT_WS, **options: Any
) -> AsyncIterator[Client]:
    """A connection that has sent nothing yet."""
    socket = await websockets.connect(
        live_server.ws_url, subprotocols=[protocol], proxy=None, **options
    )
    try:
        yield Client(socket, protocol)
    finally:
        await socket.close()


@asynccontextmanager
async def http(live_server: Any, token: str = ADMIN_TOKEN) -> AsyncIterator[GraphQLClient]:
    async with httpx.AsyncClient(base_url=live_server.http_url, timeout=30.0) as client:
        yield GraphQLClient(client, token)


async def eventually(condition: Any, within: float = 5.0) -> None:
    """Waits until `condition()` holds (the server reacts to a closed socket on its own time)."""
    for _ in range(int(within / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    pytest.fail(f"still not so after {within} s")


def hub_of(live_server: Any) -> Any:
    """The live server's realtime hub, to look at its groups and connections."""
    return live_server.server.config.app.state.realtime


def services_of(live_server: Any) -> Any:
    return live_server.server.config.app.state.services
