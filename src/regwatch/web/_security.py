"""Who is asking, and may they: API tokens (``Authorization: Bearer``) and the page's session.

Every refusal says only ``unauthorized`` (401: no valid token) or ``forbidden`` (403: the
token's role or company does not allow it); it never says whether a token exists, was revoked,
or what another company has.  The page signs in with a token once and then carries a signed
session cookie holding the token's id (re-checked on every request, so a revoked token signs
out at once) and a CSRF token that every form must echo.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException, Request

from ..store._tokens import TokenInfo, authenticate, token_by_id

__all__ = [
    "Principal",
    "api_principal",
    "check_csrf",
    "csrf_token",
    "page_principal",
    "require",
    "scope_ids",
]


@dataclass(frozen=True)
class Principal:
    token: TokenInfo

    @property
    def actor(self) -> str:
        """How the audit trail names this caller."""
        return f"{self.token.name} (token {self.token.id})"

    @property
    def company_ids(self) -> tuple[int, ...] | None:
        """The companies this caller may see (``None``: every company)."""
        return None if self.token.company_id is None else (self.token.company_id,)

    def may_see(self, company_id: int) -> bool:
        return self.token.company_id is None or self.token.company_id == company_id


def unauthorized() -> HTTPException:
    return HTTPException(401, "unauthorized", headers={"WWW-Authenticate": "Bearer"})


def forbidden() -> HTTPException:
    return HTTPException(403, "forbidden")


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def api_principal(request: Request) -> Principal:
    """The caller of an API request, from its bearer token (feeds may pass ``?token=``)."""
    secret = _bearer(request)
    if secret is None and request.url.path.endswith(".atom"):
        secret = request.query_params.get("token")
    if secret is None:
        raise unauthorized()
    with request.app.state.store.read() as conn:
        info = authenticate(conn, secret)
    if info is None:
        raise unauthorized()
    return Principal(info)


def require(role: str) -> Callable[[Request], Principal]:
    """A dependency: the API caller, who must hold at least ``role``."""

    def dependency(request: Request) -> Principal:
        principal = api_principal(request)
        if not principal.token.allows(role):
            raise forbidden()
        return principal

    return dependency


def scope_ids(principal: Principal, wanted: tuple[int, ...] | None) -> tuple[int, ...] | None:
    """The company ids a query may cover: ``wanted`` narrowed to the caller's scope.

    :raises HTTPException: 403 when ``wanted`` names a company outside the scope
    """
    if principal.company_ids is None:
        return wanted
    if wanted is not None and set(wanted) - set(principal.company_ids):
        raise forbidden()
    return principal.company_ids


# -- the page ---------------------------------------------------------------------------------


def page_principal(request: Request) -> Principal | None:
    """The signed-in page user, or ``None``."""
    token_id = request.session.get("token_id")
    if not isinstance(token_id, int):
        return None
    with request.app.state.store.read() as conn:
        info = token_by_id(conn, token_id)
    if info is None or not info.active:
        request.session.clear()
        return None
    return Principal(info)


def csrf_token(request: Request) -> str:
    """This session's CSRF token (made on first use), for the page's forms."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, form: Any) -> None:
    """:raises HTTPException: 403 unless the form echoes the session's CSRF token."""
    sent = form.get("csrf") or request.headers.get("x-csrf-token") or ""
    expected = request.session.get("csrf")
    if not isinstance(expected, str) or not hmac.compare_digest(str(sent), expected):
        raise forbidden()
