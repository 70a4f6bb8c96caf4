"""The outbox: one row per digest owed to a recipient, written before any SMTP call.

A ``delivery`` row is the durable record of a digest: which recipient, which cadence period,
which matches (``delivery_match``), and how sending it went.  It is inserted, with its matches,
in one transaction *before* the message is handed to the mail server, and marked ``sent`` only
after the server accepted it.  Two constraints make "nothing twice" hold across crashes, restarts
and concurrent runs: one delivery per ``(recipient, period)``, and one delivery per
``(recipient, match)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    Connection,
    Index,
    Table,
    UniqueConstraint,
    bindparam,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, SQLModel

from ._schema import UTCDateTime

__all__ = [
    "Delivery",
    "DeliveryMatch",
    "DeliveryRow",
    "DeliveryStatus",
    "NewDelivery",
    "claim_delivery",
    "delivered_periods",
    "deliveries",
    "delivery_links",
    "due_deliveries",
    "insert_deliveries",
    "mark_failed",
    "mark_sent",
    "waiting_deliveries",
]


class DeliveryStatus:
    """The states of a delivery (strings in the ``status`` column)."""

    #: written, not tried yet (or the process stopped while trying)
    PENDING = "pending"
    #: the last attempt failed; retried at ``next_attempt_at``
    FAILED = "failed"
    #: the mail server accepted it (or the ``.eml`` file was written, or the webhook answered
    #: 2xx)
    SENT = "sent"
    #: the receiver refused it for good (a webhook's 4xx that means "never"): not retried
    REJECTED = "rejected"
    #: a webhook still failing after its retry window (24 hours): not retried
    EXPIRED = "expired"
    #: the states that are tried again
    OPEN = (PENDING, FAILED)


class Delivery(SQLModel, table=True):
    """One digest for one recipient and one cadence period."""

    __tablename__ = "delivery"
    __table_args__ = (
        UniqueConstraint("recipient_id", "period", name="uq_delivery_recipient_period"),
        Index("ix_delivery_status_next", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    recipient_id: int = Field(foreign_key="recipient.id", index=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    #: the address the digest was (or will be) sent to, as it was when the row was written
    #: (for a webhook or chat channel, its URL without credentials)
    email: str
    #: ``email``, ``webhook`` or ``chat``
    channel: str = "email"
    #: ``daily:2026-11-28``, ``weekly:2026-11-30`` or ``immediate:<first match id>``
    period: str
    #: when the period's digest was due (UTC); matches created later wait for the next period
    scheduled_for: datetime = Field(sa_type=UTCDateTime)
    status: str = DeliveryStatus.PENDING
    attempts: int = 0
    last_error: str | None = None
    #: fixed when the row is written, so that a re-sent digest carries the same Message-ID
    message_id: str
    subject: str | None = None
    match_count: int
    #: where it went: the SMTP server (never with its password) or the outbox file
    transport: str | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DeliveryMatch(SQLModel, table=True):
    """A match carried by a delivery; ``shown`` is false for those only counted in "+N more"."""

    __tablename__ = "delivery_match"
    __table_args__ = (
        UniqueConstraint("recipient_id", "match_id", name="uq_delivery_match_recipient_match"),
    )

    delivery_id: int = Field(foreign_key="delivery.id", primary_key=True)
    match_id: int = Field(foreign_key="match.id", primary_key=True, index=True)
    recipient_id: int = Field(foreign_key="recipient.id")
    shown: bool = True


class DeliveryRow(NamedTuple):
    """A ``delivery`` row as it was read."""

    id: int
    recipient_id: int
    company_id: int
    email: str
    channel: str
    period: str
    scheduled_for: datetime
    status: str
    attempts: int
    last_error: str | None
    message_id: str
    subject: str | None
    match_count: int
    transport: str | None
    created_at: datetime
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    sent_at: datetime | None


@dataclass(frozen=True)
class NewDelivery:
    """A digest about to be written to the outbox, with the matches it carries."""

    recipient_id: int
    company_id: int
    #: the address, or for a webhook or chat channel its URL without credentials
    email: str
    channel: str
    period: str
    scheduled_for: datetime
    message_id: str
    match_ids: Sequence[int]
    #: those listed in full (the others are counted in "+N more")
    shown: Set[int]
    created_at: datetime


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


_DELIVERY = _table("delivery")
_LINK = _table("delivery_match")
_CHUNK = 500


def delivered_periods(conn: Connection, periods: Iterable[str]) -> set[tuple[int, str]]:
    """``(recipient id, period)`` of the deliveries written for these periods."""
    out: set[tuple[int, str]] = set()
    for period in periods:
        rows = conn.execute(
            select(_DELIVERY.c.recipient_id).where(_DELIVERY.c.period == period)
        ).scalars()
        out.update((int(rid), period) for rid in rows)
    return out


def insert_deliveries(conn: Connection, news: Sequence[NewDelivery]) -> list[int | None]:
    """Write deliveries and their matches, due at once: the id of each, or ``None`` for one
    that another run already wrote for its ``(recipient, period)`` or whose matches another run
    took (the constraints said so; nothing of that one is written).

    All in one statement per table; only when a constraint refuses that are they written one
    by one, to keep the others.
    """
    if not news:
        return []
    try:
        with conn.begin_nested():
            return list(_insert(conn, news))
    except IntegrityError:
        return [_insert_one(conn, new) for new in news]


def _insert_one(conn: Connection, new: NewDelivery) -> int | None:
    try:
        with conn.begin_nested():
            (delivery_id,) = _insert(conn, [new])
    except IntegrityError:
        return None
    return delivery_id


def _insert(conn: Connection, news: Sequence[NewDelivery]) -> list[int]:
    ids = [
        int(i)
        for i in conn.execute(
            insert(_DELIVERY).returning(_DELIVERY.c.id, sort_by_parameter_order=True),
            [
                {
                    "recipient_id": new.recipient_id,
                    "company_id": new.company_id,
                    "email": new.email,
                    "channel": new.channel,
                    "period": new.period,
                    "scheduled_for": new.scheduled_for,
                    "status": DeliveryStatus.PENDING,
                    "attempts": 0,
                    "message_id": new.message_id,
                    "match_count": len(new.match_ids),
                    "created_at": new.created_at,
                    "next_attempt_at": new.created_at,
                }
                for new in news
            ],
        ).scalars()
    ]
    links = [
        {
            "delivery_id": delivery_id,
            "match_id": m,
            "recipient_id": new.recipient_id,
            "shown": m in new.shown,
        }
        for new, delivery_id in zip(news, ids, strict=True)
        for m in new.match_ids
    ]
    if links:  # (an empty list would be one row of nothing)
        conn.execute(insert(_LINK), links)
    return ids


def delivery_links(conn: Connection, delivery_id: int) -> list[tuple[int, bool]]:
    """``(match id, shown)`` of the matches a delivery carries."""
    rows = conn.execute(
        select(_LINK.c.match_id, _LINK.c.shown).where(_LINK.c.delivery_id == delivery_id)
    )
    return [(int(match_id), bool(shown)) for match_id, shown in rows]


def _open(company_id: int | None) -> Any:
    stmt = select(_DELIVERY).where(_DELIVERY.c.status.in_(DeliveryStatus.OPEN))
    if company_id is not None:
        stmt = stmt.where(_DELIVERY.c.company_id == company_id)
    return stmt.order_by(_DELIVERY.c.id)


def due_deliveries(
    conn: Connection, now: datetime, company_id: int | None = None
) -> list[DeliveryRow]:
    """Deliveries not sent whose (next) attempt is due at ``now``, oldest first."""
    stmt = _open(company_id).where(_DELIVERY.c.next_attempt_at <= now)
    return [DeliveryRow(**row._mapping) for row in conn.execute(stmt)]


def waiting_deliveries(
    conn: Connection, now: datetime, company_id: int | None = None
) -> list[DeliveryRow]:
    """Deliveries not sent whose next attempt is later than ``now`` (failed ones waiting for
    their retry, and pending ones another run holds), oldest first."""
    stmt = _open(company_id).where(_DELIVERY.c.next_attempt_at > now)
    return [DeliveryRow(**row._mapping) for row in conn.execute(stmt)]


def _claim(held: bool) -> Any:
    # A claim is an attempt about to start: it is counted now, so that an attempt cut short
    # (the process killed mid-send) still counts.  A renewal is the same attempt.
    return (
        update(_DELIVERY)
        .where(
            _DELIVERY.c.id == bindparam("delivery_id"),
            _DELIVERY.c.status.in_(DeliveryStatus.OPEN),
            _DELIVERY.c.next_attempt_at == bindparam("held")
            if held
            else _DELIVERY.c.next_attempt_at <= bindparam("now"),
        )
        .values(
            next_attempt_at=bindparam("until"),
            attempts=_DELIVERY.c.attempts + (0 if held else 1),
            last_attempt_at=bindparam("now"),
        )
        .returning(_DELIVERY.c.attempts)
    )


# The statements of every send, built once (building one took longer than running it).
_CLAIM = _claim(held=False)
_RENEW = _claim(held=True)
_FINISH = (
    update(_DELIVERY)
    .where(_DELIVERY.c.id == bindparam("delivery_id"))
    .values(
        status=bindparam("status"),
        last_error=bindparam("last_error"),
        next_attempt_at=bindparam("next_attempt_at"),
        subject=bindparam("subject"),
    )
)
_SENT = _FINISH.values(sent_at=bindparam("sent_at"), transport=bindparam("transport"))


def claim_delivery(
    conn: Connection,
    delivery_id: int,
    now: datetime,
    until: datetime,
    held: datetime | None = None,
) -> int | None:
    """Lease a delivery until ``until``: one that is due at ``now``, or, with ``held``, one
    the caller holds until ``held`` (a renewal).  Returns its attempts so far, the one about to
    start included (counted when it is claimed, so that an attempt cut short still counts; a
    renewal is the same attempt); ``None`` when another run has it (or has just sent it)."""
    values = {"delivery_id": delivery_id, "now": now, "until": until}
    if held is None:
        counted = conn.execute(_CLAIM, values).scalar_one_or_none()
    else:
        counted = conn.execute(_RENEW, {**values, "held": held}).scalar_one_or_none()
    return None if counted is None else int(counted)


def mark_sent(
    conn: Connection, delivery_id: int, now: datetime, subject: str | None, transport: str
) -> None:
    """The transport accepted the delivery: it is never tried again."""
    conn.execute(
        _SENT,
        {
            "delivery_id": delivery_id,
            "status": DeliveryStatus.SENT,
            "last_error": None,
            "next_attempt_at": None,
            "subject": subject,
            "sent_at": now,
            "transport": transport,
        },
    )


def mark_failed(
    conn: Connection,
    delivery_id: int,
    subject: str | None,
    error: str,
    retry_at: datetime | None,
    status: str = DeliveryStatus.FAILED,
) -> None:
    """An attempt failed: tried again at ``retry_at``, or, with a final ``status``
    (``rejected``, ``expired``) and no ``retry_at``, never again."""
    conn.execute(
        _FINISH,
        {
            "delivery_id": delivery_id,
            "status": status,
            "last_error": error,
            "next_attempt_at": retry_at,
            "subject": subject,
        },
    )


def deliveries(
    conn: Connection, company_id: int | None = None, limit: int | None = None
) -> list[tuple[DeliveryRow, list[int]]]:
    """Deliveries, newest first, each with the ids of the matches it carries."""
    stmt = select(_DELIVERY).order_by(_DELIVERY.c.id.desc())
    if company_id is not None:
        stmt = stmt.where(_DELIVERY.c.company_id == company_id)
    if limit:
        stmt = stmt.limit(limit)
    rows = [DeliveryRow(**row._mapping) for row in conn.execute(stmt)]
    matches: dict[int, list[int]] = {r.id: [] for r in rows}
    ids = list(matches)
    for start in range(0, len(ids), _CHUNK):
        for link in conn.execute(
            select(_LINK.c.delivery_id, _LINK.c.match_id)
            .where(_LINK.c.delivery_id.in_(ids[start : start + _CHUNK]))
            .order_by(_LINK.c.match_id)
        ):
            matches[link.delivery_id].append(link.match_id)
    return [(r, matches[r.id]) for r in rows]
