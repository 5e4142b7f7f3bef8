"""A minimal marketplace connector for stockpool: the one docs/connectors.md walks through.

It keeps a marketplace in step with one stockpool channel, with a partner key of that channel:
- every change of what the channel may show (`availabilityFeed`) is pushed to the marketplace,
  each version once;
- the marketplace's paid orders are reported with `recordChannelSale`, the marketplace's order
  id as `orderRef`: (channel, orderRef) is a natural key, so sending an order again is safe;
- what became of the channel's orders (`reservationFeed`) is told to the marketplace;
- `reportChannelHeartbeat` every `heartbeat_seconds`, always after the orders were reported.

Its state (both feed cursors, the version last pushed per SKU) is one JSON file, replaced
atomically, so a restart resumes where it stopped. With no state it starts without loss: the
feed's head cursor first, then a snapshot (`listings`), then the feed after that head; a cursor
past the retention window (CURSOR_EXPIRED) resyncs the same way.

    python examples/connector.py --url http://127.0.0.1:8000 --key "$PARTNER_KEY" \\
        --channel amazon --state amazon-connector.json

(the marketplace side here only prints: write your own `Marketplace`)."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import random
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx

log = logging.getLogger("connector")

FEED = """query($channel: String!, $after: String, $first: Int!) {
  %s(channel: $channel, after: $after, first: $first) {
    edges { node { %s } } pageInfo { hasNextPage endCursor } headCursor } }"""
AVAILABILITY_FEED = FEED % ("availabilityFeed", "sku externalSku published version")
RESERVATION_FEED = FEED % ("reservationFeed", "id orderRef status")
SNAPSHOT = """query($channel: String!) {
  listings(channel: $channel) { availability { sku externalSku published version } } }"""
RECORD_SALE = """mutation($input: RecordChannelSaleInput!) {
  recordChannelSale(input: $input) { reservation { id status } userErrors { code message } } }"""
HEARTBEAT = """mutation($channel: String!) { reportChannelHeartbeat(input: {channel: $channel})
  { connector { status } userErrors { code message } } }"""


@dataclass(frozen=True)
class Stock:
    """What the channel may show of one SKU; `version` only grows."""

    sku: str
    external_sku: str
    published: int
    version: int

    @classmethod
    def of(cls, node: dict[str, Any]) -> Stock:
        return cls(node["sku"], node["externalSku"], node["published"], node["version"])


@dataclass(frozen=True)
class Order:
    id: str
    lines: tuple[tuple[str, int], ...]
    """(external SKU, quantity) per line."""


class Marketplace(Protocol):
    def set_stock(self, stock: Stock) -> None: ...
    def paid_orders(self) -> Sequence[Order]: ...  # paid orders not acknowledged yet
    def acknowledge(self, order_id: str) -> None: ...
    def order_status(self, order_id: str, status: str) -> None: ...


class StockpoolError(Exception):
    """A refusal that sending again will not change (a top-level GraphQL error)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


class Unavailable(Exception):
    """stockpool could not be reached or kept failing: try the whole pass again later."""


class Stockpool:
    """GraphQL over HTTP that retries what may pass on a later try: 429 (after its
    Retry-After), 5xx and network errors, with exponential backoff and jitter. Retrying a
    mutation is safe only because each one this connector sends is idempotent."""

    def __init__(self, url: str, key: str, attempts: int = 6, max_wait: float = 30.0) -> None:
        self.http = httpx.Client(
            base_url=url, headers={"authorization": f"Bearer {key}"}, timeout=30.0
        )
        self.attempts = attempts
        self.max_wait = max_wait

    def __call__(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        for attempt in range(self.attempts):
            wait = min(self.max_wait, 0.25 * 2**attempt) * random.uniform(0.5, 1.0)
            try:
                response = self.http.post("/graphql", json={"query": query, "variables": variables})
            except httpx.TransportError as error:
                log.warning("stockpool unreachable (%s), retrying in %.1f s", error, wait)
            else:
                if response.status_code != 429 and response.status_code < 500:
                    return _data(response)
                wait = float(response.headers.get("retry-after", wait))
                log.warning("stockpool answered %s, retrying in %.1f s", response.status_code, wait)
            if attempt + 1 < self.attempts:
                time.sleep(wait)
        raise Unavailable(f"no answer after {self.attempts} attempts")

    def close(self) -> None:
        self.http.close()


def _data(response: httpx.Response) -> dict[str, Any]:
    response.raise_for_status()  # 401, 403, 413: a bug or a bad key, not worth retrying
    body = response.json()
    if body.get("errors"):
        error = body["errors"][0]
        raise StockpoolError(error.get("extensions", {}).get("code", "ERROR"), error["message"])
    data: dict[str, Any] = body["data"]
    return data


@dataclass
class State:
    """The connector's memory, kept in one JSON file."""

    path: Path
    availability: str | None = None
    reservations: str | None = None
    pushed: dict[str, int] = field(default_factory=dict)
    """The version last pushed to the marketplace, per SKU."""

    @classmethod
    def load(cls, path: Path) -> State:
        if not path.exists():
            return cls(path)
        saved = json.loads(path.read_text())
        return cls(path, saved["availability"], saved["reservations"], saved["pushed"])

    def save(self) -> None:
        """Write a temporary file, flush it to disk, then rename it over the old one: a crash
        leaves the old state or the new one, never half of one."""
        saved = {"availability": self.availability, "reservations": self.reservations}
        fd, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
        with os.fdopen(fd, "w") as file:
            json.dump({**saved, "pushed": self.pushed}, file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self.path)


class Connector:
    def __init__(
        self,
        stockpool: Stockpool,
        channel: str,
        marketplace: Marketplace,
        state_file: Path,
        heartbeat_seconds: float = 10.0,
        page_size: int = 250,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stockpool = stockpool
        self.channel = channel
        self.marketplace = marketplace
        self.state = State.load(state_file)
        self.heartbeat_seconds = heartbeat_seconds
        self.page_size = page_size
        self.clock = clock
        self.last_heartbeat: float | None = None

    def run(self, stop: threading.Event, poll_seconds: float = 1.0) -> None:
        while not stop.is_set():
            try:
                self.sync_once()
            except Unavailable as error:
                log.warning("pass abandoned: %s", error)
            stop.wait(poll_seconds)

    def sync_once(self) -> None:
        self.report_orders()
        self.heartbeat_if_due()
        self.push_availability()
        self.follow_reservations()

    def report_orders(self) -> None:
        for order in self.marketplace.paid_orders():
            lines = [{"externalSku": sku, "quantity": n} for sku, n in order.lines]
            sale = {"channel": self.channel, "orderRef": order.id, "lines": lines}
            payload = self.stockpool(RECORD_SALE, {"input": sale})["recordChannelSale"]
            if payload["userErrors"]:  # e.g. DUPLICATE_ORDER: the same id with other lines
                log.error("order %s refused: %s", order.id, payload["userErrors"])
                continue
            self.marketplace.acknowledge(order.id)

    def heartbeat_if_due(self) -> None:
        now = self.clock()
        if self.last_heartbeat is None or now - self.last_heartbeat >= self.heartbeat_seconds:
            self.stockpool(HEARTBEAT, {"channel": self.channel})
            self.last_heartbeat = now

    def push_availability(self) -> None:
        if self.state.availability is None:
            self.resync()
        while True:
            try:
                page = self._page(AVAILABILITY_FEED, "availabilityFeed", self.state.availability)
            except StockpoolError as error:
                if error.code != "CURSOR_EXPIRED":
                    raise
                log.warning("availability cursor expired: resyncing from a snapshot")
                self.resync()
                continue
            for edge in page["edges"]:
                self._push(Stock.of(edge["node"]))
            if not self._advance(page, "availability"):
                return

    def resync(self) -> None:
        """Head cursor first, then the snapshot: a change made while the snapshot is read is
        in the feed after that head (and dropped there if the snapshot showed it)."""
        head = self._head(AVAILABILITY_FEED, "availabilityFeed")
        for listing in self.stockpool(SNAPSHOT, {"channel": self.channel})["listings"]:
            self._push(Stock.of(listing["availability"]))
        self.state.availability = head
        self.state.save()

    def follow_reservations(self) -> None:
        if self.state.reservations is None:  # a new connector follows its orders from now on
            self.state.reservations = self._head(RESERVATION_FEED, "reservationFeed")
        while True:
            try:
                page = self._page(RESERVATION_FEED, "reservationFeed", self.state.reservations)
            except StockpoolError as error:
                if error.code != "CURSOR_EXPIRED":
                    raise
                log.warning("reservation cursor expired: following from the head")
                self.state.reservations = None
                continue
            for edge in page["edges"]:
                self.marketplace.order_status(edge["node"]["orderRef"], edge["node"]["status"])
            if not self._advance(page, "reservations"):
                return

    def _page(self, query: str, name: str, after: str | None) -> Any:
        variables = {"channel": self.channel, "after": after, "first": self.page_size}
        return self.stockpool(query, variables)[name]

    def _head(self, query: str, name: str) -> str:
        """The feed's newest cursor (`first: 0` reads only that)."""
        page = self.stockpool(query, {"channel": self.channel, "after": None, "first": 0})
        return str(page[name]["headCursor"])

    def _advance(self, page: Any, feed: str) -> bool:
        """Keeps the page's end cursor (and what was pushed) on disk; more to read?"""
        setattr(self.state, feed, page["pageInfo"]["endCursor"])
        self.state.save()
        return bool(page["pageInfo"]["hasNextPage"])

    def _push(self, stock: Stock) -> None:
        if stock.version <= self.state.pushed.get(stock.sku, 0):
            return  # the marketplace already shows this version or a newer one
        self.marketplace.set_stock(stock)
        self.state.pushed[stock.sku] = stock.version


class PrintingMarketplace:
    def set_stock(self, stock: Stock) -> None:
        print(f"show {stock.external_sku}: {stock.published} (version {stock.version})")

    def paid_orders(self) -> Sequence[Order]:
        return ()

    def acknowledge(self, order_id: str) -> None:
        pass

    def order_status(self, order_id: str, status: str) -> None:
        print(f"order {order_id}: {status}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for option in ("--url", "--key", "--channel", "--state"):
        parser.add_argument(option, required=True)
    parser.add_argument("--heartbeat-seconds", type=float, default=10.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    with contextlib.closing(Stockpool(args.url, args.key)) as stockpool:
        market, state = PrintingMarketplace(), Path(args.state)
        connector = Connector(stockpool, args.channel, market, state, args.heartbeat_seconds)
        with contextlib.suppress(KeyboardInterrupt):
            connector.run(threading.Event())


if __name__ == "__main__":
    main()
