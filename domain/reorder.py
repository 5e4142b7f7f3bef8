"""Reorder points, sales velocity, days of stock and reorder suggestions.

Sales velocity is the units ordered over a window, per day: a channel sale's units when it
is recorded (those found in stock and those oversold alike), a hold's when it is committed
(the ledger's COMMITTED) or, backordered, when its units arrive (BACKORDER_FILLED). Each
ordered unit is counted once, on the day it is ordered: filling an oversold sale later, holds
never placed and shipping (FULFILLED) add nothing. A cancelled order still counts: the demand
was there (oversold units cancelled to ship short excepted).

A reorder suggestion orders what it takes for the inventory position (available, plus on
order and in transit, less what backorders already claim of those) to cover the demand over
the lead time at that velocity plus the safety stock:

    cover     = ceil(units sold in window * lead time days / window days) + safety stock
    suggested = max(cover - (available + onOrder + inTransit - backordered), 0)
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from domain.commands import Command
from domain.quantities import MAX_QUANTITY
from domain.validation import Checks

MAX_LEAD_TIME_DAYS = 365
MAX_WINDOW_DAYS = 365
DEFAULT_WINDOW_DAYS = 30


@dataclass(frozen=True, slots=True)
class ReorderPolicy:
    """When `sku` runs low (at one location, or over all of them) and how long a supplier
    takes. Available at or below `reorder_point` raises a LOW_STOCK alert."""

    sku: str
    location: str | None
    reorder_point: int
    lead_time_days: int
    safety_stock: int = 0

    def is_low(self, available: int) -> bool:
        return available <= self.reorder_point


def _check_target(checks: Checks, sku: str, location: str | None) -> None:
    """A policy's SKU, and its location (None: the SKU across every location)."""
    checks.code(sku, "sku")
    if location is not None:
        checks.code(location, "location")


@dataclass(frozen=True, slots=True)
class SetReorderPolicy(Command[ReorderPolicy]):
    sku: str
    reorder_point: int
    lead_time_days: int
    safety_stock: int = 0
    location: str | None = None

    def validate(self) -> None:
        checks = Checks()
        _check_target(checks, self.sku, self.location)
        checks.non_negative_quantity(self.reorder_point, "reorderPoint")
        checks.within(self.lead_time_days, 0, MAX_LEAD_TIME_DAYS, "leadTimeDays")
        checks.non_negative_quantity(self.safety_stock, "safetyStock")
        checks.raise_if_any()

    def as_policy(self) -> ReorderPolicy:
        return ReorderPolicy(
            self.sku, self.location, self.reorder_point, self.lead_time_days, self.safety_stock
        )


@dataclass(frozen=True, slots=True)
class RemoveReorderPolicy(Command[ReorderPolicy]):
    sku: str
    location: str | None = None

    def validate(self) -> None:
        checks = Checks()
        _check_target(checks, self.sku, self.location)
        checks.raise_if_any()


def check_window(window_days: int) -> None:
    checks = Checks()
    checks.within(window_days, 1, MAX_WINDOW_DAYS, "windowDays")
    checks.raise_if_any()


@dataclass(frozen=True, slots=True)
class SalesVelocity:
    sku: str
    location: str | None
    window_days: int
    units_sold: int

    @property
    def units_per_day(self) -> float:
        return self.units_sold / self.window_days

    def days_of_stock(self, available: int) -> float | None:
        """How long `available` lasts at this pace; None when nothing sold."""
        if self.units_sold == 0:
            return None
        return max(available, 0) * self.window_days / self.units_sold

    def demand_over(self, days: int) -> int:
        """Units expected to sell in `days`, rounded up."""
        return -(-self.units_sold * days // self.window_days)


@dataclass(frozen=True, slots=True)
class StockPosition:
    available: int
    on_order: int
    in_transit: int
    backordered: int

    @property
    def inventory_position(self) -> int:
        return self.available + self.on_order + self.in_transit - self.backordered


@dataclass(frozen=True, slots=True)
class ReorderSuggestion:
    policy: ReorderPolicy
    position: StockPosition
    velocity: SalesVelocity
    cover: int
    """Units to have in stock or on the way: demand over the lead time plus safety stock."""
    suggested_quantity: int

    @property
    def below_reorder_point(self) -> bool:
        return self.policy.is_low(self.position.available)

    @property
    def days_of_stock(self) -> float | None:
        return self.velocity.days_of_stock(self.position.available)


def suggest(
    policy: ReorderPolicy, position: StockPosition, velocity: SalesVelocity
) -> ReorderSuggestion:
    cover = velocity.demand_over(policy.lead_time_days) + policy.safety_stock
    suggested = min(max(cover - position.inventory_position, 0), MAX_QUANTITY)
    return ReorderSuggestion(policy, position, velocity, cover, suggested)


CSV_COLUMNS = (
    "sku",
    "location",
    "available",
    "on_order",
    "in_transit",
    "backordered",
    "window_days",
    "units_sold",
    "units_per_day",
    "days_of_stock",
    "reorder_point",
    "lead_time_days",
    "safety_stock",
    "below_reorder_point",
    "cover",
    "suggested_quantity",
)


def _decimal(value: float | None) -> str:
    """Up to four decimals, without trailing zeros; blank for none."""
    if value is None:
        return ""
    return f"{value:.4f}".rstrip("0").rstrip(".")


def suggestion_row(row: ReorderSuggestion) -> list[str]:
    """One suggestion as CSV cells, in CSV_COLUMNS order; a blank location is every one."""
    return [
        row.policy.sku,
        row.policy.location or "",
        str(row.position.available),
        str(row.position.on_order),
        str(row.position.in_transit),
        str(row.position.backordered),
        str(row.velocity.window_days),
        str(row.velocity.units_sold),
        _decimal(row.velocity.units_per_day),
        _decimal(row.days_of_stock),
        str(row.policy.reorder_point),
        str(row.policy.lead_time_days),
        str(row.policy.safety_stock),
        "true" if row.below_reorder_point else "false",
        str(row.cover),
        str(row.suggested_quantity),
    ]


def format_suggestions_csv(rows: list[ReorderSuggestion]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(suggestion_row(row) for row in rows)
    return out.getvalue()
