"""SKUs and locations: what is stocked and where, and the commands that shape them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from domain.commands import Command
from domain.errors import TooLong
from domain.validation import MAX_CODE_LENGTH, MAX_NAME_LENGTH, Checks

MAX_ATTRIBUTES = 20
MAX_PRIORITY = 1_000_000


class LocationKind(Enum):
    WAREHOUSE = "warehouse"
    STORE = "store"
    THIRD_PARTY_LOGISTICS = "3pl"
    MARKETPLACE_FULFILMENT = "marketplace-fulfilment"


@dataclass(frozen=True, slots=True)
class Sku:
    code: str
    name: str
    barcode: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    active: bool = True
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Location:
    code: str
    name: str
    kind: LocationKind = LocationKind.WAREHOUSE
    priority: int = 0
    latitude: float | None = None
    longitude: float | None = None
    active: bool = True
    created_at: datetime | None = None
    updated_at: datetime | None = None


def _check_attributes(checks: Checks, attributes: dict[str, str] | None) -> None:
    if attributes is None:
        return
    if len(attributes) > MAX_ATTRIBUTES:
        checks.add(TooLong(f"at most {MAX_ATTRIBUTES} attributes", ("attributes",)))
    for name, value in attributes.items():
        checks.text(name, "attributes", MAX_CODE_LENGTH)
        checks.text(value, "attributes", MAX_NAME_LENGTH)


def _check_coordinates(checks: Checks, latitude: float | None, longitude: float | None) -> None:
    if latitude is not None:
        checks.within(latitude, -90, 90, "latitude")
    if longitude is not None:
        checks.within(longitude, -180, 180, "longitude")


@dataclass(frozen=True, slots=True)
class CreateSku(Command[Sku]):
    code: str
    name: str
    barcode: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    active: bool = True

    def validate(self) -> None:
        checks = Checks()
        checks.code(self.code, "code")
        checks.text(self.name, "name")
        checks.optional_text(self.barcode, "barcode", MAX_CODE_LENGTH)
        _check_attributes(checks, self.attributes)
        checks.raise_if_any()

    def as_sku(self) -> Sku:
        return Sku(self.code, self.name, self.barcode, self.attributes, self.active)


@dataclass(frozen=True, slots=True)
class UpdateSku(Command[Sku]):
    """Changes the given fields of a SKU; a field left as None keeps its value."""

    code: str
    name: str | None = None
    barcode: str | None = None
    attributes: dict[str, str] | None = None
    active: bool | None = None

    def validate(self) -> None:
        checks = Checks()
        checks.optional_text(self.name, "name", MAX_NAME_LENGTH)
        checks.optional_text(self.barcode, "barcode", MAX_CODE_LENGTH)
        _check_attributes(checks, self.attributes)
        checks.raise_if_any()

    def apply(self, sku: Sku) -> Sku:
        return Sku(
            code=sku.code,
            name=self.name if self.name is not None else sku.name,
            barcode=self.barcode if self.barcode is not None else sku.barcode,
            attributes=self.attributes if self.attributes is not None else sku.attributes,
            active=self.active if self.active is not None else sku.active,
            created_at=sku.created_at,
            updated_at=sku.updated_at,
        )


@dataclass(frozen=True, slots=True)
class CreateLocation(Command[Location]):
    code: str
    name: str
    kind: LocationKind = LocationKind.WAREHOUSE
    priority: int = 0
    latitude: float | None = None
    longitude: float | None = None
    active: bool = True

    def validate(self) -> None:
        checks = Checks()
        checks.code(self.code, "code")
        checks.text(self.name, "name")
        checks.within(self.priority, 0, MAX_PRIORITY, "priority")
        _check_coordinates(checks, self.latitude, self.longitude)
        checks.raise_if_any()

    def as_location(self) -> Location:
        return Location(
            self.code,
            self.name,
            self.kind,
            self.priority,
            self.latitude,
            self.longitude,
            self.active,
        )


@dataclass(frozen=True, slots=True)
class UpdateLocation(Command[Location]):
    code: str
    name: str | None = None
    kind: LocationKind | None = None
    priority: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    active: bool | None = None

    def validate(self) -> None:
        checks = Checks()
        checks.optional_text(self.name, "name", MAX_NAME_LENGTH)
        if self.priority is not None:
            checks.within(self.priority, 0, MAX_PRIORITY, "priority")
        _check_coordinates(checks, self.latitude, self.longitude)
        checks.raise_if_any()

    def apply(self, location: Location) -> Location:
        return Location(
            code=location.code,
            name=self.name if self.name is not None else location.name,
            kind=self.kind if self.kind is not None else location.kind,
            priority=self.priority if self.priority is not None else location.priority,
            latitude=self.latitude if self.latitude is not None else location.latitude,
            longitude=self.longitude if self.longitude is not None else location.longitude,
            active=self.active if self.active is not None else location.active,
            created_at=location.created_at,
            updated_at=location.updated_at,
        )
