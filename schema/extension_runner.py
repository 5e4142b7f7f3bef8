"""Strawberry's extension hooks run without rebuilding their wrappers on every request.

For each lifecycle step of each request (operation, parsing, validation, execution),
Strawberry's runner looks up every extension's hook, checks what kind of function it is
(`inspect`), wraps it in a new `contextlib.contextmanager` (`functools.update_wrapper`) and
enters it through an `ExitStack`: for stockpool's extensions, a tenth of a `{ __typename }`
request. `LeanExtensionsRunner` finds each extension class's hook once, and for the steps
whose hooks are all plain generator functions (every extension stockpool runs) drives the
generators itself, with `contextlib.contextmanager` and `ExitStack`'s rules: entered in
order, left in reverse; an exception is thrown into each, innermost first, and one a hook
swallows is gone for the hooks outside it. A step with any other kind of hook (an async
generator, a plain function) is left to Strawberry's own context manager."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Generator
from types import TracebackType
from typing import Any

from strawberry.extensions import SchemaExtension
from strawberry.extensions.context import (
    ExecutingContextManager,
    ExtensionContextManagerBase,
    OperationContextManager,
    ParsingContextManager,
    ValidationContextManager,
)
from strawberry.extensions.runner import SchemaExtensionsRunner

Hook = Callable[[SchemaExtension], Generator[None, None, None]]

_ABSENT: Any = object()
_HOOKS: dict[tuple[type[SchemaExtension], str], Hook | None] = {}
"""A class's hook for a step: its generator function, `_ABSENT` when it has none, None when
it is of another kind."""


def _hook(kind: type[SchemaExtension], name: str) -> Hook | None:
    key = (kind, name)
    if key not in _HOOKS:
        found = getattr(kind, name)
        if found is getattr(SchemaExtension, name):
            _HOOKS[key] = _ABSENT
        else:
            _HOOKS[key] = found if inspect.isgeneratorfunction(found) else None
    return _HOOKS[key]


class LeanExtensionsRunner(SchemaExtensionsRunner):
    def operation(self) -> Any:
        return self._step("on_operation", OperationContextManager)

    def parsing(self) -> Any:
        return self._step("on_parse", ParsingContextManager)

    def validation(self) -> Any:
        return self._step("on_validate", ValidationContextManager)

    def executing(self) -> Any:
        return self._step("on_execute", ExecutingContextManager)

    def _step(
        self, name: str, strawberrys: type[ExtensionContextManagerBase]
    ) -> GeneratorHooks | ExtensionContextManagerBase:
        hooks: list[tuple[Hook, SchemaExtension]] = []
        for extension in self.extensions:
            hook = _hook(type(extension), name)
            if hook is None:
                return strawberrys(self.extensions)
            if hook is not _ABSENT:
                hooks.append((hook, extension))
        return GeneratorHooks(hooks)


class GeneratorHooks:
    """One step's generator hooks as one context manager (sync and async alike)."""

    __slots__ = ("_entered", "_hooks")

    def __init__(self, hooks: list[tuple[Hook, SchemaExtension]]) -> None:
        self._hooks = hooks
        self._entered: list[Generator[None, None, None]] = []

    def __enter__(self) -> None:
        # As Strawberry's: a hook failing to start leaves the ones started before it as
        # they are (its `__enter__` raises before anything can leave them).
        for hook, extension in self._hooks:
            generator = hook(extension)
            try:
                next(generator)
            except StopIteration:
                raise RuntimeError("generator didn't yield") from None
            self._entered.append(generator)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        received = error is not None
        suppressed = pending = False
        for generator in reversed(self._entered):
            try:
                if _leave(generator, error):
                    suppressed, pending, error = True, False, None
            except BaseException as raised:
                if error is not None and raised is not error and raised.__context__ is None:
                    raised.__context__ = error
                pending, error = True, raised
        if pending and error is not None:
            raise error
        return received and suppressed

    async def __aenter__(self) -> None:
        self.__enter__()

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        return self.__exit__(kind, error, traceback)


def _leave(generator: Generator[None, None, None], error: BaseException | None) -> bool:
    """`contextlib.contextmanager`'s exit: True when the hook swallowed `error`."""
    if error is None:
        try:
            next(generator)
        except StopIteration:
            return False
        raise RuntimeError("generator didn't stop")
    try:
        generator.throw(error)
    except StopIteration as stop:
        return stop is not error
    except RuntimeError as raised:
        if raised is error or (isinstance(error, StopIteration) and raised.__cause__ is error):
            return False
        raise
    except BaseException as raised:
        if raised is not error:
            raise
        return False
    raise RuntimeError("generator didn't stop after throw()")
