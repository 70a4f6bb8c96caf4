"""Commands for watch lists and their matches: watch import|list, matches, screen."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..matching import (
    STATUSES,
    MatchQuery,
    import_and_rescreen,
    list_matches,
    screen,
    set_status,
    watch_items,
)
from ..matching._analyze import SCHEMAS
from . import app
from ._context import get_context
from ._output import Format, emit

__all__: list[str] = []

watch_app = typer.Typer(help="Watch lists: what each company watches.", no_args_is_help=True)
matches_app = typer.Typer(
    help="Matches: which events touched which watch items, and why.",
    invoke_without_command=True,
)
app.add_typer(watch_app, name="watch")
app.add_typer(matches_app, name="matches")

ITEM_COLUMNS = [
    ("id", "id"),
    ("company", "company"),
    ("kind", "kind"),
    ("value", "value"),
    ("aliases", "aliases"),
    ("country", "country"),
    ("file", "file"),
    ("active", "active"),
]
MATCH_COLUMNS = [
    ("id", "id"),
    ("company", "company"),
    ("tier", "tier"),
    ("score", "score"),
    ("status", "status"),
    ("event_id", "event"),
    ("event_kind", "kind"),
    ("item", "watch item"),
    ("reason", "why"),
]
SCREEN_COLUMNS = [
    ("score", "score"),
    ("tier", "tier"),
    ("list", "list"),
    ("name", "listed name"),
    ("matched_name", "matched name"),
    ("country", "country"),
    ("reason", "why"),
]


@watch_app.command("import")
def watch_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="a watch list: YAML, or an entity CSV")],
    company: Annotated[
        str | None,
        typer.Option("--company", help="the company (required for CSV; must agree with YAML)"),
    ] = None,
) -> None:
    """Import a watch list, all or nothing, then re-screen stored history against it.

    YAML has the shape described in the documentation (company, recipients, watch: entities, keywords, eccns, cfr,
    countries, topics); a CSV has the columns name, aliases, country, identifiers.  Any error
    is reported with its file, line and field, and nothing is imported (exit status 2).
    """
    appctx = get_context(ctx)
    store = appctx.store(create=True)
    imported, screened = import_and_rescreen(store, file, company)
    parts = [
        f"{imported.added} added",
        f"{imported.updated} updated",
        f"{imported.reactivated} re-activated",
        f"{imported.unchanged} unchanged",
        f"{imported.deactivated} deactivated",
    ]
    typer.echo(f"{imported.company}: {', '.join(parts)} watch item(s)")
    if imported.recipients is not None:
        typer.echo(f"{imported.company}: {imported.recipients} recipient(s)")
    typer.echo(
        f"{imported.company}: re-screened {screened.events} stored event(s): "
        f"{screened.matches} new match(es)"
    )


@watch_app.command("list")
def watch_list(
    ctx: typer.Context,
    company: Annotated[str | None, typer.Option("--company", help="only this company")] = None,
    fmt: Annotated[
        Format, typer.Option("--format", help="table, json, jsonl or csv")
    ] = Format.table,
) -> None:
    """What each company watches (inactive items too: a re-import dropped them)."""
    records = watch_items(get_context(ctx).store(), company)
    emit(records, fmt, ITEM_COLUMNS)


@matches_app.callback()
def matches(
    ctx: typer.Context,
    company: Annotated[str | None, typer.Option("--company", help="only this company")] = None,
    status: Annotated[
        str | None,
        typer.Option("--status", help=f"only this status: {', '.join(STATUSES)}"),
    ] = None,
    fmt: Annotated[
        Format, typer.Option("--format", help="table, json, jsonl or csv")
    ] = Format.table,
    limit: Annotated[
        int | None, typer.Option(help="at most N matches, newest first", min=1)
    ] = None,
) -> None:
    """List matches, newest first (or acknowledge or dismiss one: see the commands below)."""
    if ctx.invoked_subcommand is not None:
        return
    if status is not None and status not in STATUSES:
        raise typer.BadParameter(
            f"{status!r} is not a status; expected one of {', '.join(STATUSES)}",
            param_hint="--status",
        )
    query = MatchQuery(company=company, status=status, limit=limit)
    emit(list_matches(get_context(ctx).store(), query), fmt, MATCH_COLUMNS)


def _change(ctx: typer.Context, match_id: int, status: str, note: str | None) -> None:
    record = set_status(get_context(ctx).store(), match_id, status, note)
    target = f"{record['item']} / event {record['event_id']}"
    typer.echo(f"match {record['id']}: {record['status']} ({target})")


@matches_app.command("ack")
def matches_ack(
    ctx: typer.Context,
    match_id: Annotated[int, typer.Argument(help="the match id (from `regwatch matches`)")],
    note: Annotated[str | None, typer.Option("--note", help="why, for the record")] = None,
) -> None:
    """Acknowledge a match: seen and handled."""
    _change(ctx, match_id, "acknowledged", note)


@matches_app.command("dismiss")
def matches_dismiss(
    ctx: typer.Context,
    match_id: Annotated[int, typer.Argument(help="the match id (from `regwatch matches`)")],
    note: Annotated[str | None, typer.Option("--note", help="why it is not a real hit")] = None,
) -> None:
    """Dismiss a match as a false positive; it stays dismissed unless the event changes
    materially (a revision that changes the matched name, kind, list or country)."""
    _change(ctx, match_id, "dismissed", note)


@app.command("screen")
def screen_(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="the name to screen")],
    country: Annotated[
        str | None, typer.Option("--country", help="its country (ISO code or name)")
    ] = None,
    schema: Annotated[
        str, typer.Option("--schema", help=f"what it names: {', '.join(SCHEMAS)}")
    ] = "Company",
    fmt: Annotated[
        Format, typer.Option("--format", help="table, json, jsonl or csv")
    ] = Format.table,
) -> None:
    """Score a name against the entries currently on the restricted-party lists, with why."""
    if schema not in SCHEMAS:
        raise typer.BadParameter(f"expected one of {', '.join(SCHEMAS)}", param_hint="--schema")
    results = screen(get_context(ctx).store(), name, country, schema=schema)
    if fmt == Format.table and not results:
        typer.echo(f"no listed entry scores {name!r} at review level or above")
        return
    emit(results, fmt, SCREEN_COLUMNS)
