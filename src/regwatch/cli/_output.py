"""Printing rows as a table, JSON, JSON lines or CSV."""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from .._terminal import markup_safe, printable

__all__ = ["Format", "echo", "emit", "print_json"]

#: widest table column (longer values wrap); JSON and CSV always carry the whole value
_MAX_CELL = 72
#: columns at most this wide are never shortened
_SHORT = 20


class Format(StrEnum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


def echo(message: object = "", *, err: bool = False) -> None:
    """``typer.echo`` for any line holding a value from outside: escape sequences and control
    characters are removed first (see :mod:`regwatch._terminal`)."""
    typer.echo(printable(message), err=err)


#: characters JSON leaves raw that a terminal may still act on (C1 controls, bidi overrides)
_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _json(value: Any, indent: int | None = None) -> str:
    """JSON text, lossless, in which no character can act on a terminal: json escapes C0
    controls (ESC included) itself; the others become ``\\uXXXX`` escapes too."""
    text = json.dumps(value, ensure_ascii=False, indent=indent, default=str)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


#: a cell starting with one of these is read as a formula by spreadsheets (OWASP's list)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(text: str) -> str:
    """A CSV cell that a spreadsheet shows as text, never runs: a leading formula character
    gets a ``'`` in front (e.g. ``=HYPERLINK(…)``, ``@SUM(…)``); control characters go."""
    text = printable(text)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def print_json(value: Any) -> None:
    sys.stdout.write(_json(value, indent=2) + "\n")


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
            sys.stdout.write(_json(record) + "\n")
    elif fmt == Format.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow([key for key, _ in columns])
        for record in records:
            writer.writerow([_csv_cell(_cell(record.get(key))) for key, _ in columns])
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
            table.add_row(*(markup_safe(cell) for cell in row))
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
