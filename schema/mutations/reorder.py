"""setReorderPolicy, removeReorderPolicy."""

from __future__ import annotations

from collections.abc import Awaitable

import strawberry

from domain import reorder
from schema.context import Info
from schema.errors import UserError, attempt
from schema.types.reorder import ReorderPolicy


@strawberry.input(description="Creates or replaces the SKU's policy at the location.")
class SetReorderPolicyInput:
    sku: str
    location: str | None = strawberry.field(
        default=None, description="Leave out for one policy over every location."
    )
    reorder_point: int
    lead_time_days: int
    safety_stock: int = 0


@strawberry.input
class RemoveReorderPolicyInput:
    sku: str
    location: str | None = None


@strawberry.type
class ReorderPolicyPayload:
    reorder_policy: ReorderPolicy | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


async def _payload(action: Awaitable[reorder.ReorderPolicy]) -> ReorderPolicyPayload:
    found, errors = await attempt(action)
    return ReorderPolicyPayload(
        reorder_policy=ReorderPolicy.from_domain(found) if found else None, user_errors=errors
    )


@strawberry.type
class ReorderMutations:
    @strawberry.mutation(
        description="Available at or below the reorder point raises a LOW_STOCK alert (judged "
        "at once, then after every stock change), resolved when it is above again."
    )
    async def set_reorder_policy(
        self, info: Info, input: SetReorderPolicyInput
    ) -> ReorderPolicyPayload:
        command = reorder.SetReorderPolicy(
            sku=input.sku,
            reorder_point=input.reorder_point,
            lead_time_days=input.lead_time_days,
            safety_stock=input.safety_stock,
            location=input.location,
        )
        return await _payload(info.context.dispatch(command))

    @strawberry.mutation(description="Its open LOW_STOCK alert is resolved.")
    async def remove_reorder_policy(
        self, info: Info, input: RemoveReorderPolicyInput
    ) -> ReorderPolicyPayload:
        command = reorder.RemoveReorderPolicy(input.sku, input.location)
        return await _payload(info.context.dispatch(command))
