"""reserveStock and the transitions of a reservation; recordChannelSale."""

from __future__ import annotations

from collections.abc import Awaitable

import strawberry

from domain import reservations
from domain.errors import InvalidValue
from schema.context import Info
from schema.errors import UserError, attempt
from schema.types.reservations import Reservation

IDEMPOTENCY_HELP = "Send the same key again to get the first result back without changing anything."


@strawberry.input
class ReserveLineInput:
    sku: str
    quantity: int
    location: str | None = strawberry.field(
        default=None, description="Leave out to let the channel's routing policy choose."
    )


@strawberry.input
class DestinationInput:
    latitude: float
    longitude: float


@strawberry.input(
    description="Holds every line or nothing. The same SKU twice (for the same location, or "
    "both routed) is merged into one line."
)
class ReserveStockInput:
    channel: str
    order_ref: str
    lines: list[ReserveLineInput]
    hold_seconds: int = strawberry.field(
        default=reservations.DEFAULT_HOLD_SECONDS,
        description=f"Between {reservations.MIN_HOLD_SECONDS} and {reservations.MAX_HOLD_SECONDS}.",
    )
    destination: DestinationInput | None = strawberry.field(
        default=None, description="Where the order ships, for the NEAREST routing policy."
    )
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.input
class FulfilLineInput:
    sku: str
    quantity: int
    location: str | None = None


@strawberry.input
class ReservationInput:
    id: strawberry.ID
    lines: list[FulfilLineInput] | None = strawberry.field(
        default=None,
        description="cancelReservation only: the oversold units to cancel, so the order ships "
        "short (commit and release refuse lines).",
    )
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.input
class ExtendReservationInput:
    id: strawberry.ID
    hold_seconds: int = reservations.DEFAULT_HOLD_SECONDS
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.input(description="Without lines, ships every committed unit.")
class FulfilReservationInput:
    id: strawberry.ID
    lines: list[FulfilLineInput] | None = None
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.input(description="Give either sku or externalSku.")
class SaleLineInput:
    quantity: int
    sku: str | None = None
    external_sku: str | None = strawberry.field(
        default=None, description="The channel's own SKU, mapped by a listing."
    )
    location: str | None = strawberry.field(
        default=None, description="Leave out to let the channel's routing policy choose."
    )


SHORTHAND = "Give lines: the single-line fields are a shorthand for an order of one line."


@strawberry.input(
    description="An order that already happened on the channel, with no prior hold: every "
    "line is recorded, or none."
)
class RecordChannelSaleInput:
    channel: str
    order_ref: str
    lines: list[SaleLineInput] | None = None
    quantity: int | None = strawberry.field(default=None, deprecation_reason=SHORTHAND)
    sku: str | None = strawberry.field(default=None, deprecation_reason=SHORTHAND)
    external_sku: str | None = strawberry.field(default=None, deprecation_reason=SHORTHAND)
    location: str | None = strawberry.field(default=None, deprecation_reason=SHORTHAND)
    fulfilled: bool = strawberry.field(
        default=False,
        description="A till (POS) sale: the units left with the customer, so they ship at "
        "once (on hand goes down now) and the sale is FULFILLED.",
    )
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.type
class ReservationPayload:
    reservation: Reservation | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


async def _reservation(action: Awaitable[reservations.Reservation]) -> ReservationPayload:
    found, errors = await attempt(action)
    return ReservationPayload(
        reservation=Reservation.from_domain(found) if found else None, user_errors=errors
    )


def _requested(
    lines: list[FulfilLineInput] | None,
) -> tuple[reservations.RequestedLine, ...] | None:
    if lines is None:
        return None
    return tuple(reservations.RequestedLine(x.sku, x.quantity, x.location) for x in lines)


async def _takes_no_lines(mutation: str) -> reservations.Reservation:
    raise InvalidValue(f"{mutation} takes no lines: only cancelReservation does", ("lines",))


@strawberry.type
class ReservationMutations:
    @strawberry.mutation(description="Holds units for a checkout until committed or released.")
    async def reserve_stock(self, info: Info, input: ReserveStockInput) -> ReservationPayload:
        command = reservations.ReserveStock(
            channel=input.channel,
            order_ref=input.order_ref,
            lines=tuple(
                reservations.RequestedLine(line.sku, line.quantity, line.location)
                for line in input.lines
            ),
            hold_seconds=input.hold_seconds,
            destination=(
                reservations.Destination(input.destination.latitude, input.destination.longitude)
                if input.destination
                else None
            ),
            idempotency_key=input.idempotency_key,
        )
        return await _reservation(info.context.dispatch(command))

    @strawberry.mutation(description="The order is placed: reserved units become committed.")
    async def commit_reservation(self, info: Info, input: ReservationInput) -> ReservationPayload:
        if input.lines is not None:
            return await _reservation(_takes_no_lines("commitReservation"))
        command = reservations.CommitReservation(str(input.id), input.idempotency_key)
        return await _reservation(info.context.dispatch(command))

    @strawberry.mutation(description="Payment failed or the cart was abandoned: units go back.")
    async def release_reservation(self, info: Info, input: ReservationInput) -> ReservationPayload:
        if input.lines is not None:
            return await _reservation(_takes_no_lines("releaseReservation"))
        command = reservations.ReleaseReservation(str(input.id), input.idempotency_key)
        return await _reservation(info.context.dispatch(command))

    @strawberry.mutation(description="Pushes a live hold's window out to now + holdSeconds.")
    async def extend_reservation(
        self, info: Info, input: ExtendReservationInput
    ) -> ReservationPayload:
        command = reservations.ExtendReservation(
            str(input.id), input.idempotency_key, input.hold_seconds
        )
        return await _reservation(info.context.dispatch(command))

    @strawberry.mutation(description="Shipped: on hand and committed go down.")
    async def fulfil_reservation(
        self, info: Info, input: FulfilReservationInput
    ) -> ReservationPayload:
        lines = _requested(input.lines)
        command = reservations.FulfilReservation(str(input.id), input.idempotency_key, lines)
        return await _reservation(info.context.dispatch(command))

    @strawberry.mutation(
        description="A committed order cancelled before shipping: units go back. With lines, "
        "only those oversold units are cancelled (short-ship)."
    )
    async def cancel_reservation(self, info: Info, input: ReservationInput) -> ReservationPayload:
        lines = _requested(input.lines)
        command = reservations.CancelReservation(str(input.id), input.idempotency_key, lines)
        return await _reservation(info.context.dispatch(command))

    @strawberry.mutation(
        description="Commits what is available; a shortfall is recorded as oversold on the "
        "line and raises an OVERSELL alert."
    )
    async def record_channel_sale(
        self, info: Info, input: RecordChannelSaleInput
    ) -> ReservationPayload:
        command = reservations.RecordChannelSale(
            channel=input.channel,
            order_ref=input.order_ref,
            quantity=input.quantity or 0,
            sku=input.sku,
            external_sku=input.external_sku,
            location=input.location,
            idempotency_key=input.idempotency_key,
            lines=tuple(
                reservations.SaleLine(x.quantity, x.sku, x.external_sku, x.location)
                for x in input.lines or ()
            ),
            fulfilled=input.fulfilled,
        )
        return await _reservation(info.context.dispatch(command))
