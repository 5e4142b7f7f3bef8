"""Stock levels, the ledger entries that change them and the reasons a change may give."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from domain.errors import CounterTooLarge
from domain.quantities import Quantities


class StockEventType(Enum):
    RECEIVED = "RECEIVED"
    ADJUSTED = "ADJUSTED"
    SET = "SET"
    RESERVED = "RESERVED"
    RELEASED = "RELEASED"
    EXPIRED = "EXPIRED"
    COMMITTED = "COMMITTED"
    FULFILLED = "FULFILLED"
    CANCELLED = "CANCELLED"
    SOLD = "SOLD"
    ORDERED = "ORDERED"
    """A purchase order line: units expected from a supplier (`onOrder` up)."""
    ORDER_CLOSED = "ORDER_CLOSED"
    """A purchase order closed with units still outstanding (`onOrder` down)."""
    BACKORDERED = "BACKORDERED"
    """Units promised to a hold against incoming stock (`backordered` up)."""
    BACKORDER_FILLED = "BACKORDER_FILLED"
    """Arrived units handed to the holds and orders waiting for them."""
    TRANSFER_SHIPPED = "TRANSFER_SHIPPED"
    """A transfer left: on hand down at its source, `inTransit` up at its destination."""
    TRANSFER_RECEIVED = "TRANSFER_RECEIVED"
    """Transferred units arrived: `inTransit` down, on hand up (damaged ones set aside)."""
    TRANSFER_CLOSED = "TRANSFER_CLOSED"
    """A transfer closed short: units that never arrived written off (`inTransit` down)."""
    RETURNED = "RETURNED"
    """Units back from a customer: on hand and `quarantined` up until inspected."""
    RETURN_INSPECTED = "RETURN_INSPECTED"
    """Returned units out of quarantine: restocked, set aside as damaged or written off."""


class StockReason(Enum):
    RECEIVED = "RECEIVED"
    PRODUCED = "PRODUCED"
    OPENING_BALANCE = "OPENING_BALANCE"
    DAMAGED = "DAMAGED"
    REPAIRED = "REPAIRED"
    WRITE_OFF = "WRITE_OFF"
    SHRINKAGE = "SHRINKAGE"
    THEFT = "THEFT"
    FOUND = "FOUND"
    CORRECTION_IN = "CORRECTION_IN"
    CORRECTION_OUT = "CORRECTION_OUT"
    QUARANTINED = "QUARANTINED"
    RELEASED_FROM_QUARANTINE = "RELEASED_FROM_QUARANTINE"
    STOCK_TAKE = "STOCK_TAKE"
    CORRECTION = "CORRECTION"
    ORDER = "ORDER"
    HOLD_EXPIRED = "HOLD_EXPIRED"
    CHANNEL_SALE = "CHANNEL_SALE"
    PURCHASE_ORDER = "PURCHASE_ORDER"
    TRANSFER = "TRANSFER"
    RETURN = "RETURN"
    COUNT = "COUNT"


@dataclass(frozen=True, slots=True)
class StockLevel:
    sku: str
    location: str
    quantities: Quantities
    version: int
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One append-only row of the ledger: a single change to a single stock level."""

    id: int
    sku: str
    location: str
    type: StockEventType
    reason: StockReason
    before: Quantities
    after: Quantities
    version: int
    actor: str
    created_at: datetime
    reference: str | None = None
    idempotency_key: str | None = None

    @property
    def delta(self) -> Quantities:
        return self.after - self.before

    def numbered(self, event_id: int) -> LedgerEntry:
        """The entry with the id the ledger gave it when it was written (what
        `dataclasses.replace` does, at a third of its cost: every hold pays it)."""
        return LedgerEntry(
            event_id,
            self.sku,
            self.location,
            self.type,
            self.reason,
            self.before,
            self.after,
            self.version,
            self.actor,
            self.created_at,
            self.reference,
            self.idempotency_key,
        )

    def stock_level(self) -> StockLevel:
        """The stock level exactly as this entry left it."""
        return StockLevel(self.sku, self.location, self.after, self.version, self.created_at)


@dataclass(frozen=True, slots=True)
class StockMove:
    """A change to the counters of one stock level, and why it is made."""

    sku: str
    location: str
    delta: Quantities
    type: StockEventType
    reason: StockReason
    reference: str | None = None


def ledger_entry(
    move: StockMove,
    before: Quantities,
    version: int,
    actor: str,
    at: datetime,
    idempotency_key: str | None = None,
) -> LedgerEntry:
    """The ledger row of `move` made on a level whose counters were `before` at `version`:
    it leaves them at `before + delta` and one version later. Its `id` is the ledger's to
    give, when the row is written. Refused when a counter would pass MAX_COUNTER."""
    after = before + move.delta
    too_large = after.over_limit()
    if too_large is not None:
        raise CounterTooLarge(move.sku, move.location, too_large, getattr(after, too_large))
    return LedgerEntry(
        id=0,
        sku=move.sku,
        location=move.location,
        type=move.type,
        reason=move.reason,
        before=before,
        after=after,
        version=version + 1,
        actor=actor,
        created_at=at,
        reference=move.reference,
        idempotency_key=idempotency_key,
    )


@dataclass(frozen=True, slots=True)
class StockChange:
    """What one stock command did: the level it left and the ledger entry it wrote."""

    stock_level: StockLevel
    event: LedgerEntry

    @classmethod
    def from_entry(cls, entry: LedgerEntry) -> StockChange:
        return cls(entry.stock_level(), entry)
