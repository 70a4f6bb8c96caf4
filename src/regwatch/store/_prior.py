"""Loading what a source's parser asked to know of the past (:class:`~regwatch.model.Prior`)."""

from __future__ import annotations

from sqlalchemy import Connection, or_, select

from ..model import Prior, PriorRequest, SourceState, StoredEvent
from ._events import row_to_stored
from ._listed import load_listed
from ._snapshot import load_entries
from ._tables import EVENT, EVENT_HEAD

__all__ = ["load_prior"]


def load_prior(conn: Connection, source: str, request: PriorRequest, state: SourceState) -> Prior:
    return Prior(
        state=state,
        entries=load_entries(conn, source) if request.entries else {},
        listed=load_listed(conn, request.lists),
        heads=_heads(conn, request.heads),
        history=_history(conn, request.history),
    )


def _like(prefix: str) -> str:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"


def _heads(conn: Connection, prefixes: tuple[str, ...]) -> dict[str, StoredEvent]:
    if not prefixes:
        return {}
    rows = conn.execute(
        select(EVENT)
        .join(EVENT_HEAD, EVENT_HEAD.c.event_id == EVENT.c.id)
        .where(or_(*(EVENT_HEAD.c.key.like(_like(p), escape="\\") for p in prefixes)))
    )
    return {row.key: row_to_stored(row) for row in rows}


def _history(conn: Connection, prefixes: tuple[str, ...]) -> list[StoredEvent]:
    if not prefixes:
        return []
    rows = conn.execute(
        select(EVENT)
        .where(or_(*(EVENT.c.key.like(_like(p), escape="\\") for p in prefixes)))
        .order_by(EVENT.c.key, EVENT.c.revision)
    )
    return [row_to_stored(row) for row in rows]
