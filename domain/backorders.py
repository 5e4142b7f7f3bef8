"""Backorders: units a listing may sell before they arrive, promised against incoming stock.

Incoming units at a location are promised first come, first served in the order they are due:
the n-th unit promised there is due when the cumulative outstanding quantity of what is on
its way (open purchase order lines and shipped transfers, earliest expected first) first
reaches n."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from domain.errors import InsufficientStock, StockpoolError, refusal
from domain.publishing import Published
from domain.reservations import RequestedLine


@dataclass(frozen=True, slots=True)
class Incoming:
    """Units due at a location on a date: an open purchase order line's outstanding units, or
    a shipped transfer line's units not yet received."""

    expected_at: datetime
    quantity: int


@dataclass(frozen=True, slots=True)
class IncomingStock:
    """What is on its way to one location for one SKU, and how much of it is promised."""

    location: str
    unpromised: int
    promised: int = 0
    schedule: tuple[Incoming, ...] = ()


@dataclass(frozen=True, slots=True)
class Backorder:
    line_number: int
    sku: str
    location: str
    quantity: int
    promised_at: datetime | None


def promise_date(
    schedule: Iterable[Incoming], already_promised: int, units: int
) -> datetime | None:
    """When the last of `units` more promised units is due; None when the dated incoming
    stock does not reach that far."""
    needed = already_promised + units
    covered = 0
    for incoming in sorted(schedule, key=lambda i: i.expected_at):
        covered += incoming.quantity
        if covered >= needed:
            return incoming.expected_at
    return None


def earliest_promise(stock: Iterable[IncomingStock]) -> datetime | None:
    """When the next unit promised anywhere among these locations would be due."""
    dates = [
        date
        for s in stock
        if s.unpromised > 0 and (date := promise_date(s.schedule, s.promised, 1)) is not None
    ]
    return min(dates, default=None)


def split_demand(
    lines: tuple[RequestedLine, ...], published: Mapping[str, Published]
) -> tuple[tuple[RequestedLine, ...], dict[int, int]]:
    """Lines cut down to what the channel sells from stock on hand (first lines first), and
    the units of each line beyond that, to be backordered."""
    budget = {sku: p.sellable for sku, p in published.items()}
    on_hand = []
    beyond: dict[int, int] = {}
    for index, line in enumerate(lines):
        taken = min(line.quantity, budget.get(line.sku, 0))
        budget[line.sku] = budget.get(line.sku, 0) - taken
        on_hand.append(RequestedLine(line.sku, taken, line.location))
        if taken < line.quantity:
            beyond[index] = line.quantity - taken
    return tuple(on_hand), beyond


def plan_backorders(
    channel: str,
    lines: tuple[RequestedLine, ...],
    needed: Mapping[int, int],
    published: Mapping[str, Published],
    incoming: Mapping[str, list[IncomingStock]],
) -> list[Backorder]:
    """Places each line's backordered units at the locations whose incoming stock is due
    first (a line's own location only, if it names one), within what the listing allows."""
    problems: list[StockpoolError] = []
    allowance = {sku: p.backorderable for sku, p in published.items()}
    stock = {sku: {s.location: s for s in sites} for sku, sites in incoming.items()}
    plan: list[Backorder] = []
    for index, units in sorted(needed.items()):
        line = lines[index]
        field = ("lines", str(index), "quantity")
        if units > allowance.get(line.sku, 0):
            have = published[line.sku].quantity if line.sku in published else 0
            problems.append(
                InsufficientStock(line.sku, f"channel {channel}", units, have, "published", field)
            )
            continue
        sites = stock.setdefault(line.sku, {})
        names = [line.location] if line.location is not None else list(sites)
        candidates = sorted((sites[n] for n in names if n in sites), key=_due_order)
        placed: list[Backorder] = []
        remaining = units
        for site in candidates:
            taken = min(remaining, site.unpromised)
            if taken <= 0:
                continue
            due = promise_date(site.schedule, site.promised, taken)
            placed.append(Backorder(index, line.sku, site.location, taken, due))
            sites[site.location] = replace(
                site, unpromised=site.unpromised - taken, promised=site.promised + taken
            )
            remaining -= taken
            if remaining == 0:
                break
        if remaining:
            where = line.location or f"channel {channel}"
            problems.append(
                InsufficientStock(line.sku, where, units, units - remaining, "incoming", field)
            )
            continue
        allowance[line.sku] -= units
        plan.extend(placed)
    if problems:
        raise refusal(problems)
    return plan


def _due_order(site: IncomingStock) -> tuple[int, datetime]:
    """Locations whose next unpromised unit is due soonest first; undated ones last."""
    due = promise_date(site.schedule, site.promised, 1) if site.unpromised else None
    return (0, due) if due is not None else (1, datetime.max)
