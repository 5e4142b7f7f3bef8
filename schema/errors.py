"""userErrors: how every business refusal reaches a client, with a stable code."""

from __future__ import annotations

import re
from collections.abc import Awaitable
from typing import TypeVar

import strawberry
from graphql import GraphQLError

from domain.errors import ErrorCode as DomainErrorCode
from domain.errors import StockpoolError

ErrorCode = strawberry.enum(DomainErrorCode, description="Stable codes clients can branch on.")

T = TypeVar("T")


@strawberry.type(description="A refusal of (part of) a mutation's input; nothing was changed.")
class UserError:
    field: list[str] | None = strawberry.field(
        description='Path to the input field at fault, e.g. ["input", "quantity"].'
    )
    message: str
    code: ErrorCode  # type: ignore[valid-type]


class PublicError(GraphQLError):
    """A query-level error whose message is meant for the client (never masked)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, extensions={"code": code})


async def public(action: Awaitable[T]) -> T:
    """A domain refusal on a query is a top-level error with its code."""
    try:
        return await action
    except StockpoolError as error:
        raise PublicError(error.message, error.code.value) from None


def _camel(name: str) -> str:
    return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), name)


def _input_path(field: tuple[str, ...]) -> list[str]:
    """Input field names in GraphQL's camelCase; a CSV file's cells keep their column names."""
    if field[:1] == ("csv",):
        return ["input", *field]
    return ["input", *(_camel(part) for part in field)]


def user_errors(error: StockpoolError) -> list[UserError]:
    return [
        UserError(
            field=_input_path(problem.field) if problem.field else None,
            message=problem.message,
            code=problem.code,
        )
        for problem in error.problems
    ]


async def attempt(action: Awaitable[T]) -> tuple[T | None, list[UserError]]:
    """Run a service call; a domain refusal becomes userErrors, anything else propagates."""
    try:
        return await action, []
    except StockpoolError as error:
        return None, user_errors(error)
