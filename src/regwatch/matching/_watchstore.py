"""Watch lists in the database: importing a file all or nothing, and listing what is watched.

A watch list is the company's, whatever the file is called: importing a file states everything
the company watches.  Items it lists are added (or updated, or re-activated); the company's
items it no longer lists are deactivated, not deleted, so their matches keep their history.
With ``add`` (``regwatch watch import --add``) the file only adds and updates, so that a YAML
file and an entity CSV can feed one company.  Recipients are replaced only when the file has a
``recipients`` key.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, insert, select, update

from ..store import Store, _audit
from ..store.tables import COMPANY, RECIPIENT, WATCH_ITEM
from ..timeutil import utcnow
from ._engine import WatchItemSpec
from ._watchlist import WatchList

__all__ = ["ImportResult", "company_id", "import_watchlist", "load_items", "watch_items"]

_COMPANY = COMPANY
_RECIPIENT = RECIPIENT
_ITEM = WATCH_ITEM


@dataclass
class ImportResult:
    """What an import changed."""

    company: str
    company_id: int
    added: int = 0
    updated: int = 0
    reactivated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    recipients: int | None = None
    #: the items whose matches may differ now (added, updated, re-activated): re-screen these
    changed_ids: list[int] = field(default_factory=list)


def company_id(conn: Connection, name: str) -> int | None:
    row = conn.execute(select(_COMPANY.c.id).where(_COMPANY.c.name == name)).first()
    return int(row.id) if row else None


def import_watchlist(
    store: Store, watchlist: WatchList, *, add: bool = False, actor: str | None = None
) -> ImportResult:
    """Write ``watchlist`` in one transaction (see the module docstring for what changes),
    with its entry in the audit trail; with ``add``, items are added and none removed."""
    now = utcnow()
    source = watchlist.path.name
    with store.write() as conn:
        cid = company_id(conn, watchlist.company)
        if cid is None:
            cid = int(
                conn.execute(
                    insert(_COMPANY)
                    .values(name=watchlist.company, created_at=now, updated_at=now)
                    .returning(_COMPANY.c.id)
                ).scalar_one()
            )
        else:
            conn.execute(update(_COMPANY).where(_COMPANY.c.id == cid).values(updated_at=now))
        result = ImportResult(watchlist.company, cid)
        existing = {
            (row.kind, row.value.casefold()): row
            for row in conn.execute(select(_ITEM).where(_ITEM.c.company_id == cid))
        }
        listed: set[int] = set()
        for item in watchlist.items:
            spec = {**item.spec, "file": source}
            row = existing.get((item.kind, item.value.casefold()))
            if row is None:
                new_id = conn.execute(
                    insert(_ITEM)
                    .values(
                        company_id=cid,
                        kind=item.kind,
                        value=item.value,
                        spec=spec,
                        active=True,
                        created_at=now,
                        updated_at=now,
                    )
                    .returning(_ITEM.c.id)
                ).scalar_one()
                result.added += 1
                result.changed_ids.append(int(new_id))
                listed.add(int(new_id))
                continue
            listed.add(row.id)
            same = _matching_spec(row.spec) == _matching_spec(spec) and row.value == item.value
            if same and row.active:
                result.unchanged += 1
                if row.spec != spec:
                    conn.execute(update(_ITEM).where(_ITEM.c.id == row.id).values(spec=spec))
                continue
            conn.execute(
                update(_ITEM)
                .where(_ITEM.c.id == row.id)
                .values(value=item.value, spec=spec, active=True, updated_at=now)
            )
            if row.active:
                result.updated += 1
            else:
                result.reactivated += 1
            result.changed_ids.append(row.id)
        for row in existing.values():
            if row.active and not add and row.id not in listed:
                conn.execute(
                    update(_ITEM).where(_ITEM.c.id == row.id).values(active=False, updated_at=now)
                )
                result.deactivated += 1
        if watchlist.recipients is not None:
            result.recipients = _replace_recipients(conn, cid, watchlist)
        _audit.append(
            conn,
            actor=actor or _audit.default_actor(),
            action="watchlist.import",
            subject=f"company:{watchlist.company}",
            company_id=cid,
            after={
                "file": source,
                "sha256": hashlib.sha256(watchlist.path.read_bytes()).hexdigest()
                if watchlist.path.is_file()
                else None,
                "added": result.added,
                "updated": result.updated,
                "reactivated": result.reactivated,
                "unchanged": result.unchanged,
                "deactivated": result.deactivated,
                "recipients": result.recipients,
            },
        )
    return result


def _matching_spec(spec: dict[str, Any] | None) -> dict[str, Any]:
    """The part of a spec that changes what matches (not where the item came from)."""
    return {k: v for k, v in (spec or {}).items() if k != "file"}


def _replace_recipients(conn: Connection, cid: int, watchlist: WatchList) -> int:
    assert watchlist.recipients is not None
    # one row per destination: a person's e-mail and each of their other channels
    current = {
        (row.email.casefold(), row.channel, row.target): row
        for row in conn.execute(select(_RECIPIENT).where(_RECIPIENT.c.company_id == cid))
    }
    wanted = set()
    for recipient in watchlist.recipients:
        values = {
            "email": recipient.email,
            "cadence": recipient.cadence,
            "at": recipient.at,
            "timezone": recipient.timezone,
            "weekday": recipient.weekday,
            "min_tier": recipient.min_tier,
            "sources": recipient.sources,
            "info": recipient.info,
            "channel": recipient.channel,
            "target": recipient.target,
            "options": recipient.options,
            "active": True,
        }
        key = (recipient.email.casefold(), recipient.channel, recipient.target)
        wanted.add(key)
        row = current.get(key)
        if row is None:
            token = secrets.token_urlsafe(24)
            conn.execute(
                insert(_RECIPIENT).values(company_id=cid, unsubscribe_token=token, **values)
            )
        else:
            if row.unsubscribe_token is None:
                values["unsubscribe_token"] = secrets.token_urlsafe(24)
            conn.execute(update(_RECIPIENT).where(_RECIPIENT.c.id == row.id).values(**values))
    for key, row in current.items():
        if key not in wanted and row.active:
            conn.execute(update(_RECIPIENT).where(_RECIPIENT.c.id == row.id).values(active=False))
    return len(watchlist.recipients)


def load_items(conn: Connection, ids: list[int] | None = None) -> list[WatchItemSpec]:
    """The active watch items (of every company), or only those of ``ids``."""
    stmt = select(_ITEM).where(_ITEM.c.active.is_(True))
    if ids is not None:
        stmt = stmt.where(_ITEM.c.id.in_(ids))
    return [
        WatchItemSpec(row.id, row.company_id, row.kind, row.value, row.spec or {})
        for row in conn.execute(stmt.order_by(_ITEM.c.id))
    ]


def watch_items(store: Store, company: str | None = None) -> list[dict[str, Any]]:
    """Every watch item (active or not) as a record for ``regwatch watch list``."""
    stmt = (
        select(_ITEM, _COMPANY.c.name.label("company"))
        .join(_COMPANY, _COMPANY.c.id == _ITEM.c.company_id)
        .order_by(_COMPANY.c.name, _ITEM.c.kind, _ITEM.c.id)
    )
    if company:
        stmt = stmt.where(_COMPANY.c.name == company)
    with store.read() as conn:
        rows = list(conn.execute(stmt))
    out = []
    for row in rows:
        spec = dict(row.spec or {})
        out.append(
            {
                "id": row.id,
                "company": row.company,
                "kind": row.kind,
                "value": row.value,
                "aliases": spec.get("aliases") or [],
                "country": spec.get("country"),
                "identifiers": spec.get("identifiers"),
                "schema": spec.get("schema"),
                "file": spec.get("file"),
                "active": bool(row.active),
                "updated_at": row.updated_at,
            }
        )
    return out
