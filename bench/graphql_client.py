"""Seeding and checking a running stockpool server over its GraphQL API."""

from __future__ import annotations

from typing import Any

import httpx

RESERVE = (
    'mutation($order: String!) { reserveStock(input: {channel: "web", orderRef: $order, '
    'lines: [{sku: "%s", quantity: 1}]}) { reservation { id } userErrors { code } } }'
)
LEVEL = (
    '{ stockLevels(sku: "%s") { location onHand available reserved committed damaged '
    "quarantined } }"
)
LEDGER_CHECK = "{ ledgerCheck { ok stockLevelsChecked eventsReplayed } }"


class GraphQL:
    """Admin requests to one server; any top-level error or userError is a failure."""

    def __init__(self, base_url: str, token: str) -> None:
        self.http = httpx.Client(
            base_url=base_url, headers={"authorization": f"Bearer {token}"}, timeout=60.0
        )

    def __enter__(self) -> GraphQL:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def __call__(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.http.post("/graphql", json={"query": query, "variables": variables})
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code}: {response.text[:500]}")
        body = response.json()
        if body.get("errors"):
            raise RuntimeError(f"GraphQL errors: {body['errors']}")
        data: dict[str, Any] = body["data"]
        for name, payload in data.items():
            if isinstance(payload, dict) and payload.get("userErrors"):
                raise RuntimeError(f"{name}: {payload['userErrors']}")
        return data

    def seed(self, sku: str, quantity: int) -> None:
        """A location WH, the SKU with `quantity` units there, channel web selling from WH."""
        self(
            'mutation { createLocation(input: {code: "WH", name: "Warehouse"}) '
            "{ userErrors { field message code } } }"
        )
        self(
            f'mutation {{ createSku(input: {{code: "{sku}", name: "{sku}"}}) '
            "{ userErrors { field message code } } }"
        )
        self(
            'mutation { createChannel(input: {code: "web", name: "Web", kind: WEBSTORE}) '
            "{ userErrors { field message code } } }"
        )
        self(
            'mutation { setChannelLocations(input: {channel: "web", locations: ["WH"]}) '
            "{ userErrors { field message code } } }"
        )
        self(
            f'mutation {{ receiveStock(input: {{sku: "{sku}", location: "WH", '
            f"quantity: {quantity}}}) {{ userErrors {{ field message code }} }} }}"
        )

    def level(self, sku: str) -> dict[str, int]:
        levels = self(LEVEL % sku)["stockLevels"]
        if len(levels) != 1:
            raise RuntimeError(f"expected one stock level of {sku}, got {levels}")
        found: dict[str, int] = levels[0]
        return found

    def ledger_ok(self) -> bool:
        return bool(self(LEDGER_CHECK)["ledgerCheck"]["ok"])
