"""Stock documents as an idempotency record keeps them (api/database/document_snapshots.py):
every kind comes back equal after a trip through JSON, nested lines, enums, moments and
empty values included."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from api.database.document_snapshots import from_snapshot, snapshot
from domain.cycle_counts import CountLine, CountStatus, CycleCount
from domain.purchase_orders import PurchaseOrder, PurchaseOrderLine, PurchaseOrderStatus
from domain.returns import (
    CustomerReturn,
    Inspection,
    InspectionOutcome,
    InspectionReason,
    ReturnLine,
    ReturnReason,
    ReturnStatus,
)
from domain.transfers import Transfer, TransferLine, TransferStatus

NOW = datetime(2026, 12, 6, 22, 0, tzinfo=UTC)
LATER = datetime(2027, 1, 2, 9, 30, tzinfo=timezone(timedelta(hours=8)))

DOCUMENTS = [
    Transfer(
        "tr-1", "WH", "SHOP", TransferStatus.IN_TRANSIT, LATER, NOW, NOW, NOW, "move-1",
        (TransferLine(1, "TEE", 5, received=2, damaged=1), TransferLine(2, "CAP", 3)),
    ),
    Transfer("tr-2", "WH", "SHOP", TransferStatus.DRAFT, LATER, NOW, NOW),
    PurchaseOrder(
        "po-1", "Acme", "WH", PurchaseOrderStatus.PARTIALLY_RECEIVED, LATER, NOW, NOW, None,
        (PurchaseOrderLine(1, "TEE", 10, received=4, damaged=1),),
    ),
    CustomerReturn(
        "rt-1", "web", "o-1", "WH", ReturnStatus.PARTIALLY_INSPECTED, NOW, NOW, "r-1",
        (
            ReturnLine(
                1, "TEE", 2, ReturnReason.DEFECTIVE, damaged=1,
                inspections=(
                    Inspection(InspectionOutcome.DAMAGED, 1, InspectionReason.DEFECTIVE, NOW),
                ),
            ),
        ),
    ),
    CycleCount(
        "cc-1", "WH", CountStatus.COMPLETED, NOW, NOW, NOW, None,
        (
            CountLine(1, "TEE", expected=8, counted=7, recorded_at=NOW, adjusted=-1),
            CountLine(2, "CAP"),
        ),
    ),
]  # fmt: skip


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: d.id)
def test_a_document_comes_back_equal_from_its_json_snapshot(document):
    kept = json.loads(json.dumps(snapshot(document)))
    assert from_snapshot(type(document), kept) == document


def test_a_moment_keeps_its_offset():
    [transfer] = [d for d in DOCUMENTS if d.id == "tr-1"]
    back = from_snapshot(Transfer, json.loads(json.dumps(snapshot(transfer))))
    assert back.expected_at.utcoffset() == timedelta(hours=8)


def test_a_snapshot_without_a_field_gives_the_field_its_default():
    kept = snapshot(DOCUMENTS[1])
    del kept["reference"], kept["lines"]
    assert from_snapshot(Transfer, kept) == DOCUMENTS[1]


def test_a_value_json_cannot_hold_is_refused():
    with pytest.raises(TypeError):
        snapshot(TransferLine(1, "TEE", object()))  # type: ignore[arg-type]
