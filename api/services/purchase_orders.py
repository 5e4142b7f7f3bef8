"""Reading purchase orders; changing them is the dispatcher's (api/handlers/purchase_orders.py)."""

from __future__ import annotations

from api.database import purchase_order_repository as repository
from api.database.engine import Database
from api.handlers.purchase_orders import load
from domain.access import Principal
from domain.purchase_orders import PurchaseOrder, PurchaseOrderStatus


class PurchaseOrderService:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def get(self, purchase_order_id: str, principal: Principal) -> PurchaseOrder | None:
        principal.require_admin()
        async with self._database.read() as conn:
            return await load(conn, purchase_order_id)

    async def page(
        self,
        principal: Principal,
        first: int,
        after: str | None,
        status: PurchaseOrderStatus | None,
        location: str | None,
    ) -> tuple[list[PurchaseOrder], bool]:
        principal.require_admin()
        async with self._database.read() as conn:
            ids, has_next = await repository.page(conn, first, after, status, location)
            found = await repository.find_many(conn, ids)
        return [stored.order for stored in found], has_next
