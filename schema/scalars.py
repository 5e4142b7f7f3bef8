"""Scalars whose coercion refuses what the databases cannot store.

`DateTime` replaces Strawberry's: a value must carry a UTC offset (a naive one means a
different instant on every server) and its instant must lie in the range both SQLite text and
PostgreSQL timestamptz store, and that Python converts to UTC without an OverflowError
(`0001-01-01T00:00:00+14:00` is in the year 0 in UTC). The years at both ends are left out, so
adding a hold, a lead time or an offset to a stored instant stays in range too. A refusal is a
GraphQL error with `extensions.code` INVALID_VALUE, raised while the request's variables or
literals are coerced: nothing has run yet."""

from __future__ import annotations

from datetime import UTC, datetime

import dateutil.parser
from graphql import GraphQLError
from strawberry.types.scalar import ScalarDefinition

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)
"""DateTime inputs are instants from EARLIEST up to, not including, LATEST."""

_MAX_TEXT = 64
"""Longer than any ISO 8601 date and time; longer text is refused before parsing."""


def invalid_value(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "INVALID_VALUE"})


def parse_datetime(value: object) -> datetime:
    if not isinstance(value, str) or len(value) > _MAX_TEXT:
        raise invalid_value("a DateTime is an ISO 8601 string such as 2026-11-11T00:00:00Z")
    try:
        moment: datetime = dateutil.parser.isoparse(value)
    except (ValueError, OverflowError):
        raise invalid_value(f"{value!r} is not an ISO 8601 date and time") from None
    if moment.utcoffset() is None:
        raise invalid_value(f"{value!r} has no UTC offset: end it with Z or ±hh:mm")
    if not EARLIEST <= moment < LATEST:
        raise invalid_value(
            f"{value!r} is outside {EARLIEST:%Y-%m-%d} to {LATEST:%Y-%m-%d} (UTC, end excluded)"
        )
    return moment


DateTime = ScalarDefinition(
    name="DateTime",
    description="An instant as ISO 8601 with a UTC offset (Z or ±hh:mm), from "
    f"{EARLIEST:%Y-%m-%d} up to {LATEST:%Y-%m-%d} (UTC).",
    specified_by_url=None,
    serialize=datetime.isoformat,
    parse_value=parse_datetime,
    parse_literal=None,
    origin=datetime,
)
