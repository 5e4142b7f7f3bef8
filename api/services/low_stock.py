"""LOW_STOCK alerts: raised when a SKU's available units fall to or below its reorder point
(at one location, or over all of them), resolved when they come back above it. One alert per
SKU (and location) is open at a time.

`check_low_stock` runs in every stock transaction, after its ledger rows are written and its
listings republished; the alerts it raises or resolves travel in the transaction's Outcome
and go on the bus after commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from api.database import alert_repository
from api.database import reorder_repository as repository
from api.database.reorder_repository import StoredPolicy
from domain import alerts
from domain.alerts import Alert
from domain.stock import LedgerEntry


async def check_low_stock(
    conn: AsyncConnection, entries: list[LedgerEntry], now: datetime
) -> list[Alert]:
    """The LOW_STOCK alerts a transaction's ledger rows raise or resolve."""
    if not entries:
        return []
    policies = await repository.lock_for(conn, {entry.sku for entry in entries})
    if not policies:
        return []
    touched = {(entry.sku, entry.location) for entry in entries}
    return await judge(
        conn,
        [
            stored
            for stored in policies
            if stored.policy.location is None
            or (stored.policy.sku, stored.policy.location) in touched
        ],
        now,
    )


async def judge(conn: AsyncConnection, policies: list[StoredPolicy], now: datetime) -> list[Alert]:
    """Raises the alert of each policy whose stock is low and has none open; resolves the open
    alert of each whose stock is above its reorder point again."""
    if not policies:
        return []
    positions = await repository.positions(conn, [p.scope for p in policies], now)
    causes = {p.id: alerts.low_stock_cause(p.policy.sku, p.policy.location) for p in policies}
    already_open = await repository.open_causes(conn, causes.values())
    moved = []
    for stored in policies:
        policy = stored.policy
        left = positions[stored.scope].available
        if policy.is_low(left) and causes[stored.id] not in already_open:
            raised = alerts.low_stock(policy.sku, policy.location, left, policy.reorder_point)
            moved.append(await alert_repository.raise_alert(conn, raised, now))
        elif not policy.is_low(left) and causes[stored.id] in already_open:
            resolved = await alert_repository.resolve_cause(conn, causes[stored.id], now)
            if resolved is not None:
                moved.append(resolved)
    return moved


async def resolve_removed(
    conn: AsyncConnection, policy: StoredPolicy, now: datetime
) -> list[Alert]:
    """A policy taken away leaves nothing to be low against: its alert is over."""
    cause = alerts.low_stock_cause(policy.policy.sku, policy.policy.location)
    resolved = await alert_repository.resolve_cause(conn, cause, now)
    return [resolved] if resolved is not None else []
