"""What every resolver gets: the services and the authenticated caller."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from strawberry.dataloader import DataLoader
from strawberry.types import Info as StrawberryInfo

from api.services.container import Services
from domain.access import Principal
from domain.commands import Command
from domain.errors import Forbidden
from domain.quantities import Quantities

if TYPE_CHECKING:
    from schema.throttling import RateLimits

R = TypeVar("R")


@dataclass
class Context:
    services: Services
    principal: Principal | None = None
    connection_params: dict[str, Any] | None = None
    request: Any = None
    response: Any = None
    _totals: DataLoader[str, Quantities] | None = field(init=False, default=None)

    @property
    def totals(self) -> DataLoader[str, Quantities]:
        """Made on first use: most contexts (and every idle WebSocket's) never need it."""
        if self._totals is None:

            async def load_totals(codes: list[str]) -> list[Quantities]:
                found = await self.services.queries.totals(codes)
                return [found.get(code, Quantities()) for code in codes]

            # No cache: a WebSocket context lives for the whole connection and must not go
            # stale.
            self._totals = DataLoader(load_fn=load_totals, cache=False)
        return self._totals

    @property
    def rate_limits(self) -> RateLimits | None:
        """The worker's query cost and rate limits, for a request or a WebSocket; None for
        the hub's renders of subscription results, which no caller asked for."""
        return None if self.request is None else self.request.app.state.rate_limits

    async def dispatch(self, command: Command[R]) -> R:
        """Runs a command as the caller (see api/service_layer/dispatcher.py)."""
        return await self.services.dispatch(command, self.caller)

    @property
    def caller(self) -> Principal:
        if self.principal is None:
            raise Forbidden("not authenticated")
        return self.principal


Info = StrawberryInfo[Context, None]
