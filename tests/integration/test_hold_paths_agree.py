"""Group commit changes how holds are written, never what they decide: the same reserveStock
commands, placed with group commit on and with it off, on SQLite and PostgreSQL, get the same
answers and leave the same stock levels and ledger (ids and timestamps aside).

Each side starts on an emptied database with the same catalogue, channels and stock, and a
clock stopped at the same instant. The one-by-one side places each hold alone, in its own
transaction. The group-commit side sends the same commands either in turn (each a batch of
one) or all at once, in one `asyncio.gather` in the sequence's order, so that the batch
runner, which keeps arrival order, decides them in that order in shared transactions."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete

from api.bus import EventBus
from api.database.engine import Database
from api.database.tables import metadata
from api.services.container import Services
from api.services.ledger_check import check_ledger
from api.settings import Settings
from domain.bundles import Component, SetBundleComponents
from domain.channels import ChannelStatus, RoutingPolicy, SplitPolicy, UpdateChannel
from domain.errors import StockpoolError
from domain.listings import UpsertListing
from domain.purchase_orders import CreatePurchaseOrder, OrderedLine
from domain.reservations import RequestedLine, Reservation, ReserveStock
from tests import services as external
from tests.conftest import ADMIN, ADMIN_TOKEN, HOLD_PATHS
from tests.integration.clock import MovableClock
from tests.integration.helpers import make_catalogue, make_channel, stock

HOLD_SECONDS = 60


def hold(channel: str, order: str, *lines: tuple[str, int] | tuple[str, int, str], **kw: Any):
    return ReserveStock(channel, order, tuple(RequestedLine(*line) for line in lines), **kw)


BEFORE_EXPIRY = [
    hold("web", "o-1", ("TEE", 3), idempotency_key="k-1"),
    hold("web", "o-2", ("KIT", 1), idempotency_key="k-kit"),  # a bundle
    hold("web", "o-3", ("TEE", 7)),  # never split, and no one location has 7
    hold("web", "o-1", ("TEE", 3), idempotency_key="k-1"),  # a replay
    hold("web", "o-4", ("TEE", 1), idempotency_key="k-1"),  # the key reused
    hold("web", "o-5", ("TEE", 4)),  # by priority: A is short now, B has them
    hold("pos", "o-6", ("MUG", 3), ("TEE", 2)),  # most available, split allowed
    hold("amz", "o-7", ("TEE", 2), ("CAP", 2)),  # fewest locations
    hold("web", "o-8", ("CAP", 7)),  # within the pool, beyond the channel's safety units
    hold("popup", "o-9", ("TEE", 1)),  # a paused channel
    hold("web", "o-10", ("NOPE", 1)),  # an unknown SKU
    hold("pos", "o-11", ("MUG", 6)),  # within the pool, beyond the listing's safety percent
    hold("web", "o-12", ("BOOK", 3)),  # backordered: the one on hand is the buffer
    hold("pos", "o-13", ("MUG", 1, "B")),  # at a location the request names
    hold("web", "o-14", ("TEE", 1, "C")),  # at a location the channel does not sell from
    hold("amz", "o-15", ("TEE", 2), ("TEE", 1)),  # one SKU twice
    hold("amz", "o-16", ("MUG", 1), ("CAP", 50)),  # all or nothing
    hold("web", "o-17", ("CAP", 1), hold_seconds=HOLD_SECONDS),
    hold("amz", "o-18", ("TEE", 9), hold_seconds=HOLD_SECONDS, idempotency_key="k-2"),
    hold("amz", "o-18", ("TEE", 9), hold_seconds=HOLD_SECONDS, idempotency_key="k-2"),
    hold("amz", "o-19", ("TEE", 3)),  # more than is left
    hold("web", "o-20", ("BOOK", 1), ("KIT", 1)),  # a bundle the channel no longer shows
]
"""Placed first; then the clock passes HOLD_SECONDS and the short holds expire."""

AFTER_EXPIRY = [
    hold("amz", "o-19", ("TEE", 3)),  # takes what the expired hold let go
    hold("web", "o-17", ("CAP", 1), hold_seconds=HOLD_SECONDS),
    hold("web", "o-2", ("KIT", 1), idempotency_key="k-kit"),  # a replay of a bundle's key
    hold("amz", "o-18", ("TEE", 9), hold_seconds=HOLD_SECONDS, idempotency_key="k-2"),
    hold("pos", "o-21", ("TEE", 1), ("MUG", 1), ("CAP", 1)),
    hold("pos", "o-22", ("KIT", 2), ("MUG", 1)),  # a bundle and a plain line in one hold
]


COMMANDS = BEFORE_EXPIRY + AFTER_EXPIRY
ORDER_REFS = {command.order_ref for command in COMMANDS}


@dataclass(frozen=True, slots=True)
class Decided:
    """What one side ended with: the answers in command order, each reservation as stored
    at the end, the stock levels and the ledger; reservation ids as the number of the
    command whose answer first named them."""

    answers: list[Any]
    stored: list[Any]
    levels: list[Any]
    ledger: list[Any]


async def _empty(database: Database) -> None:
    async with database.transaction() as conn:
        for table in reversed(metadata.sorted_tables):
            await conn.execute(delete(table))


async def _set_up(services: Services, clock: MovableClock) -> None:
    await make_catalogue(
        services, skus=("TEE", "CAP", "MUG", "BOOK", "KIT"), locations=("A", "B", "C")
    )
    await make_channel(services, "web", ("A", "B"))
    await make_channel(
        services, "pos", ("B", "C"), RoutingPolicy.MOST_AVAILABLE, SplitPolicy.ALLOWED
    )
    await make_channel(
        services, "amz", ("A", "B", "C"), RoutingPolicy.FEWEST_LOCATIONS, SplitPolicy.ALLOWED
    )
    await make_channel(services, "popup", ("A",))
    await services.dispatch(UpdateChannel("web", safety_units=1), ADMIN)
    await services.dispatch(UpdateChannel("popup", status=ChannelStatus.PAUSED), ADMIN)
    for listing in (
        UpsertListing("pos", "MUG", "pos-mug", safety_basis_points=2500),
        UpsertListing("amz", "TEE", "amz-tee", safety_units=2),
        UpsertListing("web", "BOOK", "web-book", allow_backorder=True, backorder_limit=5),
    ):
        await services.dispatch(listing, ADMIN)
    await stock(
        services,
        ("TEE", "A", 7),
        ("TEE", "B", 6),
        ("TEE", "C", 16),
        ("CAP", "A", 4),
        ("CAP", "B", 6),
        ("MUG", "B", 2),
        ("MUG", "C", 8),
        ("BOOK", "A", 1),
    )
    await services.dispatch(
        SetBundleComponents("KIT", (Component("TEE", 2), Component("CAP", 1))), ADMIN
    )
    await services.dispatch(
        CreatePurchaseOrder("Acme", "A", clock.now + timedelta(days=7), (OrderedLine("BOOK", 10),)),
        ADMIN,
    )


async def _place(services: Services, commands: list[ReserveStock], all_at_once: bool) -> list[Any]:
    if all_at_once:
        return await asyncio.gather(
            *(services.dispatch(command, ADMIN) for command in commands), return_exceptions=True
        )
    results: list[Any] = []
    for command in commands:
        try:
            results.append(await services.dispatch(command, ADMIN))
        except StockpoolError as refusal:
            results.append(refusal)
    return results


def _answer(number: int, result: Any, aliases: dict[str, str]) -> Any:
    if isinstance(result, StockpoolError):
        return [(p.code.value, p.field, p.message) for p in result.problems]
    if not isinstance(result, Reservation):
        raise result  # anything but a refusal fails the test as itself
    alias = aliases.setdefault(result.id, f"reservation of command {number}")
    return (
        alias,
        result.kind.value,
        result.status.value,
        result.channel,
        result.order_ref,
        _lines(result),
    )


def _lines(reservation: Reservation) -> list[Any]:
    return [
        (x.line_number, x.sku, x.location, x.quantity, x.reserved, x.committed, x.backordered)
        for x in reservation.lines
    ]


async def decide(
    database: Database, start: datetime, group_commit: int, all_at_once: bool = False
) -> tuple[Decided, Services]:
    await _empty(database)
    clock = MovableClock()
    clock.now = start
    bus = EventBus("memory://", f"test-{external.RUN_ID}")
    await bus.connect()
    try:
        settings = Settings(
            database_url=database.url, admin_token=ADMIN_TOKEN, group_commit_max_batch=group_commit
        )
        services = Services.build(settings, database, bus, clock)
        await _set_up(services, clock)
        results = await _place(services, BEFORE_EXPIRY, all_at_once)
        clock.advance(HOLD_SECONDS)
        results += await _place(services, AFTER_EXPIRY, all_at_once)
        aliases: dict[str, str] = {}
        answers = [_answer(number, result, aliases) for number, result in enumerate(results)]
        stored = []
        for reservation_id, alias in aliases.items():
            found = await services.reservations.get(reservation_id, ADMIN)
            assert found is not None
            stored.append((alias, found.status.value, _lines(found)))
        levels = [
            (level.sku, level.location, level.quantities, level.version)
            for level in await services.queries.stock_levels(None, None)
        ]
        entries, more = await services.queries.stock_events(10_000, None, None, None)
        assert not more
        ledger = sorted(
            (
                e.sku,
                e.location,
                e.version,
                e.type.value,
                e.reason.value,
                e.reference if e.reference in ORDER_REFS else "(a document's id)",
                e.idempotency_key,
                e.actor,
                e.before,
                e.after,
            )
            for e in entries
        )
        report = await check_ledger(database)
        assert report.ok, report.discrepancies
        return Decided(answers, stored, sorted(levels), ledger), services
    finally:
        await bus.disconnect()


async def test_holds_decided_in_a_batch_match_holds_decided_one_by_one(database, clock):
    one_by_one, _ = await decide(database, clock.now, HOLD_PATHS["one-by-one"])
    _assert_covers(one_by_one)
    for all_at_once in (False, True):
        submitted = "all at once" if all_at_once else "in turn"
        batched, services = await decide(
            database, clock.now, HOLD_PATHS["group-commit"], all_at_once
        )

        for number, (alone, in_batch) in enumerate(
            zip(one_by_one.answers, batched.answers, strict=True)
        ):
            assert in_batch == alone, f"{submitted}, command {number}: {COMMANDS[number]}"
        assert batched.stored == one_by_one.stored, submitted
        assert batched.levels == one_by_one.levels, submitted
        assert batched.ledger == one_by_one.ledger, submitted
        runner = services.hold_batches
        assert runner is not None
        assert runner.commands == len(COMMANDS)
        if all_at_once:
            assert runner.batches < runner.commands  # holds really shared transactions
        else:
            assert runner.batches == runner.commands  # each a batch of one


def _assert_covers(decided: Decided) -> None:
    """The sequence does what its comments say: these refusals, a backorder, an expiry."""
    refused = {
        problem[0] for answer in decided.answers if isinstance(answer, list) for problem in answer
    }
    assert refused == {
        "IDEMPOTENCY_KEY_REUSED",
        "INSUFFICIENT_STOCK",
        "CHANNEL_PAUSED",
        "SKU_NOT_FOUND",
        "LOCATION_NOT_IN_CHANNEL",
    }
    held = [answer for answer in decided.answers if isinstance(answer, tuple)]
    assert any(line[-1] > 0 for answer in held for line in answer[-1])  # a backorder
    assert {e[3] for e in decided.ledger} >= {"RESERVED", "BACKORDERED", "EXPIRED"}
