"""What becomes of a disabled endpoint's deliveries: its pending ones are FAILED, their
`last_error` saying so (the endpoint's own last error kept after the note), so none waits
unseen for a relay that will never claim it; enabled again, those are PENDING again, due at
once, with their last error as it was (failed by the retry schedule, a delivery stays
FAILED). Finished deliveries are purged after 7 days: an endpoint enabled again later finds
only the newer ones."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import String, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database.tables import webhook_deliveries, webhook_endpoints
from domain.webhooks import DeliveryStatus

NOTE = "endpoint disabled; not sent: "
"""The start of `last_error` of a delivery failed because its endpoint was disabled."""

_LIMIT = 500
"""The length of `last_error` (api/database/tables/webhooks.py)."""
D, E = webhook_deliveries.c, webhook_endpoints.c


async def fail_pending(conn: AsyncConnection, endpoint_ids: Sequence[int] | None = None) -> int:
    """FAILED, with NOTE, every pending delivery of the disabled endpoints among
    `endpoint_ids` (None: of every disabled endpoint)."""
    disabled = select(E.id).where(~E.enabled)
    if endpoint_ids is not None:
        disabled = disabled.where(E.id.in_(sorted(endpoint_ids)))
    failed = await conn.execute(
        update(webhook_deliveries)
        .where(D.status == DeliveryStatus.PENDING.value, D.endpoint_id.in_(disabled))
        .values(
            status=DeliveryStatus.FAILED.value,
            next_attempt_at=None,
            claimed_until=None,
            last_error=func.substr(
                literal(NOTE, String) + func.coalesce(D.last_error, ""), 1, _LIMIT
            ),
        )
    )
    return failed.rowcount or 0


async def resume(conn: AsyncConnection, endpoint_id: int, now: datetime) -> int:
    """PENDING again, due now, the deliveries of the endpoint that its disabling failed."""
    resumed = await conn.execute(
        update(webhook_deliveries)
        .where(
            D.endpoint_id == endpoint_id,
            D.status == DeliveryStatus.FAILED.value,
            D.last_error.startswith(NOTE, autoescape=True),
        )
        .values(
            status=DeliveryStatus.PENDING.value,
            next_attempt_at=now,
            last_error=func.nullif(func.substr(D.last_error, len(NOTE) + 1), ""),
        )
    )
    return resumed.rowcount or 0
