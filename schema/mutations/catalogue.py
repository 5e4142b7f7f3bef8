"""createSku, updateSku, createLocation, updateLocation."""

from __future__ import annotations

import strawberry

from domain import catalogue
from schema.context import Info
from schema.errors import UserError, attempt
from schema.types.catalogue import AttributeInput, Location, LocationKind, Sku, attributes_dict


@strawberry.input
class CreateSkuInput:
    code: str
    name: str
    barcode: str | None = None
    attributes: list[AttributeInput] = strawberry.field(default_factory=list)
    active: bool = True


@strawberry.input(description="Fields left out keep their value.")
class UpdateSkuInput:
    code: str
    name: str | None = None
    barcode: str | None = None
    attributes: list[AttributeInput] | None = None
    active: bool | None = None


@strawberry.type
class SkuPayload:
    sku: Sku | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CreateLocationInput:
    code: str
    name: str
    kind: LocationKind = catalogue.LocationKind.WAREHOUSE  # type: ignore[valid-type]
    priority: int = 0
    latitude: float | None = None
    longitude: float | None = None
    active: bool = True


@strawberry.input(description="Fields left out keep their value.")
class UpdateLocationInput:
    code: str
    name: str | None = None
    kind: LocationKind | None = None  # type: ignore[valid-type]
    priority: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    active: bool | None = None


@strawberry.type
class LocationPayload:
    location: Location | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


async def _save_location(
    info: Info, command: catalogue.CreateLocation | catalogue.UpdateLocation
) -> LocationPayload:
    location, errors = await attempt(info.context.dispatch(command))
    return LocationPayload(
        location=Location.from_domain(location) if location else None, user_errors=errors
    )


@strawberry.type
class CatalogueMutations:
    @strawberry.mutation
    async def create_sku(self, info: Info, input: CreateSkuInput) -> SkuPayload:
        command = catalogue.CreateSku(
            input.code,
            input.name,
            input.barcode,
            attributes_dict(input.attributes) or {},
            input.active,
        )
        sku, errors = await attempt(info.context.dispatch(command))
        return SkuPayload(sku=Sku.from_domain(sku) if sku else None, user_errors=errors)

    @strawberry.mutation
    async def update_sku(self, info: Info, input: UpdateSkuInput) -> SkuPayload:
        command = catalogue.UpdateSku(
            input.code, input.name, input.barcode, attributes_dict(input.attributes), input.active
        )
        sku, errors = await attempt(info.context.dispatch(command))
        return SkuPayload(sku=Sku.from_domain(sku) if sku else None, user_errors=errors)

    @strawberry.mutation
    async def create_location(self, info: Info, input: CreateLocationInput) -> LocationPayload:
        command = catalogue.CreateLocation(
            input.code,
            input.name,
            input.kind,
            input.priority,
            input.latitude,
            input.longitude,
            input.active,
        )
        return await _save_location(info, command)

    @strawberry.mutation
    async def update_location(self, info: Info, input: UpdateLocationInput) -> LocationPayload:
        command = catalogue.UpdateLocation(
            input.code,
            input.name,
            input.kind,
            input.priority,
            input.latitude,
            input.longitude,
            input.active,
        )
        return await _save_location(info, command)
