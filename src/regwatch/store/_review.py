"""Review decisions on matches (acknowledge, dismiss, reopen), each written with its audit entry.

A decision and its audit entry commit in one transaction: there is no decision without its
record.  With four-eyes review switched on for a company, a dismissal is first a *request*; it
takes effect when a second, different reviewer dismisses the same match.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from ..exceptions import InputError, ReviewRefused
from ..timeutil import utcnow
from . import _audit
from ._engine import upsert_insert
from ._matches import MatchRecord, MatchSelection, match_records
from .tables import COMPANY, DISMISSAL_REQUEST, MATCH, REVIEW_POLICY

__all__ = [
    "DECISIONS",
    "Decision",
    "companies",
    "decide",
    "four_eyes",
    "match_company",
    "pending_dismissals",
    "set_four_eyes",
]

#: decision → the status it leads to
DECISIONS = {"acknowledge": "acknowledged", "dismiss": "dismissed", "reopen": "new"}


_MATCH = MATCH
_COMPANY = COMPANY
_POLICY = REVIEW_POLICY
_REQUEST = DISMISSAL_REQUEST


@dataclass(frozen=True)
class Decision:
    match_id: int
    #: what was recorded: ``match.acknowledge``, ``match.dismiss``, ``match.reopen`` or
    #: ``match.dismiss_requested`` (four-eyes: waiting for a second reviewer)
    action: str
    status: str
    note: str | None
    audit: _audit.AuditEntry

    @property
    def pending(self) -> bool:
        return self.action == "match.dismiss_requested"


def _evidence(conn: Connection, match_id: int) -> MatchRecord | None:
    found = match_records(conn, MatchSelection(match_id=match_id))
    return found[0] if found else None


def _context(row: MatchRecord) -> dict[str, Any]:
    """What the decision was made on, as an examiner would ask for it."""
    return {
        "company": row.company,
        "event": {
            "id": row.event_id,
            "key": row.event_key,
            "revision": row.event_revision,
            "source": row.event_source,
            "kind": row.event_kind,
            "title": row.event_title,
            "url": row.event_url,
            "content_hash": row.event_content_hash,
        },
        "payload": {"id": row.payload_id, "sha256": row.payload_sha256, "url": row.payload_url},
        "match": {
            "id": row.id,
            "watch_item": {"id": row.watch_item_id, "kind": row.item_kind, "value": row.item},
            "score": row.score,
            "tier": row.tier,
            "field": row.field,
            "explanation": row.explanation,
            "matcher_version": row.matcher_version,
        },
    }


def companies(conn: Connection) -> dict[str, int]:
    """Every company: name → id."""
    return {r.name: int(r.id) for r in conn.execute(select(_COMPANY.c.name, _COMPANY.c.id))}


def match_company(conn: Connection, match_id: int) -> int | None:
    """The company a match belongs to (``None``: no such match)."""
    row = conn.execute(select(_MATCH.c.company_id).where(_MATCH.c.id == match_id)).first()
    return int(row.company_id) if row else None


def four_eyes(conn: Connection, company_id: int) -> bool:
    row = conn.execute(select(_POLICY.c.four_eyes).where(_POLICY.c.company_id == company_id))
    first = row.first()
    return bool(first.four_eyes) if first else False


def set_four_eyes(conn: Connection, company: str, enabled: bool, actor: str) -> None:
    """Switch four-eyes dismissal on or off for ``company`` (recorded in the audit trail)."""
    row = conn.execute(select(_COMPANY.c.id).where(_COMPANY.c.name == company)).first()
    if row is None:
        raise InputError(f"no company named {company!r} (see `regwatch watch list`)")
    before = four_eyes(conn, row.id)
    conn.execute(
        upsert_insert(conn, _POLICY)
        .values(company_id=row.id, four_eyes=enabled, updated_at=utcnow())
        .on_conflict_do_update(
            index_elements=["company_id"], set_={"four_eyes": enabled, "updated_at": utcnow()}
        )
    )
    _audit.append(
        conn,
        actor=actor,
        action="review.policy",
        subject=f"company:{company}",
        company_id=row.id,
        before={"four_eyes": before},
        after={"four_eyes": enabled},
    )


def pending_dismissals(conn: Connection, match_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The dismissal requests waiting for a second reviewer, by match id."""
    if not match_ids:
        return {}
    rows = conn.execute(select(_REQUEST).where(_REQUEST.c.match_id.in_(match_ids)))
    return {
        r.match_id: {"requested_by": r.requested_by, "note": r.note, "at": r.requested_at}
        for r in rows
    }


def decide(
    conn: Connection, match_id: int, decision: str, actor: str, note: str | None = None
) -> Decision:
    """Acknowledge, dismiss or reopen a match, in the caller's write transaction.

    Acknowledging a dismissed match clears the dismissal (and its note, unless a new one is
    given); reopening sets it back to ``new``.  Under four-eyes review the first dismissal is
    a request, and the second reviewer's dismissal makes it so.

    :raises InputError: no such match, or an unknown decision
    :raises ReviewRefused: the same reviewer tries to approve their own dismissal request
    """
    if decision not in DECISIONS:
        raise InputError(f"unknown decision {decision!r}; expected one of {', '.join(DECISIONS)}")
    row = _evidence(conn, match_id)
    if row is None:
        raise InputError(f"no match with id {match_id} (see `regwatch matches`)")
    context = _context(row)
    before = {"status": row.status, "note": row.note}
    request = conn.execute(select(_REQUEST).where(_REQUEST.c.match_id == match_id)).first()
    if request is not None:
        before["dismissal_requested_by"] = request.requested_by
    action = f"match.{decision}"
    status = DECISIONS[decision]
    if decision == "dismiss" and row.status != "dismissed" and four_eyes(conn, row.company_id):
        if request is None:
            conn.execute(
                insert(_REQUEST).values(
                    match_id=match_id, requested_by=actor, note=note, requested_at=utcnow()
                )
            )
            entry = _audit.append(
                conn,
                actor=actor,
                action="match.dismiss_requested",
                subject=f"match:{match_id}",
                company_id=row.company_id,
                before=before,
                after={"status": row.status, "dismissal_requested_by": actor},
                reason=note,
                context=context,
            )
            return Decision(match_id, entry.action, row.status, row.note, entry)
        if request.requested_by == actor:
            raise ReviewRefused(
                f"match {match_id}: four-eyes review: the dismissal {actor} asked for needs "
                "another reviewer's approval"
            )
        context["four_eyes"] = {"requested_by": request.requested_by, "request_note": request.note}
        note = note if note is not None else request.note
    reason = note
    if note is None:
        # acknowledging a dismissed match clears the dismissal, its reason included
        note = None if row.status == "dismissed" and decision != "dismiss" else row.note
    conn.execute(delete(_REQUEST).where(_REQUEST.c.match_id == match_id))
    conn.execute(
        update(_MATCH)
        .where(_MATCH.c.id == match_id)
        .values(status=status, note=note, status_changed_at=utcnow())
    )
    entry = _audit.append(
        conn,
        actor=actor,
        action=action,
        subject=f"match:{match_id}",
        company_id=row.company_id,
        before=before,
        after={"status": status, "note": note},
        reason=reason,
        context=context,
    )
    return Decision(match_id, action, status, note, entry)
