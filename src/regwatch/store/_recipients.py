"""Recipient rows the digest machinery and the web page change: unsubscribing by token."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select, update

from .tables import COMPANY as _COMPANY
from .tables import RECIPIENT as _RECIPIENT

__all__ = ["unsubscribe"]


def unsubscribe(conn: Connection, token: str, now: datetime) -> tuple[str, str] | None:
    """Unsubscribe the recipient whose one-click link carries ``token``.

    Returns ``(company, destination)`` of the recipient it unsubscribed, or ``None`` when no
    subscribed recipient has that token (unknown, or already unsubscribed).  An import of the
    watch list never subscribes it again; removing ``unsubscribed_at`` by hand does.
    """
    if not token:
        return None
    row = conn.execute(
        select(_RECIPIENT.c.id, _RECIPIENT.c.email, _RECIPIENT.c.target, _COMPANY.c.name)
        .join(_COMPANY, _COMPANY.c.id == _RECIPIENT.c.company_id)
        .where(_RECIPIENT.c.unsubscribe_token == token, _RECIPIENT.c.unsubscribed_at.is_(None))
    ).first()
    if row is None:
        return None
    conn.execute(update(_RECIPIENT).where(_RECIPIENT.c.id == row.id).values(unsubscribed_at=now))
    return str(row.name), str(row.target or row.email)
