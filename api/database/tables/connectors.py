"""Exposure holds: what a channel whose connector went silent was showing, held back from
every other channel's pool until it is back (domain/connectors.py)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Table

from api.database.tables.base import Timestamp, metadata, quantities

exposure_holds = Table(
    "exposure_holds",
    metadata,
    Column("channel_id", ForeignKey("channels.id"), primary_key=True),
    Column("sku_id", ForeignKey("skus.id"), primary_key=True),
    # What the channel may still sell of the SKU: its outage sales lower it.
    Column("units", BigInteger, nullable=False),
    Column("since", Timestamp, nullable=False),
    *quantities("units"),
)
