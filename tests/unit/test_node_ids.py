"""Node ids: one opaque spelling per object named by codes, the documents' own prefixed ids,
and nothing else read back as an id."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from api.handlers.cycle_counts import new_count_id
from api.handlers.purchase_orders import new_purchase_order_id
from api.handlers.returns import new_return_id
from api.handlers.transfers import new_transfer_id
from api.services.reservation_records import new_reservation_id
from schema.errors import PublicError
from schema.node import NodeKind, NodeRef, node_id, node_ref

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def test_an_opaque_id_reads_back_as_the_codes_that_made_it():
    made = node_id(NodeKind.STOCK_LEVEL, "TEE-01/L", "WH.2")
    assert node_ref(made) == NodeRef(NodeKind.STOCK_LEVEL, ("TEE-01/L", "WH.2"))
    assert base64.urlsafe_b64decode(made + "==").decode() == "StockLevel:TEE-01/L:WH.2"


def test_objects_of_different_types_named_by_the_same_codes_get_different_ids():
    ids = {node_id(kind, *["A"] * kind.codes) for kind in NodeKind if kind.codes}
    assert len(ids) == len([kind for kind in NodeKind if kind.codes])
    assert node_id(NodeKind.LISTING, "web", "TEE") != node_id(
        NodeKind.CHANNEL_AVAILABILITY, "web", "TEE"
    )


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (new_reservation_id, NodeKind.RESERVATION),
        (new_purchase_order_id, NodeKind.PURCHASE_ORDER),
        (new_transfer_id, NodeKind.TRANSFER),
        (new_return_id, NodeKind.CUSTOMER_RETURN),
        (new_count_id, NodeKind.CYCLE_COUNT),
    ],
)
def test_a_documents_own_id_is_its_node_id(make, kind):
    made = make(NOW)
    assert node_ref(made) == NodeRef(kind, (made,))


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "1",
        "r1",  # too short for a document id
        "x0123456789abcdef",
        "R0123456789abcdef",
        _b64("Nope:A"),
        _b64("Sku"),
        _b64("Sku:A:B"),
        _b64("StockLevel:A"),
        _b64("Sku:has space"),
        _b64("Sku:A\n"),
        _b64("Sku:" + "A" * 65),
        _b64("Alert:1"),
        _b64("Sku:A") + "==",  # padded: another spelling of the same object
        "%%%%",
        "é" * 10,
        "A" * 10_000,
    ],
)
def test_an_id_this_api_never_hands_out_is_invalid_value(bad):
    with pytest.raises(PublicError) as refused:
        node_ref(bad)
    assert refused.value.extensions == {"code": "INVALID_VALUE"}
