"""What every stock command is: a request that validates itself, may carry an idempotency
key, and answers with a value of type R once it has run."""

from __future__ import annotations

from typing import Generic, TypeVar

R = TypeVar("R", covariant=True)


class Command(Generic[R]):
    """Base of the commands the dispatcher runs; R is the type of their answer."""

    __slots__ = ()

    idempotency_key: str | None = None
    """Commands that change stock take one (a replay answers as the first run did); others
    have none."""

    def validate(self) -> None:
        """Refuses input that could never run, before any transaction starts."""
