"""The review page: server-rendered (Jinja2), a little JavaScript, readable on a phone.

Sign in with an API token once; a signed session cookie carries it from then on.  Every form
carries the session's CSRF token, and the cookie is ``SameSite=Strict``.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from .._entity_history import entity_history
from ..exceptions import InputError, ReviewRefused
from ..store._api import MatchSelection
from ..store._audit import AuditQuery, entries
from ..store._review import decide
from ..store._tokens import authenticate
from . import _data
from ._diff import diff_events
from ._queue import queue_order
from ._security import Principal, check_csrf, csrf_token, forbidden, page_principal

__all__ = ["is_page", "router"]

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
#: the most open matches the queue shows at once
QUEUE_LIMIT = 500


def _safe_url(value: Any) -> str | None:
    """Only web links become links (never ``javascript:`` and the like)."""
    text = str(value or "")
    return text if urlsplit(text).scheme in ("http", "https") else None


def _plain(value: Any) -> str:
    """A stated value as a reader writes it: a list as its items, not as Python's repr."""
    if value is None:
        return "—"
    if isinstance(value, (list, tuple)):
        return "; ".join(_plain(v) for v in value) or "—"
    return str(value)


templates.env.filters["safe_url"] = _safe_url
templates.env.filters["plain"] = _plain


def is_page(request: Request) -> bool:
    path = request.url.path
    return path == "/" or path.startswith("/review")


def signed_in(request: Request) -> Principal:
    principal = page_principal(request)
    if principal is None:
        raise HTTPException(401, "unauthorized")
    return principal


User = Annotated[Principal, Depends(signed_in)]


def _render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("user", page_principal(request))
    context["csrf"] = csrf_token(request)
    return templates.TemplateResponse(request, template, context, status_code=status)


@router.get("/")
def home() -> Response:
    return RedirectResponse("/review", status_code=303)


@router.get("/login")
def login_form(request: Request) -> HTMLResponse:
    return _render(request, "login.html", user=None)


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form()
    check_csrf(request, form)
    with request.app.state.store.read() as conn:
        info = authenticate(conn, str(form.get("token") or "").strip())
    if info is None:
        return _render(request, "login.html", status=401, user=None, failed=True)
    # a fresh session on sign-in: nothing from before it (its CSRF token included) carries over
    request.session.clear()
    request.session.update({"token_id": info.id, "csrf": secrets.token_urlsafe(32)})
    return RedirectResponse("/review", status_code=303)


@router.post("/logout")
async def logout(request: Request) -> Response:
    check_csrf(request, await request.form())
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/review")
def queue(request: Request, user: User) -> HTMLResponse:
    with request.app.state.store.read() as conn:
        items, _ = _data.matches_page(
            conn,
            MatchSelection(company_ids=user.company_ids, statuses=("new",), limit=QUEUE_LIMIT),
        )
    by_company: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in sorted(items, key=queue_order):
        by_company[item["company"]].append(item)
    return _render(
        request,
        "queue.html",
        companies=sorted(by_company.items()),
        total=len(items),
        can_review=user.token.allows("review"),
    )


@router.post("/review/matches/{match_id}")
async def decide_page(request: Request, user: User, match_id: int) -> Response:
    form = await request.form()
    check_csrf(request, form)
    if not user.token.allows("review"):
        raise forbidden()
    decision = str(form.get("decision") or "")
    note = str(form.get("note") or "").strip() or None
    wants_json = "application/json" in request.headers.get("accept", "")
    with request.app.state.store.read() as conn:
        visible, _ = _data.matches_page(
            conn, MatchSelection(company_ids=user.company_ids, match_id=match_id)
        )
    if not visible:
        raise HTTPException(404, "not found")
    try:
        with request.app.state.store.write() as conn:
            made = decide(conn, match_id, decision, user.actor, note)
    except InputError:
        raise HTTPException(400, "bad request") from None
    except ReviewRefused as exc:
        if wants_json:
            return JSONResponse({"error": str(exc)}, status_code=409)
        raise HTTPException(409, str(exc)) from None
    if wants_json:
        return JSONResponse({"match": match_id, "status": made.status, "pending": made.pending})
    back = str(form.get("next") or "/review")
    return RedirectResponse(back if back.startswith("/") and not back.startswith("//") else
                            "/review", status_code=303)  # fmt: skip


@router.get("/review/events/{event_id}")
def event_page(
    request: Request, user: User, event_id: int, against: int | None = None
) -> HTMLResponse:
    record = _data.event_detail(request.app.state.store, user, event_id)
    if record is None:
        raise HTTPException(404, "not found")
    revisions = record["revisions"]
    this = next(r for r in revisions if r["id"] == event_id)
    older = [r for r in revisions if r["revision"] < this["revision"]]
    base = next((r for r in revisions if r["revision"] == against), None) if against else None
    if base is None and older:
        base = older[-1]
    return _render(
        request,
        "event.html",
        event=record,
        base=base,
        diff=diff_events(base, this),
        can_review=user.token.allows("review"),
    )


@router.get("/review/entities")
def entity_page(request: Request, user: User, name: str = "") -> HTMLResponse:
    histories: list[dict[str, Any]] = []
    error = None
    if name.strip():
        try:
            found = entity_history(request.app.state.store, name)
            histories = [_data.jsonable(h.to_json()) for h in found]
        except InputError as exc:
            error = str(exc)
    return _render(request, "entity.html", name=name, histories=histories, error=error)


@router.get("/review/audit")
def audit_page(request: Request, user: User) -> HTMLResponse:
    query = AuditQuery(company_ids=user.company_ids, limit=200, newest_first=True)
    with request.app.state.store.read() as conn:
        found = [e.to_json() for e in entries(conn, query)]
    return _render(request, "audit.html", entries=found)


@router.get("/review/sources")
def sources_page(request: Request, user: User) -> HTMLResponse:
    health = _data.health(request.app.state.config, request.app.state.store)
    return _render(request, "sources.html", sources=[h.to_json() for h in health])
