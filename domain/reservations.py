"""Reservations: units held for one order on one channel, then committed, shipped or let go."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from domain.commands import Command
from domain.errors import InvalidTransition, InvalidValue, ReservationExpired
from domain.quantities import Quantities
from domain.validation import MAX_TEXT_LENGTH, Checks

DEFAULT_HOLD_SECONDS = 900
MIN_HOLD_SECONDS = 10
MAX_HOLD_SECONDS = 7 * 24 * 3600
MAX_LINES = 100


class ReservationStatus(Enum):
    HELD = "HELD"
    COMMITTED = "COMMITTED"
    RELEASED = "RELEASED"
    EXPIRED = "EXPIRED"
    FULFILLED = "FULFILLED"
    CANCELLED = "CANCELLED"
    PREEMPTED = "PREEMPTED"
    """A hold let go, whole, for a sale on a channel whose sales come before carts."""


class ReservationKind(Enum):
    HOLD = "HOLD"
    """A checkout's hold, placed before payment."""
    SALE = "SALE"
    """A sale that already happened on a marketplace or POS, recorded as committed."""


@dataclass(frozen=True, slots=True)
class ReservationLine:
    """Units of one SKU at one location. `quantity` were allocated; of them `reserved` are
    held now, `committed` promised now and `fulfilled` shipped; `backordered` are promised
    against incoming stock (due by `promised_at`) until it arrives; the rest were let go."""

    line_number: int
    sku: str
    location: str
    quantity: int
    reserved: int = 0
    committed: int = 0
    fulfilled: int = 0
    oversold: int = 0
    backordered: int = 0
    promised_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class LineChange:
    """Units moving between a line's states; the stock level moves in step."""

    reserved: int = 0
    committed: int = 0
    fulfilled: int = 0
    backordered: int = 0

    def is_zero(self) -> bool:
        return not (self.reserved or self.committed or self.fulfilled or self.backordered)

    def applied_to(self, line: ReservationLine) -> ReservationLine:
        return ReservationLine(
            line.line_number,
            line.sku,
            line.location,
            line.quantity,
            line.reserved + self.reserved,
            line.committed + self.committed,
            line.fulfilled + self.fulfilled,
            line.oversold,
            line.backordered + self.backordered,
            line.promised_at,
        )

    def stock_movement(self) -> Quantities:
        """Shipped units leave the building: on hand goes down with them."""
        return Quantities(
            on_hand=-self.fulfilled,
            reserved=self.reserved,
            committed=self.committed,
            backordered=self.backordered,
        )


@dataclass(frozen=True, slots=True)
class Reservation:
    id: str
    channel: str
    order_ref: str
    kind: ReservationKind
    status: ReservationStatus
    expires_at: datetime
    created_at: datetime
    lines: tuple[ReservationLine, ...] = field(default_factory=tuple)

    def status_at(self, now: datetime) -> ReservationStatus:
        """An expired hold is expired the moment its window passes, swept or not."""
        if self.status is ReservationStatus.HELD and self.expires_at <= now:
            return ReservationStatus.EXPIRED
        return self.status

    def require_held(self, now: datetime, action: str) -> None:
        status = self.status_at(now)
        if status is ReservationStatus.EXPIRED:
            raise ReservationExpired(self.id, action)
        if status is not ReservationStatus.HELD:
            raise InvalidTransition(self.id, status.value, action)

    def require_committed(self, action: str) -> None:
        if self.status is not ReservationStatus.COMMITTED:
            raise InvalidTransition(self.id, self.status.value, action)


@dataclass(frozen=True, slots=True)
class Destination:
    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class RequestedLine:
    sku: str
    quantity: int
    location: str | None = None


def _check_lines(checks: Checks, lines: tuple[RequestedLine, ...]) -> None:
    if not lines:
        checks.add(InvalidValue("at least one line is needed", ("lines",)))
    if len(lines) > MAX_LINES:
        checks.add(InvalidValue(f"at most {MAX_LINES} lines", ("lines",)))
    for index, line in enumerate(lines):
        checks.code(line.sku, f"lines.{index}.sku")
        checks.positive_quantity(line.quantity, f"lines.{index}.quantity")
        if line.location is not None:
            checks.code(line.location, f"lines.{index}.location")


@dataclass(frozen=True, slots=True)
class ReserveStock(Command[Reservation]):
    channel: str
    order_ref: str
    lines: tuple[RequestedLine, ...]
    hold_seconds: int = DEFAULT_HOLD_SECONDS
    destination: Destination | None = None
    idempotency_key: str | None = None

    def validate(self) -> None:
        checks = Checks()
        checks.code(self.channel, "channel")
        checks.text(self.order_ref, "orderRef", MAX_TEXT_LENGTH)
        _check_lines(checks, self.lines)
        checks.within(self.hold_seconds, MIN_HOLD_SECONDS, MAX_HOLD_SECONDS, "holdSeconds")
        if self.destination is not None:
            checks.within(self.destination.latitude, -90, 90, "destination.latitude")
            checks.within(self.destination.longitude, -180, 180, "destination.longitude")
        checks.optional_text(self.idempotency_key, "idempotencyKey", 200)
        checks.raise_if_any()


@dataclass(frozen=True, slots=True)
class ReservationCommand(Command[Reservation]):
    """commit, release, cancel: a transition of a whole reservation."""

    reservation_id: str
    idempotency_key: str | None = None

    def validate(self) -> None:
        checks = Checks()
        checks.text(self.reservation_id, "id", 64)
        checks.optional_text(self.idempotency_key, "idempotencyKey", 200)
        checks.raise_if_any()


@dataclass(frozen=True, slots=True)
class CommitReservation(ReservationCommand):
    pass


@dataclass(frozen=True, slots=True)
class ReleaseReservation(ReservationCommand):
    pass


@dataclass(frozen=True, slots=True)
class PartialReservationCommand(ReservationCommand):
    """A transition of the whole reservation, or of only the given lines and quantities."""

    lines: tuple[RequestedLine, ...] | None = None

    def validate(self) -> None:
        ReservationCommand.validate(self)
        if self.lines is not None:
            checks = Checks()
            _check_lines(checks, self.lines)
            checks.raise_if_any()


@dataclass(frozen=True, slots=True)
class CancelReservation(PartialReservationCommand):
    """Cancels the whole order, or only the given oversold units (it ships short)."""


@dataclass(frozen=True, slots=True)
class ExpireReservation(ReservationCommand):
    """The sweeper's: lets go of a hold whose window has passed (nothing, if it has not)."""


@dataclass(frozen=True, slots=True)
class ExtendReservation(ReservationCommand):
    hold_seconds: int = DEFAULT_HOLD_SECONDS

    def validate(self) -> None:
        ReservationCommand.validate(self)
        checks = Checks()
        checks.within(self.hold_seconds, MIN_HOLD_SECONDS, MAX_HOLD_SECONDS, "holdSeconds")
        checks.raise_if_any()


@dataclass(frozen=True, slots=True)
class FulfilReservation(PartialReservationCommand):
    """Ships every committed unit, or only the given lines and quantities."""


@dataclass(frozen=True, slots=True)
class SaleLine:
    """One line of a channel's order: our SKU, or the channel's own mapped by a listing."""

    quantity: int
    sku: str | None = None
    external_sku: str | None = None
    location: str | None = None


@dataclass(frozen=True, slots=True)
class RecordChannelSale(Command[Reservation]):
    """A whole order that already happened on a channel: `lines`, or the single line the
    shorthand fields (`quantity`, `sku`, `external_sku`, `location`) describe."""

    channel: str
    order_ref: str
    quantity: int = 0
    sku: str | None = None
    external_sku: str | None = None
    location: str | None = None
    idempotency_key: str | None = None
    lines: tuple[SaleLine, ...] = ()
    fulfilled: bool = False
    """A till sale: the units left with the customer, so they ship at once."""

    def sale_lines(self) -> tuple[SaleLine, ...]:
        if self.lines:
            return self.lines
        return (SaleLine(self.quantity, self.sku, self.external_sku, self.location),)

    def lines_digest(self) -> str:
        """What identifies the order's lines whatever their order: a resend of the same
        order has the same digest."""
        lines = sorted(
            (x.sku or "", x.external_sku or "", x.quantity, x.location or "")
            for x in self.sale_lines()
        )
        return hashlib.sha256(json.dumps(lines).encode()).hexdigest()

    def line_field(self, index: int, name: str) -> str:
        return f"lines.{index}.{name}" if self.lines else name

    def validate(self) -> None:
        checks = Checks()
        checks.code(self.channel, "channel")
        checks.text(self.order_ref, "orderRef", MAX_TEXT_LENGTH)
        shorthand = (self.quantity, self.sku, self.external_sku, self.location)
        if self.lines and shorthand != (0, None, None, None):
            checks.add(InvalidValue("give lines or the single-line fields, not both", ("lines",)))
        if len(self.lines) > MAX_LINES:
            checks.add(InvalidValue(f"at most {MAX_LINES} lines", ("lines",)))
        for index, line in enumerate(self.sale_lines()):
            self._check_line(checks, index, line)
        checks.optional_text(self.idempotency_key, "idempotencyKey", 200)
        checks.raise_if_any()

    def _check_line(self, checks: Checks, index: int, line: SaleLine) -> None:
        checks.positive_quantity(line.quantity, self.line_field(index, "quantity"))
        if (line.sku is None) == (line.external_sku is None):
            checks.invalid("give either sku or externalSku", self.line_field(index, "sku"))
        if line.sku is not None:
            checks.code(line.sku, self.line_field(index, "sku"))
        if line.external_sku is not None:
            checks.text(line.external_sku, self.line_field(index, "externalSku"), 64)
        if line.location is not None:
            checks.code(line.location, self.line_field(index, "location"))
