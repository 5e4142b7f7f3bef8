"""Replaying the ledger: the counters every stock level must hold if nothing was lost."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from domain.quantities import ZERO, Quantities
from domain.stock import LedgerEntry, StockLevel

LevelKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Replayed:
    quantities: Quantities
    version: int
    broken_chain_at: int | None = None
    """Id of the first entry whose `before` differs from the counters the previous ones left."""


@dataclass(frozen=True, slots=True)
class Discrepancy:
    sku: str
    location: str
    counters: Quantities
    replayed: Quantities
    counter_version: int
    replayed_version: int
    broken_chain_at: int | None


class LedgerReplay:
    """Folds entries, in ledger order, from zero into the counters they imply per level."""

    def __init__(self) -> None:
        self.levels: dict[LevelKey, Replayed] = {}
        self.events = 0

    def add(self, entry: LedgerEntry) -> None:
        key = (entry.sku, entry.location)
        current = self.levels.get(key, Replayed(ZERO, 0))
        broken = current.broken_chain_at
        if broken is None and entry.before != current.quantities:
            broken = entry.id
        self.levels[key] = Replayed(current.quantities + entry.delta, current.version + 1, broken)
        self.events += 1


@dataclass(frozen=True, slots=True)
class LedgerCheckReport:
    """What a replay of the whole ledger found against every stock level's counters."""

    stock_levels_checked: int
    events_replayed: int
    discrepancies: list[Discrepancy]

    @property
    def ok(self) -> bool:
        return not self.discrepancies


def replay(entries: Iterable[LedgerEntry]) -> dict[LevelKey, Replayed]:
    folded = LedgerReplay()
    for entry in entries:
        folded.add(entry)
    return folded.levels


def find_discrepancies(
    levels: Iterable[StockLevel], replayed: dict[LevelKey, Replayed]
) -> list[Discrepancy]:
    """Every stock level whose counters, version or ledger chain disagree with the replay."""
    found: list[Discrepancy] = []
    seen: set[LevelKey] = set()
    for level in levels:
        key = (level.sku, level.location)
        seen.add(key)
        expected = replayed.get(key, Replayed(ZERO, 0))
        if (
            expected.quantities != level.quantities
            or expected.version != level.version
            or expected.broken_chain_at is not None
        ):
            found.append(_discrepancy(key, level.quantities, level.version, expected))
    for key, expected in replayed.items():
        if key not in seen:
            found.append(_discrepancy(key, ZERO, 0, expected))
    return found


def _discrepancy(
    key: LevelKey, counters: Quantities, version: int, expected: Replayed
) -> Discrepancy:
    return Discrepancy(
        key[0],
        key[1],
        counters,
        expected.quantities,
        version,
        expected.version,
        expected.broken_chain_at,
    )
