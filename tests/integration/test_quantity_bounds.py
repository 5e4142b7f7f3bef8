"""No stored count passes 2,147,483,647 (GraphQL's Int): the domain refuses the command that
would, and the database's CHECKs refuse the row. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import CheckConstraint, insert, inspect, select, text, update
from sqlalchemy.exc import IntegrityError

from api.database.engine import Database
from api.database.migrate import alembic_config, current_revision, head_revision, upgrade
from api.database.tables import metadata, stock_events, stock_levels
from api.services.ledger_check import check_ledger
from domain.bundles import Component, SetBundleComponents
from domain.errors import ErrorCode, StockpoolError
from domain.quantities import MAX_COUNTER, QUANTITY_NAMES, Quantities
from domain.reservations import RecordChannelSale, RequestedLine, ReserveStock
from domain.stock import StockReason
from domain.stock_commands import AdjustStock, ReceiveStock
from tests import services as external
from tests.conftest import ADMIN, both_hold_paths
from tests.integration.helpers import (
    insert_location_row,
    insert_sku_row,
    make_catalogue,
    make_channel,
    stock,
)

BILLION = 1_000_000_000
NOW = datetime(2026, 12, 1, tzinfo=UTC)


async def test_a_receipt_past_an_int_is_refused_and_changes_nothing(services, database):
    await make_catalogue(services)
    for _ in range(2):
        await services.dispatch(ReceiveStock("TEE", "WH", BILLION), ADMIN)
    with pytest.raises(StockpoolError) as refused:
        await services.dispatch(ReceiveStock("TEE", "WH", BILLION), ADMIN)
    assert refused.value.code is ErrorCode.QUANTITY_TOO_LARGE
    assert refused.value.field == ("quantity",)
    assert "on hand would be 3000000000" in refused.value.message
    [level] = await services.queries.stock_levels("TEE", "WH")
    assert (level.quantities, level.version) == (Quantities(on_hand=2 * BILLION), 2)
    entries, _ = await services.queries.stock_events(10, None, "TEE", "WH")
    assert len(entries) == 2
    assert (await check_ledger(database)).ok


async def test_a_move_that_stays_within_an_int_is_made_up_to_the_last_unit(services):
    await make_catalogue(services)
    await services.dispatch(ReceiveStock("TEE", "WH", BILLION), ADMIN)
    await services.dispatch(ReceiveStock("TEE", "WH", BILLION), ADMIN)
    last = MAX_COUNTER - 2 * BILLION
    change = await services.dispatch(AdjustStock("TEE", "WH", last, StockReason.FOUND), ADMIN)
    assert change.stock_level.quantities.on_hand == MAX_COUNTER
    with pytest.raises(StockpoolError) as refused:
        await services.dispatch(AdjustStock("TEE", "WH", 1, StockReason.FOUND), ADMIN)
    assert refused.value.code is ErrorCode.QUANTITY_TOO_LARGE


@both_hold_paths
async def test_a_hold_of_a_bundle_past_an_int_of_one_component_is_refused(services):
    await make_catalogue(services, skus=("TEE", "KIT"))
    await make_channel(services)
    await stock(services, ("TEE", "WH", 5))
    await services.dispatch(SetBundleComponents("KIT", (Component("TEE", BILLION),)), ADMIN)
    with pytest.raises(StockpoolError) as refused:
        await services.dispatch(
            ReserveStock("web", "o-1", (RequestedLine("TEE", 1), RequestedLine("KIT", 3))), ADMIN
        )
    assert refused.value.code is ErrorCode.QUANTITY_TOO_LARGE
    assert refused.value.field == ("lines", "1", "quantity")


async def test_a_bundle_sale_past_an_int_of_one_component_is_refused_and_records_nothing(
    services, database
):
    await make_catalogue(services, skus=("TEE", "KIT"))
    await make_channel(services)
    await services.dispatch(SetBundleComponents("KIT", (Component("TEE", BILLION),)), ADMIN)
    with pytest.raises(StockpoolError) as refused:
        await services.dispatch(RecordChannelSale("web", "o-1", BILLION, sku="KIT"), ADMIN)
    assert refused.value.code is ErrorCode.QUANTITY_TOO_LARGE
    assert refused.value.field == ("quantity",)
    async with database.read() as conn:
        assert (await conn.execute(text("SELECT COUNT(*) FROM reservation_lines"))).scalar() == 0
    two = await services.dispatch(RecordChannelSale("web", "o-2", 2, sku="KIT"), ADMIN)
    assert [(line.sku, line.oversold) for line in two.lines] == [("TEE", 2 * BILLION)]


async def test_the_database_refuses_a_counter_past_an_int(services, database):
    await make_catalogue(services)
    await services.dispatch(ReceiveStock("TEE", "WH", 1), ADMIN)
    with pytest.raises(IntegrityError, match="on_hand_not_too_large"):
        async with database.transaction() as conn:
            await conn.execute(update(stock_levels).values(on_hand=MAX_COUNTER + 1))
    with pytest.raises(IntegrityError, match="after_on_hand_not_too_large"):
        async with database.transaction() as conn:
            await conn.execute(text(f"UPDATE stock_events SET after_on_hand = {MAX_COUNTER + 1}"))
    [level] = await services.queries.stock_levels("TEE", "WH")
    assert level.quantities.on_hand == 1


async def test_the_migrations_made_every_check_the_tables_declare(database):
    def checks_in_database(sync_conn):
        inspector = inspect(sync_conn)
        return {
            (table, check["name"])
            for table in inspector.get_table_names()
            for check in inspector.get_check_constraints(table)
        }

    declared = {
        (table.name, constraint.name)
        for table in metadata.sorted_tables
        for constraint in table.constraints
        if isinstance(constraint, CheckConstraint)
    }
    async with database.read() as conn:
        made = await conn.run_sync(checks_in_database)
    assert declared == made
    assert ("stock_levels", "ck_stock_levels_on_hand_not_too_large") in made


@pytest.fixture
async def database_at_0007(database_url, tmp_path):
    """A new database migrated to 0007 only, on the backend of `database_url`."""
    kind = database_url.split(":", 1)[0]
    if kind.startswith("sqlite"):
        url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    else:
        url = await _new_postgres_database("m0008")
    database = Database(url)
    config = alembic_config(url)

    def to_0007(connection):
        config.attributes["connection"] = connection
        command.upgrade(config, "0007")

    async with database.transaction() as conn:
        await conn.run_sync(to_0007)
    yield database
    await database.dispose()
    if not kind.startswith("sqlite"):
        await external.drop_postgres_database(url)


async def _new_postgres_database(suffix: str) -> str:
    import asyncpg

    name = f"stockpool_test_{external.RUN_ID}_{suffix}"
    conn = await asyncpg.connect(external.POSTGRES_ADMIN_URL)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base = external.POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}".replace("postgresql://", "postgresql+asyncpg://", 1)


async def test_migrating_a_level_past_an_int_stops_and_changes_nothing(database_at_0007):
    """A table other tables refer to (stock levels, by their ledger) is migrated too."""
    database = database_at_0007
    async with database.transaction() as conn:
        sku_id, location_id = await _sku_and_location(conn)
        level_id = (
            await conn.execute(
                insert(stock_levels)
                .values(
                    sku_id=sku_id,
                    location_id=location_id,
                    on_hand=3 * BILLION,
                    version=1,
                    updated_at=NOW,
                )
                .returning(stock_levels.c.id)
            )
        ).scalar_one()
        counters = {f"{when}_{name}": 0 for when in ("before", "after") for name in QUANTITY_NAMES}
        await conn.execute(
            insert(stock_events).values(
                stock_level_id=level_id,
                sku_id=sku_id,
                location_id=location_id,
                type="RECEIVED",
                reason="RECEIVED",
                actor="test",
                version=1,
                created_at=NOW,
                **counters,
            )
        )
    with pytest.raises(
        RuntimeError, match="stock_levels holds values beyond 2147483647 in on_hand"
    ):
        await upgrade(database)
    assert await current_revision(database) == "0007"
    async with database.transaction() as conn:
        await conn.execute(update(stock_levels).values(on_hand=MAX_COUNTER))
    await upgrade(database)
    assert await current_revision(database) == head_revision()
    async with database.read() as conn:
        assert (await conn.execute(select(stock_levels.c.on_hand))).scalar() == MAX_COUNTER
        assert (await conn.execute(select(stock_events.c.stock_level_id))).scalar() == level_id


async def _sku_and_location(conn):
    sku_id = await insert_sku_row(conn, "TEE", NOW)
    location_id = await insert_location_row(conn, "WH", NOW)
    return sku_id, location_id
