"""GraphQL over HTTP with the standard library: the simulator is a client like any other, and
the server's dependencies stay as they are."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


class SimulationError(Exception):
    """The server cannot be driven: not reachable, the key refused, nothing to sell."""


class Api:
    def __init__(self, url: str, key: str, timeout: float = 10.0) -> None:
        self.endpoint = url.rstrip("/") + "/graphql"
        self.key = key
        self.timeout = timeout

    def __call__(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The `data` of the answer; top-level errors are a SimulationError."""
        request = urllib.request.Request(
            self.endpoint,
            data=json.dumps({"query": query, "variables": variables or {}}).encode(),
            headers={"content-type": "application/json", "authorization": f"Bearer {self.key}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = json.loads(response.read())
        except urllib.error.HTTPError as error:
            if error.code == 401:
                raise SimulationError(
                    "the server refused the key: pass --key with the admin key `stockpool serve` "
                    "printed, or set STOCKPOOL_ADMIN_TOKEN"
                ) from None
            raise SimulationError(f"{self.endpoint} answered {error.code}") from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            raise SimulationError(
                f"cannot reach {self.endpoint} ({error}); is `stockpool serve` running?"
            ) from None
        if body.get("errors"):
            raise SimulationError(f"GraphQL errors: {body['errors']}")
        data: dict[str, Any] = body["data"]
        return data

    def mutate(
        self, field: str, input: dict[str, Any], selection: str = "", input_type: str = ""
    ) -> dict[str, Any]:
        """Runs `field(input: $input) { selection userErrors }` and returns its payload; the
        input type is `<Field>Input` unless named."""
        type_name = input_type or f"{field[0].upper()}{field[1:]}Input"
        data = self(
            f"mutation($input: {type_name}!) {{ {field}(input: $input) "
            f"{{ {selection} userErrors {{ code message }} }} }}",
            {"input": input},
        )
        payload: dict[str, Any] = data[field]
        return payload

    def mutations(self) -> set[str]:
        """The mutations this server has (newer servers have more kinds of traffic)."""
        data = self("{ __schema { mutationType { fields { name } } } }")
        return {field["name"] for field in data["__schema"]["mutationType"]["fields"]}


def refusal(payload: dict[str, Any]) -> str | None:
    """The code of a mutation's first userError, or None when it went through."""
    errors = payload["userErrors"]
    return str(errors[0]["code"]) if errors else None
