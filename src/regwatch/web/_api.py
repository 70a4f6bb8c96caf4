"""The JSON API, version 1 (``/api/v1``): what ``regwatch events``, ``show``, ``entity``,
``matches`` and ``sources`` show, and review decisions; documented at ``/api/v1/openapi.json``."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from .._entity_history import entity_history
from ..events import EventKind
from ..exceptions import InputError, ReviewRefused
from ..matching import STATUSES
from ..store import EventQuery
from ..store._api import MatchSelection, companies, events_page, watch_items
from ..store._audit import AuditQuery, entries, verify
from ..store._review import companies as company_ids
from ..store._review import decide, match_company
from ..store._tokens import list_tokens
from . import _data
from ._feed import matches_feed
from ._security import Principal, forbidden, require

__all__ = ["BadField", "router"]

router = APIRouter(prefix="/api/v1")

Reader = Annotated[Principal, Depends(require("read"))]
Reviewer = Annotated[Principal, Depends(require("review"))]
Admin = Annotated[Principal, Depends(require("admin"))]
Repeated = Annotated[list[str] | None, Query()]


class BadField(Exception):
    """A request value that is not acceptable: answered 400, naming the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class Page(BaseModel):
    items: list[dict[str, Any]]
    #: pass as ``cursor`` for the next page; ``null`` on the last page
    next_cursor: str | None = None


class DecisionIn(BaseModel):
    note: str | None = Field(default=None, max_length=4000, description="why, for the record")


class DecisionOut(BaseModel):
    match: dict[str, Any]
    #: ``match.acknowledge``, ``match.dismiss``, ``match.reopen`` or ``match.dismiss_requested``
    recorded: str
    audit_id: int
    #: the dismissal waits for a second reviewer (four-eyes review)
    pending: bool


def _companies(request: Request, principal: Principal, name: str | None) -> tuple[int, ...] | None:
    """The company ids a query covers: the one named (which must be in the token's scope:
    403 otherwise, whether or not it exists), else the token's scope."""
    if name is None:
        return principal.company_ids
    with request.app.state.store.read() as conn:
        known = company_ids(conn)
    if principal.company_ids is not None and known.get(name) not in principal.company_ids:
        raise forbidden()
    if name not in known:
        raise BadField("company", f"no company named {name!r}")
    return (known[name],)


def _checked(values: list[str] | None, allowed: tuple[str, ...], field: str) -> tuple[str, ...]:
    for value in values or []:
        if value not in allowed:
            raise BadField(field, f"{value!r} is not one of {', '.join(allowed)}")
    return tuple(values or ())


def _json_response(body: Any) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        media_type="application/json",
    )


@router.get("/events", response_model=Page, tags=["events"])
def list_events(
    request: Request,
    principal: Reader,
    since: date | None = None,
    until: date | None = None,
    source: Repeated = None,
    kind: Repeated = None,
    list_code: Annotated[list[str] | None, Query(alias="list")] = None,
    country: Repeated = None,
    q: Annotated[str | None, Query(max_length=500)] = None,
    company: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Response:
    """The change log, newest first, with every filter of ``regwatch events``; page with
    ``cursor`` (each page's ``next_cursor``): pages stay exact while new events arrive."""
    kinds = _checked(kind, tuple(k.value for k in EventKind), "kind")
    _companies(request, principal, company)
    if since and until and since > until:
        raise BadField("until", "until is before since")
    try:
        after = _data.decode_cursor(cursor) if cursor else None
    except _data.BadCursor as exc:
        raise BadField("cursor", str(exc)) from None
    query = EventQuery(
        since=since,
        until=until,
        sources=tuple(source or ()),
        kinds=kinds,
        lists=tuple(list_code or ()),
        countries=tuple(country or ()),
        q=q,
        company=company,
    )
    with request.app.state.store.read() as conn:
        events, following = events_page(conn, query, after, limit)
    # the records are already JSON-ready: written out directly, not re-validated as a model
    return _json_response(
        {
            "items": [e.to_json() for e in events],
            "next_cursor": _data.encode_cursor(following) if following else None,
        }
    )


@router.get("/events/{event_id}", tags=["events"])
def get_event(request: Request, principal: Reader, event_id: int) -> dict[str, Any]:
    """One event with all its revisions, its provenance (the payload it came from: URL, fetch
    time, SHA-256) and the matches the token may see."""
    record = _data.event_detail(request.app.state.store, principal, event_id)
    if record is None:
        raise HTTPException(404, "not found")
    return record


@router.get("/entities", tags=["events"])
def get_entity_history(
    request: Request,
    principal: Reader,
    name: Annotated[str, Query(min_length=1, max_length=300)],
) -> list[dict[str, Any]]:
    """Every listed (or formerly listed) party whose name or alias holds all the words of
    ``name``, with its history across lists (as ``regwatch entity``)."""
    try:
        found = entity_history(request.app.state.store, name)
    except InputError as exc:
        raise BadField("name", str(exc)) from None
    return [_data.jsonable(h.to_json()) for h in found]


@router.get("/companies", tags=["companies"])
def get_companies(request: Request, principal: Reader) -> list[dict[str, Any]]:
    """The companies the token may see, with their watch item and open match counts."""
    with request.app.state.store.read() as conn:
        return _data.jsonable_records(companies(conn, principal.company_ids))


@router.get("/companies/{company}/watch-items", tags=["companies"])
def get_watch_items(request: Request, principal: Reader, company: str) -> list[dict[str, Any]]:
    """What a company watches (inactive items too)."""
    with request.app.state.store.read() as conn:
        cid = company_ids(conn).get(company)
        if cid is None or not principal.may_see(cid):
            raise HTTPException(404, "not found")
        return _data.jsonable_records(watch_items(conn, cid))


@router.get("/matches", response_model=Page, tags=["matches"])
def list_matches(
    request: Request,
    principal: Reader,
    company: str | None = None,
    status: Repeated = None,
    tier: Repeated = None,
    list_code: Annotated[list[str] | None, Query(alias="list")] = None,
    event_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Page:
    """Matches, newest first, by company, status (``new``, ``acknowledged``, ``dismissed``),
    tier, list or event; paged like events."""
    statuses = _checked(status, STATUSES, "status")
    tiers = _checked(tier, ("alert", "review"), "tier")
    ids = _companies(request, principal, company)
    after = None
    if cursor is not None:
        if not cursor.isdigit():
            raise BadField("cursor", "not a cursor from a previous page's next_cursor")
        after = int(cursor)
    flt = MatchSelection(
        company_ids=ids,
        statuses=statuses,
        tiers=tiers,
        lists=tuple(list_code or ()),
        event_id=event_id,
        before_id=after,
        limit=limit,
    )
    with request.app.state.store.read() as conn:
        items, following = _data.matches_page(conn, flt)
    return Page(items=_data.jsonable(items), next_cursor=str(following) if following else None)


def _visible_match(request: Request, principal: Principal, match_id: int) -> None:
    with request.app.state.store.read() as conn:
        cid = match_company(conn, match_id)
    # another company's match is "not found", exactly like a match that does not exist
    if cid is None or not principal.may_see(cid):
        raise HTTPException(404, "not found")


@router.get("/matches/{match_id}", tags=["matches"])
def get_match(request: Request, principal: Reader, match_id: int) -> dict[str, Any]:
    """One match with why it matched and its audit trail."""
    _visible_match(request, principal, match_id)
    with request.app.state.store.read() as conn:
        (record,), _ = _data.matches_page(conn, MatchSelection(match_id=match_id))
        record["trail"] = [
            e.to_json() for e in entries(conn, AuditQuery(subject=f"match:{match_id}"))
        ]
    return _data.jsonable_record(record)


def _decide(
    request: Request, principal: Principal, match_id: int, decision: str, body: DecisionIn | None
) -> DecisionOut:
    _visible_match(request, principal, match_id)
    note = body.note if body is not None else None
    try:
        with request.app.state.store.write() as conn:
            made = decide(conn, match_id, decision, principal.actor, note)
    except ReviewRefused as exc:
        raise HTTPException(409, str(exc)) from None
    with request.app.state.store.read() as conn:
        (record,), _ = _data.matches_page(conn, MatchSelection(match_id=match_id))
    return DecisionOut(
        match=_data.jsonable(record), recorded=made.action, audit_id=made.audit.id,
        pending=made.pending,
    )  # fmt: skip


@router.post("/matches/{match_id}/acknowledge", tags=["matches"])
def acknowledge(
    request: Request, principal: Reviewer, match_id: int, body: DecisionIn | None = None
) -> DecisionOut:
    """Seen and handled (clears a dismissal).  Needs the ``review`` role."""
    return _decide(request, principal, match_id, "acknowledge", body)


@router.post("/matches/{match_id}/dismiss", tags=["matches"])
def dismiss(
    request: Request, principal: Reviewer, match_id: int, body: DecisionIn | None = None
) -> DecisionOut:
    """A false positive.  Under four-eyes review the first dismissal is a request (``pending``)
    and a second, different reviewer's dismissal makes it so; the same reviewer gets 409."""
    return _decide(request, principal, match_id, "dismiss", body)


@router.post("/matches/{match_id}/reopen", tags=["matches"])
def reopen(
    request: Request, principal: Reviewer, match_id: int, body: DecisionIn | None = None
) -> DecisionOut:
    """Back in the queue (status ``new``)."""
    return _decide(request, principal, match_id, "reopen", body)


@router.get("/audit", tags=["audit"])
def get_audit(
    request: Request,
    principal: Reviewer,
    since: date | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """The newest decisions (of the token's company, for a scoped token)."""
    query = AuditQuery(
        since=datetime.combine(since, time(), tzinfo=UTC) if since else None,
        company_ids=principal.company_ids,
        limit=limit,
        newest_first=True,
    )
    with request.app.state.store.read() as conn:
        return [e.to_json() for e in entries(conn, query)]


@router.get("/audit/verify", tags=["audit"])
def get_audit_verify(request: Request, principal: Admin) -> dict[str, Any]:
    """``regwatch audit verify``: the whole chain checked.  Needs the ``admin`` role."""
    with request.app.state.store.read() as conn:
        result = verify(conn)
    problems = [{"entry": p.entry_id, "problem": p.problem} for p in result.problems]
    return {"ok": result.ok, "entries": result.entries, "head": result.head, "problems": problems}


@router.get("/tokens", tags=["audit"])
def get_tokens(request: Request, principal: Admin) -> list[dict[str, Any]]:
    """Every token's record (never a token itself).  Needs the ``admin`` role."""
    with request.app.state.store.read() as conn:
        return [t.to_json() for t in list_tokens(conn)]


@router.get("/sources", tags=["sources"])
def get_sources(request: Request, principal: Reader) -> list[dict[str, Any]]:
    """Every source's health, as ``regwatch sources``."""
    return [h.to_json() for h in _data.health(request.app.state.config, request.app.state.store)]


feeds = APIRouter(prefix="/feeds", tags=["feeds"])


def _feed(request: Request, principal: Principal, company: str, list_code: str | None) -> Response:
    with request.app.state.store.read() as conn:
        cid = company_ids(conn).get(company)
        if cid is None or not principal.may_see(cid):
            raise HTTPException(404, "not found")
        items, _ = _data.matches_page(
            conn,
            MatchSelection(company_ids=(cid,), lists=(list_code,) if list_code else (), limit=100),
        )
    base = str(request.base_url).rstrip("/")
    path = "/feeds/" + quote(company, safe="") + (f"/{quote(list_code, safe='')}" if list_code
                                                   else "")  # fmt: skip
    self_url = f"{base}{path}.atom"
    page_url = f"{base}/review"
    xml = matches_feed(company, list_code, items, self_url, page_url)
    return Response(xml, media_type="application/atom+xml; charset=utf-8")


@feeds.get("/{company}.atom")
def company_feed(request: Request, principal: Reader, company: str) -> Response:
    """A company's newest 100 matches as Atom.  Feed readers that cannot send a header may
    pass the token as ``?token=`` (use a ``read`` token scoped to the company)."""
    return _feed(request, principal, company, None)


@feeds.get("/{company}/{list_code}.atom")
def company_list_feed(
    request: Request, principal: Reader, company: str, list_code: str
) -> Response:
    """A company's newest 100 matches on events of one list (``EL``, ``EUL``, …) as Atom."""
    return _feed(request, principal, company, list_code)
