"""``regwatch entity NAME``: one listed party's history across snapshots and rules."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from . import app
from ._context import get_context
from ._output import Format, Shown, emit, print_json

__all__: list[str] = []

HISTORY_COLUMNS = [
    ("id", "event"),
    ("date", "date"),
    ("kind", "kind"),
    ("source", "source"),
    ("document", "document"),
    ("what", "what"),
    ("payload_id", "payload"),
]


def _what(record: dict[str, Any]) -> str:
    """One line saying what the event did to the entry."""
    data = record.get("data") or {}
    if record["kind"] == "list.revised":
        return f"in the first snapshot of the {record.get('list')} list (baseline)"
    if record.get("changes"):
        return "changed: " + ", ".join(sorted(record["changes"]))
    if data.get("confirms"):
        return f"confirms {data['confirms']}"
    return data.get("instruction") or ""


@app.command()
def entity(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="a name or alias (every word must match)")],
    fmt: Annotated[Shown, typer.Option("--format", help="table or json")] = Shown.table,
) -> None:
    """One listed party's history across CSL snapshots and Federal Register rules."""
    from .._entity_history import entity_history

    store = get_context(ctx).store()
    found = entity_history(store, name)
    if not found:
        typer.echo(f"no listed or formerly listed party matches {name!r}", err=True)
        raise typer.Exit(1)
    if fmt != Shown.table:
        print_json([h.to_json() for h in found])
        return
    for history in found:
        state = (
            f"listed since {history.current.listed_on}"
            if history.current and history.current.listed_on
            else "listed"
            if history.current
            else "not listed now"
        )
        typer.echo(
            f"{history.name} [{history.list_code or '?'}, {history.country or '?'}] "
            f"{state}  (key {history.key})"
        )
        rows = []
        for stored in history.events:
            record = stored.to_json()
            rows.append(
                {
                    "id": record["id"],
                    "date": record["published_on"] or record["detected_at"][:10],
                    "kind": record["kind"],
                    "source": record["source"],
                    "document": record["document_number"] or record["citation"] or "",
                    "what": _what(record),
                    "payload_id": record["payload_id"],
                }
            )
        emit(rows, Format.table, HISTORY_COLUMNS)
