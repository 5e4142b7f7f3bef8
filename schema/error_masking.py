"""Unexpected errors reach clients as "internal error": Strawberry's MaskErrors, with the
check of each result made cheap.

Strawberry asks whether a result has errors with `isinstance` against a runtime-checkable
Protocol, which inspects the Protocol's members on every call (a `{ __typename }` request
paid more for it than for running its field). Every result it is handed has an `errors`
attribute, or is not a result: reading the attribute asks the same question."""

from __future__ import annotations

from typing import Any

from strawberry.extensions import MaskErrors

from schema.error_log import is_internal

INTERNAL_ERROR = "internal error"


class MaskInternalErrors(MaskErrors):
    def __init__(self) -> None:
        super().__init__(should_mask_error=is_internal, error_message=INTERNAL_ERROR)

    def _process_result(self, result: Any) -> None:
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._process_errors(errors)
