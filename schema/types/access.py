"""API keys and the caller as clients see them."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain import access

Role = strawberry.enum(access.Role)


@strawberry.type
class ApiKey:
    id: strawberry.ID
    name: str
    role: Role  # type: ignore[valid-type]
    channel: str | None
    prefix: str = strawberry.field(description="The first characters of the key, to recognise it.")
    created_at: datetime | None
    revoked_at: datetime | None
    expires_at: datetime | None = strawberry.field(
        description="From this moment the key is refused (401); null: it works until revoked."
    )

    @classmethod
    def from_domain(cls, key: access.ApiKey) -> ApiKey:
        return cls(
            id=strawberry.ID(key.id),
            name=key.name,
            role=key.role,
            channel=key.channel,
            prefix=key.prefix,
            created_at=key.created_at,
            revoked_at=key.revoked_at,
            expires_at=key.expires_at,
        )


@strawberry.type(description="Who the API key in use belongs to.")
class Viewer:
    name: str
    role: Role  # type: ignore[valid-type]
    channel: str | None
