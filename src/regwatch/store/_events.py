"""Storing events: decide purely what is new, revised or unchanged, then write it in one go.

Like lemon24/reader's update pipeline, :func:`plan_events` computes *intents* from the parsed
events and the current heads without touching the database; :func:`apply_intents` then writes
them inside the caller's transaction.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from ..model import (
    ChangeEvent,
    Entity,
    EventKind,
    Payload,
    StoredEvent,
    canonical_json,
    content_hash,
    diff_fields,
)
from ._query import order_key
from ._search import fts_columns
from .tables import EVENT, EVENT_HEAD, PAYLOAD

__all__ = [
    "ApplyResult",
    "EventIntent",
    "Head",
    "apply_intents",
    "latest_versions",
    "load_heads",
    "plan_events",
    "revised_heads",
    "row_to_event",
    "row_to_stored",
]

_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Head:
    """The latest stored revision of one key."""

    key: str
    event_id: int
    revision: int
    content_hash: str
    provisional: bool


@dataclass(frozen=True, slots=True)
class EventIntent:
    """One event row to write: a new event (``revision == 1``) or a revision of a head."""

    event: ChangeEvent
    content_hash: str
    revision: int
    previous_id: int | None
    #: index of the payload (in the batch) the event came from, or ``None``
    payload_index: int | None
    changes: Mapping[str, Any] | None


@dataclass
class ApplyResult:
    new_ids: list[int]
    revised_ids: list[int]
    unchanged: int

    @property
    def stored_ids(self) -> list[int]:
        return self.new_ids + self.revised_ids


Latest = dict[str, tuple[int | None, ChangeEvent, str]]


def latest_versions(items: Iterable[tuple[int | None, ChangeEvent]]) -> tuple[Latest, int]:
    """The version of each key a batch stores, with its content hash; and the item count.

    Within one batch the last event of a key wins, except that a provisional event never
    replaces a final one.
    """
    latest: Latest = {}
    seen = 0
    for index, event in items:
        seen += 1
        current = latest.get(event.key)
        if current and event.provisional and not current[1].provisional:
            continue
        latest[event.key] = (index, event, content_hash(event))
    return latest, seen


def revised_heads(latest: Latest, heads: Mapping[str, Head]) -> list[int]:
    """Event ids of the heads that ``latest`` will revise (their content is needed for diffs)."""
    return [
        head.event_id
        for key, (_, event, digest) in latest.items()
        if (head := heads.get(key)) is not None and _revises(head, event, digest)
    ]


def _revises(head: Head, event: ChangeEvent, digest: str) -> bool:
    # An unchanged hash is a no-op, and a provisional event never revises a final head.
    return head.content_hash != digest and not (event.provisional and not head.provisional)


def plan_events(
    latest: Latest, seen: int, heads: Mapping[str, Head], previous: Mapping[int, ChangeEvent]
) -> tuple[list[EventIntent], int]:
    """Intents for the ``latest`` versions of a batch against the current ``heads``.

    :param previous: the head events that are being revised, by event id, so that a revision
        can say which fields changed.
    :returns: the intents, and how many of the batch's ``seen`` events were unchanged.
    """
    intents = []
    for key, (index, event, digest) in latest.items():
        head = heads.get(key)
        if head is None:
            intents.append(EventIntent(event, digest, 1, None, index, event.changes))
            continue
        if not _revises(head, event, digest):
            continue
        changes = event.changes
        if changes is None and head.event_id in previous:
            changes = diff_fields(previous[head.event_id].hashed_fields(), event.hashed_fields())
        intents.append(EventIntent(event, digest, head.revision + 1, head.event_id, index, changes))
    return intents, seen - len(intents)


def load_heads(conn: Connection, keys: Sequence[str]) -> dict[str, Head]:
    heads: dict[str, Head] = {}
    unique = list(dict.fromkeys(keys))
    table = EVENT_HEAD
    for start in range(0, len(unique), _CHUNK):
        chunk = unique[start : start + _CHUNK]
        rows = conn.execute(select(table).where(table.c.key.in_(chunk)))
        for row in rows:
            heads[row.key] = Head(
                row.key, row.event_id, row.revision, row.content_hash, bool(row.provisional)
            )
    return heads


def load_events(conn: Connection, ids: Iterable[int]) -> dict[int, ChangeEvent]:
    table = EVENT
    out: dict[int, ChangeEvent] = {}
    wanted = list(ids)
    for start in range(0, len(wanted), _CHUNK):
        rows = conn.execute(select(table).where(table.c.id.in_(wanted[start : start + _CHUNK])))
        for row in rows:
            out[row.id] = row_to_event(row)
    return out


def insert_payloads(
    conn: Connection,
    source: str,
    payloads: Sequence[Payload],
    keep_body: Sequence[bool],
    fetch_run_id: int | None,
    now: datetime,
) -> list[int]:
    """Provenance rows for ``payloads``; a body is kept only where ``keep_body`` says so."""
    if not payloads:
        return []
    table = PAYLOAD
    rows = [
        {
            "source": source,
            "url": p.url,
            "role": p.role,
            "sha256": p.sha256,
            "size": len(p.body),
            "status": p.status,
            "content_type": p.content_type,
            "etag": p.etag,
            "last_modified": p.last_modified,
            "fetched_at": p.fetched_at or now,
            "fetch_run_id": fetch_run_id,
            "body": zlib.compress(p.body, 6) if keep else None,
        }
        for p, keep in zip(payloads, keep_body, strict=True)
    ]
    result = conn.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
    return [row.id for row in result]


def apply_intents(
    conn: Connection,
    intents: Sequence[EventIntent],
    payload_ids: Sequence[int],
    detected_at: datetime,
) -> ApplyResult:
    """Write ``intents`` (event rows, heads, search index) in the caller's transaction."""
    if not intents:
        return ApplyResult([], [], 0)
    events = EVENT
    heads = EVENT_HEAD
    rows = [_event_values(i, payload_ids, detected_at) for i in intents]
    result = conn.execute(insert(events).returning(events.c.id, sort_by_parameter_order=True), rows)
    ids = [row.id for row in result]
    new_heads, moved_heads = [], []
    new_ids, revised_ids = [], []
    for intent, event_id in zip(intents, ids, strict=True):
        head = {
            "key": intent.event.key,
            "event_id": event_id,
            "revision": intent.revision,
            "content_hash": intent.content_hash,
            "provisional": intent.event.provisional,
        }
        if intent.revision == 1:
            new_heads.append(head)
            new_ids.append(event_id)
        else:
            moved_heads.append(head)
            revised_ids.append(event_id)
    if new_heads:
        conn.execute(insert(heads), new_heads)
    for head in moved_heads:
        conn.execute(update(heads).where(heads.c.key == head["key"]).values(**head))
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(
            "INSERT INTO event_fts (rowid, words, cjk2, cjk1) VALUES (?, ?, ?, ?)",
            [
                (order_key(row["event_on"], event_id), *fts_columns(_searchable(i.event)))
                for i, row, event_id in zip(intents, rows, ids, strict=True)
            ],
        )
    return ApplyResult(new_ids, revised_ids, 0)


def _searchable(event: ChangeEvent) -> list[str | None]:
    parts: list[str | None] = [
        event.title,
        event.summary,
        event.document_number,
        event.citation,
        event.list_code,
        event.country,
    ]
    if event.entity:
        parts += [event.entity.name, *event.entity.aliases, *event.entity.addresses]
    action = event.data.get("action")
    if isinstance(action, str):
        parts.append(action)
    return parts


def _event_values(
    intent: EventIntent, payload_ids: Sequence[int], detected_at: datetime
) -> dict[str, Any]:
    e = intent.event
    fields = e.hashed_fields()
    return {
        "key": e.key,
        "revision": intent.revision,
        "source": e.source,
        "kind": str(e.kind),
        "content_hash": intent.content_hash,
        "provisional": e.provisional,
        "title": e.title,
        "summary": e.summary,
        "url": e.url,
        "published_on": e.published_on,
        "effective_on": e.effective_on,
        "document_number": e.document_number,
        "citation": e.citation,
        "list_code": e.list_code,
        "country": e.country,
        "entity": fields["entity"],
        "changes": _plain(intent.changes),
        "related_key": e.related_key,
        "data": _plain(e.data) or {},
        "previous_id": intent.previous_id,
        "payload_id": payload_ids[intent.payload_index]
        if intent.payload_index is not None
        else None,
        "detected_at": detected_at,
        "event_on": e.published_on or detected_at.date(),
    }


def _plain(value: Any) -> Any:
    """JSON-ready copies (dates as ISO strings, tuples as lists)."""
    return None if value is None else json.loads(canonical_json(value))


def row_to_event(row: Any, data: Mapping[str, Any] | None = None) -> ChangeEvent:
    """The event of an ``event`` row; ``data`` stands in for a row selected without it."""
    return ChangeEvent(
        source=row.source,
        kind=EventKind(row.kind),
        key=row.key,
        title=row.title,
        summary=row.summary,
        url=row.url,
        published_on=row.published_on,
        effective_on=row.effective_on,
        document_number=row.document_number,
        citation=row.citation,
        list_code=row.list_code,
        country=row.country,
        entity=Entity.from_json(row.entity) if row.entity else None,
        changes=row.changes,
        related_key=row.related_key,
        data=(row.data or {}) if data is None else data,
        provisional=bool(row.provisional),
    )


def row_to_stored(row: Any, data: Mapping[str, Any] | None = None) -> StoredEvent:
    return StoredEvent(
        id=row.id,
        event=row_to_event(row, data),
        content_hash=row.content_hash,
        revision=row.revision,
        previous_id=row.previous_id,
        detected_at=row.detected_at,
        payload_id=row.payload_id,
    )
