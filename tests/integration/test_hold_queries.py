"""A hold costs a fixed number of queries, on SQLite and PostgreSQL: a hold alone (a batch of
one) and a group-committed batch of fifty holds on one SKU send the same statements — the
batch reads once what its holds need and writes each table with one statement, so none is
sent per hold. SQLite sends one more: its ledger ids come from `last_insert_rowid()`."""

from __future__ import annotations

import asyncio

import pytest

from domain.listings import UpsertListing
from domain.reservations import RequestedLine, Reservation, ReserveStock
from tests.conftest import ADMIN
from tests.integration.helpers import make_catalogue, make_channel, stock
from tests.query_count import assert_num_queries

HOLD_QUERIES = {"sqlite": 22, "postgresql": 21}
"""Read the channel (2), the SKU's id (1) and bundles (1), lock its levels (1) and the holds
due on them (1), read the channel's listings (2); write the levels (1), the ledger (1, SQLite
2), the reservations and their lines (2); republish the listing (6: the bundles containing
the SKU, the listing and its campaigns, its channel's rules, its pool, the new figures) and
check low stock (1); then write the changes into the channel's feeds, the hold and the new
face (2: their positions, the entries)."""

BATCH = 50


def hold(order_ref: str) -> ReserveStock:
    return ReserveStock("web", order_ref, (RequestedLine("TEE", 1),))


async def _listed_tee(services) -> None:
    await make_catalogue(services)
    await make_channel(services)
    await stock(services, ("TEE", "WH", 100))
    await services.dispatch(UpsertListing("web", "TEE", "web-tee"), ADMIN)


@pytest.mark.parametrize("group_commit", ["one-by-one"], indirect=True)
async def test_a_hold_alone_sends_a_fixed_number_of_queries(services):
    await _listed_tee(services)
    assert services.hold_batches is None
    with assert_num_queries(HOLD_QUERIES[services.database.dialect]):
        held = await services.dispatch(hold("o-1"), ADMIN)
    assert held.lines[0].reserved == 1


@pytest.mark.parametrize("group_commit", ["group-commit"], indirect=True)
async def test_a_batch_of_fifty_holds_sends_what_one_hold_sends(services):
    await _listed_tee(services)
    runner = services.hold_batches
    batches_before = runner.batches
    with assert_num_queries(HOLD_QUERIES[services.database.dialect]):
        results = await asyncio.gather(
            *(services.dispatch(hold(f"o-{n}"), ADMIN) for n in range(BATCH))
        )
    assert runner.batches - batches_before == 1
    assert all(isinstance(r, Reservation) for r in results)
