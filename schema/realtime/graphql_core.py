"""The one place that reaches into Strawberry for what it has no public API for.

The hub validates a document once for all its subscribers, and runs a subscription's
resolver on its own (graphql-core's `create_source_event_stream`) to get the feed it follows
without iterating it. Both need the graphql-core schema, which Strawberry keeps as the
private `Schema._schema` (its own printer and ValidationCache extension read it the same
way); its public `execute`, `subscribe` and `stream` run whole operations and iterate
subscriptions. Validation uses the function Strawberry itself validates requests with, so
documents here meet exactly the rules they meet over HTTP."""

from __future__ import annotations

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, specified_rules
from strawberry import Schema
from strawberry.schema.schema import validate_document

SPECIFIED_RULES: tuple[type[ASTValidationRule], ...] = tuple(specified_rules)
"""The rules Strawberry validates a request with when no extension adds any."""


def graphql_core_schema(schema: Schema) -> GraphQLSchema:
    return schema._schema


def validate(
    schema: Schema,
    document: DocumentNode,
    rules: tuple[type[ASTValidationRule], ...] = SPECIFIED_RULES,
) -> list[GraphQLError]:
    """The errors that make `document` unusable with `schema`, as Strawberry finds them."""
    return validate_document(graphql_core_schema(schema), document, rules)
