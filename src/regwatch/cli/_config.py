"""``regwatch config``: which database and sources file are in use, and where each came from."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from . import app
from ._context import get_context
from ._output import Shown, echo, print_json

__all__ = ["provenance"]

_DEFAULT_DB = "sqlite:///regwatch.db"
_DEFAULT_CONFIG = "sources.yaml"


def _shown_url(url: str) -> str:
    """The URL without its password."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is shown as given, less anything after a colon-at
        return url.split("@")[-1]


def provenance(db_option: str | None, config_option: str | None) -> dict[str, Any]:
    """What ``regwatch config`` reports, as a record (no database is opened)."""
    cwd = Path.cwd()
    if db_option:
        db, db_from = db_option, "the --db option"
    elif os.environ.get("REGWATCH_DB"):
        db, db_from = os.environ["REGWATCH_DB"], "the REGWATCH_DB environment variable"
    else:
        db, db_from = _DEFAULT_DB, f"the default (no --db, no REGWATCH_DB), in {cwd}"
    url = db if "://" in db else f"sqlite:///{db}"
    record: dict[str, Any] = {"database": _shown_url(url), "database_from": db_from}
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///")).expanduser()
        record["database_file"] = str(path if path.is_absolute() else cwd / path)
        record["database_exists"] = path.exists()
    if config_option:
        config, config_from = config_option, "the --config option"
    elif os.environ.get("REGWATCH_CONFIG"):
        config, config_from = (
            os.environ["REGWATCH_CONFIG"],
            "the REGWATCH_CONFIG environment variable",
        )
    elif Path(_DEFAULT_CONFIG).exists():
        config, config_from = _DEFAULT_CONFIG, f"./{_DEFAULT_CONFIG} in {cwd}"
    else:
        config, config_from = None, f"none: built-in defaults (no ./{_DEFAULT_CONFIG} in {cwd})"
    record["config"] = str((cwd / config).resolve()) if config else None
    record["config_from"] = config_from
    smtp = os.environ.get("REGWATCH_SMTP_URL")
    record["digests_go_to"] = (
        f"SMTP server {_shown_url(smtp)} (REGWATCH_SMTP_URL)"
        if smtp
        else f".eml files in {(cwd / os.environ.get('REGWATCH_OUTBOX', 'outbox')).resolve()} "
        "(no REGWATCH_SMTP_URL)"
    )
    return record


@app.command("config")
def config_(
    ctx: typer.Context,
    fmt: Annotated[Shown, typer.Option("--format", help="table (readable) or json")] = (
        Shown.table
    ),
) -> None:
    """Print the database and the sources file in use, where each came from, the enabled
    sources and where digests go.

    Example:

        regwatch config
    """
    appctx = get_context(ctx)
    record = provenance(appctx.db_option, appctx.config_option)
    record["enabled_sources"] = appctx.config.enabled_sources()
    if fmt != Shown.table:
        print_json(record)
        return
    exists = record.get("database_exists")
    state = "" if exists is None else ("" if exists else "  (does not exist yet: regwatch init)")
    echo(f"database:     {record['database']}{state}")
    echo(f"  from        {record['database_from']}")
    echo(f"sources file: {record['config'] or '(none)'}")
    echo(f"  from        {record['config_from']}")
    echo(f"enabled:      {', '.join(record['enabled_sources']) or '(none)'}")
    echo(f"digests:      {record['digests_go_to']}")
