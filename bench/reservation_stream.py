"""A steady stream of `reserveStock` requests over HTTP from its own process: the background
of the fan-out row "while the reservation stream runs" (bench/fanout.py).

The stream reserves one unit of its own SKU (listed on the same channel, followed by no
subscriber) at a fixed rate from `WORKERS` keep-alive connections, each pacing its share; a
worker that falls behind sends at once, never in a burst to catch up."""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from dataclasses import dataclass
from typing import Any

import httpx

from bench.graphql_client import RESERVE, GraphQL

SKU = "BUSY"
WORKERS = 32
"""Enough that the rate holds while a fan-out slows each answer (8 reached ~100/s of 200)."""


@dataclass(frozen=True, slots=True)
class StreamResult:
    sent: int
    ok: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds > 0 else 0.0


def seed_stream(gql: GraphQL, units: int = 10_000_000) -> None:
    """The stream's SKU with plenty of stock at WH, listed on web (after `GraphQL.seed`)."""
    gql(
        f'mutation {{ createSku(input: {{code: "{SKU}", name: "{SKU}"}}) '
        "{ userErrors { code } } }"
    )
    gql(
        f'mutation {{ receiveStock(input: {{sku: "{SKU}", location: "WH", quantity: {units}}}) '
        "{ userErrors { code } } }"
    )
    gql(
        f'mutation {{ upsertListing(input: {{channel: "web", sku: "{SKU}", externalSku: "{SKU}"}}) '
        "{ userErrors { code } } }"
    )


async def _worker(
    http: httpx.AsyncClient, number: int, interval: float, until: asyncio.Event, counts: list[int]
) -> None:
    query = RESERVE % SKU
    due = time.monotonic() + interval * number / WORKERS
    serial = 0
    while not until.is_set():
        await asyncio.sleep(max(due - time.monotonic(), 0.0))
        due = max(due + interval, time.monotonic())
        serial += 1
        counts[0] += 1
        variables = {"order": f"stream-{number}-{serial}"}
        try:
            response = await http.post("/graphql", json={"query": query, "variables": variables})
            body = response.json()
            if (
                response.status_code == 200
                and not body.get("errors")
                and not body["data"]["reserveStock"]["userErrors"]
            ):
                counts[1] += 1
        except (httpx.HTTPError, ValueError):
            pass


async def _stream(base: str, admin: str, rate: float, stop: Any) -> StreamResult:
    until = asyncio.Event()
    counts = [0, 0]
    headers = {"authorization": f"Bearer {admin}"}
    limits = httpx.Limits(max_connections=WORKERS, max_keepalive_connections=WORKERS)
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as http:
        workers = [
            asyncio.create_task(_worker(http, n, WORKERS / rate, until, counts))
            for n in range(WORKERS)
        ]
        await asyncio.get_running_loop().run_in_executor(None, stop.get)
        until.set()
        await asyncio.gather(*workers)
    return StreamResult(counts[0], counts[1], time.monotonic() - started)


def _stream_process(base: str, admin: str, rate: float, stop: Any, results: Any) -> None:
    results.put(asyncio.run(_stream(base, admin, rate, stop)))


class ReservationStream:
    """`with ReservationStream(base, admin, 200) as stream: …`; `stream.result` after."""

    def __init__(self, base: str, admin: str, rate: float) -> None:
        context = multiprocessing.get_context("spawn")
        self._stop, self._results = context.Queue(), context.Queue()
        self._process = context.Process(
            target=_stream_process,
            args=(base, admin, rate, self._stop, self._results),
            daemon=True,
        )
        self.result: StreamResult | None = None

    def __enter__(self) -> ReservationStream:
        self._process.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.put(None)
        self.result = self._results.get(timeout=120)
        self._process.join(30)
