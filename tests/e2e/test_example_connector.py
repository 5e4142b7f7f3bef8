"""The example connector (examples/connector.py, the one docs/connectors.md walks through) run
against a served app with a partner key: it pushes every change once while running and after a
restart from its state file, resyncs from a snapshot when its cursor expired, reports an order
the marketplace sends twice once, waits out throttling and a server that is down, and its
heartbeats keep the channel's connector UP; stopped past the timeout it goes DOWN, and started
again it reports its outage sale before the heartbeat that lifts the exposure hold."""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from api.clock import utc_now
from api.services.feeds import FeedService
from domain.stock_commands import ReceiveStock
from examples.connector import Connector, Order, Stock, Stockpool
from tests.api.stock_operations import seed
from tests.api.subscription_client import http
from tests.api.test_connectors_api import CHANNEL, key, update
from tests.api.test_listings_api import listed, receive
from tests.api.test_reservations_api import RESERVE, channel, lines
from tests.conftest import ADMIN, serving

SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
SHOWN = """query($skus: [String!]!) { availability(channel: "mp", skus: $skus) {
  externalSku published version } }"""
ORDERS = """query($ref: String!) { reservations(channel: "mp", orderRef: $ref) {
  edges { node { status lines { sku committed } } } } }"""
FEED = """query($after: String) { availabilityFeed(channel: "mp", after: $after, first: 250) {
  edges { node { sku version } } pageInfo { hasNextPage endCursor } } }"""


class FakeMarketplace:
    """Records what the connector tells it; orders wait until acknowledged."""

    def __init__(self) -> None:
        self.pushed: list[Stock] = []
        self.waiting: dict[str, Order] = {}
        self.statuses: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def set_stock(self, stock: Stock) -> None:
        with self._lock:
            self.pushed.append(stock)

    def paid_orders(self) -> Sequence[Order]:
        with self._lock:
            return list(self.waiting.values())

    def acknowledge(self, order_id: str) -> None:
        with self._lock:
            self.waiting.pop(order_id, None)

    def order_status(self, order_id: str, status: str) -> None:
        with self._lock:
            self.statuses.append((order_id, status))

    def sell(self, order: Order) -> None:
        with self._lock:
            self.waiting[order.id] = order

    def showing(self) -> dict[str, int]:
        with self._lock:
            return {stock.external_sku: stock.published for stock in self.pushed}

    def pushed_versions(self) -> list[tuple[str, int]]:
        with self._lock:
            return [(stock.sku, stock.version) for stock in self.pushed]


@asynccontextmanager
async def running(connector: Connector) -> AsyncIterator[None]:
    """The connector's own loop in a thread, as `python examples/connector.py` runs it (the
    server answers in this event loop, so the thread is joined without blocking it)."""
    stop = threading.Event()
    thread = threading.Thread(target=connector.run, args=(stop, 0.05))
    thread.start()
    try:
        yield
    finally:
        stop.set()
        await asyncio.to_thread(thread.join)
        connector.stockpool.close()


async def until(condition: Callable[[], Any], within: float = 15.0) -> None:
    """Waits until `condition()` (a bool, or an awaitable of one) holds."""
    for _ in range(int(within / 0.05)):
        held = condition()
        if await held if inspect.isawaitable(held) else held:
            return
        await asyncio.sleep(0.05)
    pytest.fail(f"still not so after {within} s")


@asynccontextmanager
async def marketplace_channel(live_server: Any) -> AsyncIterator[tuple[Any, str]]:
    """TEE and CAP (20 each at WH) listed on channel mp; an admin client and mp's partner key."""
    async with http(live_server) as gql:
        await seed(gql, skus=("TEE", "CAP"))
        await channel(gql, "mp")
        await listed(gql, "TEE", "MP-TEE", channel="mp")
        await listed(gql, "CAP", "MP-CAP", channel="mp")
        for sku in ("TEE", "CAP"):
            await receive(gql, sku, "WH", 20)
        yield gql, await key(gql, "PARTNER", "mp")


def connector(
    live_server: Any, partner_key: str, market: FakeMarketplace, state: Path, page_size: int = 250
) -> Connector:
    stockpool = Stockpool(live_server.http_url, partner_key)
    return Connector(stockpool, "mp", market, state, heartbeat_seconds=1.0, page_size=page_size)


async def shown(gql: Any) -> dict[str, int]:
    found = (await gql(SHOWN, {"skus": ["TEE", "CAP"]}))["availability"]
    return {a["externalSku"]: a["published"] for a in found}


async def hold(gql: Any, order_ref: str, sku: str, quantity: int) -> None:
    data = await gql(
        RESERVE,
        {"input": {"channel": "mp", "orderRef": order_ref, "lines": lines((sku, quantity))}},
    )
    assert data["reserveStock"]["userErrors"] == []


async def in_step(gql: Any, market: FakeMarketplace) -> None:
    """Waits until the marketplace shows what the channel shows."""

    async def same() -> bool:
        return market.showing() == await shown(gql)

    await until(same)


async def whole_feed(gql: Any) -> list[tuple[str, int]]:
    changes, after = [], None
    while True:
        page = (await gql(FEED, {"after": after}))["availabilityFeed"]
        changes += [(e["node"]["sku"], e["node"]["version"]) for e in page["edges"]]
        after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            return changes


async def test_the_connector_pushes_every_change_once_across_a_restart_and_one_order_once(
    live_server, tmp_path
):
    state, market = tmp_path / "connector.json", FakeMarketplace()
    async with marketplace_channel(live_server) as (gql, partner_key):
        await hold(gql, "web-0", "TEE", 1)  # before the connector ever ran: the snapshot
        async with running(connector(live_server, partner_key, market, state)):
            await in_step(gql, market)
            first_shown = dict(market.pushed_versions())
            for n in range(3):
                await hold(gql, f"web-{n + 1}", "TEE", 1)
                await receive(gql, "CAP", "WH", 1)
            market.sell(Order("mp-1", (("MP-CAP", 2),)))
            await until(lambda: ("mp-1", "COMMITTED") in market.statuses)
            await in_step(gql, market)
        for n in range(3):  # while it is stopped
            await hold(gql, f"away-{n}", "CAP", 2)
        market.sell(Order("mp-1", (("MP-CAP", 2),)))  # its acknowledgement was lost: again
        async with running(connector(live_server, partner_key, market, state)):
            await until(lambda: not market.waiting)
            await in_step(gql, market)
        orders = (await gql(ORDERS, {"ref": "mp-1"}))["reservations"]["edges"]
        feed = await whole_feed(gql)

    assert [o["node"]["lines"] for o in orders] == [[{"sku": "CAP", "committed": 2}]]
    pushed = market.pushed_versions()
    assert len(pushed) == len(set(pushed)), "a version was pushed twice"
    missed = {(s, v) for s, v in feed if v > first_shown[s]} - set(pushed)
    assert missed == set()
    assert market.showing() == {"MP-TEE": 16, "MP-CAP": 15}


async def test_a_connector_whose_cursor_expired_resyncs_from_a_snapshot(
    live_server, tmp_path, database, caplog
):
    state, market = tmp_path / "connector.json", FakeMarketplace()
    async with marketplace_channel(live_server) as (gql, partner_key):
        async with running(connector(live_server, partner_key, market, state)):
            await in_step(gql, market)
        for n in range(3):
            await hold(gql, f"away-{n}", "TEE", 1)
        assert await FeedService(database, utc_now, timedelta(0)).drop_expired() > 0
        with caplog.at_level(logging.WARNING, "connector"):
            async with running(connector(live_server, partner_key, market, state)):
                await in_step(gql, market)

    assert market.showing() == {"MP-TEE": 17, "MP-CAP": 20}
    assert "availability cursor expired: resyncing from a snapshot" in caplog.messages
    pushed = market.pushed_versions()
    assert len(pushed) == len(set(pushed))


@SQLITE
async def test_a_throttled_connector_waits_as_retry_after_says_and_misses_nothing(
    app_settings, tmp_path, caplog
):
    """A partner bucket that holds one full page of 100 changes (202 points) at a time: the
    next page is 429 with Retry-After, and the connector reads it once the bucket refilled."""
    state, market = tmp_path / "connector.json", FakeMarketplace()
    settings = replace(app_settings, rate_limit_partner=(210, 50))
    async with (
        serving(create_app(settings), lifespan="on") as server,
        marketplace_channel(server) as (gql, partner_key),
    ):
        async with running(connector(server, partner_key, market, state, page_size=100)):
            await in_step(gql, market)
        before = len(market.pushed)
        services = server.server.config.app.state.services
        for _ in range(110):
            await services.dispatch(ReceiveStock("CAP", "WH", 1), ADMIN)
        with caplog.at_level(logging.WARNING, "connector"):
            async with running(connector(server, partner_key, market, state, page_size=100)):
                await in_step(gql, market)
        feed = await whole_feed(gql)

    assert market.showing() == {"MP-TEE": 20, "MP-CAP": 130}
    assert market.pushed_versions()[before:] == feed[-110:]
    assert any("stockpool answered 429" in m for m in caplog.messages)


@SQLITE
async def test_a_connector_started_while_stockpool_is_down_catches_up_once_it_answers(
    app_settings, tmp_path, caplog
):
    """Connections refused are retried with backoff; the server comes back on the same port
    (and database) and the connector gets in step without a restart."""
    state, market = tmp_path / "connector.json", FakeMarketplace()
    async with (
        serving(create_app(app_settings), lifespan="on") as gone,
        marketplace_channel(gone) as (_, partner_key),
    ):
        pass
    with caplog.at_level(logging.WARNING, "connector"):
        async with running(connector(gone, partner_key, market, state)):
            await until(lambda: any("stockpool unreachable" in m for m in caplog.messages))
            async with (
                serving(create_app(app_settings), lifespan="on", port=gone.port) as back,
                http(back) as gql,
            ):
                await in_step(gql, market)

    assert market.showing() == {"MP-TEE": 20, "MP-CAP": 20}


@SQLITE
async def test_heartbeats_keep_the_connector_up_and_its_outage_sale_is_reported_before_one(
    live_server, tmp_path
):
    """A real 5 s timeout: running, the connector stays UP past it; stopped, it goes DOWN and
    what mp showed is held back from other channels; started again, it reports the sale made
    during the outage, then its heartbeat lifts the hold."""
    state, market = tmp_path / "connector.json", FakeMarketplace()
    async with marketplace_channel(live_server) as (gql, partner_key):
        await update(gql, connectorTimeoutSeconds=5, outageFallback="HOLD_EXPOSURE")

        async def connector_state() -> dict[str, Any]:
            return dict((await gql(CHANNEL, {"code": "mp"}))["channel"])

        async with running(connector(live_server, partner_key, market, state)):
            await asyncio.sleep(7)  # past the timeout, heartbeating every second
            assert (await connector_state())["connector"]["status"] == "UP"

        async def down() -> bool:
            return (await connector_state())["connector"]["status"] == "DOWN"

        await until(down)
        holds = (await connector_state())["exposureHolds"]
        assert sorted((h["sku"], h["units"]) for h in holds) == [("CAP", 20), ("TEE", 20)]
        market.sell(Order("mp-2", (("MP-TEE", 3),)))
        async with running(connector(live_server, partner_key, market, state)):

            async def lifted() -> bool:
                found = await connector_state()
                return found["connector"]["status"] == "UP" and found["exposureHolds"] == []

            await until(lifted)
            assert not market.waiting
            await in_step(gql, market)

    assert market.showing() == {"MP-TEE": 17, "MP-CAP": 20}


def test_the_guide_quotes_the_example_as_it_is():
    """Every line of each Python block of docs/connectors.md is a line of examples/connector.py,
    in the same order (indentation aside), so the guide never shows code the tests do not run."""
    root = Path(__file__).resolve().parents[2]
    example = [line.strip() for line in (root / "examples/connector.py").read_text().splitlines()]
    guide = (root / "docs/connectors.md").read_text()
    blocks = [block.split("```")[0] for block in guide.split("```python\n")[1:]]
    assert len(blocks) >= 6
    for block in blocks:
        lines = iter(example)
        for quoted in filter(None, (line.strip() for line in block.splitlines())):
            assert any(line == quoted for line in lines), f"not in the example: {quoted}"
