"""Reorder policies (and the LOW_STOCK alerts they judge), sales velocity and reorder
suggestions. The definitions are in domain/reorder.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from api.bus import ALERTS, EventBus
from api.clock import Clock, utc_now
from api.database import catalogue_repository as catalogue
from api.database import reorder_repository as repository
from api.database.engine import Database
from api.database.reorder_repository import Scope, StoredPolicy
from api.messages import alert_message
from api.services.bundles import refuse_bundles
from api.services.low_stock import judge, resolve_removed
from domain.access import Principal
from domain.alerts import Alert
from domain.errors import ReorderPolicyNotFound
from domain.reorder import (
    RemoveReorderPolicy,
    ReorderPolicy,
    ReorderSuggestion,
    SalesVelocity,
    SetReorderPolicy,
    StockPosition,
    check_window,
    suggest,
)


class ReorderService:
    def __init__(self, database: Database, bus: EventBus, clock: Clock = utc_now) -> None:
        self._database = database
        self._bus = bus
        self._clock = clock

    async def set_policy(self, command: SetReorderPolicy, principal: Principal) -> ReorderPolicy:
        """Creates or replaces the policy and judges the stock against it at once."""
        principal.require_admin()
        command.validate()
        now = self._clock()
        async with self._database.transaction() as conn:
            sku_id, location_id = await _scope(conn, command.sku, command.location)
            await refuse_bundles(conn, [(sku_id, command.sku)], "have a reorder policy")
            stored = await repository.save(conn, sku_id, location_id, command.as_policy(), now)
            moved = await judge(conn, [stored], now)
        await self._publish(moved)
        return stored.policy

    async def remove_policy(
        self, command: RemoveReorderPolicy, principal: Principal
    ) -> ReorderPolicy:
        """Takes the policy away; its open LOW_STOCK alert is resolved."""
        principal.require_admin()
        command.validate()
        now = self._clock()
        async with self._database.transaction() as conn:
            sku_id, location_id = await _scope(conn, command.sku, command.location)
            stored = next(
                (
                    p
                    for p in await repository.lock_for(conn, [command.sku])
                    if p.location_id == location_id
                ),
                None,
            )
            if stored is None:
                raise ReorderPolicyNotFound(command.sku, command.location)
            await repository.remove(conn, sku_id, location_id)
            moved = await resolve_removed(conn, stored, now)
        await self._publish(moved)
        return stored.policy

    async def policies(self, principal: Principal, sku: str | None = None) -> list[ReorderPolicy]:
        principal.require_admin()
        async with self._database.read() as conn:
            return [stored.policy for stored in await repository.list_policies(conn, sku)]

    async def velocity(
        self, principal: Principal, sku: str, window_days: int, location: str | None = None
    ) -> tuple[SalesVelocity, int]:
        """Units sold per day over the window, and the units available now."""
        principal.require_admin()
        check_window(window_days)
        now = self._clock()
        async with self._database.read() as conn:
            sku_id, location_id = await _scope(conn, sku, location)
            await refuse_bundles(conn, [(sku_id, sku)], "have a sales velocity of its own")
            scope = (sku_id, location_id)
            sold = await repository.units_sold(conn, [scope], now - timedelta(days=window_days))
            position = await repository.positions(conn, [scope], now)
        return SalesVelocity(sku, location, window_days, sold[scope]), position[scope].available

    async def suggestions(
        self, principal: Principal, window_days: int, location: str | None = None
    ) -> list[ReorderSuggestion]:
        """One row per SKU with a reorder policy. At a `location`, a SKU's policy there wins
        over its policy for every location, and the figures are that location's."""
        principal.require_admin()
        check_window(window_days)
        now = self._clock()
        async with self._database.read() as conn:
            location_id = (
                await catalogue.location_id(conn, location) if location is not None else None
            )
            chosen = _chosen(await repository.list_policies(conn, location=location), location)
            scopes = [_row_scope(stored, location_id) for stored in chosen]
            positions = await repository.positions(conn, scopes, now)
            sold = await repository.units_sold(conn, scopes, now - timedelta(days=window_days))
        rows = []
        for stored, scope in zip(chosen, scopes, strict=True):
            policy = (
                stored.policy if location is None else replace(stored.policy, location=location)
            )
            velocity = SalesVelocity(policy.sku, policy.location, window_days, sold[scope])
            rows.append(suggest(policy, positions.get(scope, StockPosition(0, 0, 0, 0)), velocity))
        return rows

    async def _publish(self, moved: list[Alert]) -> None:
        if moved:
            await self._bus.publish_committed([(ALERTS, alert_message(a)) for a in moved])


async def _scope(conn: AsyncConnection, sku: str, location: str | None) -> tuple[int, int | None]:
    sku_id = await catalogue.sku_id(conn, sku)
    location_id = await catalogue.location_id(conn, location) if location is not None else None
    return sku_id, location_id


def _chosen(policies: list[StoredPolicy], location: str | None) -> list[StoredPolicy]:
    """At a location, each SKU's policy there, else its policy for every location."""
    if location is None:
        return policies
    by_sku: dict[int, StoredPolicy] = {}
    for stored in policies:
        if stored.sku_id not in by_sku or stored.location_id is not None:
            by_sku[stored.sku_id] = stored
    return sorted(by_sku.values(), key=lambda stored: stored.policy.sku)


def _row_scope(stored: StoredPolicy, location_id: int | None) -> Scope:
    return (stored.sku_id, location_id if location_id is not None else stored.location_id)
