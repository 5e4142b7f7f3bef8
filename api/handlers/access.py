"""createApiKey, revokeApiKey."""

from __future__ import annotations

from api.auth import mint_key, revoke_key
from api.service_layer.unit_of_work import UnitOfWork
from domain.access import ApiKey, CreateApiKey, RevokeApiKey


async def create_api_key(uow: UnitOfWork, command: CreateApiKey) -> tuple[ApiKey, str]:
    """A new key and its secret, which is shown this once and never stored."""
    command.check_expiry(uow.now)
    return await mint_key(uow.conn, command, uow.now)


async def revoke_api_key(uow: UnitOfWork, command: RevokeApiKey) -> ApiKey:
    return await revoke_key(uow.conn, command.key_id, uow.now)
