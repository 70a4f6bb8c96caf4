"""The ``regwatch`` command: a thin layer over the library; no logic of its own.

Each group of commands lives in its own module and adds itself to :data:`app`.
"""

from __future__ import annotations

import logging
import sys
from enum import StrEnum
from typing import Annotated, Any

import typer
import typer.main

from .._terminal import printable
from .._version import __version__
from ..exceptions import ConfigError, InputError, ReviewRefused, StoreError
from ..logs import configure_logging
from ._context import AppContext
from ._help import tidy_help

__all__ = ["app", "command", "main"]

app = typer.Typer(
    name="regwatch",
    help="Watch export-control sources (Federal Register, Entity List, METI) and report what "
    "changed that touches your business.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

#: global options that take a value and may also be given after the command name
_HOISTED = ("--db", "--config")


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
    quiet: Annotated[
        bool,
        typer.Option("--quiet", "-q", help="print only errors and warnings (for cron and scripts)"),
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
    ctx.obj = AppContext(db_option=db, config_option=config, quiet=quiet, verbose=verbose)
    ctx.call_on_close(ctx.obj.close)


# The command modules register themselves on `app`.
from . import (  # noqa: E402,F401
    _audit,
    _config,
    _demo,
    _digest,
    _entities,
    _events,
    _reconcile,
    _reprocess,
    _serve,
    _sources,
    _watch,
)


def hoist_global_options(args: list[str]) -> list[str]:
    """``--db`` and ``--config`` given after the command name, moved to the front, where the
    top-level command reads them (``regwatch events --db x.db`` = ``regwatch --db x.db events``)."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest += args[i:]
            break
        if arg in _HOISTED and i + 1 < len(args):
            front += args[i : i + 2]
            i += 2
            continue
        if arg.startswith(tuple(f"{name}=" for name in _HOISTED)):
            front.append(arg)
        else:
            rest.append(arg)
        i += 1
    return front + rest


def command(*, help_wanted: bool = True) -> Any:
    """The ``regwatch`` command as click runs it, with its help texts tidied.

    :param help_wanted: add what only the help shows and costs imports to know (the options
        each source declares for ``regwatch import``)
    """
    root = tidy_help(typer.main.get_command(app))
    if help_wanted:
        from ._sources import _import_options_help

        root.commands["import"].epilog = _import_options_help()
    return root


def main(argv: list[str] | None = None) -> None:
    """Entry point: exit status 0 success, 1 some work failed, 2 bad usage or configuration."""
    args = hoist_global_options(sys.argv[1:] if argv is None else list(argv))
    try:
        wanted = bool({"-h", "--help"} & set(args)) or not args  # no arguments: the help
        command(help_wanted=wanted)(args=args, prog_name="regwatch")
    except (ConfigError, InputError, StoreError, ReviewRefused) as exc:
        typer.echo(f"error: {printable(exc)}", err=True)
        sys.exit(2)
    except Exception as exc:
        # Only a command that opened a database can raise a driver error, and it has loaded
        # SQLAlchemy by then: looking it up here keeps it out of every other command's start.
        sa_exc = sys.modules.get("sqlalchemy.exc")
        if sa_exc is None or not isinstance(exc, sa_exc.DBAPIError):
            raise
        from ..store._engine import explain_database_error

        typer.echo(f"error: {printable(explain_database_error(exc))}", err=True)
        sys.exit(2)
