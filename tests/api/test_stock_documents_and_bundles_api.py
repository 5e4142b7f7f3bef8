"""Stock documents (transfers, counts, returns) meet bundles and reorder points: a bundle has
no stock of its own to move or count, and a document's movement opens LOW_STOCK like any."""

from __future__ import annotations

from tests.api.test_bundles_api import kit  # noqa: F401 (fixture)
from tests.api.test_cycle_counts_api import START
from tests.api.test_reorder_api import low_stock, set_policy
from tests.api.test_transfers_api import CREATE, EARLY, drafted, transition


async def test_a_bundle_cannot_be_transferred_or_counted(kit):  # noqa: F811
    gql = kit
    transfer = await gql(
        CREATE,
        {
            "input": {
                "from": "WH",
                "to": "SHOP",
                "expectedAt": EARLY,
                "lines": [{"sku": "KIT", "quantity": 1}],
            }
        },
    )
    assert [e["code"] for e in transfer["createTransfer"]["userErrors"]] == ["SKU_IS_BUNDLE"]
    assert transfer["createTransfer"]["transfer"] is None
    count = await gql(START, {"input": {"location": "WH", "skus": ["TEE", "KIT"]}})
    assert [(e["code"], e["field"]) for e in count["startCount"]["userErrors"]] == [
        ("SKU_IS_BUNDLE", ["input", "skus", "1"])
    ]


async def test_shipping_a_transfer_below_the_reorder_point_opens_one_low_stock_alert(kit):  # noqa: F811
    gql = kit
    assert (await set_policy(gql, sku="TEE", location="WH", reorderPoint=4, leadTimeDays=3))[
        "userErrors"
    ] == []
    assert await low_stock(gql) == []
    created = await drafted(gql, [("TEE", 3)])
    shipped = await gql(transition("shipTransfer"), {"input": {"id": created["id"]}})
    assert shipped["shipTransfer"]["userErrors"] == []

    [alert] = await low_stock(gql)
    assert (alert["sku"], alert["status"]) == ("TEE", "OPEN")
