"""Reading the history of listed parties: their entity events, wherever they came from."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import Connection, or_, select

from ..keys import FR_PREFIX
from ..model import EventKind, StoredEvent
from ._events import row_to_stored
from .tables import EVENT, EVENT_HEAD, SNAPSHOT_ENTRY, SOURCE_STATE

__all__ = [
    "current_events",
    "entity_events",
    "events_about",
    "head_event",
    "last_success_at",
    "snapshot_list_code",
]

_ENTITY_KINDS = [
    str(k) for k in (EventKind.ENTITY_ADDED, EventKind.ENTITY_REVISED, EventKind.ENTITY_REMOVED)
]


def entity_events(conn: Connection) -> Iterator[StoredEvent]:
    """Every stored entity event (every revision), in no particular order."""
    for row in conn.execute(select(EVENT).where(EVENT.c.kind.in_(_ENTITY_KINDS))):
        yield row_to_stored(row)


def events_about(conn: Connection, entity_key: str) -> list[StoredEvent]:
    """Every stored revision keyed by ``entity_key``, or by a rule's statement about it
    (``fr:<document>#<entity_key>``)."""
    escaped = entity_key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    stmt = select(EVENT).where(
        or_(EVENT.c.key == entity_key, EVENT.c.key.like(f"{FR_PREFIX}%#{escaped}", escape="\\"))
    )
    return [row_to_stored(r) for r in conn.execute(stmt)]


def head_event(conn: Connection, key: str) -> StoredEvent | None:
    """The latest stored version of ``key``."""
    row = conn.execute(
        select(EVENT)
        .join(EVENT_HEAD, EVENT_HEAD.c.event_id == EVENT.c.id)
        .where(EVENT_HEAD.c.key == key)
    ).first()
    return row_to_stored(row) if row is not None else None


def snapshot_list_code(conn: Connection, source: str, key: str) -> str | None:
    """The list of ``key`` in ``source``'s last accepted snapshot, if it is there."""
    t = SNAPSHOT_ENTRY
    return conn.execute(select(t.c.list_code).where(t.c.source == source, t.c.key == key)).scalar()


def current_events(
    conn: Connection, source: str, prefix: str | None = None
) -> Iterator[StoredEvent]:
    """The latest stored version of every key of ``source`` (only keys starting with
    ``prefix``, when given), oldest first."""
    heads = select(EVENT_HEAD.c.event_id)
    if prefix is not None:
        heads = heads.where(EVENT_HEAD.c.key.like(f"{prefix}%"))
    # From the heads to their events, not from every event of the source to its head: a
    # source's revisions pile up with every poll, its keys do not (SQLite plans a join on
    # the source the other way round, and a daemon's reconciliation slowed down poll by poll).
    query = select(EVENT).where(EVENT.c.id.in_(heads), EVENT.c.source == source)
    for row in conn.execute(query.order_by(EVENT.c.id)):
        yield row_to_stored(row)


def last_success_at(conn: Connection, source: str) -> datetime | None:
    """When ``source`` was last read without a fault (``None``: never)."""
    found = conn.execute(
        select(SOURCE_STATE.c.last_success_at).where(SOURCE_STATE.c.name == source)
    ).scalar_one_or_none()
    return found if isinstance(found, datetime) else None
