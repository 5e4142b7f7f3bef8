"""Alerts in the database: raising one folds into the active alert of the same cause."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database.change_journal import journal_of
from api.database.tables import alerts
from domain.alerts import Alert, AlertRaised, AlertStatus, AlertType
from domain.errors import AlertNotFound


async def raise_alert(conn: AsyncConnection, raised: AlertRaised, now: datetime) -> Alert:
    updated = await conn.execute(
        update(alerts)
        .where(alerts.c.open_cause == raised.cause)
        .values(
            occurrences=alerts.c.occurrences + 1,
            message=raised.message,
            details=raised.details,
            updated_at=now,
        )
        .returning(alerts.c.id)
    )
    alert_id = updated.scalar()
    if alert_id is None:
        inserted = await conn.execute(
            insert(alerts)
            .values(
                type=raised.type.value,
                status=AlertStatus.OPEN.value,
                cause=raised.cause,
                open_cause=raised.cause,
                sku=raised.sku,
                channel=raised.channel,
                message=raised.message,
                details=raised.details,
                occurrences=1,
                created_at=now,
                updated_at=now,
            )
            .returning(alerts.c.id)
        )
        alert_id = inserted.scalar_one()
    alert = await get(conn, int(alert_id))
    journal_of(conn).alert_raised(alert)
    return alert


async def change_status(
    conn: AsyncConnection, alert_id: int, status: AlertStatus, now: datetime
) -> Alert:
    values: dict[str, Any] = {"status": status.value, "updated_at": now}
    if status is AlertStatus.RESOLVED:
        values["open_cause"] = None
    await conn.execute(
        update(alerts)
        .where(alerts.c.id == alert_id, alerts.c.status != AlertStatus.RESOLVED.value)
        .values(values)
    )
    return await get(conn, alert_id)


async def get(conn: AsyncConnection, alert_id: int) -> Alert:
    row = (await conn.execute(select(alerts).where(alerts.c.id == alert_id))).first()
    if row is None:
        raise AlertNotFound(str(alert_id))
    return _alert_from(row)


async def list_alerts(
    conn: AsyncConnection, status: AlertStatus | None, limit: int = 200
) -> list[Alert]:
    query = select(alerts).order_by(alerts.c.id.desc()).limit(limit)
    if status is not None:
        query = query.where(alerts.c.status == status.value)
    return [_alert_from(row) for row in await conn.execute(query)]


def _alert_from(row: Any) -> Alert:
    return Alert(
        id=int(row.id),
        type=AlertType(row.type),
        status=AlertStatus(row.status),
        message=row.message,
        occurrences=int(row.occurrences),
        created_at=row.created_at,
        updated_at=row.updated_at,
        sku=row.sku,
        channel=row.channel,
        details=dict(row.details or {}),
    )


async def resolve_cause(conn: AsyncConnection, cause: str, now: datetime) -> Alert | None:
    """Resolves the active alert of this cause, if there is one (its cause is over)."""
    found = await conn.execute(select(alerts.c.id).where(alerts.c.open_cause == cause))
    alert_id = found.scalar()
    if alert_id is None:
        return None
    return await change_status(conn, int(alert_id), AlertStatus.RESOLVED, now)
