"""Deciding which locations serve a checkout's lines: pure, so every policy is testable."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from domain.channels import RoutingPolicy, SplitPolicy
from domain.errors import InsufficientStock, StockpoolError, refusal
from domain.reservations import Destination, RequestedLine


@dataclass(frozen=True, slots=True)
class Site:
    """A location the channel sells from, in the channel's order."""

    code: str
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True, slots=True)
class Allocation:
    line_number: int
    sku: str
    location: str
    quantity: int


Availability = dict[tuple[str, str], int]


def merge_lines(lines: tuple[RequestedLine, ...]) -> list[tuple[int, RequestedLine]]:
    """The same SKU asked twice (for the same location, or both routed) is one line with
    the quantities added; it keeps the number of its first appearance."""
    merged: dict[tuple[str, str | None], tuple[int, RequestedLine]] = {}
    for number, line in enumerate(lines):
        key = (line.sku, line.location)
        if key in merged:
            first_number, first = merged[key]
            merged[key] = (
                first_number,
                RequestedLine(line.sku, first.quantity + line.quantity, line.location),
            )
        else:
            merged[key] = (number, line)
    return sorted(merged.values(), key=lambda item: item[0])


def route(
    lines: tuple[RequestedLine, ...],
    sites: list[Site],
    available: Availability,
    policy: RoutingPolicy,
    split: SplitPolicy,
    destination: Destination | None = None,
    allow_partial: bool = False,
) -> tuple[list[Allocation], dict[int, int]]:
    """Allocations for every line (all or nothing), and with `allow_partial` the shortfall per
    line instead of a refusal. Explicit locations are served first, then routed lines."""
    remaining: Availability = defaultdict(int, available)
    allocations: list[Allocation] = []
    shortfall: dict[int, int] = {}
    problems: list[StockpoolError] = []
    merged = merge_lines(lines)
    explicit = [(n, line) for n, line in merged if line.location is not None]
    routed = [(n, line) for n, line in merged if line.location is None]
    for number, line in explicit:
        assert line.location is not None
        taken = min(line.quantity, max(remaining[(line.sku, line.location)], 0))
        if taken < line.quantity and not allow_partial:
            problems.append(_short(number, line, line.location, remaining))
            continue
        if taken:
            allocations.append(Allocation(number, line.sku, line.location, taken))
            remaining[(line.sku, line.location)] -= taken
        if taken < line.quantity:
            shortfall[number] = line.quantity - taken
    order = _site_order(sites, routed, remaining, policy, destination)
    for number, line in routed:
        whole = [s for s in order if remaining[(line.sku, s.code)] >= line.quantity]
        if split is SplitPolicy.NEVER and not allow_partial:
            if not whole:
                problems.append(_short(number, line, None, remaining, sites))
                continue
            candidates = whole[:1]
        else:
            candidates = whole[:1] + [s for s in order if s not in whole[:1]]
        planned, needed = _take(number, line, candidates, remaining)
        if needed and not allow_partial:
            problems.append(_short(number, line, None, remaining, sites))
            continue
        for allocation in planned:
            remaining[(allocation.sku, allocation.location)] -= allocation.quantity
        allocations.extend(planned)
        if needed:
            shortfall[number] = needed
    if problems:
        raise refusal(problems)
    return allocations, shortfall


def route_together(
    lines: tuple[RequestedLine, ...],
    sites: list[Site],
    available: Availability,
    policy: RoutingPolicy,
    destination: Destination | None = None,
) -> list[Allocation] | None:
    """Every line whole from one location: the first, in the policy's order, that has them
    all; None when none has. Numbers the allocations by line, like `route`."""
    remaining: Availability = defaultdict(int, available)
    merged = merge_lines(lines)
    for site in _site_order(sites, merged, remaining, policy, destination):
        if all(remaining[(line.sku, site.code)] >= line.quantity for _, line in merged):
            return [
                Allocation(number, line.sku, site.code, line.quantity)
                for number, line in merged
                if line.quantity
            ]
    return None


def _take(
    number: int, line: RequestedLine, candidates: list[Site], remaining: Availability
) -> tuple[list[Allocation], int]:
    planned: list[Allocation] = []
    needed = line.quantity
    for site in candidates:
        if needed == 0:
            break
        taken = min(needed, max(remaining[(line.sku, site.code)], 0))
        if taken:
            planned.append(Allocation(number, line.sku, site.code, taken))
            needed -= taken
    return planned, needed


def _site_order(
    sites: list[Site],
    routed: list[tuple[int, RequestedLine]],
    remaining: Availability,
    policy: RoutingPolicy,
    destination: Destination | None,
) -> list[Site]:
    rank = {site.code: index for index, site in enumerate(sites)}
    if policy is RoutingPolicy.MOST_AVAILABLE:
        total = {s.code: sum(remaining[(line.sku, s.code)] for _, line in routed) for s in sites}
        return sorted(sites, key=lambda s: (-total[s.code], rank[s.code]))
    if policy is RoutingPolicy.FEWEST_LOCATIONS:

        def lines_served(site: Site) -> int:
            return sum(1 for _, line in routed if remaining[(line.sku, site.code)] >= line.quantity)

        return sorted(sites, key=lambda s: (-lines_served(s), rank[s.code]))
    if policy is RoutingPolicy.NEAREST and destination is not None:
        return sorted(sites, key=lambda s: (_distance_km(s, destination), rank[s.code]))
    return list(sites)


def _distance_km(site: Site, destination: Destination) -> float:
    if site.latitude is None or site.longitude is None:
        return math.inf
    lat1, lon1 = math.radians(site.latitude), math.radians(site.longitude)
    lat2, lon2 = math.radians(destination.latitude), math.radians(destination.longitude)
    a = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def _short(
    number: int,
    line: RequestedLine,
    location: str | None,
    remaining: Availability,
    sites: list[Site] | None = None,
) -> InsufficientStock:
    if location is not None:
        have = max(remaining[(line.sku, location)], 0)
        where = location
    else:
        have = sum(max(remaining[(line.sku, s.code)], 0) for s in sites or [])
        where = "the channel's locations"
    return InsufficientStock(
        line.sku, where, line.quantity, have, field=("lines", str(number), "quantity")
    )
