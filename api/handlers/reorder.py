"""setReorderPolicy, removeReorderPolicy: the reorder point of a SKU (at one location or
all), and the LOW_STOCK alert it judges, moved at once."""

from __future__ import annotations

from api.database import reorder_repository as repository
from api.service_layer.unit_of_work import UnitOfWork
from api.services.bundles import refuse_bundles
from api.services.low_stock import judge, resolve_removed
from api.services.reorder import scope_ids
from domain.errors import ReorderPolicyNotFound
from domain.reorder import RemoveReorderPolicy, ReorderPolicy, SetReorderPolicy


async def set_reorder_policy(uow: UnitOfWork, command: SetReorderPolicy) -> ReorderPolicy:
    """Creates or replaces the policy and judges the stock against it at once."""
    conn, now = uow.conn, uow.now
    sku_id, location_id = await scope_ids(conn, command.sku, command.location)
    await refuse_bundles(conn, [(sku_id, command.sku)], "have a reorder policy")
    stored = await repository.save(conn, sku_id, location_id, command.as_policy(), now)
    uow.raised(*await judge(conn, [stored], now))
    return stored.policy


async def remove_reorder_policy(uow: UnitOfWork, command: RemoveReorderPolicy) -> ReorderPolicy:
    """Takes the policy away; its open LOW_STOCK alert is resolved."""
    conn = uow.conn
    sku_id, location_id = await scope_ids(conn, command.sku, command.location)
    policies = await repository.lock_for(conn, [command.sku])
    stored = next((p for p in policies if p.location_id == location_id), None)
    if stored is None:
        raise ReorderPolicyNotFound(command.sku, command.location)
    await repository.remove(conn, sku_id, location_id)
    uow.raised(*await resolve_removed(conn, stored, uow.now))
    return stored.policy
