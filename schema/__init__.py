"""The Strawberry schema: thin translation from GraphQL to domain commands and back."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors, ParserCache, ValidationCache

from schema.errors import PublicError
from schema.mutations import Mutation
from schema.queries import Query
from schema.subscriptions import Subscription


def _is_internal(error: GraphQLError) -> bool:
    """Hide unexpected exceptions from clients; GraphQL's own errors and ours stay readable."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError | PublicError)


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[
            lambda: ParserCache(maxsize=1000),
            lambda: ValidationCache(maxsize=1000),
            lambda: MaskErrors(should_mask_error=_is_internal, error_message="internal error"),
        ],
    )
