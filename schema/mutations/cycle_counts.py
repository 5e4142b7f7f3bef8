"""startCount, recordCount, completeCount, cancelCount."""

from __future__ import annotations

from collections.abc import Awaitable

import strawberry

from domain import cycle_counts
from schema.context import Info
from schema.errors import UserError, attempt
from schema.mutations.reservations import IDEMPOTENCY_HELP
from schema.types.cycle_counts import CycleCount


@strawberry.input(description="A SKU is in at most one open count per location.")
class StartCountInput:
    location: str
    skus: list[str]
    reference: str | None = None
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.input
class CountedLineInput:
    sku: str
    counted: int = strawberry.field(description="Units found on the shelves, damaged included.")


@strawberry.input(description="Recording a SKU again replaces its earlier count.")
class RecordCountInput:
    id: strawberry.ID
    lines: list[CountedLineInput]
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.input
class CountInput:
    id: strawberry.ID
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_HELP)


@strawberry.type
class CycleCountPayload:
    cycle_count: CycleCount | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


async def _payload(action: Awaitable[cycle_counts.CycleCount]) -> CycleCountPayload:
    found, errors = await attempt(action)
    return CycleCountPayload(
        cycle_count=CycleCount.from_domain(found) if found else None, user_errors=errors
    )


@strawberry.type
class CycleCountMutations:
    @strawberry.mutation(description="Opens a count of these SKUs at the location.")
    async def start_count(self, info: Info, input: StartCountInput) -> CycleCountPayload:
        command = cycle_counts.StartCount(
            input.location, tuple(input.skus), input.reference, input.idempotency_key
        )
        return await _payload(info.context.dispatch(command))

    @strawberry.mutation(
        description="Counted quantities; each is compared with on hand at this moment."
    )
    async def record_count(self, info: Info, input: RecordCountInput) -> CycleCountPayload:
        command = cycle_counts.RecordCount(
            str(input.id),
            tuple(cycle_counts.CountedLine(line.sku, line.counted) for line in input.lines),
            input.idempotency_key,
        )
        return await _payload(info.context.dispatch(command))

    @strawberry.mutation(
        description="Applies each recorded difference to on hand (ledger reason COUNT); on "
        "hand never goes below what is held or set aside."
    )
    async def complete_count(self, info: Info, input: CountInput) -> CycleCountPayload:
        command = cycle_counts.CompleteCount(str(input.id), input.idempotency_key)
        return await _payload(info.context.dispatch(command))

    @strawberry.mutation(description="Drops an open count; nothing is applied.")
    async def cancel_count(self, info: Info, input: CountInput) -> CycleCountPayload:
        command = cycle_counts.CancelCount(str(input.id), input.idempotency_key)
        return await _payload(info.context.dispatch(command))
