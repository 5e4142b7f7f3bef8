"""SKUs and locations in the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from api.database.rows import location_from, sku_from
from api.database.tables import locations, skus
from domain.catalogue import Location, Sku
from domain.errors import DuplicateCode, LocationNotFound, SkuNotFound


async def insert_sku(conn: AsyncConnection, sku: Sku, now: datetime) -> Sku:
    values = {
        "code": sku.code,
        "name": sku.name,
        "barcode": sku.barcode,
        "attributes": sku.attributes,
        "active": sku.active,
        "created_at": now,
        "updated_at": now,
    }
    try:
        async with conn.begin_nested():
            await conn.execute(insert(skus).values(values))
    except IntegrityError:
        raise DuplicateCode("SKU", sku.code) from None
    return await get_sku(conn, sku.code)


async def save_sku(conn: AsyncConnection, sku: Sku, now: datetime) -> Sku:
    await conn.execute(
        update(skus)
        .where(skus.c.code == sku.code)
        .values(
            name=sku.name,
            barcode=sku.barcode,
            attributes=sku.attributes,
            active=sku.active,
            updated_at=now,
        )
    )
    return await get_sku(conn, sku.code)


async def find_sku(conn: AsyncConnection, code: str) -> Sku | None:
    row = (await conn.execute(select(skus).where(skus.c.code == code))).first()
    return sku_from(row) if row else None


async def get_sku(conn: AsyncConnection, code: str, field: tuple[str, ...] = ("code",)) -> Sku:
    sku = await find_sku(conn, code)
    if sku is None:
        raise SkuNotFound(code, field)
    return sku


async def list_skus(
    conn: AsyncConnection, first: int, after_id: int | None, search: str | None
) -> tuple[list[tuple[int, Sku]], bool]:
    """A page of SKUs in creation order, with whether more follow."""
    query = select(skus).order_by(skus.c.id).limit(first + 1)
    if after_id is not None:
        query = query.where(skus.c.id > after_id)
    if search:
        pattern = f"%{_escape_like(search.lower())}%"
        query = query.where(
            or_(
                func.lower(skus.c.code).like(pattern, escape="\\"),
                func.lower(skus.c.name).like(pattern, escape="\\"),
                skus.c.barcode == search,
            )
        )
    rows = (await conn.execute(query)).all()
    return [(int(row.id), sku_from(row)) for row in rows[:first]], len(rows) > first


async def count_skus(conn: AsyncConnection) -> int:
    return int((await conn.execute(select(func.count()).select_from(skus))).scalar_one())


async def insert_location(conn: AsyncConnection, location: Location, now: datetime) -> Location:
    try:
        async with conn.begin_nested():
            await conn.execute(insert(locations).values(_location_values(location, now)))
    except IntegrityError:
        raise DuplicateCode("location", location.code) from None
    return await get_location(conn, location.code)


async def save_location(conn: AsyncConnection, location: Location, now: datetime) -> Location:
    values = _location_values(location, now)
    del values["created_at"], values["code"]
    await conn.execute(update(locations).where(locations.c.code == location.code).values(values))
    return await get_location(conn, location.code)


async def find_location(conn: AsyncConnection, code: str) -> Location | None:
    row = (await conn.execute(select(locations).where(locations.c.code == code))).first()
    return location_from(row) if row else None


async def get_location(
    conn: AsyncConnection, code: str, field: tuple[str, ...] = ("code",)
) -> Location:
    location = await find_location(conn, code)
    if location is None:
        raise LocationNotFound(code, field)
    return location


async def list_locations(conn: AsyncConnection) -> list[Location]:
    rows = await conn.execute(select(locations).order_by(locations.c.priority, locations.c.code))
    return [location_from(row) for row in rows]


async def sku_id(conn: AsyncConnection, code: str, field: tuple[str, ...] = ("sku",)) -> int:
    found = (await conn.execute(select(skus.c.id).where(skus.c.code == code))).scalar()
    if found is None:
        raise SkuNotFound(code, field)
    return int(found)


async def sku_ids_by_code(conn: AsyncConnection, codes: set[str]) -> dict[str, int]:
    """Ids of the SKUs that exist among `codes`, in one query."""
    rows = await conn.execute(_SKU_IDS_BY_CODE, {"codes": sorted(codes)})
    return {row.code: int(row.id) for row in rows}


# Built once: every hold reads its SKUs' ids.
_SKU_IDS_BY_CODE = select(skus.c.code, skus.c.id).where(
    skus.c.code.in_(bindparam("codes", expanding=True))
)


async def location_id(
    conn: AsyncConnection, code: str, field: tuple[str, ...] = ("location",)
) -> int:
    found = (await conn.execute(select(locations.c.id).where(locations.c.code == code))).scalar()
    if found is None:
        raise LocationNotFound(code, field)
    return int(found)


def _location_values(location: Location, now: datetime) -> dict[str, object]:
    return {
        "code": location.code,
        "name": location.name,
        "kind": location.kind.value,
        "priority": location.priority,
        "latitude": location.latitude,
        "longitude": location.longitude,
        "active": location.active,
        "created_at": now,
        "updated_at": now,
    }


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
