"""The ``regwatch`` command: a thin layer over the library; no logic of its own.

Each group of commands lives in its own module and adds itself to :data:`app`.
"""

from __future__ import annotations

import logging
import sys
from enum import StrEnum
from typing import Annotated

import typer

from .._version import __version__
from ..exceptions import ConfigError, InputError, StoreError
from ..logs import configure_logging
from ._context import AppContext

__all__ = ["app", "main"]

app = typer.Typer(
    name="regwatch",
    help="Watch export-control sources (Federal Register, Entity List, METI) and report what "
    "changed that touches your business.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class LogFormat(StrEnum):
    text = "text"
    json = "json"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"regwatch {__version__}")
        raise typer.Exit()


@app.callback()
def _global(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db", help="database URL (default: $REGWATCH_DB, else sqlite:///regwatch.db)"
        ),
    ] = None,
    config: Annotated[
        str | None,
        typer.Option(
            "--config", help="sources file (default: $REGWATCH_CONFIG, else ./sources.yaml)"
        ),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="log what every poll does (to stderr)")
    ] = False,
    log_format: Annotated[
        LogFormat,
        typer.Option("--log-format", help="log lines as readable text or JSON, one per line"),
    ] = LogFormat.text,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="print the version and exit"
        ),
    ] = False,
) -> None:
    configure_logging(logging.INFO if verbose else logging.WARNING, log_format.value)
    ctx.obj = AppContext(db_option=db, config_option=config)
    ctx.call_on_close(ctx.obj.close)


# The command modules register themselves on `app`.
from . import _demo, _digest, _entities, _events, _sources, _watch  # noqa: E402,F401


def main(argv: list[str] | None = None) -> None:
    """Entry point: exit status 0 success, 1 some work failed, 2 bad usage or configuration."""
    try:
        app(args=argv, prog_name="regwatch")
    except (ConfigError, InputError, StoreError) as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
