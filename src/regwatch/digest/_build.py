"""Reading what digests are made of: recipients, their undelivered matches, the events.

"Undelivered" means: not carried by any delivery for that recipient yet (whatever its status: a
failed delivery is retried as it was written, never rebuilt).  A match belongs in a recipient's
digest when it is not dismissed, its watch item is active, its tier is at least the recipient's
``min_tier``, and its event's source is among the recipient's ``sources`` (all when null).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, exists, select

from ..events import StoredEvent
from ..exceptions import ConfigError
from ..store._events import row_to_stored
from ..store.tables import COMPANY, DELIVERY_MATCH, EVENT, MATCH, RECIPIENT, WATCH_ITEM
from ._model import Reason, RecipientInfo

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
        .where(recipient_t.c.active.is_(True))
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
        if person.accepts(row.tier, row.source):
            out[row.recipient_id].append(Candidate(row.id, row.tier, row.source, row.created_at))
    return out


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
    return [Candidate(r.id, r.tier, r.source, r.created_at) for r in conn.execute(stmt)]


def load_matches(
    conn: Connection, match_ids: Iterable[int]
) -> dict[int, tuple[Reason, StoredEvent]]:
    """The matches with their watch items and events, by match id.

    The events carry what a digest shows; of their source-specific ``data`` only ``pdf_url``
    is read (a Federal Register document's ``data`` can be kilobytes of amendatory
    instructions, and a digest may list tens of thousands of events).
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
    events: dict[int, StoredEvent] = {}
    for chunk in _chunks(sorted(set(event_of.values()))):
        for row in conn.execute(select(*_EVENT_COLUMNS).where(event_t.c.id.in_(chunk))):
            events[row.id] = _stored(row)
    return {mid: (reasons[mid], events[event_of[mid]]) for mid in ids if mid in reasons}


_EVENT_COLUMNS = [
    *(c for c in event_t.c if c.name != "data"),
    event_t.c.data["pdf_url"].as_string().label("pdf_url"),
]


def _stored(row: Any) -> StoredEvent:
    # selected without the (large) data column: a digest only shows the govinfo PDF link
    return row_to_stored(row, {"pdf_url": row.pdf_url} if row.pdf_url else {})
