"""``regwatch reprocess``: read stored payloads again with today's parser."""

from __future__ import annotations

from datetime import date
from typing import Annotated, cast

import typer

from . import app
from ._context import get_context
from ._options import date_option
from ._output import echo

__all__: list[str] = []


@app.command()
def reprocess(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="the source whose stored payloads to read again")],
    since: Annotated[
        str | None,
        typer.Option(
            help="only payloads fetched on or after this date (YYYY-MM-DD)",
            callback=date_option,
        ),
    ] = None,
    document: Annotated[
        str | None,
        typer.Option(help="only this document (a Federal Register document number)"),
    ] = None,
) -> None:
    """Read stored payloads again with this version's parser and store only what reads
    differently: a corrected reading becomes a revision with its changes, never a duplicate,
    and a match already e-mailed is not e-mailed again.  Running it twice changes nothing."""
    from ..pipeline import build_source
    from ..reprocess import reprocess as run_reprocess
    from ..sources import get_source_class

    appctx = get_context(ctx)
    get_source_class(source)  # an unknown name is a usage error, before the database opens
    store = appctx.store()
    result = run_reprocess(
        store,
        build_source(source, appctx.config),
        since=cast(date | None, since),  # the option callback made it a date
        document=document,
    )
    for warning in result.warnings:
        echo(f"{source}: warning: {warning}", err=True)
    echo(
        f"{source}: read {result.payloads} stored payload(s) again: {len(result.new_ids)} new, "
        f"{len(result.revised_ids)} revised, {result.unchanged} unchanged"
        + (f"; {result.carried} match(es) already sent, not sent again" if result.carried else "")
    )
    if result.not_read_again:
        echo(
            f"{source}: {len(result.not_read_again)} event(s) of an earlier reading are not read "
            "any more (kept in the history as they are): " + ", ".join(result.not_read_again[:20])
        )
