"""Companies, their watch items and their recipients in SQL, in the caller's transaction.

What an import changes (added, updated, re-activated, deactivated) is decided by
:mod:`regwatch.matching`; these functions read and write what it decided.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from .tables import COMPANY, RECIPIENT, WATCH_ITEM

__all__ = [
    "WatchItemRow",
    "active_items",
    "add_item",
    "company_id",
    "company_items",
    "deactivate_item",
    "ensure_company",
    "items_by_company",
    "replace_recipients",
    "revise_item",
    "set_item_spec",
]


@dataclass(frozen=True, slots=True)
class WatchItemRow:
    """A stored watch item (active or not), with the name of its company."""

    id: int
    company_id: int
    company: str | None
    kind: str
    value: str
    spec: dict[str, Any]
    active: bool
    updated_at: datetime


def _item(row: Any, company: str | None = None) -> WatchItemRow:
    return WatchItemRow(
        row.id,
        row.company_id,
        company,
        row.kind,
        row.value,
        dict(row.spec or {}),
        bool(row.active),
        row.updated_at,
    )


def company_id(conn: Connection, name: str) -> int | None:
    """The id of the company ``name``, or ``None``."""
    row = conn.execute(select(COMPANY.c.id).where(COMPANY.c.name == name)).first()
    return int(row.id) if row else None


def ensure_company(conn: Connection, name: str, now: datetime) -> int:
    """The id of the company ``name``, created when new (its ``updated_at`` set to ``now``)."""
    cid = company_id(conn, name)
    if cid is None:
        return int(
            conn.execute(
                insert(COMPANY)
                .values(name=name, created_at=now, updated_at=now)
                .returning(COMPANY.c.id)
            ).scalar_one()
        )
    conn.execute(update(COMPANY).where(COMPANY.c.id == cid).values(updated_at=now))
    return cid


def company_items(conn: Connection, cid: int) -> list[WatchItemRow]:
    """Every watch item of the company ``cid``, active or not."""
    rows = conn.execute(select(WATCH_ITEM).where(WATCH_ITEM.c.company_id == cid))
    return [_item(row) for row in rows]


def add_item(
    conn: Connection, cid: int, kind: str, value: str, spec: Mapping[str, Any], now: datetime
) -> int:
    """Store a new active watch item; returns its id."""
    return int(
        conn.execute(
            insert(WATCH_ITEM)
            .values(
                company_id=cid,
                kind=kind,
                value=value,
                spec=dict(spec),
                active=True,
                created_at=now,
                updated_at=now,
            )
            .returning(WATCH_ITEM.c.id)
        ).scalar_one()
    )


def set_item_spec(conn: Connection, item_id: int, spec: Mapping[str, Any]) -> None:
    """Replace an item's spec where nothing in it changes what matches (``updated_at`` stays)."""
    conn.execute(update(WATCH_ITEM).where(WATCH_ITEM.c.id == item_id).values(spec=dict(spec)))


def revise_item(
    conn: Connection, item_id: int, value: str, spec: Mapping[str, Any], now: datetime
) -> None:
    """Give an item a new value and spec, and make it active."""
    conn.execute(
        update(WATCH_ITEM)
        .where(WATCH_ITEM.c.id == item_id)
        .values(value=value, spec=dict(spec), active=True, updated_at=now)
    )


def deactivate_item(conn: Connection, item_id: int, now: datetime) -> None:
    """Stop watching an item; it stays stored, so its matches keep their history."""
    conn.execute(
        update(WATCH_ITEM).where(WATCH_ITEM.c.id == item_id).values(active=False, updated_at=now)
    )


def replace_recipients(conn: Connection, cid: int, wanted: Sequence[Mapping[str, Any]]) -> int:
    """Make ``wanted`` (each the columns of one recipient row: ``email``, ``channel``,
    ``target``, ``cadence``, …) the company's active recipients; returns how many.

    A destination (e-mail, channel, target) kept from before keeps its row and unsubscribe
    token; one no longer wanted is deactivated."""
    # one row per destination: a person's e-mail and each of their other channels
    current = {
        (row.email.casefold(), row.channel, row.target): row
        for row in conn.execute(select(RECIPIENT).where(RECIPIENT.c.company_id == cid))
    }
    kept = set()
    for recipient in wanted:
        values = {**recipient, "active": True}
        key = (str(values["email"]).casefold(), values["channel"], values["target"])
        kept.add(key)
        row = current.get(key)
        if row is None:
            token = secrets.token_urlsafe(24)
            conn.execute(
                insert(RECIPIENT).values(company_id=cid, unsubscribe_token=token, **values)
            )
        else:
            if row.unsubscribe_token is None:
                values["unsubscribe_token"] = secrets.token_urlsafe(24)
            conn.execute(update(RECIPIENT).where(RECIPIENT.c.id == row.id).values(**values))
    for key, row in current.items():
        if key not in kept and row.active:
            conn.execute(update(RECIPIENT).where(RECIPIENT.c.id == row.id).values(active=False))
    return len(wanted)


def active_items(conn: Connection, ids: Sequence[int] | None = None) -> list[WatchItemRow]:
    """The active watch items of every company (or only those of ``ids``), by id."""
    stmt = select(WATCH_ITEM).where(WATCH_ITEM.c.active.is_(True))
    if ids is not None:
        stmt = stmt.where(WATCH_ITEM.c.id.in_(ids))
    return [_item(row) for row in conn.execute(stmt.order_by(WATCH_ITEM.c.id))]


def items_by_company(conn: Connection, company: str | None = None) -> list[WatchItemRow]:
    """Every watch item (active or not) of ``company`` (every company when ``None``), by
    company name, kind and id."""
    stmt = (
        select(WATCH_ITEM, COMPANY.c.name.label("company"))
        .join(COMPANY, COMPANY.c.id == WATCH_ITEM.c.company_id)
        .order_by(COMPANY.c.name, WATCH_ITEM.c.kind, WATCH_ITEM.c.id)
    )
    if company:
        stmt = stmt.where(COMPANY.c.name == company)
    return [_item(row, row.company) for row in conn.execute(stmt)]
