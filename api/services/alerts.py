"""Reading alerts, and raising one outside any command (acknowledging and resolving them:
api/handlers/alerts.py)."""

from __future__ import annotations

from api.bus import ALERTS, EventBus
from api.clock import Clock, utc_now
from api.database import alert_repository as repository
from api.database.engine import Database
from api.messages import alert_message
from domain.access import Principal
from domain.alerts import Alert, AlertRaised, AlertStatus


class AlertService:
    def __init__(self, database: Database, bus: EventBus, clock: Clock = utc_now) -> None:
        self._database = database
        self._bus = bus
        self._clock = clock

    async def list(self, status: AlertStatus | None, principal: Principal) -> list[Alert]:
        principal.require_admin()
        async with self._database.read() as conn:
            return await repository.list_alerts(conn, status)

    async def raise_alert(self, raised: AlertRaised) -> Alert:
        """Raises (or adds an occurrence to) the alert in its own transaction."""
        async with self._database.transaction() as conn:
            alert = await repository.raise_alert(conn, raised, self._clock())
        await self._bus.publish_committed([(ALERTS, alert_message(alert))])
        return alert
