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
from dataclasses import dataclass, field
from typing import Any

from ..store import Store, _audit
from ..store._watchlists import (
    WatchItemRow,
    add_item,
    company_items,
    deactivate_item,
    ensure_company,
    items_by_company,
    replace_recipients,
    revise_item,
    set_item_spec,
)
from ..timeutil import utcnow
from ._engine import WatchItemSpec
from ._watchlist import RecipientSpec, WatchList

__all__ = ["ImportResult", "import_watchlist", "spec_of", "watch_items"]


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


def import_watchlist(
    store: Store, watchlist: WatchList, *, add: bool = False, actor: str | None = None
) -> ImportResult:
    """Write ``watchlist`` in one transaction (see the module docstring for what changes),
    with its entry in the audit trail; with ``add``, items are added and none removed."""
    now = utcnow()
    source = watchlist.path.name
    with store.write() as conn:
        cid = ensure_company(conn, watchlist.company, now)
        result = ImportResult(watchlist.company, cid)
        existing = {(row.kind, row.value.casefold()): row for row in company_items(conn, cid)}
        listed: set[int] = set()
        for item in watchlist.items:
            spec = {**item.spec, "file": source}
            row = existing.get((item.kind, item.value.casefold()))
            if row is None:
                new_id = add_item(conn, cid, item.kind, item.value, spec, now)
                result.added += 1
                result.changed_ids.append(new_id)
                listed.add(new_id)
                continue
            listed.add(row.id)
            same = _matching_spec(row.spec) == _matching_spec(spec) and row.value == item.value
            if same and row.active:
                result.unchanged += 1
                if row.spec != spec:
                    set_item_spec(conn, row.id, spec)
                continue
            revise_item(conn, row.id, item.value, spec, now)
            if row.active:
                result.updated += 1
            else:
                result.reactivated += 1
            result.changed_ids.append(row.id)
        for row in existing.values():
            if row.active and not add and row.id not in listed:
                deactivate_item(conn, row.id, now)
                result.deactivated += 1
        if watchlist.recipients is not None:
            result.recipients = replace_recipients(
                conn, cid, [_recipient_values(r) for r in watchlist.recipients]
            )
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


def _recipient_values(recipient: RecipientSpec) -> dict[str, Any]:
    """The columns of the recipient row ``recipient`` describes."""
    return {
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
    }


def spec_of(row: WatchItemRow) -> WatchItemSpec:
    """A stored watch item as the matcher needs it."""
    return WatchItemSpec(row.id, row.company_id, row.kind, row.value, row.spec)


def watch_items(store: Store, company: str | None = None) -> list[dict[str, Any]]:
    """Every watch item (active or not) as a record for ``regwatch watch list``."""
    with store.read() as conn:
        rows = items_by_company(conn, company)
    return [
        {
            "id": row.id,
            "company": row.company,
            "kind": row.kind,
            "value": row.value,
            "aliases": row.spec.get("aliases") or [],
            "country": row.spec.get("country"),
            "identifiers": row.spec.get("identifiers"),
            "schema": row.spec.get("schema"),
            "file": row.spec.get("file"),
            "active": row.active,
            "updated_at": row.updated_at,
        }
        for row in rows
    ]
