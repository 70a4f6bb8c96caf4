"""Matches in SQL: the differ's reads and writes, and the one record of a match every reader gets.

The differ (:mod:`regwatch.matching`) decides what matches and which status a match carries
over; this module only reads and writes what it decided, in the caller's transaction.
:func:`match_records` is the single query behind every view of a match (``regwatch matches``,
the HTTP API and review page, the evidence a review decision records): each renders the same
:class:`MatchRecord`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Select, func, select, true, tuple_

from ..model import StoredEvent
from ._engine import upsert_insert
from ._events import row_to_stored
from .tables import (
    COMPANY,
    DISMISSAL_REQUEST,
    EVENT,
    EVENT_HEAD,
    LISTED_ENTITY,
    MATCH,
    MATCHED_EVENT,
    PAYLOAD,
)
from .tables import WATCH_ITEM as ITEM

__all__ = [
    "EarlierMatch",
    "MatchRecord",
    "MatchSelection",
    "NewMatch",
    "history_event_ids",
    "insert_matches",
    "mark_matched",
    "match_records",
    "matched_pairs",
    "newest_earlier_matches",
    "pending_count",
    "pending_events",
    "settled_floor",
]


@dataclass(frozen=True, slots=True)
class NewMatch:
    """A match to store, as the differ decided it (status carried over or ``new``)."""

    event_id: int
    company_id: int
    watch_item_id: int
    score: float
    tier: str
    field: str
    explanation: dict[str, Any]
    matcher_version: str
    status: str = "new"
    note: str | None = None
    status_changed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class EarlierMatch:
    """The match of the newest stored revision of an event key with one watch item."""

    revision: int
    status: str
    note: str | None
    status_changed_at: datetime | None
    explanation: dict[str, Any]


def _insert_ignore(
    conn: Connection, table: Any, rows: list[dict[str, Any]], keys: list[str]
) -> int:
    """Insert ``rows``, skipping those that would break the unique ``keys`` (idempotent)."""
    if not rows:
        return 0
    primary = next(iter(table.primary_key.columns))
    # RETURNING counts what was inserted on both backends (rowcount is -1 on PostgreSQL).
    stmt = upsert_insert(conn, table).on_conflict_do_nothing(index_elements=keys).returning(primary)
    return len(conn.execute(stmt, rows).all())


def insert_matches(conn: Connection, matches: Sequence[NewMatch], now: datetime) -> int:
    """Store ``matches``; one that exists already (same event and watch item) is left as it
    is.  Returns how many were new."""
    rows = [
        {
            "event_id": m.event_id,
            "company_id": m.company_id,
            "watch_item_id": m.watch_item_id,
            "score": m.score,
            "tier": m.tier,
            "field": m.field,
            "explanation": m.explanation,
            "matcher_version": m.matcher_version,
            "status": m.status,
            "note": m.note,
            "status_changed_at": m.status_changed_at,
            "created_at": now,
        }
        for m in matches
    ]
    return _insert_ignore(conn, MATCH, rows, ["event_id", "watch_item_id"])


def mark_matched(
    conn: Connection, event_ids: Iterable[int], matcher_version: str, now: datetime
) -> None:
    """Record that the events ``event_ids`` have been matched (by ``matcher_version``)."""
    rows = [
        {"event_id": eid, "matched_at": now, "matcher_version": matcher_version}
        for eid in event_ids
    ]
    _insert_ignore(conn, MATCHED_EVENT, rows, ["event_id"])


def newest_earlier_matches(
    conn: Connection, pairs: Iterable[tuple[int, int]]
) -> dict[tuple[str, int], EarlierMatch]:
    """``{(event key, watch item id): match}`` for pairs of (event id, watch item id): the
    match of the newest earlier revision of the event's key that matched the item."""
    wanted = sorted(set(pairs))
    current, item = EVENT.alias("current"), ITEM.alias("item")
    # Per pair, the key's revisions newest first until one matched the item: an entry that
    # flaps between two snapshots has ever more revisions, and a scan of all of them (or of
    # all their matches) made every cycle slower than the one before.
    newest = (
        select(MATCH.c.id)
        .join(EVENT, EVENT.c.id == MATCH.c.event_id)
        .where(
            EVENT.c.key == current.c.key,
            EVENT.c.revision < current.c.revision,
            MATCH.c.watch_item_id == item.c.id,
        )
        .order_by(EVENT.c.revision.desc())
        .limit(1)
        .correlate(current, item)
        .scalar_subquery()
    )
    found: list[int] = []
    for start in range(0, len(wanted), _PAIRS_PER_QUERY):
        chunk = wanted[start : start + _PAIRS_PER_QUERY]
        stmt = (
            select(newest)
            .select_from(current.join(item, true()))
            .where(
                current.c.id.in_({e for e, _ in chunk}),
                item.c.id.in_({i for _, i in chunk}),
                tuple_(current.c.id, item.c.id).in_(chunk),
            )
        )
        found += [i for i in conn.execute(stmt).scalars() if i is not None]
    if not found:
        return {}
    rows = conn.execute(
        select(
            EVENT.c.key,
            EVENT.c.revision,
            MATCH.c.watch_item_id,
            MATCH.c.status,
            MATCH.c.note,
            MATCH.c.status_changed_at,
            MATCH.c.explanation,
        )
        .join(EVENT, EVENT.c.id == MATCH.c.event_id)
        .where(MATCH.c.id.in_(found))
    )
    return {
        (row.key, row.watch_item_id): EarlierMatch(
            row.revision, row.status, row.note, row.status_changed_at, row.explanation or {}
        )
        for row in rows
    }


#: two bound values a pair, and the ids again: well under SQLite's 32,766 a statement
_PAIRS_PER_QUERY = 2000


def matched_pairs(conn: Connection, keys: Iterable[str]) -> set[tuple[str, int]]:
    """``(event key, watch item id)`` of every stored match of an event of ``keys``."""
    wanted = set(keys)
    if not wanted:
        return set()
    rows = conn.execute(
        select(EVENT.c.key, MATCH.c.watch_item_id)
        .join(EVENT, EVENT.c.id == MATCH.c.event_id)
        .where(EVENT.c.key.in_(wanted))
    )
    return {(row.key, row.watch_item_id) for row in rows}


def pending_events(conn: Connection, after: int, limit: int) -> list[StoredEvent]:
    """Up to ``limit`` events with an id above ``after`` not matched yet, oldest first."""
    stmt = (
        select(EVENT)
        .outerjoin(MATCHED_EVENT, MATCHED_EVENT.c.event_id == EVENT.c.id)
        .where(MATCHED_EVENT.c.event_id.is_(None), EVENT.c.id > after)
        .order_by(EVENT.c.id)
        .limit(limit)
    )
    return [row_to_stored(row) for row in conn.execute(stmt)]


def settled_floor(conn: Connection, start: int, below: int | None, settled: datetime) -> int:
    """The highest event id above ``start`` (and below ``below``) detected before ``settled``,
    or ``start`` when there is none.

    On SQLite every id is settled as soon as it is seen: writers are serialized, so an id is
    committed before a higher one is given out, and no lower id can appear later.  Only
    PostgreSQL, whose concurrent transactions commit ids out of order, needs the wait.
    """
    stmt = select(func.max(EVENT.c.id)).where(EVENT.c.id > start)
    if conn.dialect.name != "sqlite":
        stmt = stmt.where(EVENT.c.detected_at < settled)
    if below is not None:
        stmt = stmt.where(EVENT.c.id < below)
    newest = conn.execute(stmt).scalar()
    return max(start, int(newest)) if newest is not None else start


def pending_count(conn: Connection) -> int:
    """How many stored events have not been matched yet."""
    return int(
        conn.execute(
            select(func.count())
            .select_from(EVENT)
            .outerjoin(MATCHED_EVENT, MATCHED_EVENT.c.event_id == EVENT.c.id)
            .where(MATCHED_EVENT.c.event_id.is_(None))
        ).scalar_one()
    )


def history_event_ids(conn: Connection) -> list[int]:
    """The latest revision of every event, and the event of every entry now on a list."""
    heads = {row.event_id for row in conn.execute(select(EVENT_HEAD.c.event_id))}
    listed = {
        row.event_id
        for row in conn.execute(
            select(LISTED_ENTITY.c.event_id).where(LISTED_ENTITY.c.event_id.is_not(None))
        )
    }
    return sorted(heads | listed)


# -- the record of a match ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MatchRecord:
    """A stored match with its company, watch item, event, the event's payload and any
    dismissal request waiting for a second reviewer."""

    id: int
    company_id: int
    company: str
    watch_item_id: int
    item_kind: str
    item: str
    #: the level the watch list fixes for this item's matches, if it does
    item_severity: str | None
    score: float
    tier: str
    field: str
    explanation: dict[str, Any] | None
    matcher_version: str
    status: str
    note: str | None
    status_changed_at: datetime | None
    created_at: datetime
    event_id: int
    event_key: str
    event_revision: int
    event_kind: str
    event_title: str
    event_source: str
    event_list: str | None
    event_country: str | None
    event_url: str | None
    event_entity: dict[str, Any] | None
    event_content_hash: str
    published_on: date | None
    effective_on: date | None
    event_on: date | None
    detected_at: datetime
    payload_id: int | None
    payload_sha256: str | None
    payload_url: str | None
    dismissal_requested_by: str | None
    dismissal_request_note: str | None


@dataclass(frozen=True)
class MatchSelection:
    """Which matches :func:`match_records` returns; a field left at its default does not filter."""

    company: str | None = None
    company_ids: tuple[int, ...] | None = None
    statuses: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    lists: tuple[str, ...] = ()
    event_id: int | None = None
    match_id: int | None = None
    #: only matches with an id below this one (the next page, newest first)
    before_id: int | None = None
    limit: int | None = None


_REQUEST = DISMISSAL_REQUEST


def _select(selection: MatchSelection) -> Select[Any]:
    stmt = (
        select(
            MATCH,
            COMPANY.c.name.label("company"),
            ITEM.c.kind.label("item_kind"),
            ITEM.c.value.label("item"),
            ITEM.c.spec["severity"].as_string().label("item_severity"),
            EVENT.c.key.label("event_key"),
            EVENT.c.revision.label("event_revision"),
            EVENT.c.kind.label("event_kind"),
            EVENT.c.title.label("event_title"),
            EVENT.c.source.label("event_source"),
            EVENT.c.list_code.label("event_list"),
            EVENT.c.country.label("event_country"),
            EVENT.c.url.label("event_url"),
            EVENT.c.entity.label("event_entity"),
            EVENT.c.content_hash.label("event_content_hash"),
            EVENT.c.published_on,
            EVENT.c.effective_on,
            EVENT.c.event_on,
            EVENT.c.detected_at,
            EVENT.c.payload_id,
            PAYLOAD.c.sha256.label("payload_sha256"),
            PAYLOAD.c.url.label("payload_url"),
            _REQUEST.c.requested_by.label("dismissal_requested_by"),
            _REQUEST.c.note.label("dismissal_request_note"),
        )
        .join(COMPANY, COMPANY.c.id == MATCH.c.company_id)
        .join(ITEM, ITEM.c.id == MATCH.c.watch_item_id)
        .join(EVENT, EVENT.c.id == MATCH.c.event_id)
        .outerjoin(PAYLOAD, PAYLOAD.c.id == EVENT.c.payload_id)
        .outerjoin(_REQUEST, _REQUEST.c.match_id == MATCH.c.id)
    )
    s = selection
    if s.company is not None:
        stmt = stmt.where(COMPANY.c.name == s.company)
    if s.company_ids is not None:
        stmt = stmt.where(MATCH.c.company_id.in_(s.company_ids))
    if s.statuses:
        stmt = stmt.where(MATCH.c.status.in_(s.statuses))
    if s.tiers:
        stmt = stmt.where(MATCH.c.tier.in_(s.tiers))
    if s.lists:
        stmt = stmt.where(EVENT.c.list_code.in_(s.lists))
    if s.event_id is not None:
        stmt = stmt.where(MATCH.c.event_id == s.event_id)
    if s.match_id is not None:
        stmt = stmt.where(MATCH.c.id == s.match_id)
    if s.before_id is not None:
        stmt = stmt.where(MATCH.c.id < s.before_id)
    stmt = stmt.order_by(MATCH.c.id.desc())
    return stmt.limit(s.limit) if s.limit is not None else stmt


def _record(row: Any) -> MatchRecord:
    values: Mapping[str, Any] = row._mapping
    return MatchRecord(
        **{name: values[name] for name in MatchRecord.__dataclass_fields__},
    )


def match_records(conn: Connection, selection: MatchSelection | None = None) -> list[MatchRecord]:
    """The matches of ``selection``, newest first."""
    return [_record(row) for row in conn.execute(_select(selection or MatchSelection()))]
