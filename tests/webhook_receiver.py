"""A real HTTP receiver of webhooks on loopback, for the webhook tests: it keeps every
request and answers with the status codes a test lines up (200 once they run out)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from tests.conftest import serving


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        parsed: dict[str, Any] = orjson.loads(self.body)
        return parsed


@dataclass
class Receiver:
    url: str = ""
    received: list[Received] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    """Status codes for the next requests, in order; 200 once empty."""
    down: bool = False
    """Answer 503 to everything."""
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: Request) -> PlainTextResponse:
        self.received.append(Received(dict(request.headers), await request.body()))
        self.arrived.set()
        if self.down:
            return PlainTextResponse("down", status_code=503)
        status = self.answers.pop(0) if self.answers else 200
        return PlainTextResponse("ok" if status < 300 else "no", status_code=status)

    def of_type(self, kind: str) -> list[Received]:
        return [r for r in self.received if r.json["type"] == kind]

    async def wait_for(self, check: Any, seconds: float = 10.0) -> None:
        """Until `check()` is true (fails the test after `seconds`)."""
        async with asyncio.timeout(seconds):
            while not check():
                self.arrived.clear()
                with suppress(TimeoutError):
                    await asyncio.wait_for(self.arrived.wait(), 0.05)


@asynccontextmanager
async def receiving() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    app = Starlette(routes=[Route("/hook", receiver.handle, methods=["POST"])])
    async with serving(app, lifespan="off") as server:
        receiver.url = f"{server.http_url}/hook"
        yield receiver
