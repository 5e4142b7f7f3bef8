"""A storefront key sits in public pages: it reads what its own channel publishes
(`availability`, `availabilityChanged`) and `viewer`, and every other field of the schema is
FORBIDDEN to it, its own channel's reservations included. The fields are taken from the
schema itself, so a field added later is refused unless it is added to PUBLISHED."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    get_named_type,
    is_leaf_type,
    is_required_argument,
)

from schema import build_schema
from tests.api.stock_operations import RECEIVE, seed
from tests.api.subscription_client import connected, http
from tests.api.test_auth_api import CREATE_KEY
from tests.api.test_reservations_api import RESERVE, channel, lines
from tests.api.test_subscriptions_protocol import codes, refusal

PUBLISHED = {"viewer", "availability", "node"}
"""`node` reads a ChannelAvailability of the key's channel and refuses every other type
(tests/api/test_node_api.py)."""
PUBLISHED_FEEDS = {"availabilityChanged"}
OWN_CHANNEL = "web"

SCHEMA = build_schema()._schema
SCALARS: dict[str, Any] = {"String": OWN_CHANNEL, "ID": "r1", "Int": 1, "Float": 1.0}


def _value(kind: GraphQLInputType) -> Any:
    """A well-formed value of `kind`; every string is the storefront's own channel, so only
    the role can be why a field is refused."""
    if isinstance(kind, GraphQLNonNull):
        return _value(kind.of_type)
    if isinstance(kind, GraphQLList):
        return [_value(kind.of_type)]
    if isinstance(kind, GraphQLEnumType):
        return next(iter(kind.values))
    if isinstance(kind, GraphQLScalarType) and kind.name in SCALARS:
        return SCALARS[kind.name]
    raise AssertionError(f"no sample value for {kind}: extend _value")


def operation(kind: str, name: str, field: GraphQLField) -> tuple[str, dict[str, Any]]:
    """`kind` operation selecting `name` with every required argument given."""
    required: dict[str, GraphQLArgument] = {
        arg: spec for arg, spec in field.args.items() if is_required_argument(spec)
    }
    declared = ", ".join(f"${arg}: {spec.type}" for arg, spec in required.items())
    passed = ", ".join(f"{arg}: ${arg}" for arg in required)
    selection = "" if is_leaf_type(get_named_type(field.type)) else " { __typename }"
    text = f"{kind}{f'({declared})' if declared else ''} {{ {name}"
    text += f"({passed})" if passed else ""
    text += f"{selection} }}"
    return text, {arg: _value(spec.type) for arg, spec in required.items()}


QUERIES = sorted(set(SCHEMA.query_type.fields) - PUBLISHED)
FEEDS = sorted(set(SCHEMA.subscription_type.fields) - PUBLISHED_FEEDS)


async def storefront_key(gql) -> str:
    await seed(gql)
    await channel(gql, OWN_CHANNEL)
    data = await gql(
        CREATE_KEY, {"input": {"name": "shop page", "role": "STOREFRONT", "channel": OWN_CHANNEL}}
    )
    secret: str = data["createApiKey"]["secret"]
    return secret


def test_the_published_fields_exist():
    assert set(SCHEMA.query_type.fields) >= PUBLISHED
    assert set(SCHEMA.subscription_type.fields) >= PUBLISHED_FEEDS
    assert len(QUERIES) > 20 and len(FEEDS) >= 4


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_every_query_but_the_published_ones_is_forbidden_to_a_storefront_key(gql):
    storefront = gql.as_key(await storefront_key(gql))
    allowed = await storefront(
        'query($c: String!) { viewer { role } availability(channel: $c, skus: ["TEE"]) '
        "{ published } }",
        {"c": OWN_CHANNEL},
    )
    assert allowed == {"viewer": {"role": "STOREFRONT"}, "availability": []}
    refused = {}
    for name in QUERIES:
        text, variables = operation("query", name, SCHEMA.query_type.fields[name])
        body = (await storefront.post(text, variables)).json()
        refused[name] = [
            e.get("extensions", {}).get("code", e["message"]) for e in body.get("errors", [])
        ]
    assert refused == {key: ["FORBIDDEN"] for key in QUERIES}


async def test_a_storefront_key_cannot_read_its_own_channels_reservation(gql):
    secret = await storefront_key(gql)
    await gql(RECEIVE, {"input": {"sku": "TEE", "location": "WH", "quantity": 3}})
    held = await gql(
        RESERVE,
        {"input": {"channel": OWN_CHANNEL, "orderRef": "order-1", "lines": lines(("TEE", 1))}},
    )
    reservation_id = held["reserveStock"]["reservation"]["id"]
    query = "query($id: ID!) { reservation(id: $id) { orderRef lines { sku } } }"

    response = await gql.as_key(secret).post(query, {"id": reservation_id})
    body = response.json()
    assert response.status_code == 200 and body["data"] == {"reservation": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    partner = (
        await gql(CREATE_KEY, {"input": {"name": "p", "role": "PARTNER", "channel": OWN_CHANNEL}})
    )["createApiKey"]["secret"]
    assert (await gql.as_key(partner)(query, {"id": reservation_id}))["reservation"] == {
        "orderRef": "order-1",
        "lines": [{"sku": "TEE"}],
    }


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_every_feed_but_availability_is_forbidden_to_a_storefront_key(live_server):
    async with http(live_server) as gql:
        secret = await storefront_key(gql)
    async with connected(live_server, token=secret) as client:
        for name in FEEDS:
            text, variables = operation("subscription", name, SCHEMA.subscription_type.fields[name])
            assert codes(await refusal(client, name, text, variables)) == ["FORBIDDEN"], name
