"""``regwatch entity NAME``: one listed party's history across every list, newest first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from . import app
from ._context import get_context
from ._output import Format, Shown, echo, emit, print_json

if TYPE_CHECKING:
    from .._entity_history import EntityHistory

__all__: list[str] = []

HISTORY_COLUMNS = [
    ("id", "event"),
    ("date", "date"),
    ("list", "list"),
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
    """One listed party's history across every list, newest first."""
    from .._entity_history import entity_history

    store = get_context(ctx).store()
    found = entity_history(store, name)
    if not found:
        echo(f"no listed or formerly listed party matches {name!r}", err=True)
        raise typer.Exit(1)
    groups = _parties(found)
    if fmt != Shown.table:
        records = []
        for group in groups:
            for history in group:
                record = history.to_json()
                record["same_party_as"] = [h.key for h in group if h is not history]
                records.append(record)
        print_json(records)
        return
    for group in groups:
        lists = sorted({h.list_code or "?" for h in group})
        if len(group) > 1:
            echo(f"{group[0].name}: on {len(lists)} lists ({', '.join(lists)}), newest first")
        for history in group:
            state = (
                f"listed since {history.current.listed_on}"
                if history.current and history.current.listed_on
                else "listed"
                if history.current
                else "not listed now"
            )
            echo(
                f"{history.name} [{history.list_code or '?'}, {history.country or '?'}] "
                f"{state}  (key {history.key})"
            )
        merged = sorted(
            ((stored, history) for history in group for stored in history.events),
            key=lambda pair: pair[0].id,
            reverse=True,
        )
        rows = []
        for stored, history in merged:
            record = stored.to_json()
            rows.append(
                {
                    "id": record["id"],
                    "date": record["published_on"] or record["detected_at"][:10],
                    "list": record["list"] or history.list_code or "",
                    "kind": record["kind"],
                    "source": record["source"],
                    "document": record["document_number"] or record["citation"] or "",
                    "what": _what(record),
                    "payload_id": record["payload_id"],
                }
            )
        # the list column only when the party is on several lists (the table stays narrow)
        columns = [c for c in HISTORY_COLUMNS if c[0] != "list" or len(lists) > 1]
        emit(rows, Format.table, columns)


def _parties(found: list[EntityHistory]) -> list[list[EntityHistory]]:
    """The histories grouped by party: one party on several lists is one group."""
    from .._entity_history import same_party

    groups: list[list[EntityHistory]] = []
    for history in found:
        group = next((g for g in groups if any(same_party(history, h) for h in g)), None)
        if group is None:
            groups.append([history])
        else:
            group.append(history)
    return groups
