"""SKUs and locations as clients see them."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain import catalogue
from schema.context import Info
from schema.errors import PublicError
from schema.node import ID_DESCRIPTION, Node, NodeKind, node_id
from schema.types.bundles import BundleComponent, BundleStock
from schema.types.stock import StockLevel, StockQuantities

LocationKind = strawberry.enum(catalogue.LocationKind)


@strawberry.type(description="A variant attribute such as size or colour.")
class Attribute:
    name: str
    value: str


@strawberry.input
class AttributeInput:
    name: str
    value: str


def attributes_dict(attributes: list[AttributeInput] | None) -> dict[str, str] | None:
    if attributes is None:
        return None
    if len(attributes) > catalogue.MAX_ATTRIBUTES:  # counted before repeated names collapse
        raise PublicError(f"at most {catalogue.MAX_ATTRIBUTES} attributes", "TOO_LONG")
    return {attribute.name: attribute.value for attribute in attributes}


@strawberry.type
class Sku(Node):
    code: str
    name: str
    barcode: str | None
    attributes: list[Attribute]
    active: bool
    created_at: datetime
    updated_at: datetime

    @strawberry.field(description=ID_DESCRIPTION)
    def id(self) -> strawberry.ID:
        return node_id(NodeKind.SKU, self.code)

    @strawberry.field(description="Counters summed over every location.")
    async def totals(self, info: Info) -> StockQuantities:
        return StockQuantities.from_domain(await info.context.totals.load(self.code))

    @strawberry.field(description="This SKU's stock level at each location that has one.")
    async def stock_levels(self, info: Info) -> list[StockLevel]:
        levels = await info.context.services.queries.stock_levels(self.code, None)
        return [StockLevel.from_domain(level) for level in levels]

    @strawberry.field(description="A bundle has components and no stock of its own.")
    async def is_bundle(self, info: Info) -> bool:
        return bool(await info.context.services.bundles.components(self.code))

    @strawberry.field(description="A bundle's direct components; empty for any other SKU.")
    async def components(self, info: Info) -> list[BundleComponent]:
        found = await info.context.services.bundles.components(self.code)
        return [BundleComponent(sku=c.sku, quantity=c.quantity) for c in found]

    @strawberry.field(
        description="For a bundle, the whole bundles its components' available units make at "
        "each location holding any of them; empty for any other SKU."
    )
    async def bundle_stock(self, info: Info) -> list[BundleStock]:
        found = await info.context.services.bundles.stock_by_location(self.code)
        return [BundleStock(location=location, available=n) for location, n in found]

    @classmethod
    def from_domain(cls, sku: catalogue.Sku) -> Sku:
        assert sku.created_at is not None and sku.updated_at is not None
        return cls(
            code=sku.code,
            name=sku.name,
            barcode=sku.barcode,
            attributes=[Attribute(name=k, value=v) for k, v in sku.attributes.items()],
            active=sku.active,
            created_at=sku.created_at,
            updated_at=sku.updated_at,
        )


@strawberry.type
class Location(Node):
    code: str
    name: str
    kind: LocationKind  # type: ignore[valid-type]
    priority: int = strawberry.field(description="Lower numbers are preferred first.")
    latitude: float | None
    longitude: float | None
    active: bool
    created_at: datetime
    updated_at: datetime

    @strawberry.field(description=ID_DESCRIPTION)
    def id(self) -> strawberry.ID:
        return node_id(NodeKind.LOCATION, self.code)

    @classmethod
    def from_domain(cls, location: catalogue.Location) -> Location:
        assert location.created_at is not None and location.updated_at is not None
        return cls(
            code=location.code,
            name=location.name,
            kind=location.kind,
            priority=location.priority,
            latitude=location.latitude,
            longitude=location.longitude,
            active=location.active,
            created_at=location.created_at,
            updated_at=location.updated_at,
        )
