"""Commands that read the change log: events, show."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, cast

import typer

from . import app
from ._context import get_context
from ._options import date_option
from ._output import Format, Shown, echo, emit, print_json

__all__: list[str] = []

EVENT_COLUMNS = [
    ("id", "id"),
    ("date", "date"),
    ("kind", "kind"),
    ("source", "source"),
    ("list", "list"),
    ("country", "country"),
    ("document_number", "document"),
    ("title", "title"),
]
#: the CSV carries what a spreadsheet needs to act on an event (the JSON carries everything)
EVENT_CSV_COLUMNS = [
    (key, key)
    for key in (
        "id", "key", "revision", "source", "kind", "published_on", "effective_on", "detected_at",
        "list", "country", "document_number", "citation", "title", "url", "entity_name",
        "entity_aliases", "entity_addresses", "related_key",
    )
]  # fmt: skip
_TABLE_LIMIT = 50


def _csv_record(record: dict[str, Any]) -> dict[str, Any]:
    entity = record.get("entity") or {}
    return {
        **record,
        "entity_name": entity.get("name"),
        "entity_aliases": "; ".join(entity.get("aliases") or ()),
        "entity_addresses": "; ".join(entity.get("addresses") or ()),
    }


@app.command()
def events(
    ctx: typer.Context,
    since: Annotated[
        str | None,
        typer.Option(
            help="on or after this date (YYYY-MM-DD; publication date, else detection date)",
            callback=date_option,
        ),
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="on or before this date (YYYY-MM-DD)", callback=date_option)
    ] = None,
    source: Annotated[
        list[str] | None, typer.Option("--source", help="only this source (repeatable)")
    ] = None,
    kind: Annotated[
        list[str] | None,
        typer.Option("--kind", help="only this kind, e.g. entity.added (repeatable)"),
    ] = None,
    list_: Annotated[
        list[str] | None,
        typer.Option("--list", help="only this list code, e.g. EL, MEU, JP-EUL (repeatable)"),
    ] = None,
    country: Annotated[
        list[str] | None,
        typer.Option(
            "--country",
            help="only this country: an ISO code or a name, e.g. CN or China (repeatable)",
        ),
    ] = None,
    q: Annotated[
        str | None,
        typer.Option("--q", help="full-text search; every term must occur (English or Japanese)"),
    ] = None,
    company: Annotated[
        str | None,
        typer.Option("--company", help="only events that matched this company's watch list"),
    ] = None,
    fmt: Annotated[
        Format, typer.Option("--format", help="table, json, jsonl or csv")
    ] = Format.table,
    limit: Annotated[
        int | None,
        typer.Option(
            help=f"at most N events, newest first (default: {_TABLE_LIMIT} for the table, "
            "all for json, jsonl and csv; 0 for all)",
            min=0,
        ),
    ] = None,
) -> None:
    """List change events, newest first, filtered."""
    from ..store import EventQuery

    appctx = get_context(ctx)
    if limit is None:
        limit = _TABLE_LIMIT if fmt == Format.table else 0
    query = EventQuery(
        since=cast(date | None, since),  # the option callbacks made them dates
        until=cast(date | None, until),
        sources=tuple(source or ()),
        kinds=tuple(kind or ()),
        lists=tuple(list_ or ()),
        countries=tuple(country or ()),
        q=q,
        company=company,
        limit=limit or None,
    )
    store = appctx.store()
    records = [e.to_json() for e in store.iter_events(query)]
    if fmt == Format.csv:
        emit([_csv_record(r) for r in records], fmt, EVENT_CSV_COLUMNS)
        return
    if fmt == Format.table:  # the date the listing is ordered by: published, else detected
        for record in records:
            record["date"] = record.get("published_on") or (record.get("detected_at") or "")[:10]
    total = store.count_matching(query) if limit and len(records) == limit else len(records)
    emit(records, fmt, EVENT_COLUMNS, total=total, optional=("document_number", "source"))


def _provenance(appctx: Any, payload_id: int | None) -> dict[str, Any] | None:
    if payload_id is None:
        return None
    info = appctx.store().payload_info(payload_id)
    return (
        {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in info.items()}
        if info
        else None
    )


@app.command()
def show(
    ctx: typer.Context,
    event_id: Annotated[int, typer.Argument(help="the event id (from `regwatch events`)")],
    fmt: Annotated[Shown, typer.Option("--format", help="table (readable) or json")] = Shown.table,
) -> None:
    """One event in full, with its provenance, its other revisions and its matches."""
    from .._extraction import describe_extraction
    from ..matching import event_matches

    appctx = get_context(ctx)
    store = appctx.store()
    stored = store.event(event_id)
    if stored is None:
        echo(f"error: no event with id {event_id}", err=True)
        raise typer.Exit(1)
    record = stored.to_json()
    extraction = stored.event.data.get("extraction")
    if isinstance(extraction, dict):
        # A rule read in part says so first, in words, before its data.
        record = {"not_fully_read": describe_extraction(extraction), **record}
    record["provenance"] = _provenance(appctx, stored.payload_id)
    record["revisions"] = [
        {
            "id": r.id,
            "revision": r.revision,
            "detected_at": r.to_json()["detected_at"],
            "kind": str(r.event.kind),
        }
        for r in store.revisions(stored.event.key)
    ]
    record["matches"] = [
        {k: m[k] for k in ("id", "company", "item_kind", "item", "score", "tier", "field",
                           "status", "reason")}
        for m in event_matches(store, event_id)
    ]  # fmt: skip
    if fmt != Shown.table:
        print_json(record)
        return
    for key, value in record.items():
        if value in (None, [], {}):
            continue
        if isinstance(value, (dict, list)):
            value = json.dumps(value, ensure_ascii=False, indent=2, default=str)
        echo(f"{key}: {value}")
