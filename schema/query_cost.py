"""What a GraphQL operation costs, in points, like Shopify's calculated query cost.

The requested cost is read from the document before anything runs: every object a field
returns is 1 point, scalars and enums 0; a list counts its size times one element, a
connection's `edges` its `first` (the argument's default when absent, variables resolved);
a mutation field is `MUTATION_COST` more, and a few fields that do more work than they return
carry a surcharge (`SURCHARGES`). The actual cost counts the same way over what the operation
really returned (the real length of each list), once it has run.

The rules are declared here, once, by `Type.field`: `SURCHARGES`, and `SIZES` for the
lists whose size is not `DEFAULT_LIST_SIZE` (a tests checks each entry names a real field).
Fragments are collected as graphql-core's executor collects them (each fragment once per
selection), and costs of the same selections under the same type are remembered, so a
document costs time in proportion to its length however its fragments nest."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLIncludeDirective,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSkipDirective,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    SelectionSetNode,
    VariableValues,
    get_argument_values,
    get_directive_values,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
    get_variable_values,
    is_abstract_type,
    is_leaf_type,
    is_list_type,
)

from domain.feeds import MAX_FEED_PAGE
from schema.document_memo import memo
from schema.queries import MAX_SKUS_PER_READ
from schema.types.pagination import MAX_PAGE_SIZE

MUTATION_COST = 10
"""Added for each mutation field: a mutation writes, and a write costs more than a read."""
MINIMUM_COST = 1
"""What any request costs, even one that returns nothing."""
DEFAULT_LIST_SIZE = 5
"""The size a list is counted at when nothing declares it: the lists an object holds (a
document's lines, a SKU's stock levels, userErrors), whose real length the actual cost
settles. A maximum would make every page of documents with their lines too dear to ask."""


@dataclass(frozen=True, slots=True)
class Size:
    """How many elements a list is counted at: the length of the list argument `argument`
    when the caller sends one (at most `maximum`), else `absent`."""

    absent: int
    argument: str | None = None
    maximum: int = MAX_SKUS_PER_READ


SURCHARGES: dict[str, int] = {
    "Query.__schema": 10,  # introspection: a flat price, so GraphiQL's query always fits
    "Query.__type": 1,
    "Query.ledgerCheck": 500,  # replays the whole ledger
    "Query.reorderSuggestions": 100,  # velocity over the window of every SKU with a policy
    "Query.listingsCsv": 100,  # every listing of the channel, as CSV
    "Query.salesVelocity": 10,
    "Mutation.importListings": 100,  # up to 10,000 rows in one transaction
    "Sku.bundleStock": 2,  # a bundle's pool is computed from its components' levels
}

SIZES: dict[str, Size] = {
    "Query.availability": Size(MAX_SKUS_PER_READ, "skus"),
    "Query.listings": Size(100, "skus"),
    "Query.stockLevels": Size(100),
    "Query.locations": Size(50),
    "Query.channels": Size(20),
    "Query.alerts": Size(100),
    "Query.reorderPolicies": Size(100),
    "Query.reorderSuggestions": Size(100),
    "Query.apiKeys": Size(50),
    "ImportListingsPayload.listings": Size(100),
    "LedgerCheckReport.discrepancies": Size(100),
    "Subscription.availabilityChanged": Size(100, "skus"),
    "Subscription.stockLevelChanged": Size(100, "skus"),
    "Subscription.skuTotalsChanged": Size(100, "skus"),
}
"""How many objects a field returns, where a list's size is not `DEFAULT_LIST_SIZE`; a
subscription counts its snapshot, a message for each SKU it covers."""

_STATIC = object()
"""The `data` of a walk that counts the document alone."""


def requested_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None = None,
    variables: Mapping[str, Any] | None = None,
    stop_above: int | None = None,
) -> int:
    """The cost of the operation, from its document and variables. With `stop_above`, the
    count may stop at the first root field that takes it over that: it is refused anyway."""
    kept = _static_walk(schema, document, operation_name)
    if kept is not None:
        return kept.requested(stop_above)
    walk = _Walk.of(schema, document, operation_name, variables)
    if walk is None:
        return MINIMUM_COST
    cost = walk.operation(_STATIC, stop_above)
    if not walk.consulted_variables and not walk.stopped:
        # The same for every request of this document: kept with it (schema/document_memo.py).
        walk.variables = None
        memo(document)[(_Static, operation_name)] = _Static(walk, {stop_above: cost})
    return cost


def actual_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    data: Mapping[str, Any] | None,
) -> int:
    """The cost of what the operation returned in `data`."""
    kept = _static_walk(schema, document, operation_name)
    walk = kept.walk if kept is not None else _Walk.of(schema, document, operation_name, variables)
    return MINIMUM_COST if walk is None or data is None else walk.operation(data)


class _Static:
    """The walk of an operation whose cost reads no variable (the common case: a variable
    matters only in a list's size argument or a @skip/@include), and its requested costs."""

    def __init__(self, walk: _Walk, costs: dict[int | None, int]) -> None:
        self.walk = walk
        self.costs = costs

    def requested(self, stop_above: int | None) -> int:
        cost = self.costs.get(stop_above)
        if cost is None:
            cost = self.costs[stop_above] = self.walk.operation(_STATIC, stop_above)
        return cost


def _static_walk(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None
) -> _Static | None:
    """Kept only for an operation the document has: a client cannot grow the memo."""
    kept: _Static | None = memo(document).get((_Static, operation_name))
    return kept if kept is not None and kept.walk.schema is schema else None


class _Walk:
    def __init__(
        self,
        schema: GraphQLSchema,
        operation: OperationDefinitionNode,
        fragments: dict[str, FragmentDefinitionNode],
        variables: VariableValues | None,
    ) -> None:
        self.schema = schema
        self.operation_node = operation
        self.fragments = fragments
        self.variables = variables
        self._fields: dict[tuple[tuple[int, ...], str], dict[str, list[FieldNode]]] = {}
        self._costs: dict[tuple[tuple[int, ...], str, int | None], int] = {}
        self.consulted_variables = False
        """Whether the cost read a variable (a size argument, a directive)."""
        self.stopped = False
        """Whether a count stopped early, before it saw every root field."""

    @classmethod
    def of(
        cls,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
    ) -> _Walk | None:
        operation = get_operation_ast(document, operation_name)
        root = None if operation is None else schema.get_root_type(operation.operation)
        if operation is None or root is None:
            return None
        fragments = {
            node.name.value: node
            for node in document.definitions
            if isinstance(node, FragmentDefinitionNode)
        }
        # One error is enough to know they fail, and suggestions for hundreds of unknown
        # fields would cost seconds.
        coerced = get_variable_values(
            schema,
            operation.variable_definitions or (),
            dict(variables or {}),
            max_errors=1,
            hide_suggestions=True,
        )
        # Variables that do not coerce fail the request before it runs: count without them.
        return cls(schema, operation, fragments, None if isinstance(coerced, list) else coerced)

    def operation(self, data: Any, stop_above: int | None = None) -> int:
        root = self.schema.get_root_type(self.operation_node.operation)
        assert root is not None  # checked by `of`
        per_field = MUTATION_COST if self.operation_node.operation is OperationType.MUTATION else 0
        total = 0
        for key, nodes in self._collect((self.operation_node.selection_set,), root).items():
            total += self._fields_cost({key: nodes}, root, None, data, per_field)
            if stop_above is not None and total > stop_above:
                self.stopped = True
                break
        return max(total, MINIMUM_COST)

    def _fields_cost(
        self,
        fields: dict[str, list[FieldNode]],
        parent: GraphQLObjectType,
        page: int | None,
        data: Any,
        per_field: int = 0,
    ) -> int:
        total = 0
        for key, nodes in fields.items():
            if data is _STATIC:
                value = _STATIC
            elif isinstance(data, Mapping) and key in data:
                value = data[key]
            else:
                continue  # not returned (its parent failed)
            definition = parent.fields.get(nodes[0].name.value)
            if definition is None:  # __typename, or introspection: not walked
                total += SURCHARGES.get(f"{parent.name}.{nodes[0].name.value}", 0)
                continue
            total += per_field + self._field_cost(nodes, parent, definition, page, value)
        return total

    def _field_cost(
        self,
        nodes: list[FieldNode],
        parent: GraphQLObjectType,
        definition: GraphQLField,
        page: int | None,
        value: Any,
    ) -> int:
        name = f"{parent.name}.{nodes[0].name.value}"
        cost = SURCHARGES.get(name, 0)
        element = get_named_type(definition.type)
        if is_leaf_type(element) or value is None:
            return cost
        size = SIZES.get(name)
        paged = "edges" in getattr(element, "fields", {})
        arguments = self._arguments(definition, nodes[0]) if paged or size else {}
        inner_page = _page_size(arguments) if paged else None
        selections = tuple(node.selection_set for node in nodes if node.selection_set)
        if value is _STATIC:
            count = _static_size(name, definition, size, arguments, page)
            return cost + count * (1 + self._selection_cost(selections, element, inner_page))
        for item in (
            _elements(value) if is_list_type(get_nullable_type(definition.type)) else [value]
        ):
            if item is not None:
                cost += 1 + self._selection_cost(selections, element, inner_page, item)
        return cost

    def _selection_cost(
        self,
        selections: tuple[SelectionSetNode, ...],
        element: GraphQLNamedType,
        page: int | None,
        data: Any = _STATIC,
    ) -> int:
        types = self._possible_types(element)
        if data is not _STATIC:
            # Of an interface or union, each field the object returned is counted once.
            total, counted = 0, set[str]()
            for kind in types:
                fields = self._collect(selections, kind)
                fresh = {key: nodes for key, nodes in fields.items() if key not in counted}
                counted |= fresh.keys()
                total += self._fields_cost(fresh, kind, page, data)
            return total
        key = (tuple(id(s) for s in selections), element.name, page)
        cost = self._costs.get(key)
        if cost is None:
            # An interface or union counts as the costliest of the types it may be.
            cost = max(
                (self._fields_cost(self._collect(selections, t), t, page, _STATIC) for t in types),
                default=0,
            )
            self._costs[key] = cost
        return cost

    def _arguments(self, definition: GraphQLField, node: FieldNode) -> dict[str, Any]:
        self._consults(bool(node.arguments))
        try:
            return get_argument_values(definition, node, self.variables)
        except GraphQLError:
            return {}  # the request fails before running: its declared sizes stand

    def _consults(self, reads_arguments: bool) -> None:
        if reads_arguments and self.operation_node.variable_definitions:
            self.consulted_variables = True

    def _possible_types(self, element: GraphQLNamedType) -> list[GraphQLObjectType]:
        if is_abstract_type(element):
            return list(self.schema.get_possible_types(element))
        return [element] if isinstance(element, GraphQLObjectType) else []

    def _collect(
        self, selections: Iterable[SelectionSetNode], runtime: GraphQLObjectType
    ) -> dict[str, list[FieldNode]]:
        """The fields the selections ask of an object of type `runtime`, by response key."""
        selections = tuple(selections)
        key = (tuple(id(s) for s in selections), runtime.name)
        found = self._fields.get(key)
        if found is None:
            found = {}
            visited: set[str] = set()
            for selection_set in selections:
                self._collect_into(selection_set, runtime, found, visited)
            self._fields[key] = found
        return found

    def _collect_into(
        self,
        selection_set: SelectionSetNode,
        runtime: GraphQLObjectType,
        found: dict[str, list[FieldNode]],
        visited: set[str],
    ) -> None:
        for selection in selection_set.selections:
            if not self._included(selection):
                continue
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                found.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                if condition is None or self._applies(condition.name.value, runtime):
                    self._collect_into(selection.selection_set, runtime, found, visited)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if name in visited or fragment is None:
                    continue
                visited.add(name)
                if self._applies(fragment.type_condition.name.value, runtime):
                    self._collect_into(fragment.selection_set, runtime, found, visited)

    def _applies(self, condition: str, runtime: GraphQLObjectType) -> bool:
        named = self.schema.get_type(condition)
        if named is None or named is runtime:
            return named is runtime
        return is_abstract_type(named) and self.schema.is_sub_type(named, runtime)

    def _included(self, node: SelectionNode) -> bool:
        if not node.directives:
            return True
        self._consults(True)
        try:
            skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
            include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        except GraphQLError:
            return True
        return not (skip and skip.get("if")) and not (include and not include.get("if"))


def _static_size(
    name: str,
    definition: GraphQLField,
    size: Size | None,
    arguments: dict[str, Any],
    page: int | None,
) -> int:
    if size is None:
        if not is_list_type(get_nullable_type(definition.type)):
            return 1
        return page if page is not None and name.endswith(".edges") else DEFAULT_LIST_SIZE
    sent = arguments.get(size.argument) if size.argument else None
    return min(len(sent), size.maximum) if isinstance(sent, list) else size.absent


LARGEST_PAGE = max(MAX_PAGE_SIZE, MAX_FEED_PAGE)
"""No page is longer; a `first` over a field's own maximum is refused when it runs."""


def _page_size(arguments: dict[str, Any]) -> int:
    first = arguments.get("first")
    if not isinstance(first, int):
        return MAX_PAGE_SIZE
    return min(max(first, 1), LARGEST_PAGE)


def _elements(value: Any) -> list[Any]:
    """The objects of a list value, nested lists flattened."""
    if not isinstance(value, list):
        return [value]
    return [item for element in value for item in _elements(element)]
