"""Traffic from the stock side: deliveries, transfers between locations, and marketplaces
showing a quantity other than the one published (drift) until their connector catches up.

Each action does one thing and returns a line saying what, or None when it had nothing to do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from api.simulate.client import refusal
from api.simulate.world import World

RESTOCK_BELOW = 4


def restock(world: World) -> str | None:
    """A delivery of a SKU running low on some channel (any SKU, when none is)."""
    channel = world.rng.choice(world.channels)
    low = sorted(sku for sku in channel.external if channel.published.get(sku, 0) < RESTOCK_BELOW)
    sku = world.rng.choice(low or sorted(channel.external))
    location = channel.locations[0]
    quantity = world.rng.randint(12, 36)
    reference = f"ASN-{world.rng.randint(10000, 99999)}"
    result = world.api.mutate(
        "receiveStock",
        {"sku": sku, "location": location, "quantity": quantity, "reference": reference},
        "stockLevel { onHand }",
    )
    if code := refusal(result):
        return f"a delivery of {sku} at {location} refused ({code})"
    channel.published[sku] = channel.published.get(sku, 0) + quantity
    return f"delivery {reference}: {quantity} x {sku} received at {location}"


def transfer(world: World) -> str | None:
    """A few units of a well-stocked SKU leave for another location (in transit until received)."""
    locations = sorted({code for channel in world.channels for code in channel.locations})
    if len(locations) < 2:
        return None
    source, destination = world.rng.sample(locations, 2)
    levels = world.api(
        "query($l: String!) { stockLevels(location: $l) { sku available } }", {"l": source}
    )["stockLevels"]
    plenty = sorted(level["sku"] for level in levels if level["available"] >= 8)
    if not plenty:
        return None
    sku = world.rng.choice(plenty)
    quantity = world.rng.randint(2, 5)
    created = world.api.mutate(
        "createTransfer",
        {"from": source, "to": destination, "lines": [{"sku": sku, "quantity": quantity}],
         "expectedAt": (datetime.now(UTC) + timedelta(days=1)).isoformat()},
        "transfer { id }",
    )  # fmt: skip
    if code := refusal(created):
        return f"a transfer of {sku} refused ({code})"
    transfer_id = created["transfer"]["id"]
    shipped = world.api.mutate("shipTransfer", {"id": transfer_id}, "", "TransferInput")
    if code := refusal(shipped):
        return f"shipping transfer {transfer_id} refused ({code})"
    world.transfers.append((transfer_id, sku, quantity))
    return f"transfer: {quantity} x {sku} on its way from {source} to {destination}"


def receive_transfer(world: World) -> str | None:
    if not world.transfers:
        return None
    transfer_id, sku, quantity = world.transfers.popleft()
    result = world.api.mutate(
        "receiveTransfer", {"id": transfer_id, "lines": [{"sku": sku, "received": quantity}]}
    )
    if code := refusal(result):
        return f"receiving transfer {transfer_id} refused ({code})"
    return f"transfer {transfer_id}: {quantity} x {sku} arrived"


def report_drift(world: World) -> str | None:
    """A marketplace shows more than is published (a DRIFT alert)."""
    marketplaces = [channel for channel in world.channels if channel.kind == "MARKETPLACE"]
    if not marketplaces:
        return None
    channel = world.rng.choice(marketplaces)
    sku = world.rng.choice(sorted(channel.external))
    shown = channel.published.get(sku, 0) + world.rng.randint(1, 3)
    _report(world, channel.code, channel.external[sku], shown)
    world.drifting.append((channel, sku))
    return f"{channel.code}: the marketplace shows {shown} of {sku} (drift)"


def resync(world: World) -> str | None:
    """The connector pushes the published quantity and reports it: the drift is resolved."""
    if not world.drifting:
        return None
    channel, sku = world.drifting.pop(0)
    published = world.api(
        "query($c: String!, $s: [String!]!) { availability(channel: $c, skus: $s) { published } }",
        {"c": channel.code, "s": [sku]},
    )["availability"][0]["published"]
    _report(world, channel.code, channel.external[sku], published)
    return f"{channel.code}: the connector pushed {published} of {sku}, drift resolved"


def _report(world: World, channel: str, external_sku: str, quantity: int) -> None:
    world.api.mutate(
        "reportChannelQuantity",
        {"channel": channel, "externalSku": external_sku, "quantity": quantity},
        "drift",
    )
