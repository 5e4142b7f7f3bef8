"""The SKUs a stock document names: each must exist and hold stock of its own (not a bundle)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from api.database import bundle_repository
from api.database import catalogue_repository as catalogue
from domain.errors import SkuIsBundle, SkuNotFound, StockpoolError, refusal


async def stocked_sku_ids(
    conn: AsyncConnection, named: list[tuple[str, tuple[str, ...]]], action: str
) -> dict[str, int]:
    """Ids by code of the SKUs `named` as (code, input field); refuses unknown SKUs and, with
    `action` saying what cannot be done to one, bundles."""
    known = await catalogue.sku_ids_by_code(conn, {code for code, _ in named})
    missing: list[StockpoolError] = [SkuNotFound(code, f) for code, f in named if code not in known]
    if missing:
        raise refusal(missing)
    bundles = await bundle_repository.bundles_among(conn, known.values())
    if bundles:
        raise refusal([SkuIsBundle(code, action, f) for code, f in named if known[code] in bundles])
    return known
