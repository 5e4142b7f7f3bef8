"""A reservation as JSON and back: what an idempotent replay answers with and what a
reservation feed entry keeps of the reservation as it became."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.reservations import Reservation, ReservationKind, ReservationLine, ReservationStatus


def snapshot(reservation: Reservation) -> dict[str, Any]:
    return {
        "id": reservation.id,
        "channel": reservation.channel,
        "orderRef": reservation.order_ref,
        "kind": reservation.kind.value,
        "status": reservation.status.value,
        "expiresAt": reservation.expires_at.isoformat(),
        "createdAt": reservation.created_at.isoformat(),
        "lines": [
            [
                line.line_number,
                line.sku,
                line.location,
                line.quantity,
                line.reserved,
                line.committed,
                line.fulfilled,
                line.oversold,
                line.backordered,
                line.promised_at.isoformat() if line.promised_at else None,
            ]
            for line in reservation.lines
        ],
    }


def from_snapshot(data: dict[str, Any]) -> Reservation:
    return Reservation(
        id=data["id"],
        channel=data["channel"],
        order_ref=data["orderRef"],
        kind=ReservationKind(data["kind"]),
        status=ReservationStatus(data["status"]),
        expires_at=datetime.fromisoformat(data["expiresAt"]),
        created_at=datetime.fromisoformat(data["createdAt"]),
        lines=tuple(_line_from_snapshot(line) for line in data["lines"]),
    )


def _line_from_snapshot(values: list[Any]) -> ReservationLine:
    number, sku, location, quantity, reserved, committed, fulfilled, oversold, *rest = values
    backordered, promised_at = rest if rest else (0, None)
    return ReservationLine(
        number,
        sku,
        location,
        quantity,
        reserved,
        committed,
        fulfilled,
        oversold,
        backordered,
        datetime.fromisoformat(promised_at) if promised_at else None,
    )
