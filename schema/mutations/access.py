"""createApiKey, revokeApiKey."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain import access
from schema.context import Info
from schema.errors import UserError, attempt
from schema.types.access import ApiKey, Role


@strawberry.input
class CreateApiKeyInput:
    name: str
    role: Role  # type: ignore[valid-type]
    channel: str | None = strawberry.field(
        default=None, description="Required for partner and storefront keys."
    )
    expires_at: datetime | None = strawberry.field(
        default=None,
        description="When the key stops working by itself, with a time zone; must be in the "
        "future. null: it works until revoked.",
    )


@strawberry.type
class CreateApiKeyPayload:
    api_key: ApiKey | None = None
    secret: str | None = strawberry.field(
        default=None, description="The key itself: shown this once, store it now."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RevokeApiKeyInput:
    id: strawberry.ID


@strawberry.type
class RevokeApiKeyPayload:
    api_key: ApiKey | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AccessMutations:
    @strawberry.mutation
    async def create_api_key(self, info: Info, input: CreateApiKeyInput) -> CreateApiKeyPayload:
        command = access.CreateApiKey(input.name, input.role, input.channel, input.expires_at)
        created, errors = await attempt(info.context.dispatch(command))
        if created is None:
            return CreateApiKeyPayload(user_errors=errors)
        key, secret = created
        return CreateApiKeyPayload(api_key=ApiKey.from_domain(key), secret=secret)

    @strawberry.mutation(description="The key stops working at once.")
    async def revoke_api_key(self, info: Info, input: RevokeApiKeyInput) -> RevokeApiKeyPayload:
        command = access.RevokeApiKey(str(input.id))
        key, errors = await attempt(info.context.dispatch(command))
        return RevokeApiKeyPayload(
            api_key=ApiKey.from_domain(key) if key else None, user_errors=errors
        )
