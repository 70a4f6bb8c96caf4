"""A list source's memory: the entries of the last list it read whole, with their keys.

The next read of the list is diffed against these rows, not against ``listed_entity``: that
table also holds what other sources said since (a Federal Register rule the CSL does not show
yet), which a snapshot that lags behind must neither undo nor report as removed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Connection, and_, bindparam, delete, insert, select, update
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel

from ..model import SnapshotChanges, SnapshotEntry
from ._schema import UTCDateTime

__all__ = ["SnapshotEntryRow", "apply_snapshot_changes", "load_entries"]

_CHUNK = 500


class SnapshotEntryRow(SQLModel, table=True):
    """One party of a list as the source's last accepted read of the whole list stated it."""

    __tablename__ = "snapshot_entry"

    source: str = Field(primary_key=True)
    key: str = Field(primary_key=True)
    list_code: str = Field(index=True)
    #: a hash of the compared fields, for a quick "did it change?"
    fingerprint: str
    entry: dict[str, Any] = Field(
        sa_column=Column(JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False)
    )
    #: the snapshot (payload) that last added or changed this entry
    payload_id: int | None = Field(default=None, foreign_key="payload.id")
    updated_at: datetime = Field(sa_type=UTCDateTime)


_TABLE = SQLModel.metadata.tables["snapshot_entry"]


def load_entries(conn: Connection, source: str) -> dict[str, SnapshotEntry]:
    """The entries of ``source``'s last accepted snapshot, by key."""
    t = _TABLE
    rows = conn.execute(
        select(t.c.key, t.c.list_code, t.c.fingerprint, t.c.entry).where(t.c.source == source)
    )
    return {r.key: SnapshotEntry(r.key, r.list_code, r.fingerprint, r.entry) for r in rows}


def apply_snapshot_changes(
    conn: Connection,
    source: str,
    changes: SnapshotChanges,
    *,
    payload_id: int | None,
    now: datetime,
) -> None:
    """Write ``changes`` to ``source``'s snapshot entries in the caller's transaction."""
    t = _TABLE
    if changes.drop_lists:
        conn.execute(delete(t).where(t.c.source == source, t.c.list_code.in_(changes.drop_lists)))
    _delete(conn, source, changes.remove)
    _upsert(conn, source, changes.upsert.values(), payload_id=payload_id, now=now)


def _delete(conn: Connection, source: str, keys: Iterable[str]) -> None:
    t = _TABLE
    wanted = list(keys)
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        conn.execute(delete(t).where(t.c.source == source, t.c.key.in_(chunk)))


def _upsert(
    conn: Connection,
    source: str,
    entries: Iterable[SnapshotEntry],
    *,
    payload_id: int | None,
    now: datetime,
) -> None:
    t = _TABLE
    rows = [
        {
            "source": source,
            "key": e.key,
            "list_code": e.list_code,
            "fingerprint": e.fingerprint,
            "entry": dict(e.data),
            "payload_id": payload_id,
            "updated_at": now,
        }
        for e in entries
    ]
    if not rows:
        return
    existing: set[str] = set()
    keys = [r["key"] for r in rows]
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        existing.update(
            conn.execute(select(t.c.key).where(t.c.source == source, t.c.key.in_(chunk))).scalars()
        )
    new = [r for r in rows if r["key"] not in existing]
    old = [{f"v_{k}": v for k, v in r.items()} for r in rows if r["key"] in existing]
    if new:
        conn.execute(insert(t), new)
    if old:
        values: dict[str, Any] = {
            name: bindparam(f"v_{name}") for name in rows[0] if name not in ("key", "source")
        }
        stmt = (
            update(t)
            .where(and_(t.c.source == bindparam("v_source"), t.c.key == bindparam("v_key")))
            .values(**values)
        )
        conn.execute(stmt, old)
