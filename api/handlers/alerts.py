"""acknowledgeAlert (someone is on it) and resolveAlert (it is over); the UNMAPPED_SKU alert
that outlives a refused command."""

from __future__ import annotations

from typing import Any

from api.database import alert_repository as repository
from api.service_layer.dispatcher import OnRefusal
from api.service_layer.unit_of_work import UnitOfWork
from api.services.alerts import AlertService
from domain import alerts
from domain.alerts import AcknowledgeAlert, Alert, AlertStatus, ResolveAlert
from domain.errors import StockpoolError, UnmappedSku


async def acknowledge_alert(uow: UnitOfWork, command: AcknowledgeAlert) -> Alert:
    return await _move(uow, command.alert_id, AlertStatus.ACKNOWLEDGED)


async def resolve_alert(uow: UnitOfWork, command: ResolveAlert) -> Alert:
    return await _move(uow, command.alert_id, AlertStatus.RESOLVED)


async def _move(uow: UnitOfWork, alert_id: int, status: AlertStatus) -> Alert:
    """Subscribers to alertRaised see the alert in its new status."""
    alert = await repository.change_status(uow.conn, alert_id, status, uow.now)
    uow.raised(alert)
    return alert


def alert_unmapped(alert_service: AlertService) -> OnRefusal[Any]:
    """The `on_refusal` of commands naming a channel's external SKU (a sale, a reported
    quantity): when no listing maps it, the command is refused and the UNMAPPED_SKU alert
    that tells someone to map it outlives the refusal."""

    async def on_refusal(command: Any, refused: StockpoolError) -> None:
        if isinstance(refused, UnmappedSku):
            await alert_service.raise_alert(alerts.unmapped(refused.channel, refused.external_sku))

    return on_refusal
