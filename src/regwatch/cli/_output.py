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

#: widest table cell; the JSON and CSV formats always carry the whole value
_MAX_CELL = 72


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
        table = Table(show_lines=False, header_style="bold")
        for _, heading in columns:
            table.add_column(
                heading,
                overflow="ellipsis",
                no_wrap=True,
                max_width=_MAX_CELL,
                min_width=min(len(heading), 12),
            )
        for record in records:
            table.add_row(*[_cell(record.get(key)) for key, _ in columns])
        Console(width=max(Console().width, 120)).print(table)
