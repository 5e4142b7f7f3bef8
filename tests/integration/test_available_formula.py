"""`available` is one formula: the domain's property, the SQL expression the queries use and
the CHECK the migrations created agree."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import CheckConstraint, insert, select

from api.database.stock_repository import available
from api.database.tables import stock_levels
from domain.quantities import Quantities
from tests.integration.helpers import insert_location_row, insert_sku_row

NOW = datetime(2026, 1, 1, tzinfo=UTC)
MIGRATIONS = Path(__file__).parents[2] / "api" / "database" / "migrations" / "versions"
LEVEL = Quantities(
    on_hand=1000, damaged=1, quarantined=20, reserved=300, committed=4, in_transit=5, on_order=6
)


def test_the_available_check_is_the_sql_the_first_migration_created():
    (check,) = [
        c
        for c in stock_levels.constraints
        if isinstance(c, CheckConstraint) and c.name == "ck_stock_levels_available_not_negative"
    ]
    migration = (MIGRATIONS / "0001_foundation.py").read_text()
    assert f'"{check.sqltext}",' in migration


async def test_the_sql_expression_computes_what_the_domain_does(database):
    async with database.transaction() as conn:
        sku_id = await insert_sku_row(conn, "TEE", NOW)
        location_id = await insert_location_row(conn, "WH", NOW)
        await conn.execute(
            insert(stock_levels).values(
                sku_id=sku_id, location_id=location_id, updated_at=NOW, **LEVEL.as_dict()
            )
        )
    async with database.read() as conn:
        found = (await conn.execute(select(available))).scalar_one()
    assert found == LEVEL.available == 675
