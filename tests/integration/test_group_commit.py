"""Group commit of holds, on SQLite and PostgreSQL: concurrent reserveStock calls share
transactions, yet each is decided in arrival order and answered on its own."""

from __future__ import annotations

import asyncio

import pytest

from api.services.ledger_check import check_ledger
from domain.errors import (
    IdempotencyKeyReused,
    InsufficientStock,
    LocationNotInChannel,
    SkuNotFound,
)
from domain.listings import UpsertListing
from domain.quantities import Quantities
from domain.reservations import RequestedLine, Reservation, ReserveStock
from tests.conftest import ADMIN, both_hold_paths
from tests.integration.helpers import make_catalogue, make_channel, stock


def hold(sku: str, quantity: int, order: str, **kw) -> ReserveStock:
    return ReserveStock(
        "web", order, (RequestedLine(sku, quantity, kw.pop("location", None)),), **kw
    )


async def all_at_once(services, commands: list[ReserveStock]) -> list[Reservation | Exception]:
    """The commands' calls start in list order, in one go, as concurrent requests do."""
    return await asyncio.gather(
        *(services.dispatch(command, ADMIN) for command in commands),
        return_exceptions=True,
    )


async def level(services, sku: str, location: str = "WH") -> Quantities:
    [found] = await services.queries.stock_levels(sku, location)
    return found.quantities


async def test_concurrent_holds_share_transactions_and_never_oversell(services):
    await make_catalogue(services)
    await make_channel(services)
    await stock(services, ("TEE", "WH", 30))
    runner = services.hold_batches
    batches_before = runner.batches

    results = await all_at_once(services, [hold("TEE", 1, f"o-{n}") for n in range(50)])

    held = [r for r in results if isinstance(r, Reservation)]
    refused = [r for r in results if not isinstance(r, Reservation)]
    assert len(held) == 30
    assert len(refused) == 20 and all(isinstance(r, InsufficientStock) for r in refused)
    assert len({r.id for r in held}) == 30
    assert runner.batches - batches_before < 50
    assert await level(services, "TEE") == Quantities(on_hand=30, reserved=30)
    report = await check_ledger(services.database)
    assert report.ok, report.discrepancies


async def test_holds_in_one_batch_are_decided_in_arrival_order(services):
    await make_catalogue(services)
    await make_channel(services)
    await stock(services, ("TEE", "WH", 5))

    first, second, third = await all_at_once(
        services, [hold("TEE", 3, "a"), hold("TEE", 3, "b"), hold("TEE", 2, "c")]
    )

    assert isinstance(first, Reservation) and first.order_ref == "a"
    assert isinstance(second, InsufficientStock)
    assert isinstance(third, Reservation) and third.lines[0].quantity == 2
    assert await level(services, "TEE") == Quantities(on_hand=5, reserved=5)


async def test_a_command_needing_the_full_path_keeps_its_place_in_the_queue(services):
    await make_catalogue(services, locations=("WH", "SHOP"))
    await make_channel(services)
    await stock(services, ("TEE", "WH", 4))

    results = await all_at_once(
        services,
        [
            hold("TEE", 1, "a"),
            hold("NOPE", 1, "b"),
            hold("TEE", 1, "c", location="SHOP"),
            hold("TEE", 3, "d"),
            hold("TEE", 1, "e"),
        ],
    )

    assert isinstance(results[0], Reservation)
    assert isinstance(results[1], SkuNotFound) and results[1].field == ("lines", "0", "sku")
    assert isinstance(results[2], LocationNotInChannel)
    assert isinstance(results[3], Reservation)
    assert isinstance(results[4], InsufficientStock)
    assert await level(services, "TEE") == Quantities(on_hand=4, reserved=4)


async def test_a_key_used_twice_in_one_batch_answers_the_second_as_a_replay(services):
    await make_catalogue(services)
    await make_channel(services)
    await stock(services, ("TEE", "WH", 10))

    first, again, other_input = await all_at_once(
        services,
        [
            hold("TEE", 2, "a", idempotency_key="k-1"),
            hold("TEE", 2, "a", idempotency_key="k-1"),
            hold("TEE", 5, "a", idempotency_key="k-1"),
        ],
    )

    assert isinstance(first, Reservation) and isinstance(again, Reservation)
    assert again.id == first.id
    assert isinstance(other_input, IdempotencyKeyReused)
    assert await level(services, "TEE") == Quantities(on_hand=10, reserved=2)


@both_hold_paths
async def test_a_replayed_key_in_a_later_batch_changes_nothing(services):
    await make_catalogue(services)
    await make_channel(services)
    await stock(services, ("TEE", "WH", 10))
    original = await services.dispatch(hold("TEE", 2, "a", idempotency_key="k"), ADMIN)

    results = await all_at_once(
        services,
        [hold("TEE", 1, "x"), hold("TEE", 2, "a", idempotency_key="k"), hold("TEE", 1, "y")],
    )

    assert isinstance(results[1], Reservation) and results[1].id == original.id
    assert await level(services, "TEE") == Quantities(on_hand=10, reserved=4)


async def test_a_listing_that_allows_backorders_is_held_in_the_batch(services):
    await make_catalogue(services)
    await make_channel(services)
    await stock(services, ("TEE", "WH", 1))
    await services.dispatch(
        UpsertListing("web", "TEE", "web-tee", allow_backorder=True, backorder_limit=5), ADMIN
    )

    results = await all_at_once(services, [hold("TEE", 1, "a"), hold("TEE", 1, "b")])

    assert isinstance(results[0], Reservation)
    # Nothing is on its way, so the second cannot be promised either way.
    assert isinstance(results[1], InsufficientStock)
    assert await level(services, "TEE") == Quantities(on_hand=1, reserved=1)


@both_hold_paths
@pytest.mark.parametrize("tasks", [200])
async def test_many_tasks_over_many_skus_hold_exactly_the_stock(services, tasks):
    codes = tuple(f"S{i}" for i in range(10))
    await make_catalogue(services, skus=codes)
    await make_channel(services)
    await stock(services, *((code, "WH", 7) for code in codes))

    results = await all_at_once(
        services, [hold(codes[n % len(codes)], 1, f"o-{n}") for n in range(tasks)]
    )

    assert sum(isinstance(r, Reservation) for r in results) == 70
    assert all(isinstance(r, Reservation | InsufficientStock) for r in results)
    for code in codes:
        assert await level(services, code) == Quantities(on_hand=7, reserved=7)
    report = await check_ledger(services.database)
    assert report.ok, report.discrepancies
