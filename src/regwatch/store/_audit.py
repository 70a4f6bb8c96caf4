"""The audit trail: every decision, appended, chained by hash.

Each entry records who decided what, when, the state before and after, and why.  Its ``hash`` is
the SHA-256 of its own content and of the previous entry's hash, so editing an entry changes its
hash, and deleting one breaks the link of the entry after it: :func:`verify` finds both.  Entries
are only ever inserted; nothing in regwatch updates or deletes them.

Appending takes the table's write lock first (``BEGIN IMMEDIATE`` on SQLite, ``LOCK TABLE`` on
PostgreSQL), so two writers never chain onto the same previous entry.
"""

from __future__ import annotations

import getpass
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Connection, insert, select, text
from sqlmodel import Field, SQLModel

from ..timeutil import utcnow
from ._schema import JSONType, UTCDateTime

__all__ = [
    "ACTIONS",
    "GENESIS",
    "AuditEntry",
    "AuditEntryRow",
    "AuditProblem",
    "AuditQuery",
    "VerifyResult",
    "append",
    "default_actor",
    "entries",
    "verify",
]

#: the ``prev_hash`` of the first entry
GENESIS = "0" * 64

#: what an entry can record
ACTIONS = (
    "match.acknowledge",
    "match.dismiss",
    "match.reopen",
    "match.dismiss_requested",
    "match.dismiss_rejected",
    "watchlist.import",
    "token.create",
    "token.revoke",
    "review.policy",
    "recipient.unsubscribe",
)


class AuditEntryRow(SQLModel, table=True):
    """One decision.  Rows are inserted, never updated or deleted."""

    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime)
    #: who: a login name (the CLI), or ``token:<name>`` (the API and the page)
    actor: str
    action: str = Field(index=True)
    #: what the decision is about: ``match:12``, ``token:3``, ``company:Acme``
    subject: str = Field(index=True)
    company_id: int | None = Field(default=None, index=True)
    before: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    after: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    #: why (the reviewer's note)
    reason: str | None = None
    #: what the decision was made on: the event, its payload hash, the match and its explanation
    context: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    prev_hash: str
    hash: str = Field(unique=True)


_TABLE = SQLModel.metadata.tables["audit_entry"]


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    subject: str
    company_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None
    context: dict[str, Any] | None
    prev_hash: str
    hash: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "subject": self.subject,
            "company_id": self.company_id,
            "before": self.before,
            "after": self.after,
            "reason": self.reason,
            "context": self.context,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


def default_actor() -> str:
    """Who is deciding, when nobody said: the login name (the CLI's ``--by`` default)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in this environment (some containers)
        return "unknown"


def _plain(value: Any) -> Any:
    """``value`` as JSON would give it back (dates as ISO strings), so hashes survive storage."""

    def default(obj: Any) -> Any:
        if isinstance(obj, datetime):
            return obj.astimezone(UTC).isoformat()
        if isinstance(obj, (date, time)):
            return obj.isoformat()
        return str(obj)

    return None if value is None else json.loads(json.dumps(value, default=default))


def _digest(
    *,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    company_id: int | None,
    before: Any,
    after: Any,
    reason: str | None,
    context: Any,
    prev_hash: str,
) -> str:
    content = {
        "at": at.astimezone(UTC).isoformat(),
        "actor": actor,
        "action": action,
        "subject": subject,
        "company_id": company_id,
        "before": before,
        "after": after,
        "reason": reason,
        "context": context,
        "prev_hash": prev_hash,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def append(
    conn: Connection,
    *,
    actor: str,
    action: str,
    subject: str,
    company_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
    context: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry in the caller's (write) transaction, so it commits with the decision."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if conn.dialect.name == "postgresql":
        # SHARE ROW EXCLUSIVE conflicts with itself: appenders queue, readers are not blocked.
        conn.execute(text("LOCK TABLE audit_entry IN SHARE ROW EXCLUSIVE MODE"))
    last = conn.execute(select(_TABLE.c.hash).order_by(_TABLE.c.id.desc()).limit(1)).first()
    prev_hash = last.hash if last else GENESIS
    # microseconds are what both backends keep, so the hash recomputes from the stored row
    at = utcnow()
    values: dict[str, Any] = {
        "at": at,
        "actor": actor,
        "action": action,
        "subject": subject,
        "company_id": company_id,
        "before": _plain(before),
        "after": _plain(after),
        "reason": reason,
        "context": _plain(context),
        "prev_hash": prev_hash,
    }
    values["hash"] = _digest(**values)
    new_id = conn.execute(insert(_TABLE).values(**values).returning(_TABLE.c.id)).scalar_one()
    return AuditEntry(id=int(new_id), **values)


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        at=row.at,
        actor=row.actor,
        action=row.action,
        subject=row.subject,
        company_id=row.company_id,
        before=row.before,
        after=row.after,
        reason=row.reason,
        context=row.context,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


@dataclass(frozen=True)
class AuditQuery:
    """Which entries to read; every field left at its default does not filter."""

    since: datetime | None = None
    until: datetime | None = None
    subject: str | None = None
    #: only entries about these companies (``None``: every entry)
    company_ids: tuple[int, ...] | None = None
    actions: tuple[str, ...] = ()
    limit: int | None = None
    newest_first: bool = False


def entries(conn: Connection, query: AuditQuery | None = None) -> list[AuditEntry]:
    """The entries ``query`` selects, oldest first (or newest first)."""
    query = query or AuditQuery()
    stmt = select(_TABLE)
    if query.since is not None:
        stmt = stmt.where(_TABLE.c.at >= query.since)
    if query.until is not None:
        stmt = stmt.where(_TABLE.c.at < query.until)
    if query.subject is not None:
        stmt = stmt.where(_TABLE.c.subject == query.subject)
    if query.company_ids is not None:
        stmt = stmt.where(_TABLE.c.company_id.in_(query.company_ids))
    if query.actions:
        stmt = stmt.where(_TABLE.c.action.in_(query.actions))
    stmt = stmt.order_by(_TABLE.c.id.desc() if query.newest_first else _TABLE.c.id)
    if query.limit:
        stmt = stmt.limit(query.limit)
    return [_entry(row) for row in conn.execute(stmt)]


@dataclass(frozen=True)
class AuditProblem:
    entry_id: int
    problem: str


@dataclass
class VerifyResult:
    entries: int = 0
    head: str = GENESIS
    problems: list[AuditProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _rows(conn: Connection) -> Iterator[Any]:
    result = conn.execution_options(yield_per=1000).execute(select(_TABLE).order_by(_TABLE.c.id))
    yield from result


def verify(conn: Connection, expected_head: str | None = None) -> VerifyResult:
    """Recompute every entry's hash and follow the chain from the first entry.

    An edited entry no longer hashes to its ``hash``; a deleted entry leaves the next entry's
    ``prev_hash`` pointing at nothing.  Deleting the newest entries leaves a shorter chain that
    is valid on its own: ``expected_head`` (a head hash noted earlier, e.g. from an export)
    must still be in the chain.
    """
    result = VerifyResult()
    previous = GENESIS
    seen_expected = expected_head is None
    for row in _rows(conn):
        entry = _entry(row)
        result.entries += 1
        recomputed = _digest(
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            subject=entry.subject,
            company_id=entry.company_id,
            before=entry.before,
            after=entry.after,
            reason=entry.reason,
            context=entry.context,
            prev_hash=entry.prev_hash,
        )
        if recomputed != entry.hash:
            result.problems.append(
                AuditProblem(entry.id, "its content does not match its hash: it was edited")
            )
        if entry.prev_hash != previous:
            problem = (
                "it is the oldest entry left but does not start the chain: older entries were "
                "deleted"
                if previous == GENESIS
                else "it does not chain onto the entry before it: an entry between them was "
                "deleted, or the one before it was altered"
            )
            result.problems.append(AuditProblem(entry.id, problem))
        if entry.hash == expected_head:
            seen_expected = True
        previous = entry.hash
    result.head = previous
    if not seen_expected:
        result.problems.append(
            AuditProblem(
                0,
                f"the head {expected_head} noted earlier is not in the chain: "
                "the newest entries were deleted or altered",
            )
        )
    return result
