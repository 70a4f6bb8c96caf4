"""Commands for watch lists and their matches: watch import|list, matches, screen."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..exceptions import InputError
from . import app
from ._context import get_context, say
from ._output import Format, Shown, echo, emit, print_json

__all__: list[str] = []

# Written out so that the help needs no matcher loaded (tests/test_cli_usability.py checks
# that they agree with regwatch.matching).
SCHEMAS = ("Person", "Company", "Organization", "LegalEntity", "Vessel")
STATUSES = ("new", "acknowledged", "dismissed")

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
    ("event_title", "event title"),
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
    add: Annotated[
        bool,
        typer.Option(
            "--add", help="only add and update items; keep the company's items the file omits"
        ),
    ] = False,
) -> None:
    """Import a watch list, all or nothing, then re-screen stored history against it.

    YAML has company, recipients and watch (entities, keywords, eccns, cfr, countries,
    topics); a CSV has the columns name, aliases, country, identifiers.  Any error
    is reported with its file, line and field, and nothing is imported (exit status 2).
    """
    appctx = get_context(ctx)
    store = appctx.store(create=True)
    from ..audit import default_actor
    from ..matching import import_and_rescreen

    imported, screened = import_and_rescreen(store, file, company, add=add, actor=default_actor())
    parts = [
        f"{imported.added} added",
        f"{imported.updated} updated",
        f"{imported.reactivated} re-activated",
        f"{imported.unchanged} unchanged",
        f"{imported.deactivated} deactivated",
    ]
    say(ctx, f"{imported.company}: {', '.join(parts)} watch item(s)")
    if imported.recipients is not None:
        say(ctx, f"{imported.company}: {imported.recipients} recipient(s)")
    say(
        ctx,
        f"{imported.company}: re-screened {screened.events} stored event(s): "
        f"{screened.matches} new match(es)",
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
    store = get_context(ctx).store()
    if company is not None:
        store.check_company(company)
    from ..matching import watch_items

    records = watch_items(store, company)
    if fmt == Format.csv:
        # the shape `regwatch watch import` reads back
        emit([_export_row(r) for r in records], fmt, [(k, k) for k in EXPORT_COLUMNS])
        return
    emit(records, fmt, ITEM_COLUMNS)


EXPORT_COLUMNS = (
    "company",
    "kind",
    "value",
    "aliases",
    "country",
    "identifiers",
    "schema",
    "active",
)


def _export_row(record: dict[str, Any]) -> dict[str, Any]:
    identifiers = record.get("identifiers") or []
    if isinstance(identifiers, dict):
        identifiers = [f"{k}:{v}" for k, v in identifiers.items()]
    return {
        **record,
        "aliases": "; ".join(record.get("aliases") or ()),
        "identifiers": "; ".join(identifiers),
        "schema": record.get("schema") or ("Company" if record["kind"] == "entity" else ""),
        "active": "true" if record["active"] else "false",
    }


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
    from ..matching import MatchQuery, list_matches

    found = list_matches(get_context(ctx).store(), MatchQuery(company=company, status=status))
    shown = found[:limit] if limit else found
    emit(shown, fmt, MATCH_COLUMNS, total=len(found), optional=("event_kind", "reason", "company"))


_IDS_HELP = "the match ids (from `regwatch matches`)"
_BY_HELP = "who decides, for the audit trail (default: your login name)"


def _change(
    ctx: typer.Context, match_ids: list[int], status: str, note: str | None, by: str | None
) -> None:
    from ..audit import default_actor
    from ..matching import MatchQuery, list_matches, set_status

    store = get_context(ctx).store()
    # every id is checked before any is decided: a typo decides nothing
    missing = [i for i in match_ids if not list_matches(store, MatchQuery(match_id=i))]
    if missing:
        raise InputError(
            f"no match with id {', '.join(map(str, missing))} (see `regwatch matches`); "
            "nothing was changed"
        )
    for match_id in match_ids:
        record = set_status(store, match_id, status, note, actor=by or default_actor())
        target = f"{record['item']} / event {record['event_id']}"
        if record["decision"] == "match.dismiss_requested":
            say(
                ctx,
                f"match {record['id']}: dismissal requested, waiting for a second reviewer "
                f"({target})",
            )
        else:
            say(ctx, f"match {record['id']}: {record['status']} ({target})")


@matches_app.command("ack")
def matches_ack(
    ctx: typer.Context,
    match_ids: Annotated[list[int], typer.Argument(help=_IDS_HELP)],
    note: Annotated[str | None, typer.Option("--note", help="why, for the record")] = None,
    by: Annotated[str | None, typer.Option("--by", help=_BY_HELP)] = None,
) -> None:
    """Acknowledge matches: seen and handled (this clears an earlier dismissal)."""
    _change(ctx, match_ids, "acknowledged", note, by)


@matches_app.command("dismiss")
def matches_dismiss(
    ctx: typer.Context,
    match_ids: Annotated[list[int], typer.Argument(help=_IDS_HELP)],
    note: Annotated[str | None, typer.Option("--note", help="why it is not a real hit")] = None,
    by: Annotated[str | None, typer.Option("--by", help=_BY_HELP)] = None,
) -> None:
    """Dismiss matches as false positives; they stay dismissed unless the event changes
    materially (a revision that changes the matched name, kind, list or country).  Where the
    company has four-eyes review, a second reviewer's dismissal is needed."""
    _change(ctx, match_ids, "dismissed", note, by)


@matches_app.command("reopen")
def matches_reopen(
    ctx: typer.Context,
    match_ids: Annotated[list[int], typer.Argument(help=_IDS_HELP)],
    note: Annotated[str | None, typer.Option("--note", help="why it needs a look again")] = None,
    by: Annotated[str | None, typer.Option("--by", help=_BY_HELP)] = None,
) -> None:
    """Put acknowledged or dismissed matches back in the queue (status ``new``)."""
    _change(ctx, match_ids, "new", note, by)


@matches_app.command("show")
def matches_show(
    ctx: typer.Context,
    match_id: Annotated[int, typer.Argument(help="the match id (from `regwatch matches`)")],
    fmt: Annotated[Shown, typer.Option("--format", help="table (readable) or json")] = Shown.table,
) -> None:
    """One match, with why it matched and its audit trail (every decision on it)."""
    from ..audit import trail
    from ..matching import MatchQuery, list_matches

    store = get_context(ctx).store()
    found = list_matches(store, MatchQuery(match_id=match_id))
    if not found:
        raise InputError(f"no match with id {match_id} (see `regwatch matches`)")
    record = found[0]
    record["trail"] = [entry.to_json() for entry in trail(store, f"match:{match_id}")]
    if fmt != Shown.table:
        print_json(record)
        return
    for key in MATCH_SHOW_FIELDS:
        if record.get(key) not in (None, ""):
            echo(f"{key}: {record[key]}")
    echo("trail:" if record["trail"] else "trail: no decisions yet")
    for entry in record["trail"]:
        why = f" — {entry['reason']}" if entry["reason"] else ""
        after = (entry["after"] or {}).get("status", "")
        echo(f"  {entry['at']}  {entry['actor']}  {entry['action']} -> {after}{why}")


MATCH_SHOW_FIELDS = (
    "id", "company", "status", "note", "tier", "score", "item_kind", "item", "field", "reason",
    "event_id", "event_kind", "event_title", "source", "list", "published_on", "url",
)  # fmt: skip


@app.command("screen")
def screen_(
    ctx: typer.Context,
    name: Annotated[
        str | None, typer.Argument(help="the name to screen (or --file for many)")
    ] = None,
    country: Annotated[
        str | None, typer.Option("--country", help="its country (ISO code or name)")
    ] = None,
    schema: Annotated[
        str, typer.Option("--schema", help=f"what it names: {', '.join(SCHEMAS)}")
    ] = "Company",
    lists: Annotated[
        list[str] | None,
        typer.Option("--list", help="search only this list, e.g. EL, SDN (repeatable)"),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            help="screen every name of this file: a CSV with a 'name' column (and 'country'), "
            "or text with one name a line",
        ),
    ] = None,
    fail_on_match: Annotated[
        bool,
        typer.Option("--fail-on-match", help="exit 3 when any name has a candidate (scripts)"),
    ] = False,
    fmt: Annotated[
        Format, typer.Option("--format", help="table, json, jsonl or csv")
    ] = Format.table,
) -> None:
    """Score names against the entries currently on the restricted-party lists, with why.

    Every answer says which lists it searched, how many entries they hold and as of when.
    Exit status 1 when no list is loaded, 2 for an empty name, 3 with --fail-on-match when
    a name has a candidate.

    Examples:

        regwatch screen "Huawei Technologies Co., Ltd." --country CN

        regwatch screen --file customers.csv --list EL --list SDN --fail-on-match
    """
    from ._screen import run_screen

    if schema not in SCHEMAS:
        raise typer.BadParameter(f"expected one of {', '.join(SCHEMAS)}", param_hint="--schema")
    if (name is None) == (file is None):
        raise typer.BadParameter("give a NAME or --file, not both", param_hint="NAME")
    matched = run_screen(get_context(ctx).store(), name, file, country, schema, lists or [], fmt)
    if fail_on_match and matched:
        raise typer.Exit(3)
