"""acknowledgeAlert and resolveAlert: working the alerts the system raises."""

from __future__ import annotations

import strawberry

from domain.alerts import AcknowledgeAlert, ResolveAlert
from schema.context import Info
from schema.errors import UserError, attempt
from schema.types.alerts import Alert


@strawberry.input
class AlertInput:
    id: strawberry.ID


@strawberry.type
class AlertPayload:
    alert: Alert | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def _alert_id(raw: strawberry.ID) -> int:
    return int(raw) if str(raw).isdigit() else -1


@strawberry.type
class AlertMutations:
    @strawberry.mutation
    async def acknowledge_alert(self, info: Info, input: AlertInput) -> AlertPayload:
        command = AcknowledgeAlert(_alert_id(input.id))
        alert, errors = await attempt(info.context.dispatch(command))
        return AlertPayload(alert=Alert.from_domain(alert) if alert else None, user_errors=errors)

    @strawberry.mutation
    async def resolve_alert(self, info: Info, input: AlertInput) -> AlertPayload:
        command = ResolveAlert(_alert_id(input.id))
        alert, errors = await attempt(info.context.dispatch(command))
        return AlertPayload(alert=Alert.from_domain(alert) if alert else None, user_errors=errors)
