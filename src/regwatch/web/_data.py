"""What the API and the page both read, scoped to the caller (one place, so they agree)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from ..config import Config
from ..digest._severity import Severity, item_severity, parse_override, severity_of
from ..health import SourceHealth, source_health
from ..sources import SOURCES
from ..store import Connection, Store
from ..store._api import EventCursor, MatchSelection, events_by_ids, payload_info
from ..store._api import matches_page as _matches_page
from ..store._api import revisions as _revisions
from ..store._query import order_key
from ..timeutil import utcnow
from ._security import Principal

__all__ = [
    "BadCursor",
    "decode_cursor",
    "encode_cursor",
    "event_detail",
    "health",
    "jsonable",
    "matches_page",
]


class BadCursor(ValueError):
    """A cursor this server did not hand out."""


def encode_cursor(cursor: EventCursor) -> str:
    raw = json.dumps([cursor.event_on.isoformat(), cursor.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(value: str) -> EventCursor:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        day, event_id = json.loads(raw)
        cursor = EventCursor(date.fromisoformat(day), int(event_id))
        order_key(cursor.event_on, cursor.id)  # an id no event can have is refused here
        return cursor
    except (binascii.Error, ValueError, TypeError) as exc:
        raise BadCursor("not a cursor from a previous page's next_cursor") from exc


def jsonable(value: Any) -> Any:
    """Dates and datetimes as ISO strings, recursively."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    return value


def jsonable_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """A record with its dates and datetimes as ISO strings, recursively."""
    return {key: jsonable(value) for key, value in record.items()}


def jsonable_records(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [jsonable_record(record) for record in records]


def matches_page(conn: Connection, flt: MatchSelection) -> tuple[list[dict[str, Any]], int | None]:
    """The store's page of matches, each with the severity a digest gives it (the same rules,
    so the page, the API and the mail agree)."""
    records, following = _matches_page(conn, flt)
    for record in records:
        override = parse_override({"severity": record["watch_item"]["severity"]})
        level = severity_of(
            record["watch_item"]["kind"], record["event"]["kind"], record["tier"], override
        )
        record["severity"] = level.value
    return records, following


def health(config: Config, store: Store) -> list[SourceHealth]:
    rows = store.source_state_rows()
    now = utcnow()
    return [
        source_health(name, config.sources[name], cls.default_every, rows.get(name), now)
        for name, cls in SOURCES.items()
        if cls.pollable
    ]


def event_detail(store: Store, principal: Principal, event_id: int) -> dict[str, Any] | None:
    """One event with its revisions, its provenance and the matches the caller may see."""
    with store.read() as conn:
        found = events_by_ids(conn, [event_id]).get(event_id)
        if found is None:
            return None
        record = found.to_json()
        record["provenance"] = (
            payload_info(conn, found.payload_id) if found.payload_id is not None else None
        )
        record["revisions"] = [r.to_json() for r in _revisions(conn, found.event.key)]
        record["matches"], _ = matches_page(
            conn, MatchSelection(company_ids=principal.company_ids, event_id=event_id)
        )
    # the event's level for this caller: the highest of the matches it may see (none: null)
    levels = [Severity(m["severity"]) for m in record["matches"]]
    record["severity"] = item_severity(levels).value if levels else None
    return jsonable_record(record)
