"""The parties currently on each restricted-party list (``listed_entity``), kept from events.

Every function here takes an open :class:`~sqlalchemy.Connection` and works inside the caller's
transaction, so that a source's events and the list state they imply commit (or roll back)
together.  The sources use it from :meth:`Source.store_state`:

- the Federal Register and METI apply their entity events with :func:`apply_entity_events`
  (``entity.added`` / ``entity.revised`` upsert a row, ``entity.removed`` deletes it);
- a list's first snapshot (a baseline that emits no per-entity events) is written with
  :func:`replace_list`;
- screening and re-screening read the rows back with :func:`current_entries`.

A row's ``key`` is the party's identity (:func:`regwatch.entities.entity_key`), which is the
key of its events, or for events whose key says more (a Federal Register rule's statement about
a party is keyed by the rule), the event's ``data["entity_key"]``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from .._entity_names import normalize_name, same_party_name
from ..events import ChangeEvent, EventKind
from ..timeutil import utcnow
from ._schema import EventHead, ListedEntity

__all__ = [
    "AppliedEntities",
    "ListedEntry",
    "apply_entity_events",
    "current_entries",
    "event_ids",
    "find_listed",
    "remove_listed",
    "replace_list",
    "upsert_listed",
]

_CHUNK = 500
_ENTITY_KINDS = {EventKind.ENTITY_ADDED, EventKind.ENTITY_REVISED, EventKind.ENTITY_REMOVED}


@dataclass(frozen=True, slots=True)
class ListedEntry:
    """One party on one list, as a ``listed_entity`` row holds it."""

    key: str
    list_code: str
    name: str
    aliases: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    #: ISO 3166 alpha-2, upper case
    country: str | None = None
    #: list-specific fields: license requirement, review policy, citations, start date, …
    details: Mapping[str, Any] = field(default_factory=dict)
    listed_on: date | None = None
    #: the source that last wrote the row (``csl``, ``federal_register``, ``meti``, …)
    source: str = ""
    #: the latest event about this party (its listing, its last revision, or a baseline)
    event_id: int | None = None


@dataclass
class AppliedEntities:
    """What :func:`apply_entity_events` did."""

    upserted: int = 0
    removed: int = 0
    #: removals and revisions naming a party that is not currently listed (said, not dropped)
    unresolved: list[str] = field(default_factory=list)


def _table() -> Any:
    return ListedEntity.__table__  # type: ignore[attr-defined]


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


def find_listed(
    conn: Connection, list_code: str, country: str | None, name: str, *, key: str | None = None
) -> ListedEntry | None:
    """The listed party a rule means by ``name`` under ``country``, or ``None``.

    Tried in order: the exact ``key``; one entry of the list and country whose name or an alias
    is the same party name (:func:`~regwatch.entities.same_party_name`); the same across every
    country of the list.  An ambiguous name (two candidates) finds nothing rather than guess.
    """
    table = _table()
    if key is not None:
        row = conn.execute(select(table).where(table.c.key == key)).first()
        if row is not None:
            return _from_row(row)
    wanted = normalize_name(name)
    if not wanted:
        return None
    stmt = select(table).where(func.upper(table.c.list_code) == list_code.upper())
    candidates = [_from_row(r) for r in conn.execute(stmt)]
    for scope in (
        [c for c in candidates if (c.country or "").upper() == (country or "").upper()],
        candidates,
    ):
        hits = [c for c in scope if any(same_party_name(name, n) for n in (c.name, *c.aliases))]
        if len(hits) == 1:
            return hits[0]
        exact = [c for c in hits if normalize_name(c.name) == wanted]
        if len(exact) == 1:
            return exact[0]
    return None


def event_ids(conn: Connection, event_keys: Iterable[str]) -> dict[str, int]:
    """The id of the latest stored revision of each event key (from ``event_head``)."""
    table = EventHead.__table__  # type: ignore[attr-defined]
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


def apply_entity_events(
    conn: Connection, events: Iterable[ChangeEvent], *, now: datetime | None = None
) -> AppliedEntities:
    """Bring ``listed_entity`` up to date with entity events, in order, in the caller's
    transaction (call it after the events are stored, so that rows can point at them).

    - ``entity.added`` and ``entity.revised`` write the event's entity as the row of
      ``data["entity_key"]`` (else the event key); a revision of a party listed under another
      key (found by :func:`find_listed`) rewrites that row instead;
    - ``entity.removed`` deletes the row, found the same way;
    - other kinds are ignored.  Events need ``list_code`` and ``entity``.
    """
    now = now or utcnow()
    wanted = [e for e in events if e.kind in _ENTITY_KINDS and e.entity and e.list_code]
    ids = event_ids(conn, [e.key for e in wanted])
    result = AppliedEntities()
    for event in wanted:
        assert event.entity is not None and event.list_code is not None
        key = str(event.data.get("entity_key") or event.key)
        found: ListedEntry | None = None
        if event.kind == EventKind.ENTITY_ADDED:
            target: str | None = key
        else:
            found = find_listed(conn, event.list_code, event.country, event.entity.name, key=key)
            target = found.key if found else None
        if target is None:
            result.unresolved.append(
                f"{event.kind} {event.entity.name!r} ({event.list_code}, {event.country or '?'}): "
                "no such party is currently listed"
            )
            if event.kind == EventKind.ENTITY_REMOVED:
                continue
            target = key
        if event.kind == EventKind.ENTITY_REMOVED:
            result.removed += remove_listed(conn, [target])
            continue
        entry = ListedEntry(
            key=target,
            list_code=event.list_code,
            name=event.entity.name,
            aliases=event.entity.aliases,
            addresses=event.entity.addresses,
            country=event.country,
            details=dict(event.entity.details),
            # a revision does not move the date the party was first listed
            listed_on=(found.listed_on if found else None)
            or event.effective_on
            or event.published_on,
            source=event.source,
            event_id=ids.get(event.key),
        )
        result.upserted += upsert_listed(conn, [entry], now=now)
    return result
