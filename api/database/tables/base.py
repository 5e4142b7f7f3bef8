"""What every table shares: one MetaData with the naming convention of the migrations, the
id and timestamp types, and the CHECKs that recur."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Integer,
    MetaData,
    TypeDecorator,
)

from domain.quantities import MAX_COUNTER

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
Id = BigInteger().with_variant(Integer(), "sqlite")


class Timestamp(TypeDecorator[datetime]):
    """A moment, stored in UTC on every backend and read back as an aware UTC datetime.

    SQLite has no time zone type: it kept the wall-clock time and dropped the offset, so
    `09:00+08:00` came back as `09:00+00:00`. Here every moment is converted to UTC before it
    is bound, and a naive datetime (a moment in no zone: a programming error) is refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError(f"a naive datetime ({value.isoformat()}) is a moment in no zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def not_negative(*columns: str) -> list[CheckConstraint]:
    return [CheckConstraint(f"{column} >= 0", name=f"{column}_not_negative") for column in columns]


def not_too_large(*columns: str) -> list[CheckConstraint]:
    """Quantities no client could read past: at most MAX_COUNTER (GraphQL's Int)."""
    return [
        CheckConstraint(f"{column} <= {MAX_COUNTER}", name=f"{column}_not_too_large")
        for column in columns
    ]


def quantities(*columns: str) -> list[CheckConstraint]:
    """Counts of units: never negative, never past MAX_COUNTER."""
    return [*not_negative(*columns), *not_too_large(*columns)]


def in_int_range(column: str) -> CheckConstraint:
    """A signed difference of quantities, within GraphQL's Int."""
    return CheckConstraint(
        f"{column} BETWEEN {-MAX_COUNTER - 1} AND {MAX_COUNTER}", name=f"{column}_in_int_range"
    )


def receipt_checks(expected: str) -> list[CheckConstraint]:
    """A line that receives up to its `expected` units, some of them damaged."""
    return [
        CheckConstraint(f"{expected} > 0", name=f"{expected}_positive"),
        *not_too_large(expected),
        *quantities("received", "damaged"),
        CheckConstraint(f"received + damaged <= {expected}", name=f"within_{expected}"),
    ]


def timestamps() -> list[Column[Any]]:
    """When a row was made and last changed."""
    return [
        Column("created_at", Timestamp, nullable=False),
        Column("updated_at", Timestamp, nullable=False),
    ]


def line_columns(owner: str, document: str) -> list[Column[Any]]:
    """A document line's own id, the id of its document (`owner`, referring to the `document`
    table) and its number within it."""
    return [
        Column("id", Id, primary_key=True, autoincrement=True),
        Column(owner, ForeignKey(f"{document}.id"), nullable=False),
        Column("line_number", Integer, nullable=False),
    ]
