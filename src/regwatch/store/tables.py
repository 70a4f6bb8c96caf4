"""The store's tables as typed SQLAlchemy Core objects, for the store's own queries (no other
layer queries them: they call the store's functions).

SQLModel declares each table on a model class; its ``__table__`` is not typed, so the store's
Core queries take the tables from the metadata here, once.
"""

from __future__ import annotations

from sqlalchemy import Table
from sqlmodel import SQLModel

from . import _delivery, _schema, _snapshot, _watch  # noqa: F401  (they declare the tables)

__all__ = [
    "COMPANY",
    "DELIVERY",
    "DELIVERY_MATCH",
    "DISMISSAL_REQUEST",
    "EVENT",
    "EVENT_HEAD",
    "FETCH_RUN",
    "LISTED_ENTITY",
    "MATCH",
    "MATCHED_EVENT",
    "PAYLOAD",
    "RECIPIENT",
    "REVIEW_POLICY",
    "SNAPSHOT_ENTRY",
    "SOURCE_STATE",
    "WATCH_ITEM",
]


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


COMPANY = _table("company")
DELIVERY = _table("delivery")
DELIVERY_MATCH = _table("delivery_match")
DISMISSAL_REQUEST = _table("dismissal_request")
EVENT = _table("event")
EVENT_HEAD = _table("event_head")
FETCH_RUN = _table("fetch_run")
LISTED_ENTITY = _table("listed_entity")
MATCH = _table("match")
MATCHED_EVENT = _table("matched_event")
PAYLOAD = _table("payload")
RECIPIENT = _table("recipient")
REVIEW_POLICY = _table("review_policy")
SNAPSHOT_ENTRY = _table("snapshot_entry")
SOURCE_STATE = _table("source_state")
WATCH_ITEM = _table("watch_item")
