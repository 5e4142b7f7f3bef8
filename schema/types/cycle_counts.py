"""Cycle counts as clients see them."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain import cycle_counts
from schema.node import Node

CountStatus = strawberry.enum(cycle_counts.CountStatus)


@strawberry.type
class CountLine:
    sku: str
    expected: int | None = strawberry.field(description="On hand when the count was recorded.")
    counted: int | None
    discrepancy: int | None = strawberry.field(description="counted - expected.")
    recorded_at: datetime | None
    adjusted: int | None = strawberry.field(description="The change made to on hand on completion.")
    unresolved: int | None = strawberry.field(
        description="Missing units on hand kept on completion, as they were held or set aside."
    )

    @classmethod
    def from_domain(cls, line: cycle_counts.CountLine) -> CountLine:
        return cls(
            sku=line.sku,
            expected=line.expected,
            counted=line.counted,
            discrepancy=line.discrepancy,
            recorded_at=line.recorded_at,
            adjusted=line.adjusted,
            unresolved=line.unresolved,
        )


@strawberry.type(description="How well the books matched the shelves, over the counted SKUs.")
class CountAccuracy:
    skus: int
    matched_skus: int = strawberry.field(description="SKUs whose count matched on hand.")
    sku_rate: float = strawberry.field(description="matchedSkus / skus, 0 to 1.")
    expected_units: int
    discrepant_units: int = strawberry.field(description="Units off, over and short together.")
    unit_rate: float = strawberry.field(description="1 - discrepantUnits / expectedUnits, 0 to 1.")

    @classmethod
    def from_domain(cls, accuracy: cycle_counts.CountAccuracy) -> CountAccuracy:
        return cls(
            skus=accuracy.skus,
            matched_skus=accuracy.matched_skus,
            sku_rate=accuracy.sku_rate,
            expected_units=accuracy.expected_units,
            discrepant_units=accuracy.discrepant_units,
            unit_rate=accuracy.unit_rate,
        )


@strawberry.type(description="Counting some SKUs at one location.")
class CycleCount(Node):
    id: strawberry.ID
    location: str
    reference: str | None
    status: CountStatus  # type: ignore[valid-type]
    lines: list[CountLine]
    accuracy: CountAccuracy | None = strawberry.field(
        description="Over the lines recorded so far; null before any is."
    )
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None

    @classmethod
    def from_domain(cls, count: cycle_counts.CycleCount) -> CycleCount:
        accuracy = count.accuracy
        return cls(
            id=strawberry.ID(count.id),
            location=count.location,
            reference=count.reference,
            status=count.status,
            lines=[CountLine.from_domain(line) for line in count.lines],
            accuracy=CountAccuracy.from_domain(accuracy) if accuracy else None,
            created_at=count.created_at,
            updated_at=count.updated_at,
            completed_at=count.completed_at,
        )
