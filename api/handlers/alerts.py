"""acknowledgeAlert (someone is on it) and resolveAlert (it is over)."""

from __future__ import annotations

from api.database import alert_repository as repository
from api.service_layer.unit_of_work import UnitOfWork
from domain.alerts import AcknowledgeAlert, Alert, AlertStatus, ResolveAlert


async def acknowledge_alert(uow: UnitOfWork, command: AcknowledgeAlert) -> Alert:
    return await _move(uow, command.alert_id, AlertStatus.ACKNOWLEDGED)


async def resolve_alert(uow: UnitOfWork, command: ResolveAlert) -> Alert:
    return await _move(uow, command.alert_id, AlertStatus.RESOLVED)


async def _move(uow: UnitOfWork, alert_id: int, status: AlertStatus) -> Alert:
    """Subscribers to alertRaised see the alert in its new status."""
    alert = await repository.change_status(uow.conn, alert_id, status, uow.now)
    uow.raised(alert)
    return alert
