from __future__ import annotations

from datetime import UTC, datetime, timedelta


class MovableClock:
    """A clock tests can move forward, to let holds expire without waiting."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
