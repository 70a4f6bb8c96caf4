"""The store's tables as typed SQLAlchemy Core objects, for the layers that query them directly
(matching and digests); see :mod:`regwatch.store._tables`."""

from __future__ import annotations

from ._tables import (
    COMPANY,
    DELIVERY,
    DELIVERY_MATCH,
    EVENT,
    EVENT_HEAD,
    FETCH_RUN,
    LISTED_ENTITY,
    MATCH,
    MATCHED_EVENT,
    PAYLOAD,
    RECIPIENT,
    SNAPSHOT_ENTRY,
    SOURCE_STATE,
    WATCH_ITEM,
)

__all__ = [
    "COMPANY",
    "DELIVERY",
    "DELIVERY_MATCH",
    "EVENT",
    "EVENT_HEAD",
    "FETCH_RUN",
    "LISTED_ENTITY",
    "MATCH",
    "MATCHED_EVENT",
    "PAYLOAD",
    "RECIPIENT",
    "SNAPSHOT_ENTRY",
    "SOURCE_STATE",
    "WATCH_ITEM",
]
