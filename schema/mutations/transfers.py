"""createTransfer, shipTransfer, receiveTransfer, cancelTransfer, closeTransfer."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime

import strawberry

from domain import transfers
from schema.context import Info
from schema.errors import UserError, attempt
from schema.mutations.purchase_orders import ReceiptLineInput
from schema.mutations.reservations import IDEMPOTENCY_HELP
from schema.types.stock import StockReason
from schema.types.transfers import Transfer


@strawberry.input
class TransferLineInput:
    sku: str
    quantity: int


@strawberry.input(description="A draft: no stock moves until it is shipped.")
class CreateTransferInput:
    from_location: str = strawberry.field(name="from", description="Source location code.")
    to_location: str = strawberry.field(name="to", description="Destination location code.")
    expected_at: datetime = strawberry.field(
        description="When it is due at the destination, with a time zone, e.g. ...Z."
    )
    lines: list[TransferLineInput]
    reference: str | None = None
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.input
class TransferInput:
    id: strawberry.ID
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.input(description="An arrival: partial receipts are fine, as many as it takes.")
class ReceiveTransferInput:
    id: strawberry.ID
    lines: list[ReceiptLineInput]
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.input(description="Closing a shipped transfer short: what has not arrived is lost.")
class CloseTransferInput:
    id: strawberry.ID
    reason: StockReason = strawberry.field(  # type: ignore[valid-type]
        description="Why the missing units are written off: SHRINKAGE (lost), THEFT or WRITE_OFF."
    )
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.type
class TransferPayload:
    transfer: Transfer | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


async def _payload(action: Awaitable[transfers.Transfer]) -> TransferPayload:
    found, errors = await attempt(action)
    return TransferPayload(
        transfer=Transfer.from_domain(found) if found else None, user_errors=errors
    )


@strawberry.type
class TransferMutations:
    @strawberry.mutation(description="A draft transfer between two locations; no stock moves.")
    async def create_transfer(self, info: Info, input: CreateTransferInput) -> TransferPayload:
        command = transfers.CreateTransfer(
            from_location=input.from_location,
            to_location=input.to_location,
            expected_at=input.expected_at,
            lines=tuple(transfers.TransferredLine(line.sku, line.quantity) for line in input.lines),
            reference=input.reference,
            idempotency_key=input.idempotency_key,
        )
        return await _payload(info.context.dispatch(command))

    @strawberry.mutation(
        description="The units leave: on hand down at the source (they must be available "
        "there), inTransit up at the destination."
    )
    async def ship_transfer(self, info: Info, input: TransferInput) -> TransferPayload:
        command = transfers.ShipTransfer(str(input.id), input.idempotency_key)
        return await _payload(info.context.dispatch(command))

    @strawberry.mutation(
        description="Units arrived: inTransit down, on hand up at the destination (damaged "
        "ones set aside), and backorders waiting there filled first."
    )
    async def receive_transfer(self, info: Info, input: ReceiveTransferInput) -> TransferPayload:
        command = transfers.ReceiveTransfer(
            transfer_id=str(input.id),
            lines=tuple(
                transfers.ArrivedLine(line.sku, line.received, line.damaged) for line in input.lines
            ),
            idempotency_key=input.idempotency_key,
        )
        return await _payload(info.context.dispatch(command))

    @strawberry.mutation(description="Drops a draft; a shipped transfer cannot be cancelled.")
    async def cancel_transfer(self, info: Info, input: TransferInput) -> TransferPayload:
        command = transfers.CancelTransfer(str(input.id), input.idempotency_key)
        return await _payload(info.context.dispatch(command))

    @strawberry.mutation(
        description="Closes a shipped transfer short: units still on their way are written off "
        "as lost (inTransit down at the destination, in the ledger with the reason); backorders "
        "promised against them that are left uncovered raise BACKORDER_SHORT."
    )
    async def close_transfer(self, info: Info, input: CloseTransferInput) -> TransferPayload:
        command = transfers.CloseTransfer(str(input.id), input.reason, input.idempotency_key)
        return await _payload(info.context.dispatch(command))
