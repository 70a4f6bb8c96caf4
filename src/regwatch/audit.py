"""The audit trail and API tokens, over a :class:`~regwatch.store.Store`.

- :func:`trail` (one subject's entries), :func:`export` (what an examiner asks for, since a
  date) and :func:`verify` (the hash chain, end to end);
- :func:`create_token`, :func:`list_tokens`, :func:`revoke_token` and :func:`authenticate`;
- :func:`set_four_eyes`: whether a company's dismissals need a second reviewer.

Review decisions themselves are :func:`regwatch.matching.set_status` (the CLI) and
:func:`decide` (the API), both of which append to the trail in the decision's transaction.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from .exceptions import InputError
from .store import Store
from .store._audit import (
    GENESIS,
    AuditEntry,
    AuditProblem,
    AuditQuery,
    VerifyResult,
    default_actor,
    entries,
)
from .store._audit import verify as _verify
from .store._review import Decision, companies
from .store._review import decide as _decide
from .store._review import set_four_eyes as _set_four_eyes
from .store._tokens import ROLES, TokenInfo
from .store._tokens import authenticate as _authenticate
from .store._tokens import create_token as _create_token
from .store._tokens import list_tokens as _list_tokens
from .store._tokens import revoke_token as _revoke_token

__all__ = [
    "GENESIS",
    "ROLES",
    "AuditEntry",
    "AuditProblem",
    "AuditQuery",
    "Decision",
    "TokenInfo",
    "VerifyResult",
    "authenticate",
    "company_ids",
    "create_token",
    "decide",
    "default_actor",
    "export",
    "list_tokens",
    "read",
    "revoke_token",
    "set_four_eyes",
    "trail",
    "verify",
]


def read(store: Store, query: AuditQuery | None = None) -> list[AuditEntry]:
    with store.read() as conn:
        return entries(conn, query)


def trail(store: Store, subject: str) -> list[AuditEntry]:
    """Every entry about ``subject`` (``match:12``, ``token:3``, ``company:Acme``), oldest first."""
    return read(store, AuditQuery(subject=subject))


def verify(store: Store, expected_head: str | None = None) -> VerifyResult:
    with store.read() as conn:
        return _verify(conn, expected_head)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def company_ids(store: Store, names: list[str]) -> tuple[int, ...]:
    """The ids of the companies ``names``; :raises InputError: for a name that is not known."""
    with store.read() as conn:
        known = companies(conn)
    for name in names:
        if name not in known:
            raise InputError(f"no company named {name!r} (see `regwatch watch list`)")
    return tuple(known[n] for n in names)


def export(
    store: Store,
    since: date,
    until: date | None = None,
    company: str | None = None,
) -> list[dict[str, Any]]:
    """The decisions from ``since`` to ``until`` (inclusive, UTC days), oldest first, each with
    what it was made on: the event, its source payload's hash, the match and its explanation,
    the decision (before, after, why) and who made it, and the entry's place in the chain."""
    query = AuditQuery(
        since=_start_of(since),
        until=_start_of(until + timedelta(days=1)) if until else None,
        company_ids=company_ids(store, [company]) if company else None,
    )
    records = []
    for entry in read(store, query):
        context = entry.context or {}
        records.append(
            {
                "id": entry.id,
                "at": entry.at.isoformat(),
                "actor": entry.actor,
                "action": entry.action,
                "subject": entry.subject,
                "company": context.get("company"),
                "event": context.get("event"),
                "payload_sha256": (context.get("payload") or {}).get("sha256"),
                "match": context.get("match"),
                "before": entry.before,
                "after": entry.after,
                "reason": entry.reason,
                "four_eyes": context.get("four_eyes"),
                "prev_hash": entry.prev_hash,
                "hash": entry.hash,
            }
        )
    return records


def decide(
    store: Store, match_id: int, decision: str, actor: str, note: str | None = None
) -> Decision:
    """Acknowledge, dismiss or reopen a match (see :func:`regwatch.store._review.decide`)."""
    with store.write() as conn:
        return _decide(conn, match_id, decision, actor, note)


def set_four_eyes(store: Store, company: str, enabled: bool, actor: str) -> None:
    with store.write() as conn:
        _set_four_eyes(conn, company, enabled, actor)


def create_token(
    store: Store, name: str, role: str, company: str | None, actor: str
) -> tuple[TokenInfo, str]:
    """A new token: ``(its record, the token)``.  The token is shown once; only its hash stays."""
    with store.write() as conn:
        return _create_token(conn, name, role, company, actor)


def list_tokens(store: Store) -> list[TokenInfo]:
    with store.read() as conn:
        return _list_tokens(conn)


def revoke_token(store: Store, token_id: int, actor: str) -> TokenInfo:
    with store.write() as conn:
        return _revoke_token(conn, token_id, actor)


def authenticate(store: Store, secret: str) -> TokenInfo | None:
    with store.read() as conn:
        return _authenticate(conn, secret)
