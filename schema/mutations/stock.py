"""receiveStock, adjustStock, setStock: the stock events of the ledger."""

from __future__ import annotations

import strawberry

from domain import stock, stock_commands
from schema.context import Info
from schema.errors import UserError, attempt
from schema.types.stock import StockEvent, StockLevel, StockReason

IDEMPOTENCY_HELP = "Send the same key again to get the first result back without changing anything."


@strawberry.input
class ReceiveStockInput:
    sku: str
    location: str
    quantity: int
    reason: StockReason = stock.StockReason.RECEIVED  # type: ignore[valid-type]
    reference: str | None = None
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.input(
    description="DAMAGED, QUARANTINED move units out of available; REPAIRED and "
    "RELEASED_FROM_QUARANTINE move them back; WRITE_OFF removes damaged units; SHRINKAGE, "
    "THEFT and CORRECTION_OUT remove available units; FOUND and CORRECTION_IN add units."
)
class AdjustStockInput:
    sku: str
    location: str
    quantity: int
    reason: StockReason  # type: ignore[valid-type]
    reference: str | None = None
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.input(description="An absolute on-hand count, e.g. from a stock take.")
class SetStockInput:
    sku: str
    location: str
    quantity: int
    change_from_quantity: int | None = strawberry.field(
        default=None,
        description="The on-hand count the caller saw; if it changed since, the result is "
        "STALE_QUANTITY and nothing changes.",
    )
    reason: StockReason = stock.StockReason.STOCK_TAKE  # type: ignore[valid-type]
    reference: str | None = None
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.type
class StockChangePayload:
    stock_level: StockLevel | None = None
    stock_event: StockEvent | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


async def _execute(info: Info, command: stock_commands.StockCommand) -> StockChangePayload:
    change, errors = await attempt(info.context.dispatch(command))
    if change is None:
        return StockChangePayload(user_errors=errors)
    return StockChangePayload(
        stock_level=StockLevel.from_domain(change.stock_level),
        stock_event=StockEvent.from_domain(change.event),
    )


def _moving(
    command: type[stock_commands.ReceiveStock | stock_commands.AdjustStock],
    input: ReceiveStockInput | AdjustStockInput,
) -> stock_commands.StockCommand:
    """Receiving and adjusting take the same fields, in the same order."""
    return command(
        input.sku,
        input.location,
        input.quantity,
        input.reason,
        input.reference,
        input.idempotency_key,
    )


@strawberry.type
class StockMutations:
    @strawberry.mutation(description="Units arrive at a location: on hand goes up.")
    async def receive_stock(self, info: Info, input: ReceiveStockInput) -> StockChangePayload:
        return await _execute(info, _moving(stock_commands.ReceiveStock, input))

    @strawberry.mutation(description="A change with a reason: damage, loss, found units…")
    async def adjust_stock(self, info: Info, input: AdjustStockInput) -> StockChangePayload:
        return await _execute(info, _moving(stock_commands.AdjustStock, input))

    @strawberry.mutation(description="Sets on hand to a counted quantity (compare-and-set).")
    async def set_stock(self, info: Info, input: SetStockInput) -> StockChangePayload:
        return await _execute(
            info,
            stock_commands.SetStock(
                input.sku,
                input.location,
                input.quantity,
                input.change_from_quantity,
                input.reason,
                input.reference,
                input.idempotency_key,
            ),
        )
