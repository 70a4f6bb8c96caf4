"""The outbox: one row per digest owed to a recipient, written before any SMTP call.

A ``delivery`` row is the durable record of a digest: which recipient, which cadence period,
which matches (``delivery_match``), and how sending it went.  It is inserted, with its matches,
in one transaction *before* the message is handed to the mail server, and marked ``sent`` only
after the server accepted it.  Two constraints make "nothing twice" hold across crashes, restarts
and concurrent runs: one delivery per ``(recipient, period)``, and one delivery per
``(recipient, match)``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from ._schema import UTCDateTime

__all__ = ["Delivery", "DeliveryMatch", "DeliveryStatus"]


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
