"""Reading what digests are made of: recipients, their undelivered matches, the events.

"Undelivered" means: not carried by any delivery for that recipient yet (whatever its status: a
failed delivery is retried as it was written, never rebuilt).  A match belongs in a recipient's
digest when it is not dismissed, its watch item is active, its tier is at least the recipient's
``min_tier``, and its event's source is among the recipient's ``sources`` (all when null).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, exists, select

from ..events import StoredEvent
from ..exceptions import ConfigError
from ..store._events import row_to_stored
from ..store.tables import (
    COMPANY,
    DELIVERY_MATCH,
    EVENT,
    EVENT_HEAD,
    MATCH,
    RECIPIENT,
    WATCH_ITEM,
)
from ._model import Reason, RecipientInfo
from ._severity import Severity, parse_override, severity_of

__all__ = [
    "Candidate",
    "candidates",
    "company_candidates",
    "find_company",
    "load_matches",
    "recipients",
]

_CHUNK = 500

company_t = COMPANY
recipient_t = RECIPIENT
match_t = MATCH
watch_t = WATCH_ITEM
event_t = EVENT
dm_t = DELIVERY_MATCH


def _chunks(values: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def find_company(conn: Connection, name: str) -> tuple[int, str]:
    """``(id, name)`` of the company called ``name``.

    :raises ConfigError: no such company (the known ones are listed).
    """
    row = conn.execute(
        select(company_t.c.id, company_t.c.name).where(company_t.c.name == name)
    ).first()
    if row is None:
        known = [r.name for r in conn.execute(select(company_t.c.name).order_by(company_t.c.name))]
        listed = (
            ", ".join(repr(k) for k in known) if known else "none (run `regwatch watch import`)"
        )
        raise ConfigError(f"no company named {name!r}; known companies: {listed}")
    return int(row.id), str(row.name)


def recipients(
    conn: Connection, *, company_id: int | None = None, email: str | None = None
) -> list[RecipientInfo]:
    """Active recipients (of one company, or of all), in a stable order."""
    stmt = (
        select(recipient_t, company_t.c.name.label("company_name"))
        .join(company_t, company_t.c.id == recipient_t.c.company_id)
        .where(recipient_t.c.active.is_(True), recipient_t.c.unsubscribed_at.is_(None))
        .order_by(company_t.c.name, recipient_t.c.email, recipient_t.c.id)
    )
    if company_id is not None:
        stmt = stmt.where(recipient_t.c.company_id == company_id)
    if email is not None:
        stmt = stmt.where(recipient_t.c.email == email)
    return [
        RecipientInfo(
            id=r.id,
            company_id=r.company_id,
            company=r.company_name,
            email=r.email,
            cadence=r.cadence,
            at=r.at,
            timezone=r.timezone,
            weekday=r.weekday,
            min_tier=r.min_tier,
            sources=tuple(r.sources) if r.sources is not None else None,
            info=r.info,
            channel=r.channel,
            target=r.target,
            options=dict(r.options or {}),
            unsubscribe_token=r.unsubscribe_token,
        )
        for r in conn.execute(stmt)
    ]


@dataclass(frozen=True, slots=True)
class Candidate:
    """An open match of a recipient's company, with what eligibility is decided on."""

    match_id: int
    tier: str
    source: str
    created_at: datetime


def _open_matches() -> Any:
    return (
        select(
            match_t.c.id,
            match_t.c.company_id,
            match_t.c.tier,
            match_t.c.created_at,
            event_t.c.source,
            event_t.c.kind.label("event_kind"),
            watch_t.c.kind.label("watch_kind"),
            watch_t.c.spec["severity"].as_string().label("severity_override"),
        )
        .join(watch_t, watch_t.c.id == match_t.c.watch_item_id)
        .join(event_t, event_t.c.id == match_t.c.event_id)
        .where(match_t.c.status != "dismissed", watch_t.c.active.is_(True))
    )


def candidates(conn: Connection, people: Sequence[RecipientInfo]) -> dict[int, list[Candidate]]:
    """For each recipient, the matches that no delivery for them carries yet and that their
    tier and source settings accept, oldest first."""
    out: dict[int, list[Candidate]] = {}
    by_company: dict[int, list[RecipientInfo]] = {}
    for person in people:
        assert person.id is not None
        out[person.id] = []
        by_company.setdefault(person.company_id, []).append(person)
    if not people:
        return out
    stmt = (
        _open_matches()
        .add_columns(recipient_t.c.id.label("recipient_id"))
        .join(recipient_t, recipient_t.c.company_id == match_t.c.company_id)
        .where(
            recipient_t.c.id.in_([p.id for p in people]),
            ~exists().where(
                and_(dm_t.c.recipient_id == recipient_t.c.id, dm_t.c.match_id == match_t.c.id)
            ),
        )
        .order_by(match_t.c.id)
    )
    info = {p.id: p for p in people}
    for row in conn.execute(stmt):
        person = info[row.recipient_id]
        # the level only matters to a recipient who leaves info items out
        level = _severity(row) if person.info == "omit" else None
        if person.accepts(row.tier, row.source, level):
            out[row.recipient_id].append(_candidate(row))
    return out


def _severity(row: Any) -> Severity:
    override = parse_override({"severity": row.severity_override})
    return severity_of(row.watch_kind, row.event_kind, row.tier, override)


def _candidate(row: Any) -> Candidate:
    return Candidate(row.id, row.tier, row.source, row.created_at)


def company_candidates(conn: Connection, company_id: int) -> list[Candidate]:
    """A company's open matches that no delivery to any of its recipients carries yet."""
    stmt = (
        _open_matches()
        .where(
            match_t.c.company_id == company_id,
            ~exists().where(dm_t.c.match_id == match_t.c.id),
        )
        .order_by(match_t.c.id)
    )
    return [_candidate(r) for r in conn.execute(stmt)]


def load_matches(
    conn: Connection, match_ids: Iterable[int]
) -> dict[int, tuple[Reason, StoredEvent]]:
    """The matches with their watch items and events, by match id.

    The events carry what a digest shows; of their source-specific ``data`` only
    :data:`SHOWN_DATA` is read (a Federal Register document's ``data`` can be kilobytes of
    amendatory instructions, and a digest may list tens of thousands of events).
    """
    ids = sorted(set(match_ids))
    reasons: dict[int, Reason] = {}
    event_of: dict[int, int] = {}
    for chunk in _chunks(ids):
        stmt = (
            select(
                match_t.c.id,
                match_t.c.event_id,
                match_t.c.watch_item_id,
                watch_t.c.kind,
                watch_t.c.value,
                match_t.c.field,
                match_t.c.score,
                match_t.c.tier,
                match_t.c.status,
                match_t.c.explanation,
            )
            .join(watch_t, watch_t.c.id == match_t.c.watch_item_id)
            .where(match_t.c.id.in_(chunk))
        )
        for mid, eid, wid, kind, value, field, score, tier, status, why in conn.execute(stmt):
            explanation = why if isinstance(why, dict) else {}
            reasons[mid] = Reason(
                mid, wid, kind, value, field, float(score), tier, status, explanation
            )
            event_of[mid] = eid
    # a watch item's spec once per item, not once per match (a company's few items match
    # thousands of events)
    specs: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(sorted({r.watch_item_id for r in reasons.values()})):
        for wid, spec in conn.execute(
            select(watch_t.c.id, watch_t.c.spec).where(watch_t.c.id.in_(chunk))
        ):
            specs[wid] = spec or {}
    reasons = {
        mid: dataclasses.replace(r, spec=specs.get(r.watch_item_id, {}))
        if specs.get(r.watch_item_id)
        else r
        for mid, r in reasons.items()
    }
    events: dict[int, StoredEvent] = {}
    standing: dict[str, str] | None = None
    for chunk in _chunks(sorted(set(event_of.values()))):
        for row in conn.execute(select(*_EVENT_COLUMNS).where(event_t.c.id.in_(chunk))):
            if row.entity_key and standing is None:
                standing = _listing_views(conn)
            events[row.id] = _stored(row, standing or {})
    return {mid: (reasons[mid], events[event_of[mid]]) for mid in ids if mid in reasons}


#: the keys of an event's ``data`` a digest shows: the govinfo PDF link, the document type
#: ("Rule", "Notice"), and the English title a Japanese source gives
SHOWN_DATA = ("pdf_url", "type", "title_en")

_EVENT_COLUMNS = [
    *(c for c in event_t.c if c.name != "data"),
    *(event_t.c.data[key].as_string().label(f"data_{key}") for key in SHOWN_DATA),
    event_t.c.data["entity_key"].as_string().label("entity_key"),
    event_t.c.data["extraction"].label("extraction"),
]


def _listing_views(conn: Connection) -> dict[str, str]:
    """Where each listing with an open reconciliation finding stands in the rule, the eCFR and
    the CSL (``in the eCFR since …; not yet in the CSL (as of …)``), by entity key."""
    head_t = EVENT_HEAD
    rows = conn.execute(
        select(
            event_t.c.kind,
            event_t.c.data["listing"].as_string(),
            event_t.c.data["status"].as_string(),
        )
        .join(head_t, head_t.c.event_id == event_t.c.id)
        .where(event_t.c.source == "reconcile")
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
