"""Channels and the ordered locations each sells from."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database.connector_repository import connector_from, connector_values
from api.database.tables import channel_locations, channels, locations
from domain.channels import Channel, ChannelKind, ChannelStatus, RoutingPolicy, SplitPolicy
from domain.errors import ChannelNotFound, DuplicateCode
from domain.listings import SafetyRules
from domain.routing import Site


@dataclass(frozen=True, slots=True)
class ChannelRecord:
    id: int
    channel: Channel
    sites: list[Site]
    location_ids: dict[str, int]


async def insert_channel(conn: AsyncConnection, channel: Channel, now: datetime) -> Channel:
    try:
        async with conn.begin_nested():
            await conn.execute(
                insert(channels).values(**_values(channel), created_at=now, updated_at=now)
            )
    except IntegrityError:
        raise DuplicateCode("channel", channel.code) from None
    return (await get_channel(conn, channel.code, ("code",))).channel


async def save_channel(conn: AsyncConnection, channel: Channel, now: datetime) -> Channel:
    values = _values(channel)
    del values["code"]
    await conn.execute(
        update(channels).where(channels.c.code == channel.code).values(**values, updated_at=now)
    )
    return (await get_channel(conn, channel.code, ("code",))).channel


async def set_locations(
    conn: AsyncConnection, channel_id: int, location_ids: list[int], now: datetime
) -> None:
    await conn.execute(
        delete(channel_locations).where(channel_locations.c.channel_id == channel_id)
    )
    if location_ids:
        await conn.execute(
            insert(channel_locations),
            [
                {"channel_id": channel_id, "location_id": location_id, "position": position}
                for position, location_id in enumerate(location_ids)
            ],
        )
    await conn.execute(update(channels).where(channels.c.id == channel_id).values(updated_at=now))


async def find_channel(conn: AsyncConnection, code: str) -> ChannelRecord | None:
    row = (await conn.execute(_FIND_CHANNEL, {"code": code})).first()
    if row is None:
        return None
    site_rows = (await conn.execute(_CHANNEL_LOCATIONS, {"channel_id": row.id})).all()
    sites = [Site(r.code, r.latitude, r.longitude) for r in site_rows if r.active]
    return ChannelRecord(
        id=int(row.id),
        channel=_channel_from(row, tuple(r.code for r in site_rows)),
        sites=sites,
        location_ids={r.code: int(r.id) for r in site_rows},
    )


# Built once: every hold reads its channel.
_FIND_CHANNEL = select(channels).where(channels.c.code == bindparam("code"))
_CHANNEL_LOCATIONS = (
    select(locations)
    .join(channel_locations, channel_locations.c.location_id == locations.c.id)
    .where(channel_locations.c.channel_id == bindparam("channel_id"))
    .order_by(channel_locations.c.position)
)


async def get_channel(
    conn: AsyncConnection, code: str, field: tuple[str, ...] = ("channel",)
) -> ChannelRecord:
    record = await find_channel(conn, code)
    if record is None:
        raise ChannelNotFound(code, field)
    return record


async def list_channels(conn: AsyncConnection) -> list[Channel]:
    codes = (await conn.execute(select(channels.c.code).order_by(channels.c.code))).scalars()
    result = []
    for code in list(codes):
        record = await find_channel(conn, code)
        if record is not None:
            result.append(record.channel)
    return result


def _values(channel: Channel) -> dict[str, Any]:
    return {
        "code": channel.code,
        "name": channel.name,
        "kind": channel.kind.value,
        "status": channel.status.value,
        "routing": channel.routing.value,
        "split": channel.split.value,
        "safety_units": channel.safety.safety_units,
        "safety_basis_points": channel.safety.safety_basis_points,
        "low_stock_threshold": channel.safety.low_stock_threshold,
        "sales_preempt_holds": channel.sales_preempt_holds,
        **connector_values(channel.connector),
    }


def _channel_from(row: Any, location_codes: tuple[str, ...]) -> Channel:
    return Channel(
        code=row.code,
        name=row.name,
        kind=ChannelKind(row.kind),
        status=ChannelStatus(row.status),
        routing=RoutingPolicy(row.routing),
        split=SplitPolicy(row.split),
        locations=location_codes,
        safety=SafetyRules(
            int(row.safety_units), int(row.safety_basis_points), int(row.low_stock_threshold)
        ),
        sales_preempt_holds=bool(row.sales_preempt_holds),
        connector=connector_from(row),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def rules_by_id(
    conn: AsyncConnection, channel_ids: Iterable[int]
) -> dict[int, tuple[bool, SafetyRules]]:
    """Per channel: whether it is active, and its safety defaults."""
    rows = await conn.execute(select(channels).where(channels.c.id.in_(list(channel_ids))))
    return {
        int(row.id): (
            row.status == ChannelStatus.ACTIVE.value,
            SafetyRules(
                int(row.safety_units), int(row.safety_basis_points), int(row.low_stock_threshold)
            ),
        )
        for row in rows
    }


async def ids_selling_from(conn: AsyncConnection, location_code: str) -> list[int]:
    query = (
        select(channel_locations.c.channel_id)
        .join(locations, locations.c.id == channel_locations.c.location_id)
        .where(locations.c.code == location_code)
        .order_by(channel_locations.c.channel_id)
    )
    return [int(i) for i in (await conn.execute(query)).scalars()]
