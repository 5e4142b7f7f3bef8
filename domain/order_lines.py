"""What holds and channel sales share about an order's lines: which lines name something that
does not exist (or a location the channel does not sell from), and the move of stock a
booked line makes."""

from __future__ import annotations

from collections.abc import Container

from domain.channels import Channel
from domain.errors import (
    LocationNotFound,
    LocationNotInChannel,
    SkuNotFound,
    StockpoolError,
    refusal,
)
from domain.quantities import Quantities
from domain.reservations import RequestedLine, ReservationLine
from domain.stock import StockEventType, StockMove, StockReason


def check_order_lines(
    lines: tuple[RequestedLine, ...],
    channel: Channel,
    known_skus: Container[str],
    known_locations: Container[str],
    prefix: str | None,
) -> None:
    """Refuses, all at once, the lines whose SKU is not in the catalogue and those naming a
    location that does not exist or that the channel does not sell from. `known_locations`
    need only hold the locations named outside the channel's. Fields are under `prefix`
    (`lines.0.sku`), or bare without one."""
    problems: list[StockpoolError] = []

    def field(index: int, name: str) -> tuple[str, ...]:
        return (prefix, str(index), name) if prefix else (name,)

    for index, line in enumerate(lines):
        if line.sku not in known_skus:
            problems.append(SkuNotFound(line.sku, field(index, "sku")))
        if line.location is not None and line.location not in channel.locations:
            if line.location in known_locations:
                problems.append(
                    LocationNotInChannel(line.location, channel.code, field(index, "location"))
                )
            else:
                problems.append(LocationNotFound(line.location, field(index, "location")))
    if problems:
        raise refusal(problems)


def booking(
    line: ReservationLine, event: StockEventType, reason: StockReason, reference: str
) -> StockMove:
    """How a new line's units move its stock level (a new line has shipped nothing): a line
    wholly promised against incoming stock is recorded as BACKORDERED, any other as `event`."""
    delta = Quantities(
        reserved=line.reserved, committed=line.committed, backordered=line.backordered
    )
    kind = StockEventType.BACKORDERED if line.backordered == line.quantity else event
    return StockMove(line.sku, line.location, delta, kind, reason, reference)
