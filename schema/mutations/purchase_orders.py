"""createPurchaseOrder, receivePurchaseOrder, closePurchaseOrder."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime

import strawberry

from domain import purchase_orders
from schema.context import Info
from schema.errors import UserError, attempt
from schema.mutations.reservations import IDEMPOTENCY_HELP
from schema.types.purchase_orders import PurchaseOrder


@strawberry.input
class PurchaseOrderLineInput:
    sku: str
    quantity: int


@strawberry.input(description="Raises onOrder at the location for every line.")
class CreatePurchaseOrderInput:
    supplier: str
    location: str
    expected_at: datetime = strawberry.field(description="With a time zone, e.g. ...Z.")
    lines: list[PurchaseOrderLineInput]
    reference: str | None = strawberry.field(
        default=None, description="The supplier's or your ERP's order number."
    )
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.input
class ReceiptLineInput:
    sku: str
    received: int = strawberry.field(default=0, description="Units in good condition.")
    damaged: int = strawberry.field(default=0, description="Units that arrived damaged.")


@strawberry.input(description="A delivery: partial receipts are fine, as many as it takes.")
class ReceivePurchaseOrderInput:
    id: strawberry.ID
    lines: list[ReceiptLineInput]
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.input
class ClosePurchaseOrderInput:
    id: strawberry.ID
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.type
class PurchaseOrderPayload:
    purchase_order: PurchaseOrder | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


async def _payload(action: Awaitable[purchase_orders.PurchaseOrder]) -> PurchaseOrderPayload:
    found, errors = await attempt(action)
    return PurchaseOrderPayload(
        purchase_order=PurchaseOrder.from_domain(found) if found else None, user_errors=errors
    )


@strawberry.type
class PurchaseOrderMutations:
    @strawberry.mutation(description="Units ordered from a supplier: onOrder goes up.")
    async def create_purchase_order(
        self, info: Info, input: CreatePurchaseOrderInput
    ) -> PurchaseOrderPayload:
        command = purchase_orders.CreatePurchaseOrder(
            supplier=input.supplier,
            location=input.location,
            expected_at=input.expected_at,
            lines=tuple(
                purchase_orders.OrderedLine(line.sku, line.quantity) for line in input.lines
            ),
            reference=input.reference,
            idempotency_key=input.idempotency_key,
        )
        return await _payload(info.context.dispatch(command))

    @strawberry.mutation(
        description="Units arrived: onOrder down, on hand up (damaged ones set aside), and "
        "backorders waiting at the location filled first."
    )
    async def receive_purchase_order(
        self, info: Info, input: ReceivePurchaseOrderInput
    ) -> PurchaseOrderPayload:
        command = purchase_orders.ReceivePurchaseOrder(
            purchase_order_id=str(input.id),
            lines=tuple(
                purchase_orders.ReceivedLine(line.sku, line.received, line.damaged)
                for line in input.lines
            ),
            idempotency_key=input.idempotency_key,
        )
        return await _payload(info.context.dispatch(command))

    @strawberry.mutation(description="Nothing more will come: what is outstanding leaves onOrder.")
    async def close_purchase_order(
        self, info: Info, input: ClosePurchaseOrderInput
    ) -> PurchaseOrderPayload:
        command = purchase_orders.ClosePurchaseOrder(str(input.id), input.idempotency_key)
        return await _payload(info.context.dispatch(command))
