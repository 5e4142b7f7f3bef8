"""What the simulator knows of the shop: the channels and what they publish, and the orders,
returns, transfers and drift reports it has under way."""

from __future__ import annotations

import random
import uuid
from collections import deque
from dataclasses import dataclass, field

from api.simulate.client import Api, SimulationError

SELLING_KINDS = ("MARKETPLACE", "POS")
"""Channels that report sales that already happened; the others hold stock at checkout."""


@dataclass
class Channel:
    code: str
    kind: str
    locations: list[str]
    external: dict[str, str] = field(default_factory=dict)
    """SKU -> the channel's own SKU, for its active listings."""
    published: dict[str, int] = field(default_factory=dict)
    """SKU -> units the channel shows, refreshed every few steps."""


@dataclass(frozen=True)
class Order:
    id: str
    channel: Channel
    sku: str
    quantity: int


@dataclass
class World:
    api: Api
    rng: random.Random
    channels: list[Channel] = field(default_factory=list)
    mutations: set[str] = field(default_factory=set)
    holds: deque[Order] = field(default_factory=deque)
    placed: deque[Order] = field(default_factory=deque)
    shipped: deque[Order] = field(default_factory=deque)
    returns: deque[tuple[str, str, int]] = field(default_factory=deque)  # (id, sku, units)
    transfers: deque[tuple[str, str, int]] = field(default_factory=deque)  # (id, sku, units)
    drifting: list[tuple[Channel, str]] = field(default_factory=list)
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:6])
    orders: int = 0

    def discover(self) -> None:
        self.mutations = self.api.mutations()
        data = self.api("query { channels { code kind status locations } }")
        for found in data["channels"]:
            if found["status"] != "ACTIVE" or not found["locations"]:
                continue
            channel = Channel(found["code"], found["kind"], found["locations"])
            listings = self.api(
                "query($c: String!) { listings(channel: $c) { sku externalSku status } }",
                {"c": channel.code},
            )["listings"]
            channel.external = {
                row["sku"]: row["externalSku"] for row in listings if row["status"] == "ACTIVE"
            }
            if channel.external:
                self.channels.append(channel)
        if not self.channels:
            raise SimulationError(
                "no active channel lists anything: load the demo (stockpool demo)"
            )
        self.refresh()

    def refresh(self) -> None:
        for channel in self.channels:
            rows = self.api(
                "query($c: String!, $s: [String!]!) { availability(channel: $c, skus: $s) "
                "{ sku published } }",
                {"c": channel.code, "s": sorted(channel.external)},
            )["availability"]
            channel.published = {row["sku"]: row["published"] for row in rows}

    def channel(self, selling: bool) -> Channel:
        """A channel that records sales (marketplace, till), or one that holds at checkout."""
        chosen = [c for c in self.channels if (c.kind in SELLING_KINDS) == selling]
        return self.rng.choice(chosen or self.channels)

    def in_stock(self, channel: Channel) -> str | None:
        skus = sorted(sku for sku, units in channel.published.items() if units > 0)
        return self.rng.choice(skus) if skus else None

    def order_ref(self) -> str:
        self.orders += 1
        return f"sim-{self.run_id}-{self.orders}"
