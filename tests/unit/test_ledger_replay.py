from datetime import UTC, datetime

from domain.ledger import find_discrepancies, replay
from domain.quantities import ZERO, Quantities
from domain.stock import LedgerEntry, StockEventType, StockLevel, StockReason

NOW = datetime(2026, 11, 11, tzinfo=UTC)


def entry(id: int, before: Quantities, after: Quantities, sku: str = "A") -> LedgerEntry:
    return LedgerEntry(
        id, sku, "W", StockEventType.ADJUSTED, StockReason.FOUND, before, after, id, "t", NOW
    )


def test_replay_folds_deltas_from_zero():
    entries = [
        entry(1, ZERO, Quantities(on_hand=5)),
        entry(2, Quantities(on_hand=5), Quantities(on_hand=5, damaged=1)),
    ]
    replayed = replay(entries)[("A", "W")]
    assert replayed.quantities == Quantities(on_hand=5, damaged=1)
    assert replayed.version == 2
    assert replayed.broken_chain_at is None


def test_counters_that_match_the_ledger_have_no_discrepancy():
    entries = [entry(1, ZERO, Quantities(on_hand=5))]
    level = StockLevel("A", "W", Quantities(on_hand=5), 1)
    assert find_discrepancies([level], replay(entries)) == []


def test_a_counter_changed_outside_the_ledger_is_reported():
    entries = [entry(1, ZERO, Quantities(on_hand=5))]
    level = StockLevel("A", "W", Quantities(on_hand=6), 1)
    [found] = find_discrepancies([level], replay(entries))
    assert (found.counters.on_hand, found.replayed.on_hand) == (6, 5)


def test_a_missing_ledger_row_breaks_the_chain():
    entries = [
        entry(1, ZERO, Quantities(on_hand=5)),
        entry(3, Quantities(on_hand=7), Quantities(on_hand=8)),
    ]
    level = StockLevel("A", "W", Quantities(on_hand=6), 2)
    [found] = find_discrepancies([level], replay(entries))
    assert found.broken_chain_at == 3


def test_a_ledger_for_a_level_that_does_not_exist_is_reported():
    [found] = find_discrepancies([], replay([entry(1, ZERO, Quantities(on_hand=5))]))
    assert found.counters == ZERO and found.replayed.on_hand == 5
