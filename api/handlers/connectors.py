"""A connector going down and coming back (domain/connectors.py): the conditional updates,
the CONNECTOR_DOWN alert, and the outage fallback with the republishing of every other
channel's listings it moves (published on the bus after commit, as every command's)."""

from __future__ import annotations

from api.database import (
    alert_repository,
    bundle_repository,
    catalogue_repository,
    connector_repository,
    outage_flag,
)
from api.database import channel_repository as channels
from api.database.movements import LevelRef, lock_levels
from api.service_layer.unit_of_work import UnitOfWork
from api.services.backorder_fill import fill_backorders
from api.services.publishing import republish
from domain import alerts
from domain.bundles import leaves
from domain.connectors import ConnectorBack, MarkConnectorDown, OutageFallback, exposure_by_leaf

HOLD_EXPOSURE = OutageFallback.HOLD_EXPOSURE


async def mark_connector_down(uow: UnitOfWork, command: MarkConnectorDown) -> bool:
    """Takes the connector down if it is still silent past its timeout (one worker wins),
    raises CONNECTOR_DOWN and applies the channel's outage fallback."""
    conn, now = uow.conn, uow.now
    record = await channels.get_channel(conn, command.channel)
    connector = record.channel.connector
    since = connector.silent_since
    if since is None or not connector.is_silent_past_timeout(now):
        return False
    if not await connector_repository.mark_down(conn, record.id, since, now):
        return False
    raised = alerts.connector_down(
        command.channel, since, connector.timeout_seconds or 0, connector.fallback.name
    )
    uow.raised(await alert_repository.raise_alert(conn, raised, now))
    if connector.fallback is OutageFallback.NONE:
        return True
    shown = await connector_repository.published_by_sku(conn, record.id, connector.last_seen_at)
    affected = set(shown)
    if connector.fallback is HOLD_EXPOSURE:
        affected = await _hold_exposure(uow, record.id, shown)
    outage_flag.mark_covering(conn)
    await _republish(uow, affected)
    return True


async def _hold_exposure(uow: UnitOfWork, channel_id: int, shown: dict[str, int]) -> set[str]:
    """Holds back what the channel shows, a bundle's units as its leaves'; returns the SKUs."""
    conn = uow.conn
    graph = await bundle_repository.graph_below(conn, shown)
    leaves_of = {sku: leaves(sku, graph.composition) for sku in shown if sku in graph.composition}
    units = exposure_by_leaf(shown, leaves_of)
    ids = await catalogue_repository.sku_ids_by_code(conn, set(units))
    await connector_repository.hold_exposure(
        conn, channel_id, {ids[sku]: n for sku, n in units.items()}, uow.now
    )
    return set(units)


async def connector_back(uow: UnitOfWork, command: ConnectorBack) -> bool:
    """Brings a down connector back UP (the alert resolves; a pause ends) and, with `lift`
    or when its fallback holds nothing, lifts its exposure holds. Units freed are handed to
    the sales other channels recorded as oversold meanwhile, oldest first."""
    conn, now = uow.conn, uow.now
    record = await channels.get_channel(conn, command.channel)
    connector = record.channel.connector
    freed: set[str] = set()
    back_at = connector.back_at
    changed = False
    if connector.down_since is not None and await connector_repository.mark_back(
        conn, record.id, command.seen_at
    ):
        back_at, changed = command.seen_at, True
        cause = alerts.connector_down_cause(command.channel)
        resolved = await alert_repository.resolve_cause(conn, cause, now)
        if resolved is not None:
            uow.raised(resolved)
        if connector.fallback is OutageFallback.PAUSE_OTHER_LISTINGS_BELOW:
            freed |= set(await connector_repository.published_by_sku(conn, record.id))
    lifting = back_at is not None and (command.lift or connector.fallback is not HOLD_EXPOSURE)
    if lifting:
        freed |= await connector_repository.exposure_skus(conn, record.id)
    levels = await _settle_freed(uow, freed)
    if lifting:
        await connector_repository.lift_exposure(conn, record.id)
        await connector_repository.clear_back(conn, record.id)
        changed = True
    if levels:
        filled, settled = await fill_backorders(conn, levels, now, uow.actor)
        uow.record(filled)
        uow.raised(*settled)
    await _republish(uow, freed)
    return changed


async def _settle_freed(uow: UnitOfWork, skus: set[str]) -> list[LevelRef]:
    """Locks (in id order, before the exposure rows) the levels of the SKUs an outage held
    back that have oversold units waiting."""
    waiting = await connector_repository.oversold_among(uow.conn, skus)
    if not waiting:
        return []
    ids = await catalogue_repository.sku_ids_by_code(uow.conn, waiting)
    return [level.ref for level in await lock_levels(uow.conn, sku_ids=sorted(ids.values()))]


async def _republish(uow: UnitOfWork, skus: set[str]) -> None:
    """Every channel's listings of the SKUs (and of the bundles made of them), recomputed."""
    if not skus:
        return
    bundles = await bundle_repository.bundles_containing(uow.conn, skus)
    uow.republished(await republish(uow.conn, uow.now, sku_codes=skus | bundles))
