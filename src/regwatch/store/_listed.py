"""The parties currently on each restricted-party list (``listed_entity``), kept from events.

Every function here takes an open :class:`~sqlalchemy.Connection` and works inside the caller's
transaction, so that a source's events and the list state they imply commit (or roll back)
together.  Sources decide the changes purely (:class:`~regwatch.model.ListedChanges`, see
:mod:`regwatch.sources._listing`); the store applies them with :func:`apply_listed_changes`;
screening and re-screening read the rows back with :func:`current_entries`.

A row's ``key`` is the party's identity (:func:`regwatch.entities.entity_key`), which is the
key of its events, or for events whose key says more (a Federal Register rule's statement about
a party is keyed by the rule), the event's ``data["entity_key"]``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from ..model import ListedChanges, ListedEntry
from ..timeutil import utcnow
from .tables import EVENT_HEAD, LISTED_ENTITY

__all__ = [
    "ListCount",
    "ListedEntry",
    "apply_listed_changes",
    "current_entries",
    "event_ids",
    "list_counts",
    "listed_state",
    "load_listed",
    "numbered_entries",
    "remove_listed",
    "replace_list",
    "upsert_listed",
]

_CHUNK = 500


def _table() -> Any:
    return LISTED_ENTITY


def _row_values(entry: ListedEntry, now: datetime) -> dict[str, Any]:
    return {
        "key": entry.key,
        "source": entry.source,
        "list_code": entry.list_code,
        "name": entry.name,
        "aliases": list(entry.aliases),
        "addresses": list(entry.addresses),
        "country": entry.country,
        "details": dict(entry.details),
        "event_id": entry.event_id,
        "listed_on": entry.listed_on,
        "updated_at": now,
    }


def _from_row(row: Any) -> ListedEntry:
    return ListedEntry(
        key=row.key,
        list_code=row.list_code,
        name=row.name,
        aliases=tuple(row.aliases or ()),
        addresses=tuple(row.addresses or ()),
        country=row.country,
        details=row.details or {},
        listed_on=row.listed_on,
        source=row.source,
        event_id=row.event_id,
    )


def _existing_keys(conn: Connection, keys: Sequence[str]) -> set[str]:
    table = _table()
    found: set[str] = set()
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        found.update(conn.execute(select(table.c.key).where(table.c.key.in_(chunk))).scalars())
    return found


def upsert_listed(
    conn: Connection, entries: Iterable[ListedEntry], *, now: datetime | None = None
) -> int:
    """Insert or replace the rows of ``entries`` (by key); returns how many were written."""
    now = now or utcnow()
    latest = {e.key: e for e in entries}
    if not latest:
        return 0
    table = _table()
    existing = _existing_keys(conn, list(latest))
    new_rows = [_row_values(e, now) for k, e in latest.items() if k not in existing]
    changed = [_row_values(e, now) for k, e in latest.items() if k in existing]
    if new_rows:
        conn.execute(insert(table), new_rows)
    if changed:
        values: dict[str, Any] = {
            name: bindparam(f"v_{name}") for name in changed[0] if name != "key"
        }
        stmt = update(table).where(table.c.key == bindparam("v_key")).values(**values)
        conn.execute(stmt, [{f"v_{k}": v for k, v in row.items()} for row in changed])
    return len(latest)


def remove_listed(conn: Connection, keys: Iterable[str]) -> int:
    """Delete the rows of ``keys``; returns how many existed."""
    wanted = list(dict.fromkeys(keys))
    table = _table()
    removed = 0
    for start in range(0, len(wanted), _CHUNK):
        result = conn.execute(delete(table).where(table.c.key.in_(wanted[start : start + _CHUNK])))
        removed += result.rowcount or 0
    return removed


def replace_list(
    conn: Connection,
    source: str,
    list_code: str,
    entries: Iterable[ListedEntry],
    *,
    now: datetime | None = None,
) -> tuple[int, int]:
    """Make ``entries`` the rows that ``source`` holds for ``list_code`` (a baseline).

    Rows of the list written by another source (a Federal Register addition the snapshot does
    not show yet) are left alone.  Returns ``(written, deleted)``.
    """
    entries = list(entries)
    table = _table()
    keep = {e.key for e in entries}
    stale = [
        key
        for key in conn.execute(
            select(table.c.key).where(table.c.source == source, table.c.list_code == list_code)
        ).scalars()
        if key not in keep
    ]
    return upsert_listed(conn, entries, now=now), remove_listed(conn, stale)


def current_entries(
    conn: Connection,
    *,
    lists: Iterable[str] = (),
    countries: Iterable[str] = (),
    keys: Iterable[str] = (),
) -> list[ListedEntry]:
    """The parties currently listed, optionally only on ``lists`` / in ``countries`` / by key."""
    table = _table()
    stmt = select(table).order_by(table.c.key)
    lists, countries, keys = list(lists), list(countries), list(keys)
    if lists:
        stmt = stmt.where(func.upper(table.c.list_code).in_([c.upper() for c in lists]))
    if countries:
        stmt = stmt.where(func.upper(table.c.country).in_([c.upper() for c in countries]))
    if not keys:
        return [_from_row(r) for r in conn.execute(stmt)]
    out = []
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        out += [_from_row(r) for r in conn.execute(stmt.where(table.c.key.in_(chunk)))]
    return sorted(out, key=lambda e: e.key)


def event_ids(conn: Connection, event_keys: Iterable[str]) -> dict[str, int]:
    """The id of the latest stored revision of each event key (from ``event_head``)."""
    table = EVENT_HEAD
    wanted = list(dict.fromkeys(event_keys))
    out: dict[str, int] = {}
    for start in range(0, len(wanted), _CHUNK):
        rows = conn.execute(
            select(table.c.key, table.c.event_id).where(
                table.c.key.in_(wanted[start : start + _CHUNK])
            )
        )
        out.update({r.key: r.event_id for r in rows})
    return out


def load_listed(conn: Connection, lists: Iterable[str]) -> dict[str, ListedEntry]:
    """The parties currently on ``lists``, by key."""
    return {e.key: e for e in current_entries(conn, lists=lists)} if lists else {}


def apply_listed_changes(
    conn: Connection,
    source: str,
    changes: ListedChanges,
    event_ids_by_key: Mapping[str, int],
    *,
    now: datetime | None = None,
) -> None:
    """Apply what a source decided about ``listed_entity``: baselines, dropped lists,
    upserts and removals, in that order.  Rows point at their events through
    ``event_ids_by_key`` (the batch's stored event keys)."""
    now = now or utcnow()

    def resolved(entry: ListedEntry) -> ListedEntry:
        event_id = event_ids_by_key.get(entry.event_key) if entry.event_key else None
        return replace(entry, event_id=event_id) if event_id else entry

    for code, entries in changes.replace.items():
        replace_list(conn, source, code, [resolved(e) for e in entries], now=now)
    if changes.drop_lists:
        table = _table()
        remove_listed(
            conn,
            conn.execute(
                select(table.c.key).where(
                    table.c.source == source, table.c.list_code.in_(changes.drop_lists)
                )
            ).scalars(),
        )
    upsert_listed(conn, [resolved(e) for e in changes.upsert], now=now)
    remove_listed(conn, changes.remove)


@dataclass(frozen=True, slots=True)
class ListCount:
    """How many parties one source keeps on one list, and when one of them last changed."""

    code: str
    source: str
    entries: int
    updated_at: datetime | None


def list_counts(conn: Connection) -> list[ListCount]:
    """Every (list, source) with current entries."""
    table = _table()
    rows = conn.execute(
        select(
            table.c.list_code, table.c.source, func.count(), func.max(table.c.updated_at)
        ).group_by(table.c.list_code, table.c.source)
    ).all()
    return [ListCount(code, source, int(count), updated) for code, source, count, updated in rows]


def listed_state(conn: Connection) -> tuple[Any, ...]:
    """A value that changes whenever a listed entry is added, removed or updated."""
    table = _table()
    return tuple(
        conn.execute(
            select(
                func.count(),
                func.max(table.c.id),
                func.sum(table.c.id),
                func.max(table.c.updated_at),
            )
        ).one()
    )


def numbered_entries(conn: Connection) -> list[tuple[int, ListedEntry]]:
    """Every current entry with its row id (which changes when the party leaves and returns)."""
    return [(row.id, _from_row(row)) for row in conn.execute(select(_table()))]
