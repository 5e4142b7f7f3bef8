"""Closing a transfer short over HTTP: what never arrived is written off at the destination
with its reason, leaves `inTransit` and stops promising backorders (BACKORDER_SHORT for those
left uncovered); only a transfer on its way can be closed, once."""

from __future__ import annotations

from typing import Any

from tests.api.document_helpers import ERRORS, accepted, assert_ledger_replays, events, levels
from tests.api.stock_operations import error_codes, seed
from tests.api.test_backorders_api import held, shown
from tests.api.test_listings_api import ALERTS, listed, receive
from tests.api.test_reservations_api import channel
from tests.api.test_transfers_api import (
    TRANSFERS,
    drafted,
    move,
    receive_lines,
    shipped,
)

CLOSE = (
    """mutation($input: CloseTransferInput!) { closeTransfer(input: $input) {
  transfer { id status lines { sku quantity received damaged outstanding lostInTransit } }
  """
    + ERRORS
    + " } }"
)


async def close(gql, transfer_id: str, reason: str = "SHRINKAGE", **fields: Any):
    payload = await gql(CLOSE, {"input": {"id": transfer_id, "reason": reason, **fields}})
    found: dict[str, Any] = payload["closeTransfer"]
    return found


async def stocked(gql, tee: int = 10, cap: int = 4) -> None:
    await seed(gql, skus=("TEE", "CAP"), locations=("WH", "SHOP"))
    await receive(gql, "TEE", "WH", tee)
    await receive(gql, "CAP", "WH", cap)


async def test_closing_a_short_transfer_writes_off_what_never_arrived_with_its_reason(gql):
    await stocked(gql)
    transfer = await shipped(gql, [("TEE", 10), ("CAP", 2)])
    accepted(
        await receive_lines(
            gql, transfer["id"], [{"sku": "TEE", "received": 7}, {"sku": "CAP", "received": 2}]
        ),
        "transfer",
    )

    closed = accepted(await close(gql, transfer["id"], "THEFT"), "transfer")
    assert closed["status"] == "CLOSED_SHORT"
    assert closed["lines"] == [
        {"sku": "TEE", "quantity": 10, "received": 7, "damaged": 0, "outstanding": 0,
         "lostInTransit": 3},
        {"sku": "CAP", "quantity": 2, "received": 2, "damaged": 0, "outstanding": 0,
         "lostInTransit": 0},
    ]  # fmt: skip
    shop = (await levels(gql))["SHOP"]
    assert (shop["inTransit"], shop["onHand"], shop["available"]) == (0, 7, 7)
    assert (await levels(gql))["WH"]["onHand"] == 0
    last = (await events(gql, location="SHOP"))[-1]
    assert (last["type"], last["reason"], last["reference"]) == (
        "TRANSFER_CLOSED",
        "THEFT",
        transfer["id"],
    )
    assert last["delta"] == {"onHand": 0, "quarantined": 0, "damaged": 0, "inTransit": -3}
    assert [e["type"] for e in await events(gql, "CAP", "SHOP")] == [
        "TRANSFER_SHIPPED",
        "TRANSFER_RECEIVED",
    ]
    listed_closed = await gql(TRANSFERS, {"first": 5, "status": "CLOSED_SHORT"})
    assert [e["node"]["id"] for e in listed_closed["transfers"]["edges"]] == [transfer["id"]]
    await assert_ledger_replays(gql)


async def test_a_transfer_nothing_of_which_arrived_is_written_off_whole(gql):
    await stocked(gql)
    transfer = await shipped(gql, [("TEE", 4)])
    closed = accepted(await close(gql, transfer["id"], "WRITE_OFF"), "transfer")
    assert closed["lines"][0]["lostInTransit"] == 4
    shop = (await levels(gql))["SHOP"]
    assert (shop["inTransit"], shop["onHand"]) == (0, 0)
    await assert_ledger_replays(gql)


async def test_backorders_promised_against_a_closed_transfer_raise_backorder_short(gql):
    await seed(gql, skus=("TEE",), locations=("WH", "SHOP"))
    await channel(gql, "web", ("SHOP",))
    await receive(gql, "TEE", "WH", 10)
    await listed(gql, "TEE", "WEB-TEE", allowBackorder=True, backorderLimit=5)
    transfer = await shipped(gql, [("TEE", 4)])
    reservation = await held(gql, 3)
    assert reservation["lines"][0]["backordered"] == 3
    accepted(await receive_lines(gql, transfer["id"], [{"sku": "TEE", "received": 1}]), "transfer")
    assert (await gql(ALERTS, {"status": "OPEN"}))["alerts"] == []

    accepted(await close(gql, transfer["id"]), "transfer")
    shop = (await levels(gql))["SHOP"]
    assert (shop["reserved"], shop["backordered"], shop["inTransit"]) == (1, 2, 0)
    assert (await shown(gql, "TEE"))["backorderable"] == 0  # nothing is on its way any more
    [alert] = (await gql(ALERTS, {"status": "OPEN"}))["alerts"]
    assert (alert["type"], alert["sku"], alert["details"]["promised"]) == (
        "BACKORDER_SHORT",
        "TEE",
        2,
    )
    await assert_ledger_replays(gql)


async def test_only_a_transfer_on_its_way_can_be_closed_and_only_once(gql):
    await stocked(gql)
    draft = await drafted(gql, [("TEE", 1)])
    refused = await close(gql, draft["id"])
    assert error_codes(refused) == [(("input", "id"), "INVALID_TRANSITION")]
    assert "cannot close transfer" in refused["userErrors"][0]["message"]
    assert "it is DRAFT" in refused["userErrors"][0]["message"]
    accepted(await move(gql, "cancelTransfer", draft["id"]), "transfer")
    assert "it is CANCELLED" in (await close(gql, draft["id"]))["userErrors"][0]["message"]

    done = await shipped(gql, [("CAP", 2)])
    accepted(await receive_lines(gql, done["id"], [{"sku": "CAP", "received": 2}]), "transfer")
    assert "it is RECEIVED" in (await close(gql, done["id"]))["userErrors"][0]["message"]

    short = await shipped(gql, [("TEE", 5)])
    accepted(await close(gql, short["id"]), "transfer")
    before = await levels(gql)
    again = await close(gql, short["id"])
    assert again["transfer"] is None
    assert error_codes(again) == [(("input", "id"), "INVALID_TRANSITION")]
    assert "it is CLOSED_SHORT" in again["userErrors"][0]["message"]
    late = await receive_lines(gql, short["id"], [{"sku": "TEE", "received": 1}])
    assert error_codes(late) == [(("input", "id"), "INVALID_TRANSITION")]
    for name in ("shipTransfer", "cancelTransfer"):
        assert error_codes(await move(gql, name, short["id"])) == [
            (("input", "id"), "INVALID_TRANSITION")
        ]
    assert error_codes(await close(gql, "tr-unknown")) == [(("input", "id"), "TRANSFER_NOT_FOUND")]
    assert await levels(gql) == before
    await assert_ledger_replays(gql)


async def test_a_loss_needs_a_loss_reason(gql):
    await stocked(gql)
    transfer = await shipped(gql, [("TEE", 3)])
    refused = await close(gql, transfer["id"], "FOUND")
    assert refused["transfer"] is None
    assert error_codes(refused) == [(("input", "reason"), "INVALID_REASON")]
    assert (await levels(gql))["SHOP"]["inTransit"] == 3


async def test_a_replayed_close_applies_once(gql):
    await stocked(gql)
    transfer = await shipped(gql, [("TEE", 6)])
    first = accepted(await close(gql, transfer["id"], idempotencyKey="lost-1"), "transfer")
    replay = accepted(await close(gql, transfer["id"], idempotencyKey="lost-1"), "transfer")
    assert replay == first
    closings = [e for e in await events(gql, location="SHOP") if e["type"] == "TRANSFER_CLOSED"]
    assert len(closings) == 1
    other = await close(gql, transfer["id"], "THEFT", idempotencyKey="lost-1")
    assert error_codes(other) == [(("input", "idempotencyKey"), "IDEMPOTENCY_KEY_REUSED")]
    await assert_ledger_replays(gql)


async def test_a_replayed_transfer_command_answers_the_transfer_as_its_first_run_left_it(gql):
    await stocked(gql)
    transfer = await drafted(gql, [("TEE", 6)])
    first = accepted(
        await move(gql, "shipTransfer", transfer["id"], idempotencyKey="ship-1"), "transfer"
    )
    accepted(await receive_lines(gql, transfer["id"], [{"sku": "TEE", "received": 4}]), "transfer")
    closed = accepted(await close(gql, transfer["id"], idempotencyKey="close-1"), "transfer")

    replayed = accepted(
        await move(gql, "shipTransfer", transfer["id"], idempotencyKey="ship-1"), "transfer"
    )
    assert replayed == first
    assert (replayed["status"], replayed["lines"][0]["received"]) == ("IN_TRANSIT", 0)
    again = accepted(await close(gql, transfer["id"], idempotencyKey="close-1"), "transfer")
    assert again == closed
    assert again["status"] == "CLOSED_SHORT"
