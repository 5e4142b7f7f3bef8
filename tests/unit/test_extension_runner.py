"""The lean extension runner runs hooks as Strawberry's runner does: entered in order, left
in reverse, an exception thrown into each hook from the innermost out, one a hook swallows
gone for the hooks outside it; a step with a hook of another kind is Strawberry's own."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.extensions.context import OperationContextManager

from schema.extension_runner import GeneratorHooks, LeanExtensionsRunner

EVENTS: list[str] = []


class Outer(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        EVENTS.append("outer in")
        try:
            yield
        except KeyError:
            EVENTS.append("outer swallowed KeyError")
            return
        EVENTS.append("outer out")


class Inner(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        EVENTS.append("inner in")
        try:
            yield
        finally:
            EVENTS.append("inner out")


class Swallower(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        try:
            yield
        except ValueError:
            EVENTS.append("swallowed ValueError")


class Translator(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        try:
            yield
        except ValueError as error:
            raise KeyError("translated") from error


class AsyncHook(SchemaExtension):
    async def on_operation(self) -> AsyncIterator[None]:  # type: ignore[override]
        yield


def runner(*extensions: SchemaExtension) -> LeanExtensionsRunner:
    return LeanExtensionsRunner(None, list(extensions))  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def fresh_events() -> None:
    EVENTS.clear()


async def test_hooks_are_entered_in_order_and_left_in_reverse():
    async with runner(Outer(), Inner()).operation():
        EVENTS.append("body")
    assert EVENTS == ["outer in", "inner in", "body", "inner out", "outer out"]


def test_the_sync_path_runs_the_same_hooks():
    with runner(Outer(), Inner()).operation():
        EVENTS.append("body")
    assert EVENTS == ["outer in", "inner in", "body", "inner out", "outer out"]


async def test_an_exception_reaches_every_hook_from_the_innermost_out():
    with pytest.raises(ValueError):
        async with runner(Outer(), Inner()).operation():
            raise ValueError("boom")
    assert EVENTS == ["outer in", "inner in", "inner out"]


async def test_an_exception_a_hook_swallows_is_gone_for_the_hooks_outside_it():
    async with runner(Outer(), Inner()).operation():
        raise KeyError("swallowed")
    assert EVENTS == ["outer in", "inner in", "inner out", "outer swallowed KeyError"]


async def test_an_exception_a_hook_raises_instead_is_what_the_hooks_outside_it_see():
    with pytest.raises(KeyError) as raised:
        async with runner(Swallower(), Translator()).executing():
            raise ValueError("boom")
    assert isinstance(raised.value.__cause__, ValueError)
    assert EVENTS == []  # the outer hook saw the KeyError, not the ValueError


async def test_a_step_without_hooks_runs_its_body_alone():
    async with runner(Outer()).parsing():
        EVENTS.append("body")
    assert EVENTS == ["body"]


def test_a_step_with_a_hook_of_another_kind_is_left_to_strawberry():
    assert isinstance(runner(Outer(), AsyncHook()).operation(), OperationContextManager)
    assert isinstance(runner(Outer(), Inner()).operation(), GeneratorHooks)


def test_a_schema_with_the_runner_answers_as_strawberrys():
    @strawberry.type
    class Query:
        @strawberry.field
        def hello(self) -> str:
            return "world"

    class Lean(strawberry.Schema):
        def create_extensions_runner(self, execution_context, extensions):  # type: ignore[no-untyped-def]
            return LeanExtensionsRunner(execution_context, extensions)

    for schema_class in (strawberry.Schema, Lean):
        EVENTS.clear()
        schema = schema_class(query=Query, extensions=[Outer, Inner])
        result = schema.execute_sync("{ hello }")
        assert result.data == {"hello": "world"}
        assert EVENTS == ["outer in", "inner in", "inner out", "outer out"]
