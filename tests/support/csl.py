"""Consolidated Screening List snapshots built from the real recorded rows in the fixtures.

Nothing here is invented data: the records are the fixtures' rows, reshaped (JSON bulk shape,
CSV) or edited in one named field where a test needs a change between two snapshots.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

CURRENT_CSV = "csl/csl_consolidated_current_format_sample.watchman.csv"
CSV_2018 = "csl/csl_consolidated_2018_format_sample.watchman.csv"


def legacy_records(fixtures: Path, *lists: str) -> list[dict[str, Any]]:
    """The older CSL API's JSON records (GovWizely), for ``lists`` such as ``el``, ``uvl``."""
    out: list[dict[str, Any]] = []
    for code in lists:
        path = fixtures / "csl" / "legacy_govwizely" / f"csl_json_records_{code}.json"
        out += json.loads(path.read_text(encoding="utf-8"))
    return out


def bulk_json(records: list[dict[str, Any]]) -> bytes:
    """The bulk file's shape: ``{"results": [...]}``."""
    return json.dumps({"results": records}, ensure_ascii=False).encode()


def csv_rows(fixtures: Path, name: str) -> tuple[list[str], list[list[str]]]:
    text = (fixtures / name).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return rows[0], rows[1:]


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows([header, *rows])
    return out.getvalue().encode()


def edit(records: list[dict[str, Any]], who: str, /, **changes: Any) -> list[dict[str, Any]]:
    """``records`` with the one named record's fields changed."""
    hits = [r for r in records if r["name"] == who]
    assert len(hits) == 1, who
    return [dict(r, **changes) if r["name"] == who else r for r in records]


def without(records: list[dict[str, Any]], *names: str) -> list[dict[str, Any]]:
    left = [r for r in records if r["name"] not in names]
    assert len(left) == len(records) - len(names)
    return left
