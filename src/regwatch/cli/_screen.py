"""``regwatch screen``: reading the names to screen and printing what was searched and found."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from .._entity_names import LIST_TITLES
from ..exceptions import InputError, ScreeningError

if TYPE_CHECKING:
    from ..matching import ListCoverage, ScreenReport
    from ..store import Store
from ._output import Format, echo, emit

__all__ = ["read_names", "run_screen"]

SCREEN_COLUMNS = [
    ("score", "score"),
    ("tier", "tier"),
    ("list", "list"),
    ("name", "listed name"),
    ("matched_name", "matched name"),
    ("country", "country"),
    ("reason", "why"),
]
BATCH_COLUMNS = [("screened", "screened name"), *SCREEN_COLUMNS]
CSV_COLUMNS = [*BATCH_COLUMNS, ("searched", "searched"), ("as_of", "as of")]


def read_names(path: Path) -> list[tuple[str, str | None]]:
    """``(name, country)`` pairs from a CSV with a ``name`` column (``country`` optional) or a
    text file with one name a line (blank lines and ``#`` comments skipped).

    :raises InputError: an unreadable file, no ``name`` column, an empty name (file and line)
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the names: {exc}") from None
    names: list[tuple[str, str | None]] = []
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(text.splitlines())
        columns = {c.strip().lower(): c for c in reader.fieldnames or []}
        if "name" not in columns:
            raise InputError(f"{path}:1: no 'name' column (the header has: {', '.join(columns)})")
        for row in reader:
            value = (row.get(columns["name"]) or "").strip()
            if not value:
                raise InputError(f"{path}:{reader.line_num}: name: empty")
            country = (row.get(columns.get("country", ""), "") or "").strip() or None
            names.append((value, country))
    else:
        for line in text.splitlines():
            value = line.strip()
            if value and not value.startswith("#"):
                names.append((value, None))
    if not names:
        raise InputError(f"{path}: no names to screen")
    return names


def _as_of(coverage: ListCoverage) -> str:
    return coverage.as_of.strftime("%Y-%m-%d %H:%M UTC") if coverage.as_of else "unknown"


def _searched_line(searched: list[ListCoverage]) -> str:
    parts = [f"{c.code} ({c.entries:,} entries, as of {_as_of(c)})" for c in searched]
    return "searched " + "; ".join(parts)


def run_screen(
    store: Store,
    name: str | None,
    file: Path | None,
    country: str | None,
    schema: str,
    lists: list[str],
    fmt: Format,
) -> bool:
    """Screen and print; True when any name has a candidate.  Exit 1 when no list is loaded."""
    names = read_names(file) if file is not None else [(name or "", country)]
    if file is not None and country:
        names = [(n, c or country) for n, c in names]
    if not names[0][0].strip() and file is None:
        raise InputError("the name to screen is empty")
    from ..matching import Screener

    group = "Person" if schema == "Person" else "Company"
    try:
        screener = Screener(store, lists, group)
    except ScreeningError as exc:
        echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    reports = screener.screen_all(names, schema=schema)
    _print(reports, fmt, batch=file is not None)
    return any(r.results for r in reports)


def _print(reports: list[ScreenReport], fmt: Format, *, batch: bool) -> None:
    searched = reports[0].searched
    if fmt in (Format.json, Format.jsonl):
        emit([r.to_json() for r in reports], fmt, [])
        return
    rows = [
        {"screened": r.name, **hit, "searched": ",".join(c.code for c in searched),
         "as_of": ";".join(f"{c.code}={_as_of(c)}" for c in searched)}
        for r in reports
        for hit in (r.results or [{}])
    ]  # fmt: skip
    if fmt == Format.csv:
        emit(rows, fmt, CSV_COLUMNS)
        return
    echo(_searched_line(searched))
    loaded = {c.code for c in searched}
    others = [code for code in LIST_TITLES if code not in loaded]
    if others:
        echo(f"not searched: {', '.join(others)}")
    found = [row for row in rows if row.get("score") is not None]
    clear = [r.name for r in reports if not r.results]
    if found:
        columns = BATCH_COLUMNS if batch else SCREEN_COLUMNS
        emit(found, fmt, columns, optional=("reason", "matched_name"))
    lists = ", ".join(c.code for c in searched)
    for screened in clear:
        echo(f"{screened!r}: no entry of {lists} scores at review level or above")
    if batch:
        echo(f"{len(reports)} name(s) screened, {len(reports) - len(clear)} with candidates")
    sys.stdout.flush()
