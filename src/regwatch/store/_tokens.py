"""API tokens: stored as SHA-256 hashes, shown once, revocable; a role and an optional company.

A token is 32 random bytes (``rw_`` + URL-safe base64): far too many possibilities to guess, so a
plain SHA-256 is the right hash (a slow password hash protects guessable secrets, which these
are not) and lets a request be authenticated with one indexed lookup.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlmodel import Field, SQLModel

from ..exceptions import InputError
from ..timeutil import utcnow
from . import _audit
from ._schema import UTCDateTime
from .tables import COMPANY

__all__ = [
    "ROLES",
    "ApiToken",
    "TokenInfo",
    "authenticate",
    "create_token",
    "list_tokens",
    "revoke_token",
]

#: each role may do what the roles before it may
ROLES = ("read", "review", "admin")
_PREFIX = "rw_"


class ApiToken(SQLModel, table=True):
    """An API token.  Only its hash is kept; the token itself is shown once, at creation."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    token_hash: str = Field(unique=True)
    #: the first characters, so a user can tell tokens apart in ``token list``
    hint: str
    role: str
    #: ``None``: every company
    company_id: int | None = Field(default=None, foreign_key="company.id")
    created_at: datetime = Field(sa_type=UTCDateTime)
    created_by: str
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_by: str | None = None


_TABLE = SQLModel.metadata.tables["api_token"]
_COMPANY = COMPANY


@dataclass(frozen=True)
class TokenInfo:
    id: int
    name: str
    hint: str
    role: str
    company_id: int | None
    company: str | None
    created_at: datetime
    created_by: str
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def allows(self, role: str) -> bool:
        """Whether this token's role includes ``role``."""
        return ROLES.index(self.role) >= ROLES.index(role)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "hint": self.hint,
            "role": self.role,
            "company": self.company,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _select() -> Any:
    return select(_TABLE, _COMPANY.c.name.label("company")).outerjoin(
        _COMPANY, _COMPANY.c.id == _TABLE.c.company_id
    )


def _info(row: Any) -> TokenInfo:
    return TokenInfo(
        id=row.id,
        name=row.name,
        hint=row.hint,
        role=row.role,
        company_id=row.company_id,
        company=row.company,
        created_at=row.created_at,
        created_by=row.created_by,
        revoked_at=row.revoked_at,
    )


def create_token(
    conn: Connection, name: str, role: str, company: str | None, actor: str
) -> tuple[TokenInfo, str]:
    """A new token: ``(its record, the token itself)``; the token is not stored, only its hash.

    :raises InputError: an unknown role or company, or an empty name
    """
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    if not name.strip():
        raise InputError("a token needs a name (who or what uses it)")
    company_id = None
    if company is not None:
        row = conn.execute(select(_COMPANY.c.id).where(_COMPANY.c.name == company)).first()
        if row is None:
            raise InputError(f"no company named {company!r} (see `regwatch watch list`)")
        company_id = int(row.id)
    secret = _PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    new_id = conn.execute(
        insert(_TABLE)
        .values(
            name=name,
            token_hash=_hash(secret),
            hint=secret[: len(_PREFIX) + 6],
            role=role,
            company_id=company_id,
            created_at=now,
            created_by=actor,
        )
        .returning(_TABLE.c.id)
    ).scalar_one()
    info = _info(conn.execute(_select().where(_TABLE.c.id == new_id)).one())
    _audit.append(
        conn,
        actor=actor,
        action="token.create",
        subject=f"token:{info.id}",
        company_id=company_id,
        after={"name": name, "role": role, "company": company, "hint": info.hint},
    )
    return info, secret


def list_tokens(conn: Connection, *, include_revoked: bool = True) -> list[TokenInfo]:
    stmt = _select().order_by(_TABLE.c.id)
    if not include_revoked:
        stmt = stmt.where(_TABLE.c.revoked_at.is_(None))
    return [_info(row) for row in conn.execute(stmt)]


def revoke_token(conn: Connection, token_id: int, actor: str) -> TokenInfo:
    """Revoke a token (at once: the next request with it is refused).

    :raises InputError: no such token, or it is already revoked
    """
    row = conn.execute(_select().where(_TABLE.c.id == token_id)).first()
    if row is None:
        raise InputError(f"no token with id {token_id} (see `regwatch token list`)")
    if row.revoked_at is not None:
        raise InputError(f"token {token_id} was already revoked at {row.revoked_at:%Y-%m-%d %H:%M}")
    now = utcnow()
    conn.execute(
        update(_TABLE).where(_TABLE.c.id == token_id).values(revoked_at=now, revoked_by=actor)
    )
    _audit.append(
        conn,
        actor=actor,
        action="token.revoke",
        subject=f"token:{token_id}",
        company_id=row.company_id,
        before={"name": row.name, "role": row.role, "company": row.company, "active": True},
        after={"active": False},
    )
    return _info(conn.execute(_select().where(_TABLE.c.id == token_id)).one())


def authenticate(conn: Connection, secret: str) -> TokenInfo | None:
    """The active token ``secret`` is, or ``None`` (unknown or revoked: callers say neither)."""
    if not secret.startswith(_PREFIX):
        return None
    row = conn.execute(
        _select().where(_TABLE.c.token_hash == _hash(secret), _TABLE.c.revoked_at.is_(None))
    ).first()
    return _info(row) if row else None


def token_by_id(conn: Connection, token_id: int) -> TokenInfo | None:
    row = conn.execute(_select().where(_TABLE.c.id == token_id)).first()
    return _info(row) if row else None
