"""The reservation state machine's transfer rules: ship units from one location to the other,
receive them (partly, some damaged) and close a transfer short, in any order with every
stock and reservation operation. Mixed into `ReservationMachine`, whose model they keep."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from domain.errors import InsufficientStock, InvalidTransition, OverReceipt, StockpoolError
from domain.quantities import Quantities
from domain.stock import StockReason
from domain.transfers import (
    ARRIVING_STATUSES,
    ArrivedLine,
    CloseTransfer,
    CreateTransfer,
    ReceiveTransfer,
    ShipTransfer,
    Transfer,
    TransferredLine,
    TransferStatus,
)

LOCATIONS = ("A", "B")
SKUS = ("TEE", "CAP", "MUG")
LOSS_REASONS = (StockReason.SHRINKAGE, StockReason.THEFT, StockReason.WRITE_OFF)


@dataclass
class ModelTransferLine:
    sku: str
    quantity: int
    received: int = 0
    damaged: int = 0

    @property
    def outstanding(self) -> int:
        return self.quantity - self.received - self.damaged


@dataclass
class ModelTransfer:
    id: str
    source: str
    destination: str
    status: TransferStatus
    lines: list[ModelTransferLine]

    def as_stored(self) -> list[tuple[str, int, int, int]]:
        return [(x.sku, x.quantity, x.received, x.damaged) for x in self.lines]


def _stored(transfer: Transfer) -> list[tuple[str, int, int, int]]:
    return [(x.sku, x.quantity, x.received, x.damaged) for x in transfer.lines]


def _add(counters: dict[tuple[str, str], int], key: tuple[str, str], units: int) -> None:
    counters[key] = counters.get(key, 0) + units


class TransferRules:
    """Rules over `self.model` (on_hand, damaged, in_transit, lost_in_transit) and
    `self.transfers`; `send`, `raw_levels`, `now` and `next_key` are the machine's."""

    model: Any
    transfers: list[ModelTransfer]

    send: Any
    raw_levels: Any
    next_key: Any
    services: Any
    now: Any

    @rule(
        lines=st.lists(
            st.tuples(st.sampled_from(SKUS), st.integers(1, 5)),
            min_size=1,
            max_size=2,
            unique_by=lambda line: line[0],
        ),
        from_first=st.booleans(),
    )
    def ship_transfer(self, lines: list[tuple[str, int]], from_first: bool) -> None:
        """A transfer created and shipped: refused (left a draft) if the source is short."""
        source, destination = LOCATIONS if from_first else tuple(reversed(LOCATIONS))
        created = self.send(
            self.services.dispatch,
            CreateTransfer(
                source,
                destination,
                self.now + timedelta(days=1),
                tuple(TransferredLine(sku, quantity) for sku, quantity in lines),
                idempotency_key=self.next_key(),
            ),
        )
        assert isinstance(created, Transfer), created
        assert created.status is TransferStatus.DRAFT
        model = ModelTransfer(
            created.id,
            source,
            destination,
            TransferStatus.DRAFT,
            [ModelTransferLine(sku, quantity) for sku, quantity in lines],
        )
        self.transfers.append(model)
        raw = self.raw_levels()
        fits_on_raw = all(
            quantity <= raw.get((sku, source), Quantities()).available for sku, quantity in lines
        )
        fits_as_of_now = all(
            quantity <= self.model.level((sku, source), self.now).available
            for sku, quantity in lines
        )
        result = self.send(
            self.services.dispatch, ShipTransfer(created.id, idempotency_key=self.next_key())
        )
        if isinstance(result, StockpoolError):
            assert all(isinstance(p, InsufficientStock) for p in result.problems), result
            # Like an adjustment, shipping decides on the raw counters: units of a hold that
            # expired but was not swept yet still block it.
            assert not fits_on_raw, f"{lines} from {source} refused: {result}"
            return
        assert fits_as_of_now, f"{lines} shipped from {source} beyond what is available"
        assert result.status is TransferStatus.IN_TRANSIT
        model.status = TransferStatus.IN_TRANSIT
        for sku, quantity in lines:
            _add(self.model.on_hand, (sku, source), -quantity)
            _add(self.model.in_transit, (sku, destination), quantity)

    def pick_transfer(self, index: int) -> ModelTransfer:
        return self.transfers[index % len(self.transfers)]

    def expect_transfer_refusal(
        self, result: object, kind: type[StockpoolError], transfer: ModelTransfer
    ) -> None:
        assert isinstance(result, kind), (
            f"expected {kind.__name__} for {transfer.status.value} {transfer.id}, got {result!r}"
        )

    @precondition(lambda self: self.transfers)
    @rule(
        index=st.integers(0, 100),
        line_index=st.integers(0, 1),
        received=st.integers(0, 4),
        damaged=st.integers(0, 2),
    )
    def receive_transfer(self, index: int, line_index: int, received: int, damaged: int) -> None:
        """Some units of one line arrive, some damaged; more than are on their way is refused."""
        transfer = self.pick_transfer(index)
        line = transfer.lines[line_index % len(transfer.lines)]
        received = received or (0 if damaged else 1)
        command = ReceiveTransfer(
            transfer.id, (ArrivedLine(line.sku, received, damaged),), self.next_key()
        )
        # A receipt settles oversold sales from the raw counters: units of a hold that
        # expired but was not swept yet are not free to it.
        before = self.raw_levels().get((line.sku, transfer.destination), Quantities())
        result = self.send(self.services.dispatch, command)
        if transfer.status not in ARRIVING_STATUSES:
            self.expect_transfer_refusal(result, InvalidTransition, transfer)
            return
        if received + damaged > line.outstanding:
            self.expect_transfer_refusal(result, OverReceipt, transfer)
            return
        assert isinstance(result, Transfer), result
        line.received += received
        line.damaged += damaged
        key = (line.sku, transfer.destination)
        _add(self.model.in_transit, key, -(received + damaged))
        _add(self.model.on_hand, key, received + damaged)
        _add(self.model.damaged, key, damaged)
        self.model.settle_oversold(key, before.available + received)
        done = all(x.outstanding == 0 for x in transfer.lines)
        transfer.status = TransferStatus.RECEIVED if done else TransferStatus.PARTIALLY_RECEIVED
        assert result.status is transfer.status
        assert _stored(result) == transfer.as_stored()

    @precondition(lambda self: self.transfers)
    @rule(index=st.integers(0, 100), reason=st.sampled_from(LOSS_REASONS))
    def close_transfer(self, index: int, reason: StockReason) -> None:
        """A transfer closed short: what is still on its way is lost, never on hand."""
        transfer = self.pick_transfer(index)
        command = CloseTransfer(transfer.id, reason, self.next_key())
        result = self.send(self.services.dispatch, command)
        if transfer.status not in ARRIVING_STATUSES:
            self.expect_transfer_refusal(result, InvalidTransition, transfer)
            return
        assert isinstance(result, Transfer), result
        assert result.status is TransferStatus.CLOSED_SHORT
        transfer.status = TransferStatus.CLOSED_SHORT
        for line in transfer.lines:
            _add(self.model.in_transit, (line.sku, transfer.destination), -line.outstanding)
            self.model.lost_in_transit += line.outstanding
        assert _stored(result) == transfer.as_stored()
        assert [result.lost_in_transit(x) for x in result.lines] == [
            x.outstanding for x in transfer.lines
        ]
