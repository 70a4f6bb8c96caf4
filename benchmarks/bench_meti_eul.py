"""Read, diff and import an End User List edition of 798 real rows.

The rows are the readable 798 of the 835 in the xyna-registry parse of the 2025-09-29 edition
(shared/fixtures/meti); the PDF is drawn from them in METI's layout (tests/support/eul_pdf.py),
12 rows a page.  The baseline is pdfplumber's bare text extraction of the same PDF, measured in
the same run: reading the tables and checking every row should cost a small multiple of it.

    python benchmarks/bench_meti_eul.py
"""

from __future__ import annotations

import io
import json
import tempfile
from datetime import date
from pathlib import Path

import pdfplumber

from _common import best_of, shared_fixtures
from regwatch.pipeline import import_files
from regwatch.sources._eul_diff import Edition, edition_events, target_state
from regwatch.sources._eul_table import read_table
from regwatch.sources.meti_eul import MetiEndUserList, MetiEndUserListSettings
from regwatch.store import Store
from tests.support.eul_pdf import draw_eul_pdf, rows_to_csv


def real_rows() -> list[dict[str, object]]:
    path = shared_fixtures() / "meti" / "eul_20250929_entities_xyna-registry.json"
    records = sorted(json.loads(path.read_text()), key=lambda r: int(r["id"].rsplit("-", 1)[1]))
    rows = []
    for r in records:
        if not r["entity_name"]:
            continue  # the 37 rows that parser lost
        parts = dict(p.split(": ", 1) for p in r["reason"].split("; "))
        rows.append({
            "no": len(rows) + 1, "country_ja": "", "country_en": r["addresses"][0],
            "name": r["entity_name"], "aliases": r["aliases"],
            "wmd": parts.get("大量破壊兵器等の懸念", ""), "cw": parts.get("通常兵器の懸念", ""),
        })  # fmt: skip
    return rows


def derived(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """Every 20th row removed, every 15th given an extra alias."""
    out = []
    for r in rows:
        if int(r["no"]) % 20 == 0:  # type: ignore[call-overload]
            continue
        r = dict(r)
        if int(r["no"]) % 15 == 0:  # type: ignore[call-overload]
            r["aliases"] = [*r["aliases"], "Renamed Trading LLC"]  # type: ignore[misc]
        r["no"] = len(out) + 1
        out.append(r)
    return out


def main() -> None:
    date_a, date_b = date(2025, 9, 29), date(2026, 3, 31)
    rows = real_rows()
    pdf = draw_eul_pdf(rows)
    csv_body = rows_to_csv(rows)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        pages = len(doc.pages)

    def bare_text() -> None:
        with pdfplumber.open(io.BytesIO(pdf)) as doc:
            for page in doc.pages:
                page.extract_text()

    baseline = best_of(2, bare_text)
    read_pdf = best_of(2, lambda: read_table(pdf, "eul.pdf"))
    read_csv = best_of(3, lambda: read_table(csv_body, "eul.csv"))
    before = target_state(read_table(csv_body, "a.csv"), "a.csv")
    after = target_state(read_table(rows_to_csv(derived(rows)), "b.csv"), "b.csv")
    events = edition_events(Edition(date_b), after, before, before, previous_edition=date_a)
    counts = events[-1].data
    diff = best_of(
        5, lambda: edition_events(Edition(date_b), after, before, before, previous_edition=date_a)
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "eul-20250929.csv").write_bytes(csv_body)
        (folder / "eul-20260331.csv").write_bytes(rows_to_csv(derived(rows)))
        with Store.open(f"sqlite:///{folder / 'b.db'}", create=True) as store:
            source = MetiEndUserList(MetiEndUserListSettings())
            first = best_of(1, lambda: import_files(store, source, [folder / "eul-20250929.csv"]))
            second = best_of(1, lambda: import_files(store, source, [folder / "eul-20260331.csv"]))
            again = best_of(1, lambda: import_files(store, source, [folder / "eul-20260331.csv"]))
    print(f"rows: {len(rows)} on {pages} PDF pages ({len(pdf) / 1e6:.1f} MB)")
    print(f"baseline: pdfplumber extract_text of every page   {baseline * 1000:8.0f} ms")
    print(f"read_table(PDF): tables, page breaks, row checks  {read_pdf * 1000:8.0f} ms"
          f"   {read_pdf / baseline:5.2f}x baseline")  # fmt: skip
    print(f"read_table(CSV)                                   {read_csv * 1000:8.1f} ms"
          f"   {read_csv / baseline:5.3f}x baseline")  # fmt: skip
    print(f"edition_events: diff against the next edition      {diff * 1000:8.1f} ms"
          f"   {diff / baseline:5.3f}x baseline")  # fmt: skip
    print(f"import (first edition, 798 added, SQLite)         {first * 1000:8.0f} ms"
          f"   {first / baseline:5.2f}x baseline")  # fmt: skip
    print(f"import (next edition: {counts['removed']} removed, {counts['revised']} revised)"
          f"     {second * 1000:8.0f} ms"
          f"   {second / baseline:5.2f}x baseline")  # fmt: skip
    print(f"import (the same edition again: no change)        {again * 1000:8.0f} ms"
          f"   {again / baseline:5.2f}x baseline")  # fmt: skip


if __name__ == "__main__":
    main()
