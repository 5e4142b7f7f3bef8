"""What holds and channel sales share about an order's lines (domain/order_lines.py), and the
ledger row a move of stock makes (domain/stock.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.channels import Channel, ChannelKind
from domain.errors import ErrorCode, StockpoolError
from domain.order_lines import booking, check_order_lines
from domain.quantities import Quantities
from domain.reservations import RequestedLine, ReservationLine
from domain.stock import StockEventType, StockMove, StockReason, ledger_entry

NOW = datetime(2026, 3, 1, tzinfo=UTC)
WEB = Channel("web", "Web", ChannelKind.WEBSTORE, locations=("A", "B"))


def test_lines_are_checked_against_the_catalogue_and_the_channels_locations():
    lines = (
        RequestedLine("TEE", 1, "A"),
        RequestedLine("NOPE", 1, "C"),
        RequestedLine("TEE", 1, "Z"),
    )
    with pytest.raises(StockpoolError) as refused:
        check_order_lines(lines, WEB, {"TEE"}, {"C"}, None)
    assert [(p.code, p.field) for p in refused.value.problems] == [
        (ErrorCode.SKU_NOT_FOUND, ("sku",)),
        (ErrorCode.LOCATION_NOT_IN_CHANNEL, ("location",)),
        (ErrorCode.LOCATION_NOT_FOUND, ("location",)),
    ]
    check_order_lines(lines[:1], WEB, {"TEE"}, set(), "lines")


def test_a_booked_line_moves_its_level_and_a_wholly_backordered_one_says_so():
    held = ReservationLine(0, "TEE", "A", 3, reserved=2, backordered=1)
    promised = ReservationLine(1, "TEE", "B", 2, backordered=2)
    sold = ReservationLine(0, "TEE", "A", 2, committed=2)
    assert booking(held, StockEventType.RESERVED, StockReason.ORDER, "o-1") == StockMove(
        "TEE",
        "A",
        Quantities(reserved=2, backordered=1),
        StockEventType.RESERVED,
        StockReason.ORDER,
        "o-1",
    )
    assert booking(promised, StockEventType.RESERVED, StockReason.ORDER, "o-1").type is (
        StockEventType.BACKORDERED
    )
    assert booking(sold, StockEventType.SOLD, StockReason.CHANNEL_SALE, "o-2").delta == Quantities(
        committed=2
    )


def test_a_ledger_row_records_the_counters_before_and_after_and_the_next_version():
    move = StockMove(
        "TEE", "A", Quantities(reserved=2), StockEventType.RESERVED, StockReason.ORDER, "o-1"
    )
    entry = ledger_entry(move, Quantities(on_hand=5, reserved=1), 7, "alice", NOW, "k-1")
    assert (entry.before, entry.after, entry.version) == (
        Quantities(on_hand=5, reserved=1),
        Quantities(on_hand=5, reserved=3),
        8,
    )
    assert (entry.actor, entry.created_at, entry.reference, entry.idempotency_key) == (
        "alice",
        NOW,
        "o-1",
        "k-1",
    )
    assert entry.delta == move.delta
