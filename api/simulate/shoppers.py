"""Traffic from the sales side: checkouts that pay or are abandoned, orders that ship and
sometimes come back, sales the marketplaces and the till report, and the odd bad one.

Each action does one thing and returns a line saying what, or None when it had nothing to do."""

from __future__ import annotations

from typing import Any

from api.simulate.client import refusal
from api.simulate.world import Channel, Order, World

HOLD_SECONDS = 600
RESERVATION = "reservation { id status lines { sku oversold } }"


def hold(world: World) -> str | None:
    channel = world.channel(selling=False)
    sku = world.in_stock(channel)
    if sku is None:
        return None
    quantity = world.rng.randint(1, min(3, channel.published[sku]))
    lines = [{"sku": sku, "quantity": quantity}]
    result = world.api.mutate(
        "reserveStock",
        {"channel": channel.code, "orderRef": world.order_ref(), "lines": lines,
         "holdSeconds": HOLD_SECONDS},
        RESERVATION,
    )  # fmt: skip
    channel.published[sku] -= quantity
    if code := refusal(result):
        return f"{channel.code}: hold of {quantity} x {sku} refused ({code})"
    world.holds.append(Order(result["reservation"]["id"], channel, sku, quantity))
    return f"{channel.code}: a cart holds {quantity} x {sku}"


def settle(world: World) -> str | None:
    """Three in four carts are paid for; the rest are abandoned and their units go back."""
    if not world.holds:
        return None
    order = world.holds.popleft()
    paid = world.rng.random() < 0.75
    mutation = "commitReservation" if paid else "releaseReservation"
    result = world.api.mutate(mutation, {"id": order.id}, RESERVATION, "ReservationInput")
    if code := refusal(result):
        return f"{order.channel.code}: {mutation} refused ({code})"
    if not paid:
        return f"{order.channel.code}: cart abandoned, {order.quantity} x {order.sku} back"
    world.placed.append(order)
    return f"{order.channel.code}: order placed for {order.quantity} x {order.sku}"


def ship(world: World) -> str | None:
    if not world.placed:
        return None
    order = world.placed.popleft()
    result = world.api.mutate("fulfilReservation", {"id": order.id}, RESERVATION)
    if code := refusal(result):
        return f"shipping {order.id} refused ({code})"
    if result["reservation"]["status"] == "FULFILLED":  # not a pre-order still waiting for units
        world.shipped.append(order)
    return f"{order.channel.code}: order of {order.quantity} x {order.sku} shipped"


def sell(world: World) -> str | None:
    channel = world.channel(selling=True)
    sku = world.in_stock(channel)
    if sku is None:
        return None
    return _record_sale(world, channel, sku, world.rng.randint(1, min(2, channel.published[sku])))


def oversell(world: World) -> str | None:
    """A till or marketplace sells more than is left: recorded, the rest oversold (an alert)."""
    channel = world.channel(selling=True)
    sku = min(channel.external, key=lambda code: (channel.published.get(code, 0), code))
    return _record_sale(world, channel, sku, channel.published.get(sku, 0) + 2)


def unmapped_sale(world: World) -> str | None:
    """A marketplace reports a sale of a SKU nobody listed (an UNMAPPED_SKU alert)."""
    channel = world.channel(selling=True)
    external = f"UNLISTED-{world.rng.randint(100, 999)}"
    result = world.api.mutate(
        "recordChannelSale",
        {"channel": channel.code, "orderRef": world.order_ref(), "quantity": 1,
         "externalSku": external},
        RESERVATION,
    )  # fmt: skip
    return f"{channel.code}: a sale of unmapped {external} ({refusal(result) or 'recorded'})"


def return_order(world: World) -> str | None:
    """A customer sends back one unit of a shipped order; it waits in quarantine."""
    if not world.shipped:
        return None
    order = world.shipped.popleft()
    location = order.channel.locations[0]
    reason = world.rng.choice(["NO_LONGER_NEEDED", "WRONG_ITEM", "DEFECTIVE"])
    result = world.api.mutate(
        "receiveReturn",
        {"reservationId": order.id, "location": location,
         "lines": [{"sku": order.sku, "quantity": 1, "reason": reason}]},
        "customerReturn { id }",
    )  # fmt: skip
    if code := refusal(result):
        return f"return of {order.sku} refused ({code})"
    world.returns.append((result["customerReturn"]["id"], order.sku, 1))
    return f"{order.channel.code}: 1 x {order.sku} returned to {location} ({reason.lower()})"


def inspect_return(world: World) -> str | None:
    """Most returns go back on the shelf; some are damaged."""
    if not world.returns:
        return None
    return_id, sku, units = world.returns.popleft()
    restock = world.rng.random() < 0.8
    line = {"sku": sku, "quantity": units, "outcome": "RESTOCK" if restock else "DAMAGED",
            "reason": "AS_NEW" if restock else "DEFECTIVE"}  # fmt: skip
    result = world.api.mutate("inspectReturn", {"id": return_id, "lines": [line]})
    if code := refusal(result):
        return f"inspection of return {return_id} refused ({code})"
    return f"return of {sku} inspected: {'restocked' if restock else 'damaged'}"


def _record_sale(world: World, channel: Channel, sku: str, quantity: int) -> str:
    sale: dict[str, Any] = {"channel": channel.code, "orderRef": world.order_ref(),
                            "quantity": quantity}  # fmt: skip
    if channel.kind == "MARKETPLACE":
        sale["externalSku"] = channel.external[sku]
    else:
        sale["sku"] = sku
    result = world.api.mutate("recordChannelSale", sale, RESERVATION)
    channel.published[sku] = max(0, channel.published.get(sku, 0) - quantity)
    if code := refusal(result):
        return f"{channel.code}: a sale of {sku} refused ({code})"
    oversold = sum(line["oversold"] for line in result["reservation"]["lines"])
    return f"{channel.code}: sold {quantity} x {sku}" + (
        f", {oversold} oversold" if oversold else ""
    )
