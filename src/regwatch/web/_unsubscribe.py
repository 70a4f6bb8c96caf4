"""One-click unsubscribe (RFC 8058) from the link every digest carries when the web page is
configured: ``WEB_URL/unsubscribe/TOKEN``.

The token is the secret, so there is no sign-in and no CSRF token.  ``GET`` only shows a page
with a button (mail scanners open links; opening one must not unsubscribe anybody); ``POST``
with ``List-Unsubscribe=One-Click`` in the form body, as a mail provider or that button sends
it, unsubscribes and records it in the audit trail.  An unknown token is ``404`` and says no
more.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from ..store._recipients import Subscription, subscription, unsubscribe
from ..timeutil import utcnow
from ._api import BadField
from ._pages import templates

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

#: the form field and value RFC 8058 has the mail provider POST
ONE_CLICK = ("List-Unsubscribe", "One-Click")


def _found(request: Request, token: str) -> Subscription:
    with request.app.state.store.read() as conn:
        found = subscription(conn, token)
    if found is None:
        raise HTTPException(404, "not found")
    return found


def _page(request: Request, found: Subscription, done: bool, status: int = 200) -> HTMLResponse:
    response = templates.TemplateResponse(
        request,
        "unsubscribe.html",
        {"user": None, "found": found, "done": done},
        status_code=status,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/unsubscribe/{token}")
def confirm(request: Request, token: str) -> HTMLResponse:
    found = _found(request, token)
    return _page(request, found, done=found.unsubscribed_at is not None)


@router.post("/unsubscribe/{token}")
async def one_click(request: Request, token: str) -> HTMLResponse:
    found = _found(request, token)
    form = await request.form()
    name, value = ONE_CLICK
    if form.get(name) != value:
        raise BadField(name, f"a one-click unsubscribe posts {name}={value} (RFC 8058)")
    with request.app.state.store.write() as conn:
        # a second POST (a retry, or the button after the provider's POST) changes nothing
        unsubscribe(conn, token, utcnow())
    return _page(request, found, done=True)
