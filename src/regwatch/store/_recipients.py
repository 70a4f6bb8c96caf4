"""Companies and their recipients, as the digest machinery reads them, and the one recipient
change the digests and the web page make: unsubscribing by token."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, select, update

from ..exceptions import ConfigError
from . import _audit
from .tables import COMPANY as _COMPANY
from .tables import RECIPIENT as _RECIPIENT

__all__ = [
    "RecipientRow",
    "Subscription",
    "active_recipients",
    "company_names",
    "find_company",
    "subscription",
    "unsubscribe",
]


class RecipientRow(NamedTuple):
    """An active, subscribed recipient with its company's name (the columns of ``recipient``
    the digests use)."""

    id: int
    company_id: int
    company: str
    email: str
    cadence: str
    at: str
    timezone: str
    weekday: str
    min_tier: str
    sources: tuple[str, ...] | None
    info: str
    channel: str
    target: str
    options: Mapping[str, Any]
    unsubscribe_token: str | None


def find_company(conn: Connection, name: str) -> tuple[int, str]:
    """``(id, name)`` of the company called ``name``.

    :raises ConfigError: no such company (the known ones are listed).
    """
    row = conn.execute(
        select(_COMPANY.c.id, _COMPANY.c.name).where(_COMPANY.c.name == name)
    ).first()
    if row is None:
        known = [r.name for r in conn.execute(select(_COMPANY.c.name).order_by(_COMPANY.c.name))]
        listed = (
            ", ".join(repr(k) for k in known) if known else "none (run `regwatch watch import`)"
        )
        raise ConfigError(f"no company named {name!r}; known companies: {listed}")
    return int(row.id), str(row.name)


def company_names(conn: Connection) -> dict[int, str]:
    """Every company's name, by id."""
    return {r.id: r.name for r in conn.execute(select(_COMPANY.c.id, _COMPANY.c.name))}


def active_recipients(
    conn: Connection, *, company_id: int | None = None, email: str | None = None
) -> list[RecipientRow]:
    """Active, subscribed recipients (of one company, or of all; with one address, or any),
    in a stable order: by company name, address, id."""
    stmt = (
        select(_RECIPIENT, _COMPANY.c.name.label("company_name"))
        .join(_COMPANY, _COMPANY.c.id == _RECIPIENT.c.company_id)
        .where(_RECIPIENT.c.active.is_(True), _RECIPIENT.c.unsubscribed_at.is_(None))
        .order_by(_COMPANY.c.name, _RECIPIENT.c.email, _RECIPIENT.c.id)
    )
    if company_id is not None:
        stmt = stmt.where(_RECIPIENT.c.company_id == company_id)
    if email is not None:
        stmt = stmt.where(_RECIPIENT.c.email == email)
    return [
        RecipientRow(
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
