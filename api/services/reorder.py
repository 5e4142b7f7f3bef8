"""Reading reorder policies, sales velocity and reorder suggestions. The definitions are in
domain/reorder.py; setting and removing a policy, in api/handlers/reorder.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from api.clock import Clock, utc_now
from api.database import catalogue_repository as catalogue
from api.database import reorder_repository as repository
from api.database.engine import Database
from api.database.reorder_repository import Scope, StoredPolicy
from api.services.bundles import refuse_bundles
from domain.access import Principal
from domain.reorder import (
    ReorderPolicy,
    ReorderSuggestion,
    SalesVelocity,
    StockPosition,
    check_window,
    suggest,
)


class ReorderService:
    def __init__(self, database: Database, clock: Clock = utc_now) -> None:
        self._database = database
        self._clock = clock

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
            sku_id, location_id = await scope_ids(conn, sku, location)
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


async def scope_ids(
    conn: AsyncConnection, sku: str, location: str | None
) -> tuple[int, int | None]:
    """The ids of a SKU and of a location, or None for every location."""
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
