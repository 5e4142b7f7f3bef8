"""receiveReturn, inspectReturn."""

from __future__ import annotations

from collections.abc import Awaitable

import strawberry

from domain import returns
from schema.context import Info
from schema.errors import UserError, attempt
from schema.mutations.reservations import IDEMPOTENCY_HELP
from schema.types.returns import CustomerReturn, InspectionOutcome, InspectionReason, ReturnReason


@strawberry.input
class ReturnLineInput:
    sku: str
    quantity: int
    reason: ReturnReason  # type: ignore[valid-type]


@strawberry.input(
    description="Units of a shipped order back at a location, quarantined until inspected. "
    "Name the order by reservationId, or by channel and orderRef."
)
class ReceiveReturnInput:
    location: str
    lines: list[ReturnLineInput]
    reservation_id: strawberry.ID | None = None
    channel: str | None = None
    order_ref: str | None = None
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.input(description="What happens to some returned units of one SKU.")
class InspectionLineInput:
    sku: str
    outcome: InspectionOutcome  # type: ignore[valid-type]
    quantity: int
    reason: InspectionReason  # type: ignore[valid-type]


@strawberry.input(description="Partial inspections are fine, as many as it takes.")
class InspectReturnInput:
    id: strawberry.ID
    lines: list[InspectionLineInput]
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.type
class CustomerReturnPayload:
    customer_return: CustomerReturn | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


async def _payload(action: Awaitable[returns.CustomerReturn]) -> CustomerReturnPayload:
    found, errors = await attempt(action)
    return CustomerReturnPayload(
        customer_return=CustomerReturn.from_domain(found) if found else None, user_errors=errors
    )


@strawberry.type
class ReturnMutations:
    @strawberry.mutation(
        description="Units back from a customer: on hand and quarantined up at the location; "
        "never more than the order shipped, less what already came back."
    )
    async def receive_return(self, info: Info, input: ReceiveReturnInput) -> CustomerReturnPayload:
        command = returns.ReceiveReturn(
            location=input.location,
            lines=tuple(
                returns.ReturnedLine(line.sku, line.quantity, line.reason) for line in input.lines
            ),
            reservation_id=str(input.reservation_id) if input.reservation_id else None,
            channel=input.channel,
            order_ref=input.order_ref,
            idempotency_key=input.idempotency_key,
        )
        return await _payload(info.context.dispatch(command))

    @strawberry.mutation(
        description="Returned units out of quarantine: restocked (available at once), set "
        "aside as damaged, or written off (they leave on hand)."
    )
    async def inspect_return(self, info: Info, input: InspectReturnInput) -> CustomerReturnPayload:
        command = returns.InspectReturn(
            return_id=str(input.id),
            lines=tuple(
                returns.InspectedLine(line.sku, line.outcome, line.quantity, line.reason)
                for line in input.lines
            ),
            idempotency_key=input.idempotency_key,
        )
        return await _payload(info.context.dispatch(command))
