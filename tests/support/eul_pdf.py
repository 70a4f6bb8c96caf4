"""End User List PDFs drawn in METI's layout, for the PDF tests.

A PDF made here is a sample the project writes, not METI's file: the real 2025-09-29 PDF could
not be kept (see ``shared/fixtures/meti/README.md``), so the tests draw its table from the real
rows in the fixtures, the way the PDF lays them out (pdfplumber's text of pages 1-2 of the real
PDF is in the fixtures): six ruled columns, bilingual headers, Japanese stacked over English in
the country and concern cells, aliases bulleted with ``・``, the header repeated on every page,
and rows that break across pages.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

__all__ = ["draw_eul_pdf", "fixture_rows", "rows_to_csv"]

_FONT = "HeiseiKakuGo-W5"
pdfmetrics.registerFont(UnicodeCIDFont(_FONT))
_STYLE = ParagraphStyle("cell", fontName=_FONT, fontSize=7, leading=9)
_HEADER = [
    "No.",
    "国名、地域名\nCountry or Region",
    "企業名、組織名\nCompany or Organization",
    "別名\nAlso Known As",
    "懸念区分\nType of WMD",
    "通常兵器\nConventional\nWeapons",
]


def fixture_rows(shared_fixtures: Path) -> list[dict[str, object]]:
    """Rows 1-30 of the 2025-09-29 edition from the sanctions-watch CSV in the fixtures."""
    path = shared_fixtures / "meti" / "eul_20250929_records_rows1-30_sanctions-watch.csv"
    rows = []
    with path.open(encoding="utf-8", newline="") as f:
        for rec in csv.DictReader(f):
            ja, _, en = rec["country"].partition(" ")
            rows.append(
                {
                    "no": int(rec["no"]),
                    "country_ja": ja,
                    "country_en": en,
                    "name": rec["company"],
                    "aliases": [a for a in rec["aliases"].split("␞") if a],
                    "wmd": rec["wmd"],
                    "cw": rec["conventional_weapons"],
                }
            )
    return rows


def rows_to_csv(rows: Iterable[Mapping[str, object]], *, japanese_headers: bool = False) -> bytes:
    """The six columns as a CSV, aliases one per line inside the cell."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["No.", "国名、地域名", "企業名、組織名", "別名", "懸念区分", "通常兵器"]
        if japanese_headers
        else [
            "No.",
            "Country or Region",
            "Company or Organization",
            "Also Known As",
            "Type of WMD",
            "Conventional Weapons",
        ]
    )
    for r in rows:
        writer.writerow(
            [
                r["no"],
                f"{r['country_ja']} {r['country_en']}",
                r["name"],
                "\n".join(r["aliases"]),  # type: ignore[arg-type]
                r["wmd"],
                r["cw"],
            ]
        )
    return out.getvalue().encode("utf-8")


def _p(text: str) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), _STYLE)


def _cells(r: Mapping[str, object], blank: Mapping[int, str]) -> list[str]:
    no = int(r["no"])  # type: ignore[call-overload]
    cells = {
        "no": str(no),
        "country": f"{r['country_ja']}\n{r['country_en']}",
        "company": str(r["name"]),
        "aliases": "\n".join(f"・{a}" for a in r["aliases"]),  # type: ignore[attr-defined]
        "wmd": str(r["wmd"]).replace(" ", "\n", 1),
        "cw": str(r["cw"]).replace(" ", "\n", 1),
    }
    if no in blank:
        cells[blank[no]] = ""
    return [cells[c] for c in ("no", "country", "company", "aliases", "wmd", "cw")]


def draw_eul_pdf(
    rows: Iterable[Mapping[str, object]],
    *,
    blank: Mapping[int, str] | None = None,
    rows_per_page: int = 12,
    split: Mapping[int, int] | None = None,
) -> bytes:
    """A PDF of ``rows`` in the End User List layout.

    :param blank: ``{No.: column}`` cells to leave empty (``"no"`` or ``"company"``), to make
        rows a reader cannot fully read.
    :param split: ``{No.: n}``: end the page inside that row, after its first ``n`` aliases;
        the rest of the row opens the next page without a No., as a page break leaves it.
    """
    blank, split = blank or {}, split or {}
    pages: list[list[list[str]]] = [[]]
    for r in rows:
        cells = _cells(r, blank)
        no = int(r["no"])  # type: ignore[call-overload]
        if no in split:
            aliases = cells[3].split("\n")
            first, rest = aliases[: split[no]], aliases[split[no] :]
            pages[-1].append([*cells[:3], "\n".join(first), *cells[4:]])
            pages.append([["", "", "", "\n".join(rest), "", ""]])
            continue
        if len(pages[-1]) >= rows_per_page:
            pages.append([])
        pages[-1].append(cells)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), topMargin=30, bottomMargin=30)
    story: list[object] = []
    for page in pages:
        table = Table(
            [[_p(h) for h in _HEADER]] + [[_p(c) for c in row] for row in page],
            colWidths=[28, 120, 190, 230, 110, 60],
        )
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        story += [table, PageBreak()]
    doc.build(story[:-1])
    return out.getvalue()
