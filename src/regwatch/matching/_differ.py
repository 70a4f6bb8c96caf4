"""The differ: stored events against every company's watch items, and the state of each match.

- :func:`match_pending` matches every event not matched yet (``matched_event`` says which),
  in batches, each batch's matches and bookkeeping in one transaction: run it after storing
  events, or any time; a crash in between leaves events pending, never lost, never twice.
- :func:`rescreen` matches stored history (the latest revision of every event, and every
  entry currently on a list) against some watch items: those just added or edited.
- A match is unique per (event, watch item).  A new revision of an event gets its own
  matches; where the previous revision's match was dismissed (or acknowledged) and what made
  it match is unchanged (:func:`~._engine.material_signature`), the new match inherits that
  status, so a cosmetic republication does not re-alert.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, and_, func, select, true
from sqlalchemy.dialects import postgresql, sqlite

from ..alerts import confirms
from ..events import StoredEvent
from ..exceptions import InputError
from ..store import Store
from ..store._audit import default_actor
from ..store._events import row_to_stored
from ..store._review import DECISIONS, decide
from ..store.tables import (
    COMPANY,
    EVENT,
    EVENT_HEAD,
    LISTED_ENTITY,
    MATCH,
    MATCHED_EVENT,
    WATCH_ITEM,
)
from ..timeutil import utcnow
from ._engine import Found, WatchMatcher
from ._names import MATCHER_VERSION
from ._watchlist import read_watchlist
from ._watchstore import ImportResult, import_watchlist, load_items

__all__ = [
    "STATUSES",
    "DiffResult",
    "MatchQuery",
    "event_matches",
    "import_and_rescreen",
    "list_matches",
    "match_events",
    "match_pending",
    "pending_count",
    "rescreen",
    "set_status",
]

STATUSES = ("new", "acknowledged", "dismissed")
_BATCH = 500

_EVENT = EVENT
_HEAD = EVENT_HEAD
_MATCH = MATCH
_ITEM = WATCH_ITEM
_COMPANY = COMPANY
_LISTED = LISTED_ENTITY
_MATCHED = MATCHED_EVENT


def _insert_ignore(
    conn: Connection, table: Any, rows: list[dict[str, Any]], keys: list[str]
) -> int:
    """Insert ``rows``, skipping those that would break the unique ``keys`` (idempotent)."""
    if not rows:
        return 0
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    primary = next(iter(table.primary_key.columns))
    # RETURNING counts what was inserted on both backends (rowcount is -1 on PostgreSQL).
    stmt = dialect.insert(table).on_conflict_do_nothing(index_elements=keys).returning(primary)
    return len(conn.execute(stmt, rows).all())


def match_events(matcher: WatchMatcher, events: Iterable[StoredEvent]) -> list[tuple[int, Found]]:
    """``(event id, match)`` for every match of ``events`` (pure: nothing is stored)."""
    return [(stored.id, found) for stored in events for found in matcher.match(stored.event)]


def _carried_status(
    conn: Connection, events: dict[int, StoredEvent], found: list[tuple[int, Found]]
) -> dict[tuple[int, int], tuple[str, str | None, Any]]:
    """For matches on revisions: the status a dismissed or acknowledged match of the previous
    revisions passes on, when the match is not materially different."""
    wanted = [(eid, f) for eid, f in found if events[eid].revision > 1]
    if not wanted:
        return {}
    keys = {events[eid].event.key for eid, _ in wanted}
    items = {f.watch_item_id for _, f in wanted}
    # Only the newest earlier match of each (key, watch item): an entry that flaps between two
    # snapshots has many revisions, and loading every one of their matches grew without end.
    newest = (
        select(
            _EVENT.c.key,
            _MATCH.c.watch_item_id,
            func.max(_EVENT.c.revision).label("revision"),
        )
        .join(_EVENT, _EVENT.c.id == _MATCH.c.event_id)
        .where(_EVENT.c.key.in_(keys), _MATCH.c.watch_item_id.in_(items))
        .group_by(_EVENT.c.key, _MATCH.c.watch_item_id)
        .subquery()
    )
    rows = conn.execute(
        select(
            _EVENT.c.key,
            _EVENT.c.revision,
            _MATCH.c.watch_item_id,
            _MATCH.c.status,
            _MATCH.c.note,
            _MATCH.c.status_changed_at,
            _MATCH.c.explanation,
        )
        .join(_EVENT, _EVENT.c.id == _MATCH.c.event_id)
        .join(
            newest,
            and_(
                newest.c.key == _EVENT.c.key,
                newest.c.watch_item_id == _MATCH.c.watch_item_id,
                newest.c.revision == _EVENT.c.revision,
            ),
        )
    )
    latest: dict[tuple[str, int], Any] = {(row.key, row.watch_item_id): row for row in rows}
    out = {}
    for eid, f in wanted:
        stored = events[eid]
        before = latest.get((stored.event.key, f.watch_item_id))
        if before is None or before.revision >= stored.revision or before.status == "new":
            continue
        if (before.explanation or {}).get("material") == f.material:
            out[(eid, f.watch_item_id)] = (before.status, before.note, before.status_changed_at)
    return out


def _confirmations(
    conn: Connection, events: dict[int, StoredEvent], found: list[tuple[int, Found]]
) -> set[tuple[int, int]]:
    """``(event id, watch item id)`` of matches that would only repeat an earlier alert.

    A CSL snapshot lists a party days after the Federal Register rule that added it; its event
    ``confirms`` the rule's entity event (:func:`regwatch.entities.confirms`).  Where the rule's
    event already matched the same watch item, the confirmation is a record (``regwatch entity``
    shows it), not a second alert for the same listing.
    """
    confirmed = {eid: key for eid, stored in events.items() if (key := confirms(stored))}
    if not confirmed:
        return set()
    rows = conn.execute(
        select(_EVENT.c.key, _MATCH.c.watch_item_id)
        .join(_EVENT, _EVENT.c.id == _MATCH.c.event_id)
        .where(_EVENT.c.key.in_(set(confirmed.values())))
    )
    already = {(row.key, row.watch_item_id) for row in rows}
    already |= {(events[eid].event.key, f.watch_item_id) for eid, f in found}
    return {
        (eid, f.watch_item_id)
        for eid, f in found
        if eid in confirmed and (confirmed[eid], f.watch_item_id) in already
    }


def _store_matches(
    conn: Connection, events: dict[int, StoredEvent], found: list[tuple[int, Found]]
) -> int:
    now = utcnow()
    repeats = _confirmations(conn, events, found)
    found = [(eid, f) for eid, f in found if (eid, f.watch_item_id) not in repeats]
    carried = _carried_status(conn, events, found)
    rows = []
    for event_id, f in found:
        status, note, changed_at = carried.get((event_id, f.watch_item_id), ("new", None, None))
        explanation = {**f.explanation, "material": f.material}
        if status != "new":
            explanation["status_carried_over"] = True
        rows.append(
            {
                "event_id": event_id,
                "company_id": f.company_id,
                "watch_item_id": f.watch_item_id,
                "score": f.score,
                "tier": f.tier,
                "field": f.field,
                "explanation": explanation,
                "matcher_version": MATCHER_VERSION,
                "status": status,
                "note": note,
                "status_changed_at": changed_at,
                "created_at": now,
            }
        )
    return _insert_ignore(conn, _MATCH, rows, ["event_id", "watch_item_id"])


@dataclass
class DiffResult:
    events: int = 0
    matches: int = 0


#: per database: every event at or below this id is matched, as far as this process knows.
#: Scanning from it keeps a long-running daemon's cycles from slowing down as events pile up
#: (the anti-join from id 0 grew with the event log).  It only moves past events detected more
#: than :data:`_SETTLED` ago, so that an event another process stored with a lower id but
#: committed after this process matched a higher one is still found: on SQLite writers are
#: serialized and ids commit in order; on PostgreSQL a batch's write transaction (which sets
#: ``detected_at`` as it starts) takes seconds, not a minute.
_FLOORS: dict[str, int] = {}
_SETTLED = timedelta(seconds=60)


def _floor_after(conn: Connection, events: Sequence[StoredEvent], start: int) -> int:
    """The new floor after a scan from ``start`` that found ``events`` (unmatched) first."""
    settled = utcnow() - _SETTLED
    stmt = select(func.max(_EVENT.c.id)).where(_EVENT.c.id > start, _EVENT.c.detected_at < settled)
    if events:
        stmt = stmt.where(_EVENT.c.id < events[0].id)
    newest = conn.execute(stmt).scalar()
    return max(start, int(newest)) if newest is not None else start


def _pending(conn: Connection, after: int, limit: int) -> list[StoredEvent]:
    stmt = (
        select(_EVENT)
        .outerjoin(_MATCHED, _MATCHED.c.event_id == _EVENT.c.id)
        .where(_MATCHED.c.event_id.is_(None), _EVENT.c.id > after)
        .order_by(_EVENT.c.id)
        .limit(limit)
    )
    return [row_to_stored(row) for row in conn.execute(stmt)]


def match_pending(
    store: Store, matcher: WatchMatcher | None = None, *, batch: int = _BATCH
) -> DiffResult:
    """Match every stored event that has not been matched yet; returns how many of each."""
    result = DiffResult()
    after = floor = _FLOORS.get(store.url, 0)
    while True:
        with store.read() as conn:
            events = _pending(conn, after, batch)
            if after == floor:
                _FLOORS[store.url] = _floor_after(conn, events, floor)
            if events and matcher is None:
                # Compiled only when there is work: a poll that stored nothing costs one query.
                matcher = WatchMatcher(load_items(conn))
        if not events or matcher is None:
            return result
        after = events[-1].id
        found = match_events(matcher, events)
        now = utcnow()
        with store.write() as conn:
            result.matches += _store_matches(conn, {e.id: e for e in events}, found)
            _insert_ignore(
                conn,
                _MATCHED,
                [
                    {"event_id": e.id, "matched_at": now, "matcher_version": MATCHER_VERSION}
                    for e in events
                ],
                ["event_id"],
            )
        result.events += len(events)


def _history_ids(conn: Connection) -> list[int]:
    """The latest revision of every event, and the event of every entry now on a list."""
    heads = {row.event_id for row in conn.execute(select(_HEAD.c.event_id))}
    listed = {
        row.event_id
        for row in conn.execute(select(_LISTED.c.event_id).where(_LISTED.c.event_id.is_not(None)))
    }
    return sorted(heads | listed)


def rescreen(store: Store, item_ids: Sequence[int] | None = None) -> DiffResult:
    """Match stored history against the watch items ``item_ids`` (every active item when
    ``None``).  Existing matches are kept as they are (a dismissed match stays dismissed)."""
    with store.read() as conn:
        items = load_items(conn, list(item_ids) if item_ids is not None else None)
        ids = _history_ids(conn) if items else []
    result = DiffResult()
    if not items:
        return result
    matcher = WatchMatcher(items)
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start : start + _BATCH]
        with store.read() as conn:
            events = [
                row_to_stored(r) for r in conn.execute(select(_EVENT).where(_EVENT.c.id.in_(chunk)))
            ]
        found = match_events(matcher, events)
        with store.write() as conn:
            result.matches += _store_matches(conn, {e.id: e for e in events}, found)
        result.events += len(events)
    return result


def import_and_rescreen(
    store: Store,
    path: Path,
    company: str | None = None,
    *,
    add: bool = False,
    actor: str | None = None,
) -> tuple[ImportResult, DiffResult]:
    """``regwatch watch import``: read and validate the file (all or nothing), write it (and
    the import to the audit trail, by ``actor``), then match what is pending and re-screen
    stored history against the items it changed."""
    watchlist = read_watchlist(path, company)
    imported = import_watchlist(store, watchlist, add=add, actor=actor or default_actor())
    match_pending(store)
    return imported, rescreen(store, imported.changed_ids) if imported.changed_ids else DiffResult()


# -- reading and changing matches ---------------------------------------------------------------


@dataclass(frozen=True)
class MatchQuery:
    company: str | None = None
    status: str | None = None
    event_id: int | None = None
    match_id: int | None = None
    limit: int | None = None


def _match_select(query: MatchQuery) -> Any:
    stmt = (
        select(
            _MATCH,
            _COMPANY.c.name.label("company"),
            _ITEM.c.kind.label("item_kind"),
            _ITEM.c.value.label("item"),
            _EVENT.c.kind.label("event_kind"),
            _EVENT.c.title.label("event_title"),
            _EVENT.c.source.label("event_source"),
            _EVENT.c.list_code.label("event_list"),
            _EVENT.c.published_on.label("published_on"),
            _EVENT.c.effective_on.label("effective_on"),
            _EVENT.c.url.label("event_url"),
        )
        .join(_COMPANY, _COMPANY.c.id == _MATCH.c.company_id)
        .join(_ITEM, _ITEM.c.id == _MATCH.c.watch_item_id)
        .join(_EVENT, _EVENT.c.id == _MATCH.c.event_id)
    )
    conditions = []
    if query.company:
        conditions.append(_COMPANY.c.name == query.company)
    if query.status:
        conditions.append(_MATCH.c.status == query.status)
    if query.event_id is not None:
        conditions.append(_MATCH.c.event_id == query.event_id)
    if query.match_id is not None:
        conditions.append(_MATCH.c.id == query.match_id)
    stmt = stmt.where(and_(true(), *conditions)).order_by(_MATCH.c.id.desc())
    return stmt.limit(query.limit) if query.limit else stmt


def _record(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "company": row.company,
        "event_id": row.event_id,
        "event_kind": row.event_kind,
        "event_title": row.event_title,
        "source": row.event_source,
        "list": row.event_list,
        "published_on": row.published_on.isoformat() if row.published_on else None,
        "effective_on": row.effective_on.isoformat() if row.effective_on else None,
        "url": row.event_url,
        "watch_item_id": row.watch_item_id,
        "item_kind": row.item_kind,
        "item": row.item,
        "score": row.score,
        "tier": row.tier,
        "field": row.field,
        "reason": (row.explanation or {}).get("reason"),
        "explanation": row.explanation,
        "matcher_version": row.matcher_version,
        "status": row.status,
        "note": row.note,
        "status_changed_at": row.status_changed_at,
        "created_at": row.created_at,
    }


def list_matches(store: Store, query: MatchQuery | None = None) -> list[dict[str, Any]]:
    """Matches as records (newest first), with their company, item and event."""
    query = query or MatchQuery()
    if query.company:
        store.check_company(query.company)
    with store.read() as conn:
        return [_record(row) for row in conn.execute(_match_select(query))]


def event_matches(store: Store, event_id: int) -> list[dict[str, Any]]:
    return list_matches(store, MatchQuery(event_id=event_id))


def set_status(
    store: Store,
    match_id: int,
    status: str,
    note: str | None = None,
    *,
    actor: str | None = None,
) -> dict[str, Any]:
    """Acknowledge or dismiss (or reopen, ``new``) a match; returns the updated record.

    The decision is written to the audit trail with ``actor`` (default: the login name) in the
    same transaction.  Under four-eyes review a dismissal is a request until a second reviewer
    dismisses too (the record's ``status`` stays as it was, ``pending_dismissal`` says so).

    :raises InputError: no such match, or an unknown status
    :raises ReviewRefused: a reviewer approving their own four-eyes dismissal request
    """
    decisions = {status: decision for decision, status in DECISIONS.items()}
    if status not in decisions:
        raise InputError(f"unknown status {status!r}; expected one of {', '.join(STATUSES)}")
    with store.write() as conn:
        decided = decide(conn, match_id, decisions[status], actor or default_actor(), note)
    record = _one(store, match_id)
    record["decision"] = decided.action
    record["audit_id"] = decided.audit.id
    return record


def _one(store: Store, match_id: int) -> dict[str, Any]:
    with store.read() as conn:
        row = conn.execute(_match_select(MatchQuery()).where(_MATCH.c.id == match_id)).one()
    return _record(row)


def pending_count(store: Store) -> int:
    with store.read() as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(_EVENT)
                .outerjoin(_MATCHED, _MATCHED.c.event_id == _EVENT.c.id)
                .where(_MATCHED.c.event_id.is_(None))
            ).scalar_one()
        )
