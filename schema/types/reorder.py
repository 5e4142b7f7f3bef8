"""Reorder policies, sales velocity and reorder suggestions as clients see them."""

from __future__ import annotations

import strawberry

from domain import reorder


@strawberry.type(
    description="When a SKU runs low (at one location, or over all of them when location is "
    "null) and how long its supplier takes."
)
class ReorderPolicy:
    sku: str
    location: str | None
    reorder_point: int = strawberry.field(
        description="Available at or below this raises a LOW_STOCK alert."
    )
    lead_time_days: int
    safety_stock: int

    @classmethod
    def from_domain(cls, policy: reorder.ReorderPolicy) -> ReorderPolicy:
        return cls(
            sku=policy.sku,
            location=policy.location,
            reorder_point=policy.reorder_point,
            lead_time_days=policy.lead_time_days,
            safety_stock=policy.safety_stock,
        )


@strawberry.type(
    description="Units promised to orders (committed by SOLD, COMMITTED and BACKORDER_FILLED "
    "ledger events) over the last windowDays days."
)
class SalesVelocity:
    sku: str
    location: str | None
    window_days: int
    units_sold: int
    units_per_day: float
    available: int
    days_of_stock: float | None = strawberry.field(
        description="How long the available units last at this pace; null when nothing sold."
    )

    @classmethod
    def from_domain(cls, velocity: reorder.SalesVelocity, available: int) -> SalesVelocity:
        return cls(
            sku=velocity.sku,
            location=velocity.location,
            window_days=velocity.window_days,
            units_sold=velocity.units_sold,
            units_per_day=velocity.units_per_day,
            available=available,
            days_of_stock=velocity.days_of_stock(available),
        )


@strawberry.type(
    description="What to order of one SKU: cover = ceil(unitsSold * leadTimeDays / windowDays) "
    "+ safetyStock; suggestedQuantity = max(cover - (available + onOrder + inTransit - "
    "backordered), 0)."
)
class ReorderSuggestion:
    sku: str
    location: str | None = strawberry.field(description="null: summed over every location.")
    available: int
    on_order: int
    in_transit: int
    backordered: int
    window_days: int
    units_sold: int
    units_per_day: float
    days_of_stock: float | None
    reorder_point: int
    lead_time_days: int
    safety_stock: int
    below_reorder_point: bool
    cover: int
    suggested_quantity: int

    @classmethod
    def from_domain(cls, row: reorder.ReorderSuggestion) -> ReorderSuggestion:
        return cls(
            sku=row.policy.sku,
            location=row.policy.location,
            available=row.position.available,
            on_order=row.position.on_order,
            in_transit=row.position.in_transit,
            backordered=row.position.backordered,
            window_days=row.velocity.window_days,
            units_sold=row.velocity.units_sold,
            units_per_day=row.velocity.units_per_day,
            days_of_stock=row.days_of_stock,
            reorder_point=row.policy.reorder_point,
            lead_time_days=row.policy.lead_time_days,
            safety_stock=row.policy.safety_stock,
            below_reorder_point=row.below_reorder_point,
            cover=row.cover,
            suggested_quantity=row.suggested_quantity,
        )
