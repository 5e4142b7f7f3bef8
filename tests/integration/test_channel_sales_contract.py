"""Channel sales against SQLite and PostgreSQL: a whole order is one reservation, or
nothing."""

from __future__ import annotations

import asyncio

import pytest

from api.services.ledger_check import check_ledger
from domain.access import Principal, Role
from domain.cycle_counts import CompleteCount, CountedLine, RecordCount, StartCount
from domain.errors import DuplicateOrder, Forbidden, StockpoolError
from domain.quantities import Quantities
from domain.reservations import RecordChannelSale, ReservationKind, ReservationStatus, SaleLine
from domain.returns import ReceiveReturn, ReturnedLine, ReturnReason
from tests.conftest import ADMIN
from tests.integration.helpers import make_catalogue, make_channel, stock

SKUS = ("TEE", "MUG", "CAP")


async def level(services, sku: str, location: str = "WH") -> Quantities:
    [found] = await services.queries.stock_levels(sku, location)
    return found.quantities


async def shop(services) -> None:
    await make_catalogue(services, SKUS)
    await make_channel(services)
    await stock(services, ("TEE", "WH", 5), ("MUG", "WH", 5), ("CAP", "WH", 5))


def order(*lines: SaleLine, ref: str = "amz-1", **kw) -> RecordChannelSale:
    return RecordChannelSale("web", ref, lines=lines, **kw)


THREE_LINES = (SaleLine(2, sku="TEE"), SaleLine(1, sku="MUG"), SaleLine(3, sku="CAP"))


async def test_a_three_line_order_is_one_committed_reservation(services):
    await shop(services)
    sale = await services.dispatch(order(*THREE_LINES), ADMIN)
    assert (sale.kind, sale.status) == (ReservationKind.SALE, ReservationStatus.COMMITTED)
    assert sorted((x.sku, x.committed) for x in sale.lines) == [
        ("CAP", 3),
        ("MUG", 1),
        ("TEE", 2),
    ]
    assert await level(services, "CAP") == Quantities(on_hand=5, committed=3)
    assert (await check_ledger(services.database)).ok


async def test_an_order_with_a_bad_third_line_changes_nothing(services):
    await shop(services)
    with pytest.raises(StockpoolError) as refused:
        await services.dispatch(order(*THREE_LINES[:2], SaleLine(1, sku="NOPE")), ADMIN)
    assert refused.value.field == ("lines", "2", "sku")
    with pytest.raises(StockpoolError) as unmapped:
        await services.dispatch(order(*THREE_LINES[:2], SaleLine(1, external_sku="X-9")), ADMIN)
    assert unmapped.value.field == ("lines", "2", "externalSku")
    for sku in SKUS:
        assert await level(services, sku) == Quantities(on_hand=5)
    assert await reservations(services) == []


async def reservations(services, ref: str | None = None, channel: str = "web") -> list:
    found, _ = await services.reservations.page(ADMIN, 100, None, channel, None, ref)
    return found


async def test_an_order_sent_again_answers_the_first_sale_and_changes_nothing(services):
    await shop(services)
    first = await services.dispatch(order(*THREE_LINES), ADMIN)
    again = await services.dispatch(order(*reversed(THREE_LINES)), ADMIN)
    keyed = await services.dispatch(order(*THREE_LINES, idempotency_key="k-1"), ADMIN)
    assert first == again == keyed
    assert await level(services, "TEE") == Quantities(on_hand=5, committed=2)
    assert [x.id for x in await reservations(services)] == [first.id]


async def test_an_order_sent_again_with_other_lines_is_a_duplicate_order(services):
    await shop(services)
    await services.dispatch(order(*THREE_LINES), ADMIN)
    with pytest.raises(DuplicateOrder) as refused:
        await services.dispatch(order(*THREE_LINES[:2]), ADMIN)
    assert (refused.value.code.value, refused.value.field) == ("DUPLICATE_ORDER", ("orderRef",))
    assert await level(services, "CAP") == Quantities(on_hand=5, committed=3)
    await make_channel(services, "pos")
    other = await services.dispatch(RecordChannelSale("pos", "amz-1", lines=THREE_LINES), ADMIN)
    assert other.channel == "pos"


async def test_fifty_concurrent_resends_of_one_order_sell_it_once(services):
    await shop(services)
    answers = await asyncio.gather(
        *(
            services.dispatch(
                order(*THREE_LINES, idempotency_key=f"k-{i % 3}" if i % 2 else None), ADMIN
            )
            for i in range(50)
        )
    )
    assert len({answer.id for answer in answers}) == 1
    assert len({answer for answer in answers}) == 1
    assert await level(services, "MUG") == Quantities(on_hand=5, committed=1)
    assert len(await reservations(services)) == 1
    assert (await check_ledger(services.database)).ok


async def test_a_till_sale_ships_at_once_so_a_count_and_a_return_see_the_right_numbers(services):
    await shop(services)
    till = await services.dispatch(order(SaleLine(2, sku="TEE"), fulfilled=True), ADMIN)
    assert till.status is ReservationStatus.FULFILLED
    assert [(x.committed, x.fulfilled) for x in till.lines] == [(0, 2)]
    assert await level(services, "TEE") == Quantities(on_hand=3)
    count = await services.dispatch(StartCount("WH", ("TEE",)), ADMIN)
    await services.dispatch(RecordCount(count.id, (CountedLine("TEE", 3),)), ADMIN)
    done = await services.dispatch(CompleteCount(count.id), ADMIN)
    assert [line.adjusted for line in done.lines] == [0]
    back = ReceiveReturn("WH", (ReturnedLine("TEE", 1, ReturnReason.OTHER),), None, "web", "amz-1")
    await services.dispatch(back, ADMIN)
    assert await level(services, "TEE") == Quantities(on_hand=4, quarantined=1)
    assert (await check_ledger(services.database)).ok


async def test_a_partner_key_records_returns_of_its_own_channels_orders_only(services):
    await shop(services)
    await make_channel(services, "pos")
    await services.dispatch(order(SaleLine(2, sku="TEE"), fulfilled=True), ADMIN)
    await services.dispatch(
        RecordChannelSale("pos", "till-1", lines=(SaleLine(1, sku="MUG"),), fulfilled=True),
        ADMIN,
    )
    partner = Principal("web-connector", Role.PARTNER, "web")
    line = (ReturnedLine("TEE", 1, ReturnReason.OTHER),)
    returned = await services.dispatch(ReceiveReturn("WH", line, None, "web", "amz-1"), partner)
    assert returned.channel == "web"
    mug = (ReturnedLine("MUG", 1, ReturnReason.OTHER),)
    with pytest.raises(Forbidden):
        await services.dispatch(ReceiveReturn("WH", mug, None, "pos", "till-1"), partner)
    pos_sale = (await reservations(services, channel="pos"))[0]
    with pytest.raises(Forbidden):
        await services.dispatch(ReceiveReturn("WH", mug, pos_sale.id), partner)
    assert await level(services, "MUG") == Quantities(on_hand=4)
