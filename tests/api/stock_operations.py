"""GraphQL documents the stock API tests share."""

from __future__ import annotations

from typing import Any

CHANGE_FIELDS = """
    stockLevel { sku location onHand available reserved committed damaged quarantined
                 inTransit onOrder version }
    stockEvent { id type reason reference actor idempotencyKey version
                 before { onHand damaged } after { onHand damaged } delta { onHand damaged } }
    userErrors { field message code }
"""

RECEIVE = (
    f"mutation($input: ReceiveStockInput!) {{ receiveStock(input: $input) {{ {CHANGE_FIELDS} }} }}"
)
ADJUST = (
    f"mutation($input: AdjustStockInput!) {{ adjustStock(input: $input) {{ {CHANGE_FIELDS} }} }}"
)
SET = f"mutation($input: SetStockInput!) {{ setStock(input: $input) {{ {CHANGE_FIELDS} }} }}"


async def seed(
    gql: Any, skus: tuple[str, ...] = ("TEE",), locations: tuple[str, ...] = ("WH",)
) -> None:
    for code in locations:
        await gql(
            "mutation($c: String!) { createLocation(input: {code: $c, name: $c}) { userErrors { code } } }",
            {"c": code},
        )
    for code in skus:
        await gql(
            "mutation($c: String!) { createSku(input: {code: $c, name: $c}) { userErrors { code } } }",
            {"c": code},
        )


def error_codes(payload: dict[str, Any]) -> list[tuple[tuple[str, ...] | None, str]]:
    return [(tuple(e["field"]) if e["field"] else None, e["code"]) for e in payload["userErrors"]]
