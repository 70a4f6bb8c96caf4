"""Printing rows as a table, JSON, JSON lines or CSV."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import sys
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

import typer

from .._terminal import markup_safe, printable

__all__ = [
    "NEVER_CUT",
    "Format",
    "Shown",
    "echo",
    "emit",
    "fit_widths",
    "print_json",
    "print_table",
    "terminal_width",
]

#: columns at most this wide (ids, dates, codes) are never cut; others not below _MIN_CELL
_FIXED = 10
_MIN_CELL = 8
#: the widest column (a title) narrower than this makes optional columns give way
_USEFUL = 24
#: columns whose text is never cut (it wraps): a status, a schedule or an error cut short
#: says something else
NEVER_CUT = frozenset({"status", "schedule", "last_error", "error", "detail"})


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


class Shown(StrEnum):
    """For commands that print one record (or a nested one): readable text, or JSON.  They do
    not offer CSV rather than print something else under its name."""

    table = "table"
    json = "json"


def print_json(value: Any) -> None:
    sys.stdout.write(_json(value, indent=2) + "\n")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def emit(
    records: Sequence[Mapping[str, Any]],
    fmt: Format,
    columns: Sequence[tuple[str, str]],
    *,
    total: int | None = None,
    optional: Sequence[str] = (),
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
        print_table(records, columns, total=total, optional=optional)


def terminal_width() -> int:
    """``COLUMNS`` when set, else the terminal's width, else 80 (a pipe or a file)."""
    return shutil.get_terminal_size((80, 24)).columns


def print_table(
    records: Sequence[Mapping[str, Any]],
    columns: Sequence[tuple[str, str]],
    *,
    total: int | None = None,
    width: int | None = None,
    optional: Sequence[str] = (),
) -> None:
    """A table that fits the terminal: long text is cut with "…" (status, schedule and error
    text wrap instead, never cut); the ``optional`` columns (keys, least needed last) are left
    out when the others would be cut short; ``total`` adds "N of TOTAL" when rows are a part."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    width = width or terminal_width()
    plain = bool(os.environ.get("NO_COLOR"))  # https://no-color.org: no colour, no bold
    console = Console(width=width, no_color=plain, highlight=False, soft_wrap=False)
    rows = [[_short_time(_cell(record.get(key))) for key, _ in columns] for record in records]
    natural = [max([len(h), *(len(r[i]) for r in rows)]) for i, (_, h) in enumerate(columns)]
    # a column that wraps rather than being cut keeps at least its heading's width
    floors = [len(h) if key in NEVER_CUT else 0 for key, h in columns]
    shown = list(range(len(columns)))

    def fit() -> list[int]:
        return fit_widths([natural[i] for i in shown], width, [floors[i] for i in shown])

    widths = fit()
    for key in reversed(optional):
        if sum(widths) + _overhead(len(shown)) <= width and not _starved(shown, widths, natural):
            break
        shown = [i for i in shown if columns[i][0] != key]
        widths = fit()
    table = Table(
        box=box.SIMPLE_HEAD, show_edge=False, header_style="" if plain else "bold", pad_edge=False
    )
    for i, cell_width in zip(shown, widths, strict=True):
        key, heading = columns[i]
        if key in NEVER_CUT:
            table.add_column(heading, overflow="fold", width=cell_width)
        else:
            table.add_column(heading, overflow="ellipsis", no_wrap=True, width=cell_width)
    for row in rows:
        table.add_row(*(markup_safe(row[i]) for i in shown))
    console.print(table)
    if total is not None and total > len(rows):
        console.print(f"{len(rows)} of {total}")


def _overhead(count: int) -> int:
    """Characters a table of ``count`` columns spends on padding and rules."""
    return 3 * count - 1


def _starved(shown: list[int], widths: list[int], natural: list[int]) -> bool:
    """Whether the widest column (the title, say) was cut below a useful width."""
    widest = max(range(len(shown)), key=lambda j: natural[shown[j]], default=None)
    return widest is not None and widths[widest] < min(natural[shown[widest]], _USEFUL)


def fit_widths(natural: list[int], total: int, floors: list[int] | None = None) -> list[int]:
    """Column widths that fit ``total`` characters: short columns (ids, dates, codes) keep their
    width and the widest ones give way first, down to ``_MIN_CELL`` (or the column's floor)."""
    widths = list(natural)
    low = [
        max(f, min(w, _MIN_CELL)) for w, f in zip(widths, floors or [0] * len(widths), strict=True)
    ]
    room = total - _overhead(len(widths))
    cap = max(widths, default=0)

    def sized(c: int) -> list[int]:
        return [w if w <= _FIXED else max(min(w, c), f) for w, f in zip(widths, low, strict=True)]

    while cap > _MIN_CELL and sum(sized(cap)) > room:
        cap -= 1
    return sized(cap)


_ISO_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2}(\.\d+)?)?(Z|[+-]00:?00)?$")


def _short_time(text: str) -> str:
    """A UTC timestamp as a table shows it: to the minute (JSON and CSV keep it whole)."""
    found = _ISO_TIME.match(text)
    return f"{found.group(1)} {found.group(2)}" if found else text
