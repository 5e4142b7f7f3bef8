"""Bundles and kits: a SKU sold as a set of component SKUs, with no stock of its own.

A bundle's pool is the number of whole sets its components make: the minimum over its
components of floor(component pool / units per bundle). A bundle may be a component of
another bundle; every unit is counted as the stocked SKUs at the bottom (its leaves), nested
quantities multiplied out and a leaf reached twice summed, so a bundle and one of its
components never count the same unit twice."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from domain.catalogue import Sku
from domain.channels import RoutingPolicy, SplitPolicy
from domain.commands import Command
from domain.errors import (
    BundleCycle,
    InsufficientStock,
    QuantityTooLarge,
    StockpoolError,
    refusal,
)
from domain.publishing import ChannelPool
from domain.quantities import MAX_COUNTER, MAX_QUANTITY
from domain.reservations import Destination, RequestedLine
from domain.routing import Allocation, Availability, Site, route, route_together
from domain.validation import Checks

MAX_COMPONENTS = 50

Composition = Mapping[str, Mapping[str, int]]
"""Per bundle SKU, the units of each direct component one bundle takes."""


@dataclass(frozen=True, slots=True)
class Component:
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class SetBundleComponents(Command[Sku]):
    """Makes `sku` a bundle of these components (replacing any it had); none makes it an
    ordinary SKU again."""

    sku: str
    components: tuple[Component, ...]

    def validate(self) -> None:
        checks = Checks()
        checks.code(self.sku, "sku")
        if len(self.components) > MAX_COMPONENTS:
            checks.invalid(f"at most {MAX_COMPONENTS} components", "components")
        seen: set[str] = set()
        for index, component in enumerate(self.components):
            checks.code(component.sku, f"components.{index}.sku")
            checks.positive_quantity(component.quantity, f"components.{index}.quantity")
            if component.sku in seen:
                checks.invalid(
                    f"{component.sku} appears on more than one component",
                    f"components.{index}.sku",
                )
            seen.add(component.sku)
            if component.sku == self.sku:
                checks.add(BundleCycle([self.sku, self.sku], ("components", str(index), "sku")))
        checks.raise_if_any()

    def as_mapping(self) -> dict[str, int]:
        return {component.sku: component.quantity for component in self.components}


def find_cycle(
    bundle: str, components: Iterable[str], composition: Composition
) -> list[str] | None:
    """The chain by which `bundle` would contain itself if it had these components, or None."""

    def path_back(sku: str, trail: list[str]) -> list[str] | None:
        if sku == bundle:
            return [*trail, sku]
        if sku in trail:
            return None
        for component in composition.get(sku, {}):
            found = path_back(component, [*trail, sku])
            if found:
                return found
        return None

    for component in components:
        found = path_back(component, [bundle])
        if found:
            return found
    return None


def leaves(sku: str, composition: Composition) -> dict[str, int]:
    """Units of each stocked SKU one unit of `sku` takes: itself when it is no bundle."""
    found: dict[str, int] = {}

    def add(current: str, units: int, trail: tuple[str, ...]) -> None:
        if current in trail:
            raise BundleCycle([*trail, current])
        parts = composition.get(current)
        if not parts:
            found[current] = found.get(current, 0) + units
            if found[current] > MAX_QUANTITY:
                raise QuantityTooLarge(
                    f"one {sku} takes more than {MAX_QUANTITY} units of {current}", ("components",)
                )
            return
        for component, quantity in parts.items():
            add(component, units * quantity, (*trail, current))

    add(sku, 1, ())
    return found


def bundle_pool(leaf_units: Mapping[str, int], pools: Mapping[str, int]) -> int:
    """Whole bundles the components make: min over components of floor(pool / units)."""
    if not leaf_units:
        return 0
    return min(max(pools.get(sku, 0), 0) // units for sku, units in leaf_units.items())


def bundle_channel_pool(
    leaf_units: Mapping[str, int], pools: Mapping[str, ChannelPool]
) -> ChannelPool:
    """A bundle's pool on a channel: the whole sets its leaves' pools make there (nothing
    incoming: a bundle never backorders)."""
    available = {sku: pool.available for sku, pool in pools.items() if sku in leaf_units}
    return ChannelPool(bundle_pool(leaf_units, available))


def units_short(leaf_units: Mapping[str, int], short: Mapping[str, int]) -> int:
    """Bundles not made whole when each leaf is `short` of units: the worst leaf decides."""
    return max(
        (-(-short.get(sku, 0) // units) for sku, units in leaf_units.items()),
        default=0,
    )


@dataclass(frozen=True, slots=True)
class BundledRequest:
    """A request's lines with every bundle line taken apart into the leaves it holds.

    A bundle line keeps its number: its units are held as component lines with that number,
    after the request's other lines have been placed."""

    lines: tuple[RequestedLine, ...]
    parts: Mapping[str, Mapping[str, int]]
    """Leaf units per unit of each bundle SKU among the lines."""

    @classmethod
    def of(
        cls,
        lines: tuple[RequestedLine, ...],
        composition: Composition,
        prefix: str | None = "lines",
    ) -> BundledRequest:
        """Refuses a bundle line whose units of some leaf would pass MAX_COUNTER (a line's
        field is under `prefix`, `lines.0.quantity`, or bare `quantity` without one)."""
        if not composition:
            return cls(lines, {})
        bundles = {line.sku for line in lines if composition.get(line.sku)}
        request = cls(lines, {sku: leaves(sku, composition) for sku in sorted(bundles)})
        problems: list[StockpoolError] = []
        for number, line in request.bundle_lines():
            leaf, units = max(request.parts[line.sku].items(), key=lambda part: part[1])
            if units * line.quantity > MAX_COUNTER:
                field = (prefix, str(number), "quantity") if prefix else ("quantity",)
                problems.append(
                    QuantityTooLarge(
                        f"{line.quantity} of bundle {line.sku} take {units * line.quantity} "
                        f"units of {leaf}, more than the {MAX_COUNTER} a line may hold",
                        field,
                    )
                )
        if problems:
            raise refusal(problems)
        return request

    @property
    def has_bundles(self) -> bool:
        return bool(self.parts)

    def bundle_lines(self) -> tuple[tuple[int, RequestedLine], ...]:
        """The request's bundle lines, each with its number."""
        if not self.parts:
            return ()
        return tuple((n, line) for n, line in enumerate(self.lines) if line.sku in self.parts)

    def stocked_skus(self) -> set[str]:
        """The SKUs whose stock the request may hold: its plain lines' and the leaves."""
        plain = {line.sku for line in self.lines if line.sku not in self.parts}
        return plain.union(*(set(leaf) for leaf in self.parts.values()))

    def plain_lines(self) -> tuple[RequestedLine, ...]:
        """The lines held as they are; a bundle line stays in place at zero units."""
        if not self.parts:
            return self.lines
        return tuple(
            RequestedLine(line.sku, 0, line.location) if line.sku in self.parts else line
            for line in self.lines
        )

    def components_of(self, line: RequestedLine) -> tuple[RequestedLine, ...]:
        """What one line holds: its leaves for a bundle, else the line itself."""
        leaf_units = self.parts.get(line.sku)
        if not leaf_units:
            return (line,)
        return tuple(
            RequestedLine(sku, units * line.quantity, line.location)
            for sku, units in leaf_units.items()
        )

    def line_short(self, line: RequestedLine, short: Mapping[str, int]) -> int:
        """Units of the line not served when its SKUs are `short`: whole bundles for a
        bundle line."""
        leaf_units = self.parts.get(line.sku)
        return units_short(leaf_units, short) if leaf_units else short.get(line.sku, 0)

    def with_bundle_pools(self, pools: Mapping[str, ChannelPool]) -> Mapping[str, ChannelPool]:
        """The pools with each bundle's added (see `bundle_channel_pool`)."""
        if not self.parts:
            return pools
        found = dict(pools)
        for bundle, leaf_units in self.parts.items():
            found[bundle] = bundle_channel_pool(leaf_units, pools)
        return found

    def route_bundles(
        self,
        sites: list[Site],
        available: Availability,
        policy: RoutingPolicy,
        split: SplitPolicy,
        destination: Destination | None = None,
        plain: Iterable[Allocation] = (),
    ) -> list[Allocation]:
        """Places every bundle line's leaves, line by line, on what is `available` once the
        `plain` lines' allocations are held; all or nothing. Never split, a line without a
        location takes all its leaves from the first location, in the policy's order, that
        makes it whole."""
        if not self.parts:
            return []
        remaining = dict(available)
        for a in plain:
            remaining[(a.sku, a.location)] = remaining.get((a.sku, a.location), 0) - a.quantity
        placed: list[Allocation] = []
        problems: list[StockpoolError] = []
        for number, line in enumerate(self.lines):
            if line.sku not in self.parts:
                continue
            components = self.components_of(line)
            try:
                allocations, _ = route(components, sites, remaining, policy, split, destination)
            except StockpoolError as error:
                problems.extend(self._explain(number, line, error, available, remaining))
                continue
            if split is SplitPolicy.NEVER and line.location is None:
                together = route_together(components, sites, remaining, policy, destination)
                if together is None:
                    problems.append(self._not_at_one_site(number, line, sites, remaining))
                    continue
                allocations = together
            for a in allocations:
                remaining[(a.sku, a.location)] = remaining.get((a.sku, a.location), 0) - a.quantity
                placed.append(Allocation(number, a.sku, a.location, a.quantity))
        if problems:
            raise refusal(problems)
        return placed

    def _not_at_one_site(
        self, number: int, line: RequestedLine, sites: list[Site], remaining: Availability
    ) -> InsufficientStock:
        """Every leaf is somewhere, but no one location makes the line whole."""
        leaf_units = self.parts[line.sku]
        most = max(
            (
                min(
                    max(remaining.get((sku, site.code), 0), 0) // units
                    for sku, units in leaf_units.items()
                )
                for site in sites
            ),
            default=0,
        )
        return InsufficientStock(
            line.sku,
            "any one of the channel's locations",
            line.quantity,
            most,
            "made whole at one (the channel never splits a line)",
            ("lines", str(number), "quantity"),
        )

    def _explain(
        self,
        number: int,
        line: RequestedLine,
        error: StockpoolError,
        available: Availability,
        remaining: Availability,
    ) -> list[StockpoolError]:
        """A leaf's shortfall, told as the bundle line's."""
        field = ("lines", str(number), "quantity")
        explained: list[StockpoolError] = []
        for problem in error.problems:
            if not isinstance(problem, InsufficientStock):
                explained.append(problem)
                continue
            shared = any(
                remaining.get(key, 0) != units
                for key, units in available.items()
                if key[0] == problem.sku
            )
            held = "left after the request's other lines" if shared else "available"
            explained.append(
                InsufficientStock(
                    problem.sku,
                    f"{problem.location} (for {line.quantity} of bundle {line.sku})",
                    problem.requested,
                    problem.available,
                    held,
                    field,
                )
            )
        return explained
