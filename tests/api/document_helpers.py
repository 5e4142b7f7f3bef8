"""What the transfer, return and cycle count API tests share: levels, the ledger check, the
mutation documents' error selection."""

from __future__ import annotations

from typing import Any

ERRORS = "userErrors { field message code }"
LEVELS = """query($sku: String!) { stockLevels(sku: $sku) {
  location onHand available reserved committed damaged quarantined inTransit backordered
  version } }"""
LEDGER_CHECK = "{ ledgerCheck { ok discrepancies { sku location } } }"
EVENTS = """query($sku: String!, $location: String) {
  stockEvents(sku: $sku, location: $location, first: 50) {
    edges { node { type reason reference location delta { onHand quarantined damaged
    inTransit } } } } }"""


async def levels(gql: Any, sku: str = "TEE") -> dict[str, dict[str, Any]]:
    """The SKU's stock levels by location."""
    return {lv["location"]: lv for lv in (await gql(LEVELS, {"sku": sku}))["stockLevels"]}


async def events(gql: Any, sku: str = "TEE", location: str | None = None) -> list[dict[str, Any]]:
    """The SKU's ledger rows, oldest first."""
    found = await gql(EVENTS, {"sku": sku, "location": location})
    return [edge["node"] for edge in reversed(found["stockEvents"]["edges"])]


async def assert_ledger_replays(gql: Any) -> None:
    assert (await gql(LEDGER_CHECK))["ledgerCheck"] == {"ok": True, "discrepancies": []}


def accepted(payload: dict[str, Any], field: str) -> dict[str, Any]:
    """The document of a payload that must carry no userErrors."""
    assert payload["userErrors"] == [], payload["userErrors"]
    document: dict[str, Any] = payload[field]
    return document
