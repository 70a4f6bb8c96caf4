"""Recipient rows the digest machinery and the web page change: unsubscribing by token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select, update

from . import _audit
from .tables import COMPANY as _COMPANY
from .tables import RECIPIENT as _RECIPIENT

__all__ = ["Subscription", "subscription", "unsubscribe"]


@dataclass(frozen=True)
class Subscription:
    """Whom an unsubscribe link stands for."""

    id: int
    company: str
    company_id: int
    #: the e-mail address, or for another channel its target as shown (secrets masked), since
    #: this goes on a page and into the audit trail
    destination: str
    channel: str
    unsubscribed_at: datetime | None


def subscription(conn: Connection, token: str) -> Subscription | None:
    """The recipient whose one-click link carries ``token`` (subscribed or not), or ``None``."""
    if not token:
        return None
    row = conn.execute(
        select(
            _RECIPIENT.c.id,
            _RECIPIENT.c.email,
            _RECIPIENT.c.channel,
            _RECIPIENT.c.unsubscribed_at,
            _RECIPIENT.c.company_id,
            _COMPANY.c.name,
        )
        .join(_COMPANY, _COMPANY.c.id == _RECIPIENT.c.company_id)
        .where(_RECIPIENT.c.unsubscribe_token == token)
    ).first()
    if row is None:
        return None
    return Subscription(
        id=row.id,
        company=str(row.name),
        company_id=row.company_id,
        destination=str(row.email),
        channel=str(row.channel),
        unsubscribed_at=row.unsubscribed_at,
    )


def unsubscribe(conn: Connection, token: str, now: datetime) -> tuple[str, str] | None:
    """Unsubscribe the recipient whose one-click link carries ``token``, and record it in the
    audit trail (in the caller's transaction).

    Returns ``(company, destination)`` of the recipient it unsubscribed, or ``None`` when no
    subscribed recipient has that token (unknown, or already unsubscribed).  An import of the
    watch list never subscribes it again; removing ``unsubscribed_at`` by hand does.
    """
    found = subscription(conn, token)
    if found is None or found.unsubscribed_at is not None:
        return None
    conn.execute(update(_RECIPIENT).where(_RECIPIENT.c.id == found.id).values(unsubscribed_at=now))
    _audit.append(
        conn,
        actor=f"{found.destination} (unsubscribe link)",
        action="recipient.unsubscribe",
        subject=f"recipient:{found.id}",
        company_id=found.company_id,
        before={"destination": found.destination, "channel": found.channel, "subscribed": True},
        after={"subscribed": False, "unsubscribed_at": now},
    )
    return found.company, found.destination
