"""The CSL source's memory: the entries of its last accepted snapshot, with their keys.

The next snapshot is diffed against these rows, not against ``listed_entity``: that table also
holds what Federal Register rules said since, which a snapshot that lags behind the rules must
neither undo nor report as removed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Connection, bindparam, delete, insert, select, update
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel

from ._schema import UTCDateTime

__all__ = ["CslEntryRow", "delete_entries", "load_entries", "write_entries"]

_CHUNK = 500


class CslEntryRow(SQLModel, table=True):
    """One party of a watched list as the last accepted CSL snapshot stated it."""

    __tablename__ = "csl_entry"

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


def _table() -> Any:
    return CslEntryRow.__table__  # type: ignore[attr-defined]


def load_entries(conn: Connection) -> dict[str, tuple[str, dict[str, Any]]]:
    """``{key: (fingerprint, entry JSON)}`` of the last accepted snapshot."""
    table = _table()
    rows = conn.execute(select(table.c.key, table.c.fingerprint, table.c.entry))
    return {r.key: (r.fingerprint, r.entry) for r in rows}


def write_entries(
    conn: Connection,
    entries: Mapping[str, tuple[str, str, dict[str, Any]]],
    *,
    payload_id: int | None,
    now: datetime,
) -> None:
    """Insert or replace ``{key: (list_code, fingerprint, entry JSON)}``."""
    if not entries:
        return
    table = _table()
    keys = list(entries)
    existing: set[str] = set()
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        existing.update(conn.execute(select(table.c.key).where(table.c.key.in_(chunk))).scalars())
    rows = [
        {
            "key": key,
            "list_code": list_code,
            "fingerprint": fingerprint,
            "entry": entry,
            "payload_id": payload_id,
            "updated_at": now,
        }
        for key, (list_code, fingerprint, entry) in entries.items()
    ]
    new = [r for r in rows if r["key"] not in existing]
    old = [{f"v_{k}": v for k, v in r.items()} for r in rows if r["key"] in existing]
    if new:
        conn.execute(insert(table), new)
    if old:
        values: dict[str, Any] = {name: bindparam(f"v_{name}") for name in rows[0] if name != "key"}
        conn.execute(update(table).where(table.c.key == bindparam("v_key")).values(**values), old)


def delete_entries(conn: Connection, keys: Iterable[str]) -> None:
    table = _table()
    wanted = list(keys)
    for start in range(0, len(wanted), _CHUNK):
        conn.execute(delete(table).where(table.c.key.in_(wanted[start : start + _CHUNK])))
