"""Reading the history of listed parties: their entity events, wherever they came from."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Connection, or_, select

from ..keys import FR_PREFIX
from ..model import EventKind, StoredEvent
from ._events import row_to_stored
from ._tables import EVENT, EVENT_HEAD, SNAPSHOT_ENTRY

__all__ = ["entity_events", "events_about", "head_event", "snapshot_list_code"]

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
