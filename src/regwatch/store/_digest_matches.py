"""What digests are made of, as the store holds it: the open matches not delivered yet, and the
matches with their watch items and events.

An open match is one that is not dismissed and whose watch item is active.  "Not delivered"
means: carried by no delivery for that recipient yet (whatever its status: a failed delivery is
retried as it was written, never rebuilt).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, and_, exists, select

from ..events import StoredEvent
from ._events import row_to_stored
from .tables import DELIVERY_MATCH, EVENT, EVENT_HEAD, MATCH, RECIPIENT, WATCH_ITEM

__all__ = [
    "SHOWN_DATA",
    "MatchRow",
    "OpenMatch",
    "company_open_matches",
    "digest_matches",
    "open_matches",
]

_CHUNK = 500


class OpenMatch(NamedTuple):
    """An open match, with what a recipient's settings decide on."""

    match_id: int
    company_id: int
    tier: str
    created_at: datetime
    source: str
    event_kind: str
    watch_kind: str
    #: the watch item's own ``severity`` (unchecked text), if it sets one
    severity_override: str | None
    #: the recipient it is open for (``None`` from :func:`company_open_matches`)
    recipient_id: int | None = None


class MatchRow(NamedTuple):
    """A match with its watch item: which item an event touched, where, how strongly, why."""

    match_id: int
    event_id: int
    watch_item_id: int
    watch_kind: str
    watch_value: str
    field: str
    score: float
    tier: str
    status: str
    explanation: Mapping[str, Any]
    #: the watch item's definition (aliases, country, ``role``, ``severity``, …)
    spec: Mapping[str, Any]


def _chunks(values: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _open_matches() -> Any:
    return (
        select(
            MATCH.c.id,
            MATCH.c.company_id,
            MATCH.c.tier,
            MATCH.c.created_at,
            EVENT.c.source,
            EVENT.c.kind.label("event_kind"),
            WATCH_ITEM.c.kind.label("watch_kind"),
            WATCH_ITEM.c.spec["severity"].as_string().label("severity_override"),
        )
        .join(WATCH_ITEM, WATCH_ITEM.c.id == MATCH.c.watch_item_id)
        .join(EVENT, EVENT.c.id == MATCH.c.event_id)
        .where(MATCH.c.status != "dismissed", WATCH_ITEM.c.active.is_(True))
    )


def open_matches(conn: Connection, recipient_ids: Sequence[int]) -> list[OpenMatch]:
    """The open matches of these recipients' companies that no delivery for the recipient
    carries yet, oldest first (one row per recipient and match)."""
    if not recipient_ids:
        return []
    stmt = (
        _open_matches()
        .add_columns(RECIPIENT.c.id.label("recipient_id"))
        .join(RECIPIENT, RECIPIENT.c.company_id == MATCH.c.company_id)
        .where(
            RECIPIENT.c.id.in_(recipient_ids),
            ~exists().where(
                and_(
                    DELIVERY_MATCH.c.recipient_id == RECIPIENT.c.id,
                    DELIVERY_MATCH.c.match_id == MATCH.c.id,
                )
            ),
        )
        .order_by(MATCH.c.id)
    )
    return [OpenMatch(*row) for row in conn.execute(stmt)]


def company_open_matches(conn: Connection, company_id: int) -> list[OpenMatch]:
    """A company's open matches that no delivery to any of its recipients carries yet."""
    stmt = (
        _open_matches()
        .where(
            MATCH.c.company_id == company_id,
            ~exists().where(DELIVERY_MATCH.c.match_id == MATCH.c.id),
        )
        .order_by(MATCH.c.id)
    )
    return [OpenMatch(*row) for row in conn.execute(stmt)]


#: the keys of an event's ``data`` a digest shows: the govinfo PDF link, the document type
#: ("Rule", "Notice"), and the English title a Japanese source gives
SHOWN_DATA = ("pdf_url", "type", "title_en")

_EVENT_COLUMNS = [
    *(c for c in EVENT.c if c.name != "data"),
    *(EVENT.c.data[key].as_string().label(f"data_{key}") for key in SHOWN_DATA),
    EVENT.c.data["entity_key"].as_string().label("entity_key"),
    EVENT.c.data["extraction"].label("extraction"),
]


def digest_matches(
    conn: Connection, match_ids: Iterable[int]
) -> tuple[dict[int, MatchRow], dict[int, StoredEvent]]:
    """The matches (by id) with their watch items, and their events (by event id).

    Of the events' source-specific ``data`` only :data:`SHOWN_DATA` is read (a Federal
    Register document's ``data`` can be kilobytes of amendatory instructions, and a run may
    read tens of thousands of events).
    """
    ids = sorted(set(match_ids))
    found: list[Any] = []
    for chunk in _chunks(ids):
        found.extend(
            conn.execute(
                select(
                    MATCH.c.id,
                    MATCH.c.event_id,
                    MATCH.c.watch_item_id,
                    WATCH_ITEM.c.kind,
                    WATCH_ITEM.c.value,
                    MATCH.c.field,
                    MATCH.c.score,
                    MATCH.c.tier,
                    MATCH.c.status,
                    MATCH.c.explanation,
                )
                .join(WATCH_ITEM, WATCH_ITEM.c.id == MATCH.c.watch_item_id)
                .where(MATCH.c.id.in_(chunk))
            )
        )
    # a watch item's spec once per item, not once per match (a company's few items match
    # thousands of events)
    specs: dict[int, Mapping[str, Any]] = {}
    for chunk in _chunks(sorted({row.watch_item_id for row in found})):
        for wid, spec in conn.execute(
            select(WATCH_ITEM.c.id, WATCH_ITEM.c.spec).where(WATCH_ITEM.c.id.in_(chunk))
        ):
            specs[wid] = spec or {}
    matches = {
        mid: MatchRow(
            mid,
            eid,
            wid,
            kind,
            value,
            field,
            float(score),
            tier,
            status,
            why if isinstance(why, dict) else {},
            specs.get(wid, {}),
        )
        for mid, eid, wid, kind, value, field, score, tier, status, why in found
    }
    events: dict[int, StoredEvent] = {}
    standing: dict[str, str] | None = None
    for chunk in _chunks(sorted({m.event_id for m in matches.values()})):
        for row in conn.execute(select(*_EVENT_COLUMNS).where(EVENT.c.id.in_(chunk))):
            if row.entity_key and standing is None:
                standing = _listing_views(conn)
            events[row.id] = _stored(row, standing or {})
    return matches, events


def _listing_views(conn: Connection) -> dict[str, str]:
    """Where each listing with an open reconciliation finding stands in the rule, the eCFR and
    the CSL (``in the eCFR since …; not yet in the CSL (as of …)``), by entity key."""
    rows = conn.execute(
        select(
            EVENT.c.kind,
            EVENT.c.data["listing"].as_string(),
            EVENT.c.data["status"].as_string(),
        )
        .join(EVENT_HEAD, EVENT_HEAD.c.event_id == EVENT.c.id)
        .where(EVENT.c.source == "reconcile")
    )
    return {
        listing: status
        for kind, listing, status in rows
        if kind != "listing.resolved" and listing and status
    }


def _stored(row: Any, standing: dict[str, str]) -> StoredEvent:
    # selected without the (large) data column: the fields a digest shows, and for an entity
    # event where its listing stands in the three views when they disagree or lag
    data: dict[str, Any] = {key: getattr(row, f"data_{key}") for key in SHOWN_DATA}
    data = {k: v for k, v in data.items() if v}
    views = standing.get(row.entity_key) if row.entity_key else None
    if views:
        data["views"] = views
    if isinstance(row.extraction, dict):
        data["extraction"] = row.extraction
    return row_to_stored(row, data)
