"""The reads behind ``regwatch serve``: pages of events and matches, companies, feeds.

Pages are keyset pages ("after this row"), not offsets: an event or match inserted while a
client pages through never shifts the rows still to come, so none is skipped or repeated.
Every function runs in the caller's transaction and returns plain records.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, select

from ..events import StoredEvent
from ._events import row_to_stored
from ._matches import MatchRecord, MatchSelection, match_records
from ._query import EventCursor, EventQuery, build_select
from .tables import COMPANY, EVENT, MATCH, PAYLOAD, WATCH_ITEM

__all__ = [
    "EventCursor",
    "MatchSelection",
    "companies",
    "events_page",
    "matches_page",
    "payload_info",
    "watch_items",
]

_EVENT = EVENT
_MATCH = MATCH
_ITEM = WATCH_ITEM
_COMPANY = COMPANY
_PAYLOAD = PAYLOAD


def events_page(
    conn: Connection, query: EventQuery, after: EventCursor | None, limit: int
) -> tuple[list[StoredEvent], EventCursor | None]:
    """Up to ``limit`` events of ``query`` after ``after``, and the cursor of the next page
    (``None`` on the last page)."""
    stmt = build_select(replace(query, limit=None), conn.dialect.name, after)
    rows = list(conn.execute(stmt.limit(limit + 1)))
    events = [row_to_stored(r) for r in rows[:limit]]
    more = len(rows) > limit
    last = rows[limit - 1] if more else None
    return events, EventCursor(last.event_on, last.id) if last is not None else None


def _match_record(row: MatchRecord) -> dict[str, Any]:
    explanation = row.explanation or {}
    return {
        "id": row.id,
        "company": row.company,
        "company_id": row.company_id,
        "status": row.status,
        "note": row.note,
        "status_changed_at": row.status_changed_at,
        "tier": row.tier,
        "score": row.score,
        # decided by the digest's rules from the watch item, the event and the tier: the web
        # layer fills it in (the store does not know the rules)
        "severity": None,
        "field": row.field,
        "reason": explanation.get("reason") or explanation.get("summary"),
        "explanation": explanation,
        "matcher_version": row.matcher_version,
        "watch_item": {
            "id": row.watch_item_id,
            "kind": row.item_kind,
            "value": row.item,
            # the level the watch list fixes for this item's matches, if it does
            "severity": row.item_severity,
        },
        "event": {
            "id": row.event_id,
            "key": row.event_key,
            "revision": row.event_revision,
            "kind": row.event_kind,
            "title": row.event_title,
            "source": row.event_source,
            "list": row.event_list,
            "country": row.event_country,
            "published_on": row.published_on,
            "event_on": row.event_on,
            "detected_at": row.detected_at,
            "url": row.event_url,
            "entity_name": (row.event_entity or {}).get("name"),
        },
        "dismissal_requested_by": row.dismissal_requested_by,
        "created_at": row.created_at,
    }


def matches_page(
    conn: Connection, selection: MatchSelection
) -> tuple[list[dict[str, Any]], int | None]:
    """A page of matches (newest first, at most ``selection.limit``) and the id to pass as
    ``before_id`` for the next page (``None`` on the last)."""
    limit = selection.limit
    rows = match_records(conn, replace(selection, limit=None if limit is None else limit + 1))
    if limit is None:
        return [_match_record(r) for r in rows], None
    more = len(rows) > limit
    return [_match_record(r) for r in rows[:limit]], rows[limit - 1].id if more else None


def companies(conn: Connection, ids: tuple[int, ...] | None = None) -> list[dict[str, Any]]:
    """Companies (all, or those of ``ids``) with how many watch items and open matches."""
    stmt = select(_COMPANY).order_by(_COMPANY.c.name)
    if ids is not None:
        stmt = stmt.where(_COMPANY.c.id.in_(ids))
    out = []
    for row in conn.execute(stmt):
        items = conn.execute(
            select(_ITEM.c.id).where(_ITEM.c.company_id == row.id, _ITEM.c.active.is_(True))
        ).all()
        open_matches = conn.execute(
            select(_MATCH.c.id).where(_MATCH.c.company_id == row.id, _MATCH.c.status == "new")
        ).all()
        out.append(
            {
                "id": row.id,
                "name": row.name,
                "watch_items": len(items),
                "open_matches": len(open_matches),
                "updated_at": row.updated_at,
            }
        )
    return out


def watch_items(conn: Connection, company_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(_ITEM).where(_ITEM.c.company_id == company_id).order_by(_ITEM.c.kind, _ITEM.c.id)
    )
    return [
        {
            "id": r.id,
            "kind": r.kind,
            "value": r.value,
            "spec": {k: v for k, v in (r.spec or {}).items() if k != "file"},
            "file": (r.spec or {}).get("file"),
            "active": bool(r.active),
            "updated_at": r.updated_at,
        }
        for r in rows
    ]


def payload_info(conn: Connection, payload_id: int) -> dict[str, Any] | None:
    """Provenance of a payload: URL, role, fetch time, SHA-256, size (not the body)."""
    row = conn.execute(
        select(
            _PAYLOAD.c.id,
            _PAYLOAD.c.source,
            _PAYLOAD.c.url,
            _PAYLOAD.c.role,
            _PAYLOAD.c.sha256,
            _PAYLOAD.c.size,
            _PAYLOAD.c.status,
            _PAYLOAD.c.content_type,
            _PAYLOAD.c.fetched_at,
        ).where(_PAYLOAD.c.id == payload_id)
    ).first()
    return dict(row._mapping) if row else None


def events_by_ids(conn: Connection, ids: list[int]) -> dict[int, StoredEvent]:
    if not ids:
        return {}
    return {
        r.id: row_to_stored(r) for r in conn.execute(select(_EVENT).where(_EVENT.c.id.in_(ids)))
    }


def revisions(conn: Connection, key: str) -> list[StoredEvent]:
    """Every stored version of ``key``, oldest first."""
    rows = conn.execute(select(_EVENT).where(_EVENT.c.key == key).order_by(_EVENT.c.revision))
    return [row_to_stored(r) for r in rows]
