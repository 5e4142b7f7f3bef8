import pytest

from domain.errors import (
    ErrorCode,
    InsufficientStock,
    StaleQuantity,
    StockpoolError,
)
from domain.quantities import MAX_QUANTITY, Quantities
from domain.stock import StockReason
from domain.stock_commands import AdjustStock, ReceiveStock, SetStock, explain_refusal


def codes(error: StockpoolError) -> set[ErrorCode]:
    return {problem.code for problem in error.problems}


def test_receiving_moves_units_on_hand():
    assert ReceiveStock("A", "W", 4).movement() == Quantities(on_hand=4)


@pytest.mark.parametrize(
    ("reason", "movement"),
    [
        (StockReason.DAMAGED, Quantities(damaged=3)),
        (StockReason.REPAIRED, Quantities(damaged=-3)),
        (StockReason.WRITE_OFF, Quantities(on_hand=-3, damaged=-3)),
        (StockReason.SHRINKAGE, Quantities(on_hand=-3)),
        (StockReason.THEFT, Quantities(on_hand=-3)),
        (StockReason.FOUND, Quantities(on_hand=3)),
        (StockReason.CORRECTION_IN, Quantities(on_hand=3)),
        (StockReason.CORRECTION_OUT, Quantities(on_hand=-3)),
        (StockReason.QUARANTINED, Quantities(quarantined=3)),
        (StockReason.RELEASED_FROM_QUARANTINE, Quantities(quarantined=-3)),
    ],
)
def test_each_adjustment_reason_moves_the_right_counters(reason, movement):
    command = AdjustStock("A", "W", 3, reason)
    command.validate()
    assert command.movement() == movement


def test_damage_keeps_units_on_hand_but_not_available():
    after = Quantities(on_hand=5) + AdjustStock("A", "W", 2, StockReason.DAMAGED).movement()
    assert (after.on_hand, after.available) == (5, 3)


@pytest.mark.parametrize("quantity", [0, -1, MAX_QUANTITY + 1])
def test_quantities_must_be_positive_and_sane(quantity):
    with pytest.raises(StockpoolError) as refused:
        ReceiveStock("A", "W", quantity).validate()
    expected = ErrorCode.QUANTITY_TOO_LARGE if quantity > 0 else ErrorCode.INVALID_QUANTITY
    assert codes(refused.value) == {expected}


def test_a_reason_the_command_does_not_take_is_refused():
    with pytest.raises(StockpoolError) as refused:
        ReceiveStock("A", "W", 1, StockReason.THEFT).validate()
    assert codes(refused.value) == {ErrorCode.INVALID_REASON}
    with pytest.raises(StockpoolError):
        AdjustStock("A", "W", 1, StockReason.RECEIVED).validate()
    with pytest.raises(StockpoolError):
        SetStock("A", "W", 1, reason=StockReason.DAMAGED).validate()


def test_every_problem_is_reported_at_once():
    with pytest.raises(StockpoolError) as refused:
        ReceiveStock("", "bad code!", 0, reference="x" * 10_000).validate()
    assert codes(refused.value) == {
        ErrorCode.BLANK,
        ErrorCode.INVALID_VALUE,
        ErrorCode.INVALID_QUANTITY,
        ErrorCode.TOO_LONG,
    }
    assert {p.field for p in refused.value.problems} == {
        ("sku",),
        ("location",),
        ("quantity",),
        ("reference",),
    }


def test_set_stock_to_zero_is_allowed_but_not_below():
    SetStock("A", "W", 0).validate()
    with pytest.raises(StockpoolError):
        SetStock("A", "W", -1).validate()


def test_set_stock_with_a_stale_expectation_is_refused():
    command = SetStock("A", "W", 7, change_from_quantity=5)
    command.check_expected(5)
    with pytest.raises(StaleQuantity) as refused:
        command.check_expected(6)
    assert (refused.value.expected, refused.value.actual) == (5, 6)


def test_set_stock_moves_on_hand_by_the_difference():
    assert SetStock("A", "W", 7).movement_from(10) == Quantities(on_hand=-3)


def test_refusal_names_the_counter_that_would_go_negative():
    error = explain_refusal("A", "W", Quantities(on_hand=5, damaged=1), Quantities(damaged=-2))
    assert isinstance(error, InsufficientStock)
    assert (error.requested, error.available) == (2, 1)
    assert "damaged" in error.message


def test_refusal_of_a_sale_reports_what_is_available():
    current = Quantities(on_hand=5, reserved=4)
    error = explain_refusal("A", "W", current, Quantities(on_hand=-3))
    assert isinstance(error, InsufficientStock)
    assert (error.requested, error.available) == (3, 1)
