"""Bundles against SQLite and PostgreSQL, on both hold paths: concurrent holds of a bundle and
of its components never take a component unit twice, and a channel that never splits holds
a kit whole from one location."""

from __future__ import annotations

import asyncio
import random

import pytest

from api.services.ledger_check import check_ledger
from domain.bundles import Component, SetBundleComponents
from domain.channels import SplitPolicy
from domain.errors import InsufficientStock, StockpoolError
from domain.reservations import RequestedLine, Reservation, ReserveStock
from tests.conftest import ADMIN, both_hold_paths
from tests.integration.helpers import make_catalogue, make_channel, stock

pytestmark = both_hold_paths


async def test_concurrent_holds_of_a_bundle_and_its_components_never_oversell_a_component(
    services,
):
    await make_catalogue(services, skus=("TEE", "CAP", "KIT"), locations=("A", "B"))
    await make_channel(services, locations=("A", "B"))
    await stock(services, ("TEE", "A", 15), ("TEE", "B", 10), ("CAP", "A", 12))
    await services.dispatch(
        SetBundleComponents("KIT", (Component("TEE", 2), Component("CAP", 1))), ADMIN
    )
    rng = random.Random(7)
    carts = [
        [("KIT", 1)],
        [("TEE", 1)],
        [("CAP", 1)],
        [("KIT", 1), ("TEE", 1)],
        [("TEE", 2), ("KIT", 2)],
        [("KIT", 1), ("CAP", 1)],
    ]
    commands = [
        ReserveStock(
            "web",
            f"o-{i}",
            tuple(RequestedLine(sku, quantity) for sku, quantity in rng.choice(carts)),
        )
        for i in range(120)
    ]
    results = await asyncio.wait_for(
        asyncio.gather(*(services.dispatch(c, ADMIN) for c in commands), return_exceptions=True),
        timeout=180,
    )
    unexpected = [
        r for r in results if isinstance(r, BaseException) and not isinstance(r, StockpoolError)
    ]
    assert unexpected == []
    assert any(isinstance(r, InsufficientStock) for r in results)  # the stock ran out
    held: dict[str, int] = {}
    for command, result in zip(commands, results, strict=True):
        if isinstance(result, BaseException):
            continue
        wanted = {"TEE": 0, "CAP": 0}
        for line in command.lines:
            for sku, units in (
                {"TEE": 2, "CAP": 1} if line.sku == "KIT" else {line.sku: 1}
            ).items():
                wanted[sku] += units * line.quantity
        got = {"TEE": 0, "CAP": 0}
        for line in result.lines:
            got[line.sku] += line.reserved
        assert got == wanted  # every hold is whole: components and plain lines alike
        for sku, units in got.items():
            held[sku] = held.get(sku, 0) + units
    for sku, on_hand in (("TEE", 25), ("CAP", 12)):
        levels = await services.queries.stock_levels(sku, None)
        reserved = sum(level.quantities.reserved for level in levels)
        assert reserved == held[sku] <= on_hand
        assert all(level.quantities.available >= 0 for level in levels)
    report = await check_ledger(services.database)
    assert report.ok, report.discrepancies


def kit_hold(channel: str, order: str, quantity: int) -> ReserveStock:
    return ReserveStock(channel, order, (RequestedLine("KIT", quantity),))


def where(reservation: Reservation) -> list[tuple[str, str, int]]:
    return [(line.sku, line.location, line.reserved) for line in reservation.lines]


async def make_kit(services, *levels: tuple[str, str, int]) -> None:
    await make_catalogue(services, skus=("TEE", "CAP", "KIT"), locations=("WH1", "WH2"))
    await stock(services, *levels)
    await services.dispatch(
        SetBundleComponents("KIT", (Component("TEE", 1), Component("CAP", 1))), ADMIN
    )


async def test_a_channel_that_never_splits_holds_each_kit_whole_from_one_location(services):
    await make_kit(
        services, ("TEE", "WH1", 20), ("CAP", "WH1", 5), ("TEE", "WH2", 14), ("CAP", "WH2", 14)
    )
    await make_channel(services, locations=("WH1", "WH2"))
    holds = [kit_hold("web", "o-1", 10), kit_hold("web", "o-2", 5), kit_hold("web", "o-3", 4)]
    held = [await services.dispatch(h, ADMIN) for h in holds]
    assert [where(r) for r in held] == [
        [("TEE", "WH2", 10), ("CAP", "WH2", 10)],  # WH1 has caps for 5 only
        [("TEE", "WH1", 5), ("CAP", "WH1", 5)],
        [("TEE", "WH2", 4), ("CAP", "WH2", 4)],
    ]
    levels = await services.queries.stock_levels(None, None)
    reserved = {(lv.sku, lv.location): lv.quantities.reserved for lv in levels}
    assert reserved == {
        ("TEE", "WH1"): 5,
        ("CAP", "WH1"): 5,
        ("TEE", "WH2"): 14,
        ("CAP", "WH2"): 14,
    }
    report = await check_ledger(services.database)
    assert report.ok, report.discrepancies


async def test_a_kit_no_one_location_makes_is_refused_unless_the_channel_splits(services):
    await make_kit(services, ("TEE", "WH1", 10), ("CAP", "WH2", 10))
    await make_channel(services, locations=("WH1", "WH2"))
    await make_channel(services, "pos", ("WH1", "WH2"), split=SplitPolicy.ALLOWED)
    with pytest.raises(InsufficientStock) as refused:
        await services.dispatch(kit_hold("web", "o-1", 1), ADMIN)
    assert (refused.value.sku, refused.value.field) == ("KIT", ("lines", "0", "quantity"))
    assert all(
        lv.quantities.reserved == 0 for lv in await services.queries.stock_levels(None, None)
    )
    held = await services.dispatch(kit_hold("pos", "o-2", 10), ADMIN)
    assert where(held) == [("TEE", "WH1", 10), ("CAP", "WH2", 10)]
