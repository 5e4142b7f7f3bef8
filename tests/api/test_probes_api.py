"""/livez answers without asking anyone; /readyz answers 200 when the database and the bus
do (their outages are in tests/e2e/test_bus_heals.py)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


async def test_livez_answers_ok_without_io(gql):
    alive = await gql.http.get("/livez")
    assert (alive.status_code, alive.json()) == (200, {"status": "ok"})


async def test_readyz_answers_ok_when_the_database_and_the_bus_answer(gql):
    ready = await gql.http.get("/readyz")
    assert (ready.status_code, ready.json()) == (
        200,
        {"status": "ok", "database": "up", "bus": "up"},
    )
