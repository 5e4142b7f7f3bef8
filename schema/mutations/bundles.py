"""setBundleComponents."""

from __future__ import annotations

import strawberry

from domain import bundles
from schema.context import Info
from schema.errors import UserError, attempt
from schema.types.bundles import BundleComponentInput
from schema.types.catalogue import Sku


@strawberry.input(
    description="Makes the SKU a bundle of these components, replacing any it had; an empty "
    "list makes it an ordinary SKU again."
)
class SetBundleComponentsInput:
    sku: str
    components: list[BundleComponentInput]


@strawberry.type
class SetBundleComponentsPayload:
    sku: Sku | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class BundleMutations:
    @strawberry.mutation(
        description="A bundle has no stock of its own: channels publish the whole sets its "
        "components make, and holds and sales take its components."
    )
    async def set_bundle_components(
        self, info: Info, input: SetBundleComponentsInput
    ) -> SetBundleComponentsPayload:
        command = bundles.SetBundleComponents(
            input.sku,
            tuple(bundles.Component(c.sku, c.quantity) for c in input.components),
        )
        found, errors = await attempt(info.context.dispatch(command))
        return SetBundleComponentsPayload(
            sku=Sku.from_domain(found) if found else None, user_errors=errors
        )
