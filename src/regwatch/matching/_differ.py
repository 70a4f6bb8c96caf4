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

from ..alerts import confirms
from ..events import StoredEvent
from ..exceptions import InputError
from ..store import Connection, Store
from ..store._api import events_by_ids
from ..store._audit import default_actor
from ..store._matches import (
    MatchRecord,
    MatchSelection,
    NewMatch,
    history_event_ids,
    insert_matches,
    mark_matched,
    match_records,
    matched_pairs,
    newest_earlier_matches,
    pending_events,
    settled_floor,
)
from ..store._matches import pending_count as _pending_count
from ..store._review import DECISIONS, decide
from ..store._watchlists import active_items
from ..timeutil import utcnow
from ._engine import Found, WatchItemSpec, WatchMatcher
from ._names import MATCHER_VERSION
from ._watchlist import read_watchlist
from ._watchstore import ImportResult, import_watchlist, spec_of

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


def _load_items(conn: Connection, ids: Sequence[int] | None = None) -> list[WatchItemSpec]:
    return [spec_of(row) for row in active_items(conn, ids)]


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
    latest = newest_earlier_matches(conn, ((eid, f.watch_item_id) for eid, f in wanted))
    out = {}
    for eid, f in wanted:
        stored = events[eid]
        before = latest.get((stored.event.key, f.watch_item_id))
        if before is None or before.revision >= stored.revision or before.status == "new":
            continue
        if before.explanation.get("material") == f.material:
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
    already = matched_pairs(conn, confirmed.values())
    already |= {(events[eid].event.key, f.watch_item_id) for eid, f in found}
    return {
        (eid, f.watch_item_id)
        for eid, f in found
        if eid in confirmed and (confirmed[eid], f.watch_item_id) in already
    }


def _store_matches(
    conn: Connection, events: dict[int, StoredEvent], found: list[tuple[int, Found]]
) -> int:
    repeats = _confirmations(conn, events, found)
    found = [(eid, f) for eid, f in found if (eid, f.watch_item_id) not in repeats]
    carried = _carried_status(conn, events, found)
    matches = []
    for event_id, f in found:
        status, note, changed_at = carried.get((event_id, f.watch_item_id), ("new", None, None))
        explanation = {**f.explanation, "material": f.material}
        if status != "new":
            explanation["status_carried_over"] = True
        matches.append(
            NewMatch(
                event_id=event_id,
                company_id=f.company_id,
                watch_item_id=f.watch_item_id,
                score=f.score,
                tier=f.tier,
                field=f.field,
                explanation=explanation,
                matcher_version=MATCHER_VERSION,
                status=status,
                note=note,
                status_changed_at=changed_at,
            )
        )
    return insert_matches(conn, matches, utcnow())


@dataclass
class DiffResult:
    events: int = 0
    matches: int = 0


#: per database: every event at or below this id is matched, as far as this process knows.
#: Scanning from it keeps a long-running daemon's cycles from slowing down as events pile up
#: (the anti-join from id 0 grew with the event log).  It only moves past events detected more
#: than :data:`_SETTLED` ago on PostgreSQL, so that an event another process stored with a
#: lower id but committed after this process matched a higher one is still found (a batch's
#: write transaction, which sets ``detected_at`` as it starts, takes seconds, not a minute);
#: on SQLite writers are serialized and ids commit in order, so the store settles at once.
_FLOORS: dict[str, int] = {}
_SETTLED = timedelta(seconds=60)


def _floor_after(conn: Connection, events: Sequence[StoredEvent], start: int) -> int:
    """The new floor after a scan from ``start`` that found ``events`` (unmatched) first."""
    return settled_floor(conn, start, events[0].id if events else None, utcnow() - _SETTLED)


def match_pending(
    store: Store, matcher: WatchMatcher | None = None, *, batch: int = _BATCH
) -> DiffResult:
    """Match every stored event that has not been matched yet; returns how many of each."""
    result = DiffResult()
    after = floor = _FLOORS.get(store.url, 0)
    while True:
        with store.read() as conn:
            events = pending_events(conn, after, batch)
            if after == floor:
                _FLOORS[store.url] = _floor_after(conn, events, floor)
            if events and matcher is None:
                # Compiled only when there is work: a poll that stored nothing costs one query.
                matcher = WatchMatcher(_load_items(conn))
        if not events or matcher is None:
            return result
        after = events[-1].id
        found = match_events(matcher, events)
        now = utcnow()
        with store.write() as conn:
            result.matches += _store_matches(conn, {e.id: e for e in events}, found)
            mark_matched(conn, [e.id for e in events], MATCHER_VERSION, now)
        result.events += len(events)


def rescreen(store: Store, item_ids: Sequence[int] | None = None) -> DiffResult:
    """Match stored history against the watch items ``item_ids`` (every active item when
    ``None``).  Existing matches are kept as they are (a dismissed match stays dismissed)."""
    with store.read() as conn:
        items = _load_items(conn, item_ids)
        ids = history_event_ids(conn) if items else []
    result = DiffResult()
    if not items:
        return result
    matcher = WatchMatcher(items)
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start : start + _BATCH]
        with store.read() as conn:
            events = list(events_by_ids(conn, chunk).values())
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


def _selection(query: MatchQuery) -> MatchSelection:
    return MatchSelection(
        company=query.company or None,
        statuses=(query.status,) if query.status else (),
        event_id=query.event_id,
        match_id=query.match_id,
        limit=query.limit or None,
    )


def _record(row: MatchRecord) -> dict[str, Any]:
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
        return [_record(row) for row in match_records(conn, _selection(query))]


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
        (row,) = match_records(conn, MatchSelection(match_id=match_id))
    return _record(row)


def pending_count(store: Store) -> int:
    """How many stored events the differ has not matched yet."""
    with store.read() as conn:
        return _pending_count(conn)
