"""Query-level access checks (mutations report FORBIDDEN as a userError instead)."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from domain.access import Role


class IsAdmin(BasePermission):
    message = "this field needs an admin key"
    error_extensions = {"code": "FORBIDDEN"}

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        principal = info.context.principal
        return principal is not None and principal.role is Role.ADMIN


class ReadsMoreThanPublished(BasePermission):
    """Every query but `viewer` and `availability`: a storefront key is refused (see
    Principal.reads_only_published)."""

    message = "a storefront key reads only what its channel publishes (availability)"
    error_extensions = {"code": "FORBIDDEN"}

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        principal = info.context.principal
        return principal is not None and not principal.reads_only_published
