"""Purchase order documents and calls the API tests share."""

from __future__ import annotations

from typing import Any

ORDER_FIELDS = """id supplier location reference status expectedAt
  lines { sku ordered received damaged outstanding }"""
ERRORS = "userErrors { field message code }"
CREATE = f"""mutation($input: CreatePurchaseOrderInput!) {{ createPurchaseOrder(input: $input) {{
  purchaseOrder {{ {ORDER_FIELDS} }} {ERRORS} }} }}"""
RECEIVE_ORDER = f"""mutation($input: ReceivePurchaseOrderInput!) {{
  receivePurchaseOrder(input: $input) {{ purchaseOrder {{ {ORDER_FIELDS} }} {ERRORS} }} }}"""
CLOSE = f"""mutation($input: ClosePurchaseOrderInput!) {{ closePurchaseOrder(input: $input) {{
  purchaseOrder {{ {ORDER_FIELDS} }} {ERRORS} }} }}"""


async def order(
    gql: Any, lines: list[tuple[str, int]], expected_at: str, location: str = "WH"
) -> dict[str, Any]:
    """Creates a purchase order that must be accepted; returns it."""
    data = await gql(
        CREATE,
        {
            "input": {
                "supplier": "Acme",
                "location": location,
                "expectedAt": expected_at,
                "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
            }
        },
    )
    payload = data["createPurchaseOrder"]
    assert payload["userErrors"] == [], payload["userErrors"]
    created: dict[str, Any] = payload["purchaseOrder"]
    return created


async def receive_order(
    gql: Any, order_id: str, lines: list[tuple[str, int, int]]
) -> dict[str, Any]:
    """Receives (sku, good, damaged) lines that must be accepted."""
    data = await gql(
        RECEIVE_ORDER,
        {
            "input": {
                "id": order_id,
                "lines": [
                    {"sku": sku, "received": good, "damaged": damaged}
                    for sku, good, damaged in lines
                ],
            }
        },
    )
    payload = data["receivePurchaseOrder"]
    assert payload["userErrors"] == [], payload["userErrors"]
    received: dict[str, Any] = payload["purchaseOrder"]
    return received


async def close_order(gql: Any, order_id: str) -> dict[str, Any]:
    data = await gql(CLOSE, {"input": {"id": order_id}})
    payload = data["closePurchaseOrder"]
    assert payload["userErrors"] == [], payload["userErrors"]
    closed: dict[str, Any] = payload["purchaseOrder"]
    return closed
