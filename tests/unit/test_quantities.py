from domain.quantities import ZERO, Quantities


def test_available_is_on_hand_less_everything_held_or_unsellable():
    level = Quantities(on_hand=10, damaged=1, quarantined=2, reserved=3, committed=1, in_transit=9)
    assert level.available == 3


def test_incoming_units_are_not_available():
    assert Quantities(in_transit=5, on_order=7).available == 0


def test_a_level_with_more_held_than_on_hand_is_inconsistent():
    assert not Quantities(on_hand=2, reserved=3).is_consistent()
    assert not Quantities(on_hand=-1).is_consistent()
    assert Quantities(on_hand=3, reserved=3).is_consistent()


def test_deltas_add_and_subtract_per_counter():
    before = Quantities(on_hand=5, damaged=1)
    delta = Quantities(on_hand=-1, damaged=-1)
    assert before + delta == Quantities(on_hand=4)
    assert (before + delta) - before == delta
    assert delta * 3 == Quantities(on_hand=-3, damaged=-3)
    assert (before - before).is_zero() and ZERO.is_zero()
