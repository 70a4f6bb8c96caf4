"""``regwatch serve``: the HTTP API, the Atom feeds and the review page."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from ..exceptions import ConfigError
from . import app
from ._context import get_context
from ._output import echo

__all__: list[str] = []


def _secret_key(path: Path | None) -> str | None:
    if path is not None:
        try:
            key = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"--secret-key-file {path}: {exc.strerror}") from None
        if len(key) < 32:
            raise ConfigError(f"--secret-key-file {path}: expected at least 32 characters")
        return key
    return os.environ.get("REGWATCH_SECRET_KEY") or None


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="port to listen on", min=1, max=65535)] = 8080,
    secret_key_file: Annotated[
        Path | None,
        typer.Option(
            "--secret-key-file",
            help="signs the page's session cookies (default: $REGWATCH_SECRET_KEY, else a "
            "random key: sessions end when the server restarts)",
        ),
    ] = None,
    https_only: Annotated[
        bool, typer.Option("--https-only", help="session cookies only over HTTPS (behind TLS)")
    ] = False,
) -> None:
    """Serve the JSON API (/api/v1, OpenAPI at /api/v1/openapi.json), Atom feeds (/feeds) and
    the review page (/review) until interrupted.  Every request needs an API token."""
    from ..web import serve as run

    appctx = get_context(ctx)
    key = _secret_key(secret_key_file)
    store = appctx.store()
    echo(f"regwatch serving on http://{host}:{port}/review (API at /api/v1)", err=True)
    run(store, appctx.config, host=host, port=port, secret_key=key, https_only=https_only)
