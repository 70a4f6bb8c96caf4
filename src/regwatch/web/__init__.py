"""``regwatch serve``: the JSON API, Atom feeds and the review page, over one store.

Built on FastAPI (Starlette underneath) and served by uvicorn: see ``docs/api.md`` for why.
:func:`create_app` builds the ASGI application; :func:`serve` runs it.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from .._version import __version__
from ..config import Config
from ..store import Store
from . import _api, _pages, _unsubscribe

__all__ = ["create_app", "serve"]

log = logging.getLogger(__name__)

_HERE = Path(__file__).parent
#: a page session lasts a working day; then the token is asked for again
SESSION_SECONDS = 8 * 3600
#: the one-click unsubscribe page is a page too (see ``_unsubscribe``)
_UNSUB = "/unsubscribe/"
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def _error(status: int, body: dict[str, Any], headers: Mapping[str, str] | None = None) -> Response:
    return JSONResponse(body, status_code=status, headers=headers)


def create_app(
    store: Store, config: Config, *, secret_key: str | None = None, https_only: bool = False
) -> FastAPI:
    """The application.  ``secret_key`` signs the page's session cookies (a random one when
    not given: sessions then end when the server restarts)."""
    app = FastAPI(
        title="regwatch",
        version=__version__,
        summary="Export-control change events, matches against watch lists, review decisions.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    app.state.store = store
    app.state.config = config
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret_key or secrets.token_urlsafe(32),
        session_cookie="regwatch_session",
        max_age=SESSION_SECONDS,
        same_site="strict",
        https_only=https_only,
    )

    @app.middleware("http")
    async def page_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        path = request.url.path
        if _pages.is_page(request) or path in ("/login", "/logout") or path.startswith(_UNSUB):
            # the page loads only its own script and style, and is never framed
            response.headers["Content-Security-Policy"] = PAGE_CSP
        return response

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        loc = [str(p) for p in first.get("loc", ()) if p not in ("query", "path", "body")]
        field = ".".join(loc) or "body"
        message = str(first.get("msg", "invalid value"))
        return _error(400, {"error": "bad request", "field": field, "message": message})

    @app.exception_handler(_api.BadField)
    async def bad_field(request: Request, exc: _api.BadField) -> Response:
        return _error(400, {"error": "bad request", "field": exc.field, "message": exc.message})

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 401 and _pages.is_page(request):
            return RedirectResponse("/login", status_code=303)
        return _error(exc.status_code, {"error": str(exc.detail)}, exc.headers)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        # logged in full here; the client learns nothing about the inside
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _error(500, {"error": "internal error"})

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        """Liveness: the server answers and the database is reachable (no token needed)."""
        store.count_events()
        return {"status": "ok"}

    app.include_router(_api.router)
    app.include_router(_api.feeds)
    app.include_router(_pages.router)
    app.include_router(_unsubscribe.router)
    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="static")
    return app


def serve(
    store: Store,
    config: Config,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    secret_key: str | None = None,
    https_only: bool = False,
) -> None:
    """Run the server until interrupted (SIGINT, SIGTERM)."""
    import uvicorn

    app = create_app(store, config, secret_key=secret_key, https_only=https_only)
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False)
