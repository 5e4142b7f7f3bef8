"""Alerts as clients see them."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry
from strawberry.scalars import JSON

from domain import alerts

AlertType = strawberry.enum(alerts.AlertType)
AlertStatus = strawberry.enum(alerts.AlertStatus)


@strawberry.type
class Alert:
    id: strawberry.ID
    type: AlertType  # type: ignore[valid-type]
    status: AlertStatus  # type: ignore[valid-type]
    message: str
    sku: str | None
    channel: str | None
    details: JSON
    occurrences: int = strawberry.field(description="How often the cause recurred while open.")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_domain(cls, alert: alerts.Alert) -> Alert:
        return cls(
            id=strawberry.ID(str(alert.id)),
            type=alert.type,
            status=alert.status,
            message=alert.message,
            sku=alert.sku,
            channel=alert.channel,
            details=cast(JSON, alert.details),
            occurrences=alert.occurrences,
            created_at=alert.created_at,
            updated_at=alert.updated_at,
        )
