"""Printing rows as a table, JSON, JSON lines or CSV."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

from rich.console import Console
from rich.table import Table

__all__ = ["Format", "emit", "print_json"]

#: widest table column (longer values wrap); JSON and CSV always carry the whole value
_MAX_CELL = 72
#: columns at most this wide are never shortened
_SHORT = 20


class Format(StrEnum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def emit(
    records: Sequence[Mapping[str, Any]], fmt: Format, columns: Sequence[tuple[str, str]]
) -> None:
    """Print ``records``: whole records for JSON, ``columns`` (key, heading) for tables and CSV."""
    if fmt == Format.json:
        print_json(list(records))
    elif fmt == Format.jsonl:
        for record in records:
            sys.stdout.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
    elif fmt == Format.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow([key for key, _ in columns])
        for record in records:
            writer.writerow([_cell(record.get(key)) for key, _ in columns])
    else:
        console = Console(width=max(Console().width, 120))
        table = Table(show_lines=False, header_style="bold")
        rows = [[_cell(record.get(key)) for key, _ in columns] for record in records]
        widths = _fit(
            [max([len(h), *(len(r[i]) for r in rows)]) for i, (_, h) in enumerate(columns)],
            console.width,
        )
        for (_, heading), width in zip(columns, widths, strict=True):
            # short cells stay on one line; long ones wrap rather than lose their end
            table.add_column(heading, overflow="fold", no_wrap=width <= _SHORT, width=width)
        for row in rows:
            table.add_row(*row)
        console.print(table)


def _fit(natural: list[int], total: int) -> list[int]:
    """Column widths that fit ``total`` characters: the widest columns give way first (down to
    ``_SHORT``), so that ids, codes, dates and names keep their width while titles wrap."""
    widths = [min(w, _MAX_CELL) for w in natural]
    room = total - 3 * len(widths) - 1  # borders and padding
    cap = max(widths, default=0)
    while cap > _SHORT and sum(min(w, cap) for w in widths) > room:
        cap -= 1
    return [min(w, cap) for w in widths]
