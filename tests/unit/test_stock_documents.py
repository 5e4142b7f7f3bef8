"""The rules of transfers, returns and cycle counts, without IO."""

from datetime import UTC, datetime

import pytest

from domain.cycle_counts import CountAccuracy, CountLine, CountStatus, CycleCount, settle
from domain.errors import ErrorCode, StockpoolError
from domain.quantities import Quantities
from domain.returns import (
    CustomerReturn,
    InspectedLine,
    InspectionOutcome,
    InspectionReason,
    InspectReturn,
    ReceiveReturn,
    ReturnedLine,
    ReturnLine,
    ReturnReason,
    ReturnStatus,
)
from domain.stock import StockReason
from domain.transfers import (
    ArrivedLine,
    CloseTransfer,
    ReceiveTransfer,
    Transfer,
    TransferLine,
    TransferStatus,
)

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def codes(error: StockpoolError) -> list[ErrorCode]:
    return [problem.code for problem in error.problems]


@pytest.mark.parametrize(
    ("discrepancy", "available", "expected"),
    [
        (3, 0, (3, 0)),
        (0, 5, (0, 0)),
        (-2, 5, (-2, 0)),
        (-8, 3, (-3, 5)),
        (-4, 0, (0, 4)),
    ],
)
def test_a_count_takes_missing_units_from_what_is_available_only(discrepancy, available, expected):
    assert settle(discrepancy, available) == expected


def test_accuracy_counts_skus_that_matched_and_units_off_either_way():
    count = CycleCount(
        "cc1",
        "WH",
        CountStatus.OPEN,
        NOW,
        NOW,
        lines=(
            CountLine(0, "A", expected=10, counted=8),
            CountLine(1, "B", expected=4, counted=4),
            CountLine(2, "C", expected=5, counted=7),
            CountLine(3, "D"),
        ),
    )
    assert count.accuracy == CountAccuracy(3, 1, 19, 4)
    with pytest.raises(StockpoolError) as refused:
        count.require_recorded()
    assert codes(refused.value) == [ErrorCode.COUNT_INCOMPLETE]


def test_accuracy_of_an_empty_shelf_is_whole_only_when_nothing_was_found():
    assert CountAccuracy(1, 1, 0, 0).unit_rate == 1.0
    assert CountAccuracy(1, 0, 0, 2).unit_rate == 0.0
    assert CountAccuracy(1, 0, 2, 5).unit_rate == 0.0


def test_a_return_takes_back_what_the_order_shipped_less_what_came_back():
    command = ReceiveReturn(
        "WH",
        (ReturnedLine("A", 2, ReturnReason.OTHER), ReturnedLine("B", 1, ReturnReason.OTHER)),
        reservation_id="r1",
    )
    command.check_returnable({"A": 5, "B": 1}, {"A": 3})
    with pytest.raises(StockpoolError) as refused:
        command.check_returnable({"A": 5}, {"A": 4})
    assert codes(refused.value) == [
        ErrorCode.RETURN_EXCEEDS_FULFILLED,
        ErrorCode.RETURN_EXCEEDS_FULFILLED,
    ]


def test_inspection_outcomes_move_units_out_of_quarantine():
    def moved(outcome: InspectionOutcome) -> Quantities:
        return InspectedLine("A", outcome, 2, InspectionReason.OTHER).movement()

    assert moved(InspectionOutcome.RESTOCK) == Quantities(quarantined=-2)
    assert moved(InspectionOutcome.DAMAGED) == Quantities(quarantined=-2, damaged=2)
    assert moved(InspectionOutcome.WRITE_OFF) == Quantities(quarantined=-2, on_hand=-2)


def test_lines_of_one_inspection_share_what_is_waiting():
    customer_return = CustomerReturn(
        "rt1",
        "web",
        "o-1",
        "WH",
        ReturnStatus.RECEIVED,
        NOW,
        NOW,
        lines=(ReturnLine(0, "A", 3, ReturnReason.OTHER),),
    )

    def inspect(*lines: tuple[InspectionOutcome, int]) -> InspectReturn:
        return InspectReturn(
            "rt1", tuple(InspectedLine("A", o, q, InspectionReason.OTHER) for o, q in lines)
        )

    [line] = inspect((InspectionOutcome.RESTOCK, 1), (InspectionOutcome.DAMAGED, 2)).apply_to(
        customer_return
    )
    assert (line.restocked, line.damaged, line.uninspected) == (1, 2, 0)
    with pytest.raises(StockpoolError) as refused:
        inspect((InspectionOutcome.RESTOCK, 2), (InspectionOutcome.WRITE_OFF, 2)).apply_to(
            customer_return
        )
    assert codes(refused.value) == [ErrorCode.OVER_INSPECTION]


def test_a_transfer_receipt_moves_units_from_in_transit_to_on_hand():
    assert ArrivedLine("A", 3, 1).movement() == Quantities(in_transit=-4, on_hand=4, damaged=1)
    transfer = Transfer(
        "tr1",
        "WH",
        "SHOP",
        TransferStatus.IN_TRANSIT,
        NOW,
        NOW,
        NOW,
        lines=(TransferLine(0, "A", 4),),
    )
    [line] = ReceiveTransfer("tr1", (ArrivedLine("A", 3),)).apply_to(transfer)
    assert (line.received, line.outstanding) == (3, 1)
    assert transfer.status_after_receipt((line,)) is TransferStatus.PARTIALLY_RECEIVED
    draft = Transfer("tr2", "WH", "SHOP", TransferStatus.DRAFT, NOW, NOW, NOW)
    with pytest.raises(StockpoolError) as refused:
        ReceiveTransfer("tr2", (ArrivedLine("A", 1),)).apply_to(draft)
    assert codes(refused.value) == [ErrorCode.INVALID_TRANSITION]


def test_closing_a_transfer_short_writes_off_only_what_is_still_on_its_way():
    transfer = Transfer(
        "tr1",
        "WH",
        "SHOP",
        TransferStatus.PARTIALLY_RECEIVED,
        NOW,
        NOW,
        NOW,
        lines=(TransferLine(0, "A", 10, received=7), TransferLine(1, "B", 2, received=2)),
    )
    close = CloseTransfer("tr1", StockReason.SHRINKAGE)
    assert close.write_offs(transfer) == [("A", Quantities(in_transit=-3))]
    assert [transfer.lost_in_transit(line) for line in transfer.lines] == [0, 0]
    closed = Transfer("tr1", "WH", "SHOP", TransferStatus.CLOSED_SHORT, NOW, NOW, NOW)
    assert closed.lost_in_transit(TransferLine(0, "A", 10, received=7)) == 3
    with pytest.raises(StockpoolError) as refused:
        close.write_offs(closed)
    assert codes(refused.value) == [ErrorCode.INVALID_TRANSITION]
    with pytest.raises(StockpoolError) as refused:
        CloseTransfer("tr1", StockReason.FOUND).validate()
    assert codes(refused.value) == [ErrorCode.INVALID_REASON]
