"""What every table shares: one MetaData with the naming convention of the migrations, the
id and timestamp types, and the CHECKs that recur."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
)

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
Timestamp = DateTime(timezone=True)


def not_negative(*columns: str) -> list[CheckConstraint]:
    return [CheckConstraint(f"{column} >= 0", name=f"{column}_not_negative") for column in columns]


def receipt_checks(expected: str) -> list[CheckConstraint]:
    """A line that receives up to its `expected` units, some of them damaged."""
    return [
        CheckConstraint(f"{expected} > 0", name=f"{expected}_positive"),
        *not_negative("received", "damaged"),
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
