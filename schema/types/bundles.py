"""Bundles as clients see them: components, whole sets per location, bundle lines of holds."""

from __future__ import annotations

import strawberry


@strawberry.type(description="One component of a bundle: units of it in one bundle.")
class BundleComponent:
    sku: str
    quantity: int


@strawberry.input
class BundleComponentInput:
    sku: str
    quantity: int = strawberry.field(description="Units of the component in one bundle.")


@strawberry.type(description="Whole bundles the components' available units make at a location.")
class BundleStock:
    location: str
    available: int


@strawberry.type(
    description="A request line that was a bundle: its units are held as the reservation's "
    "lines with the same lineNumber, one per component and location."
)
class ReservationBundleLine:
    line_number: int
    sku: str
    quantity: int = strawberry.field(description="Bundles requested on the line.")
