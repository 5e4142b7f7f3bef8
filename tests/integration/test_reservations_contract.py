"""Reservations against SQLite and PostgreSQL: no unit held twice, under any concurrency."""

from __future__ import annotations

import asyncio
import random

import pytest

from api.services.ledger_check import check_ledger
from domain.channels import ChannelStatus, RoutingPolicy, SplitPolicy, UpdateChannel
from domain.errors import (
    ChannelPaused,
    InsufficientStock,
    InvalidQuantity,
    InvalidTransition,
    LocationNotInChannel,
    ReservationExpired,
    ReservationNotFound,
    StockpoolError,
)
from domain.quantities import Quantities
from domain.reservations import (
    CancelReservation,
    CommitReservation,
    Destination,
    ExtendReservation,
    FulfilReservation,
    RecordChannelSale,
    ReleaseReservation,
    RequestedLine,
    ReservationStatus,
    ReserveStock,
)
from tests.conftest import ADMIN, both_hold_paths
from tests.integration.helpers import make_catalogue, make_channel, stock

pytestmark = both_hold_paths


def reserve(*lines: RequestedLine, channel: str = "web", order: str = "o-1", **kw) -> ReserveStock:
    return ReserveStock(channel, order, tuple(lines), **kw)


async def level(services, sku: str, location: str) -> Quantities:
    [found] = await services.queries.stock_levels(sku, location)
    return found.quantities


async def assert_ledger_matches(services) -> None:
    report = await check_ledger(services.database)
    assert report.ok, report.discrepancies


async def test_a_hold_moves_units_from_available_to_reserved(services):
    await make_catalogue(services)
    await make_channel(services)
    await stock(services, ("TEE", "WH", 5))
    held = await services.dispatch(reserve(RequestedLine("TEE", 2)), ADMIN)
    assert held.status is ReservationStatus.HELD
    assert [(x.sku, x.location, x.quantity) for x in held.lines] == [("TEE", "WH", 2)]
    assert await level(services, "TEE", "WH") == Quantities(on_hand=5, reserved=2)


async def test_hold_commit_fulfil_walks_the_counters(services):
    await make_catalogue(services)
    await make_channel(services)
    await stock(services, ("TEE", "WH", 5))
    held = await services.dispatch(reserve(RequestedLine("TEE", 3)), ADMIN)
    committed = await services.dispatch(CommitReservation(held.id), ADMIN)
    assert committed.status is ReservationStatus.COMMITTED
    assert await level(services, "TEE", "WH") == Quantities(on_hand=5, committed=3)
    partly = await services.dispatch(
        FulfilReservation(held.id, lines=(RequestedLine("TEE", 1),)), ADMIN
    )
    assert partly.status is ReservationStatus.COMMITTED
    assert await level(services, "TEE", "WH") == Quantities(on_hand=4, committed=2)
    done = await services.dispatch(FulfilReservation(held.id), ADMIN)
    assert done.status is ReservationStatus.FULFILLED
    assert done.lines[0].fulfilled == 3
    assert await level(services, "TEE", "WH") == Quantities(on_hand=2)
    await assert_ledger_matches(services)


async def test_release_and_cancel_give_units_back(services):
    await make_catalogue(services)
    await make_channel(services)
    await stock(services, ("TEE", "WH", 5))
    first = await services.dispatch(reserve(RequestedLine("TEE", 2)), ADMIN)
    released = await services.dispatch(ReleaseReservation(first.id), ADMIN)
    assert released.status is ReservationStatus.RELEASED
    second = await services.dispatch(reserve(RequestedLine("TEE", 4)), ADMIN)
    await services.dispatch(CommitReservation(second.id), ADMIN)
    cancelled = await services.dispatch(CancelReservation(second.id), ADMIN)
    assert cancelled.status is ReservationStatus.CANCELLED
    assert await level(services, "TEE", "WH") == Quantities(on_hand=5)
    await assert_ledger_matches(services)


async def test_illegal_transitions_name_the_state(services):
    await make_catalogue(services)
    await make_channel(services)
    await stock(services, ("TEE", "WH", 5))
    held = await services.dispatch(reserve(RequestedLine("TEE", 2)), ADMIN)
    with pytest.raises(InvalidTransition, match="it is HELD"):
        await services.dispatch(FulfilReservation(held.id), ADMIN)
    await services.dispatch(ReleaseReservation(held.id), ADMIN)
    with pytest.raises(InvalidTransition, match="it is RELEASED"):
        await services.dispatch(CommitReservation(held.id), ADMIN)
    with pytest.raises(ReservationNotFound):
        await services.dispatch(CommitReservation("r-unknown"), ADMIN)


async def test_fulfilling_more_than_committed_is_refused(services):
    await make_catalogue(services)
    await make_channel(services)
    await stock(services, ("TEE", "WH", 5))
    held = await services.dispatch(reserve(RequestedLine("TEE", 2)), ADMIN)
    await services.dispatch(CommitReservation(held.id), ADMIN)
    with pytest.raises(InvalidQuantity):
        await services.dispatch(FulfilReservation(held.id, lines=(RequestedLine("TEE", 3),)), ADMIN)
    assert await level(services, "TEE", "WH") == Quantities(on_hand=5, committed=2)


async def test_transitions_repeat_without_changing_anything(services):
    await make_catalogue(services)
    await make_channel(services)
    await stock(services, ("TEE", "WH", 5))
    held = await services.dispatch(reserve(RequestedLine("TEE", 2)), ADMIN)
    await services.dispatch(CommitReservation(held.id), ADMIN)
    again = await services.dispatch(CommitReservation(held.id), ADMIN)
    assert again.status is ReservationStatus.COMMITTED
    assert await level(services, "TEE", "WH") == Quantities(on_hand=5, committed=2)


async def test_all_lines_or_nothing(services):
    await make_catalogue(services, skus=("TEE", "CAP"))
    await make_channel(services)
    await stock(services, ("TEE", "WH", 5), ("CAP", "WH", 1))
    with pytest.raises(InsufficientStock) as refused:
        await services.dispatch(reserve(RequestedLine("TEE", 2), RequestedLine("CAP", 2)), ADMIN)
    assert refused.value.field == ("lines", "1", "quantity")
    assert await level(services, "TEE", "WH") == Quantities(on_hand=5)


async def test_the_same_sku_twice_is_merged(services):
    await make_catalogue(services)
    await make_channel(services)
    await stock(services, ("TEE", "WH", 5))
    held = await services.dispatch(reserve(RequestedLine("TEE", 2), RequestedLine("TEE", 3)), ADMIN)
    assert [(x.line_number, x.quantity) for x in held.lines] == [(0, 5)]
    with pytest.raises(InsufficientStock):
        await services.dispatch(reserve(RequestedLine("TEE", 1)), ADMIN)


async def test_routing_by_priority_never_splits_unless_allowed(services):
    await make_catalogue(services, locations=("A", "B"))
    await make_channel(services, locations=("A", "B"))
    await stock(services, ("TEE", "A", 2), ("TEE", "B", 3))
    one = await services.dispatch(reserve(RequestedLine("TEE", 2)), ADMIN)
    assert [(x.location, x.quantity) for x in one.lines] == [("A", 2)]
    with pytest.raises(InsufficientStock):
        await services.dispatch(reserve(RequestedLine("TEE", 4)), ADMIN)
    await services.dispatch(UpdateChannel("web", split=SplitPolicy.ALLOWED), ADMIN)
    await services.dispatch(ReleaseReservation(one.id), ADMIN)
    split = await services.dispatch(reserve(RequestedLine("TEE", 4)), ADMIN)
    assert sorted((x.location, x.quantity) for x in split.lines) == [("A", 2), ("B", 2)]


async def test_routing_most_available_and_fewest_locations(services):
    await make_catalogue(services, skus=("TEE", "CAP"), locations=("A", "B"))
    await make_channel(services, locations=("A", "B"), routing=RoutingPolicy.MOST_AVAILABLE)
    await stock(services, ("TEE", "A", 2), ("TEE", "B", 9), ("CAP", "A", 5), ("CAP", "B", 1))
    most = await services.dispatch(reserve(RequestedLine("TEE", 1)), ADMIN)
    assert most.lines[0].location == "B"
    await services.dispatch(UpdateChannel("web", routing=RoutingPolicy.FEWEST_LOCATIONS), ADMIN)
    together = await services.dispatch(
        reserve(RequestedLine("TEE", 2), RequestedLine("CAP", 1), order="o-2"), ADMIN
    )
    assert {x.location for x in together.lines} == {"A"}


async def test_routing_to_the_nearest_location_with_the_units(services):
    from domain.catalogue import CreateLocation

    for code, lat, lon in [("AMS", 52.37, 4.90), ("BER", 52.52, 13.40), ("PAR", 48.86, 2.35)]:
        await services.dispatch(CreateLocation(code, code, latitude=lat, longitude=lon), ADMIN)
    await make_catalogue(services, locations=())
    await make_channel(services, locations=("AMS", "BER", "PAR"), routing=RoutingPolicy.NEAREST)
    await stock(services, ("TEE", "AMS", 1), ("TEE", "BER", 5), ("TEE", "PAR", 5))
    near_berlin = Destination(52.4, 13.0)
    held = await services.dispatch(reserve(RequestedLine("TEE", 2), destination=near_berlin), ADMIN)
    assert held.lines[0].location == "BER"
    near_amsterdam = Destination(52.3, 4.8)
    held = await services.dispatch(
        reserve(RequestedLine("TEE", 2), destination=near_amsterdam, order="o-2"), ADMIN
    )
    assert held.lines[0].location == "PAR"


async def test_a_paused_channel_holds_nothing_and_sells_only_from_its_locations(services):
    await make_catalogue(services, locations=("WH", "OTHER"))
    await make_channel(services)
    await stock(services, ("TEE", "WH", 5), ("TEE", "OTHER", 5))
    with pytest.raises(LocationNotInChannel):
        await services.dispatch(reserve(RequestedLine("TEE", 1, "OTHER")), ADMIN)
    await services.dispatch(UpdateChannel("web", status=ChannelStatus.PAUSED), ADMIN)
    with pytest.raises(ChannelPaused):
        await services.dispatch(reserve(RequestedLine("TEE", 1)), ADMIN)


async def test_an_expired_hold_is_released_at_once_without_a_sweeper(clocked_services, clock):
    services = clocked_services
    await make_catalogue(services)
    await make_channel(services)
    await stock(services, ("TEE", "WH", 3))
    held = await services.dispatch(reserve(RequestedLine("TEE", 3), hold_seconds=60), ADMIN)
    with pytest.raises(InsufficientStock):
        await services.dispatch(reserve(RequestedLine("TEE", 1), order="o-2"), ADMIN)
    clock.advance(61)
    assert (await level(services, "TEE", "WH")).available == 3
    assert (await services.reservations.get(held.id, ADMIN)).status is ReservationStatus.EXPIRED
    with pytest.raises(ReservationExpired):
        await services.dispatch(CommitReservation(held.id), ADMIN)
    second = await services.dispatch(reserve(RequestedLine("TEE", 3), order="o-2"), ADMIN)
    assert second.status is ReservationStatus.HELD
    await assert_ledger_matches(services)
    entries, _ = await services.queries.stock_events(10, None, "TEE", "WH")
    assert "EXPIRED" in [e.type.value for e in entries]


async def test_the_sweeper_records_expired_holds_in_the_ledger(clocked_services, clock):
    services = clocked_services
    await make_catalogue(services)
    await make_channel(services)
    await stock(services, ("TEE", "WH", 3))
    await services.dispatch(reserve(RequestedLine("TEE", 2), hold_seconds=60), ADMIN)
    assert await services.reservations.expire_due() == 0
    clock.advance(60)
    assert await services.reservations.expire_due() == 1
    assert await services.reservations.expire_due() == 0
    [raw] = [lvl for lvl in await services.queries.stock_levels("TEE", "WH")]
    assert raw.quantities == Quantities(on_hand=3)
    await assert_ledger_matches(services)


async def test_extend_keeps_a_live_hold_and_refuses_an_expired_one(clocked_services, clock):
    services = clocked_services
    await make_catalogue(services)
    await make_channel(services)
    await stock(services, ("TEE", "WH", 3))
    held = await services.dispatch(reserve(RequestedLine("TEE", 1), hold_seconds=60), ADMIN)
    clock.advance(50)
    extended = await services.dispatch(ExtendReservation(held.id, hold_seconds=600), ADMIN)
    assert extended.expires_at == clock.now.replace() + (extended.expires_at - clock.now)
    clock.advance(100)
    assert (
        await services.dispatch(CommitReservation(held.id), ADMIN)
    ).status is ReservationStatus.COMMITTED
    other = await services.dispatch(
        reserve(RequestedLine("TEE", 1), hold_seconds=10, order="o-3"), ADMIN
    )
    clock.advance(11)
    with pytest.raises(ReservationExpired):
        await services.dispatch(ExtendReservation(other.id), ADMIN)


async def test_a_channel_sale_commits_what_is_there_and_raises_an_oversell_alert(services):
    await make_catalogue(services)
    await make_channel(services)
    await stock(services, ("TEE", "WH", 2))
    sale = await services.dispatch(
        RecordChannelSale("web", "amz-1", 5, sku="TEE", idempotency_key="sale-1"), ADMIN
    )
    assert sale.status is ReservationStatus.COMMITTED
    assert [(x.committed, x.oversold) for x in sale.lines] == [(2, 3)]
    assert await level(services, "TEE", "WH") == Quantities(on_hand=2, committed=2)
    [alert] = await services.alerts.list(None, ADMIN)
    assert (alert.type.value, alert.sku, alert.channel, alert.details["oversold"]) == (
        "OVERSELL",
        "TEE",
        "web",
        3,
    )
    again = await services.dispatch(RecordChannelSale("web", "amz-2", 1, sku="TEE"), ADMIN)
    assert [(x.quantity, x.oversold) for x in again.lines] == [(0, 1)]
    [alert] = await services.alerts.list(None, ADMIN)
    assert alert.occurrences == 2
    await assert_ledger_matches(services)


async def test_two_hundred_buyers_race_for_fifty_units(services):
    await make_catalogue(services)
    await make_channel(services)
    await stock(services, ("TEE", "WH", 50))
    results = await asyncio.gather(
        *(
            services.dispatch(reserve(RequestedLine("TEE", 1), order=f"o-{i}"), ADMIN)
            for i in range(200)
        ),
        return_exceptions=True,
    )
    won = [r for r in results if not isinstance(r, BaseException)]
    lost = [r for r in results if isinstance(r, InsufficientStock)]
    assert (len(won), len(lost)) == (50, 150)
    assert await level(services, "TEE", "WH") == Quantities(on_hand=50, reserved=50)
    await assert_ledger_matches(services)


async def test_overlapping_checkouts_in_opposite_order_never_deadlock_or_half_apply(services):
    skus = ("S1", "S2", "S3", "S4")
    await make_catalogue(services, skus=skus, locations=("A", "B"))
    await make_channel(services, locations=("A", "B"), split=SplitPolicy.ALLOWED)
    await stock(services, *[(sku, loc, 30) for sku in skus for loc in ("A", "B")])
    rng = random.Random(3)

    def checkout(i: int) -> ReserveStock:
        order = list(skus)
        rng.shuffle(order)
        return reserve(*(RequestedLine(s, rng.randint(1, 3)) for s in order[:3]), order=f"o-{i}")

    commands = [checkout(i) for i in range(120)]
    results = await asyncio.wait_for(
        asyncio.gather(*(services.dispatch(c, ADMIN) for c in commands), return_exceptions=True),
        timeout=120,
    )
    unexpected = [
        r for r in results if isinstance(r, BaseException) and not isinstance(r, StockpoolError)
    ]
    assert unexpected == []
    held: dict[str, int] = {}
    for command, result in zip(commands, results, strict=True):
        if isinstance(result, BaseException):
            continue
        assert sum(x.quantity for x in result.lines) == sum(x.quantity for x in command.lines)
        for line in result.lines:
            held[line.sku] = held.get(line.sku, 0) + line.quantity
    for sku in skus:
        reserved = 0
        for location in ("A", "B"):
            reserved += (await level(services, sku, location)).reserved
        assert reserved == held.get(sku, 0)
    await assert_ledger_matches(services)


async def test_stock_changes_see_an_expired_hold_as_released_before_any_sweep(
    clocked_services, clock
):
    from domain.stock import StockReason
    from domain.stock_commands import AdjustStock, SetStock

    services = clocked_services
    await make_catalogue(services)
    await make_channel(services)
    await stock(services, ("TEE", "WH", 3))
    await services.dispatch(reserve(RequestedLine("TEE", 3), hold_seconds=60), ADMIN)
    with pytest.raises(InsufficientStock):
        await services.dispatch(AdjustStock("TEE", "WH", 1, StockReason.SHRINKAGE), ADMIN)
    clock.advance(61)
    shrunk = await services.dispatch(AdjustStock("TEE", "WH", 1, StockReason.SHRINKAGE), ADMIN)
    assert shrunk.stock_level.quantities == Quantities(on_hand=2)
    counted = await services.dispatch(SetStock("TEE", "WH", 1, change_from_quantity=2), ADMIN)
    assert counted.stock_level.quantities == Quantities(on_hand=1)
    assert await services.reservations.expire_due() == 0
    entries, _ = await services.queries.stock_events(10, None, "TEE", "WH")
    assert [e.type.value for e in reversed(entries)] == [
        "RECEIVED",
        "RESERVED",
        "EXPIRED",
        "ADJUSTED",
        "SET",
    ]
    await assert_ledger_matches(services)
