"""API keys: bearer auth on every request, roles, hashed storage, revocation."""

from __future__ import annotations

from sqlalchemy import select

from api.database.tables import api_keys
from tests.api.stock_operations import RECEIVE, seed

CREATE_KEY = """mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) {
  apiKey { id name role channel prefix revokedAt } secret userErrors { field code } } }"""


async def test_a_request_without_a_key_is_a_401(gql):
    response = await gql.as_key(None).post("{ viewer { name } }")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_wrong_key_is_a_401(gql):
    response = await gql.as_key("not-a-key").post("{ viewer { name } }")
    assert response.status_code == 401
    malformed = await gql.http.post(
        "/graphql", json={"query": "{ viewer { name } }"}, headers={"authorization": "Basic abc"}
    )
    assert malformed.status_code == 401


async def test_the_admin_token_from_settings_is_an_admin(gql):
    assert await gql("{ viewer { name role channel } }") == {
        "viewer": {"name": "admin-token", "role": "ADMIN", "channel": None}
    }


async def test_an_admin_mints_a_partner_key_that_works_and_is_stored_hashed(gql, database):
    data = await gql(
        CREATE_KEY, {"input": {"name": "Amazon connector", "role": "PARTNER", "channel": "amazon"}}
    )
    created = data["createApiKey"]
    assert created["userErrors"] == []
    secret = created["secret"]
    assert created["apiKey"]["role"] == "PARTNER" and created["apiKey"]["channel"] == "amazon"
    assert secret.startswith(created["apiKey"]["prefix"])
    partner = gql.as_key(secret)
    assert await partner("{ viewer { name role channel } }") == {
        "viewer": {"name": "Amazon connector", "role": "PARTNER", "channel": "amazon"}
    }
    async with database.read() as conn:
        stored = (await conn.execute(select(api_keys.c.key_hash))).scalars().all()
    assert secret not in stored and len(stored) == 1


async def test_a_partner_key_cannot_use_admin_operations(gql):
    await seed(gql)
    secret = (await gql(CREATE_KEY, {"input": {"name": "p", "role": "PARTNER", "channel": "web"}}))[
        "createApiKey"
    ]["secret"]
    partner = gql.as_key(secret)
    data = await partner(RECEIVE, {"input": {"sku": "TEE", "location": "WH", "quantity": 1}})
    assert data["receiveStock"]["userErrors"][0]["code"] == "FORBIDDEN"
    minted = await partner(CREATE_KEY, {"input": {"name": "x", "role": "ADMIN"}})
    assert minted["createApiKey"]["userErrors"][0]["code"] == "FORBIDDEN"
    response = await partner.post("{ stockLevels { onHand } }")
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await gql("{ stockLevels { onHand } }"))["stockLevels"] == []


async def test_keys_bound_to_a_channel_need_one(gql):
    data = await gql(CREATE_KEY, {"input": {"name": "s", "role": "STOREFRONT"}})
    assert data["createApiKey"]["userErrors"] == [
        {"field": ["input", "channel"], "code": "CHANNEL_REQUIRED"}
    ]
    assert (await gql("{ apiKeys { id } }"))["apiKeys"] == []


async def test_a_revoked_key_gets_a_401(gql):
    created = (await gql(CREATE_KEY, {"input": {"name": "old", "role": "ADMIN"}}))["createApiKey"]
    key = gql.as_key(created["secret"])
    assert (await key("{ viewer { role } }"))["viewer"]["role"] == "ADMIN"
    revoked = await gql(
        "mutation($id: ID!) { revokeApiKey(input: {id: $id}) { apiKey { revokedAt } userErrors { code } } }",
        {"id": created["apiKey"]["id"]},
    )
    assert revoked["revokeApiKey"]["apiKey"]["revokedAt"] is not None
    assert (await key.post("{ viewer { role } }")).status_code == 401
    unknown = await gql(
        'mutation { revokeApiKey(input: {id: "nope"}) { userErrors { field code } } }'
    )
    assert unknown["revokeApiKey"]["userErrors"] == [
        {"field": ["input", "id"], "code": "API_KEY_NOT_FOUND"}
    ]
