"""`stockpool reorder-suggestions --csv`: what to order, as a spreadsheet, through the CLI."""

from __future__ import annotations

import csv
import io

from api.bus import EventBus
from api.database.engine import Database
from api.database.migrate import upgrade
from api.services.container import Services
from api.settings import Settings
from domain.reorder import SetReorderPolicy
from domain.reservations import RecordChannelSale
from tests.conftest import ADMIN
from tests.e2e.test_listings_cli import stockpool
from tests.integration.helpers import make_catalogue, make_channel, stock


async def test_the_suggestions_are_written_as_csv(tmp_path):
    path = tmp_path / "stockpool.db"
    url = f"sqlite+aiosqlite:///{path}"
    database = Database(url)
    await upgrade(database)
    bus = EventBus("memory://", "reorder-cli")
    await bus.connect()
    try:
        services = Services.build(Settings(database_url=url), database, bus)
        await make_catalogue(services, skus=("TEE", "CAP"), locations=("WH", "SHOP"))
        await make_channel(services, locations=("WH",))
        await stock(services, ("TEE", "WH", 20), ("CAP", "WH", 4))
        await services.dispatch(RecordChannelSale("web", "s-1", 15, sku="TEE"), ADMIN)
        await services.dispatch(
            SetReorderPolicy("TEE", reorder_point=8, lead_time_days=10, safety_stock=2), ADMIN
        )
        await services.dispatch(
            SetReorderPolicy("CAP", reorder_point=1, lead_time_days=5, location="WH"), ADMIN
        )
    finally:
        await bus.disconnect()
        await database.dispose()

    exported = stockpool(path, "reorder-suggestions", "--csv", "--window-days", "15")
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert [(r["sku"], r["location"]) for r in rows] == [("CAP", "WH"), ("TEE", "")]
    cap, tee = rows
    # TEE: 15 sold in 15 days, 1 a day; cover = 1 * 10 + 2 = 12; 5 available: order 7.
    assert {k: tee[k] for k in ("available", "units_sold", "units_per_day", "days_of_stock")} == {
        "available": "5",
        "units_sold": "15",
        "units_per_day": "1",
        "days_of_stock": "5",
    }
    assert (tee["below_reorder_point"], tee["cover"], tee["suggested_quantity"]) == (
        "true",
        "12",
        "7",
    )
    # CAP sold nothing: no days of stock, and 4 cover its 0 units of safety stock.
    assert (cap["units_per_day"], cap["days_of_stock"], cap["suggested_quantity"]) == ("0", "", "0")
    table = stockpool(path, "reorder-suggestions", "--window-days", "15")
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines()[2].split() == ["TEE", "(all)", "5", "1.00", "7"]
    refused = stockpool(path, "reorder-suggestions", "--csv", "--window-days", "0")
    assert refused.returncode != 0
    assert "windowDays must be between 1 and 365" in refused.stderr
