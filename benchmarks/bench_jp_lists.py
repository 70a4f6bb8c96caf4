"""Read Japan's MOF sanctions workbook (the real 45-sheet, 2,862-party file) and METI's Russia
list PDF (102 pages, 561 entries), each against a bare read of the same bytes in the same run:
openpyxl iterating every cell of every sheet, and pdfplumber extracting every page's text.

The ratio says what regwatch's reading (header detection, stacked names, aliases, checks) costs
on top of the library it stands on; the absolute times depend on the machine.

    python benchmarks/bench_jp_lists.py [--runs 2]
"""

from __future__ import annotations

import argparse
import io
import warnings

from _common import best_of, shared_fixtures
from regwatch.sources._meti_ru_lists import read_list
from regwatch.sources._mof_workbook import read_workbook


def bare_openpyxl(body: bytes) -> int:
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        book = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    cells = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            cells += len(row)
    book.close()
    return cells


def bare_pdfplumber(body: bytes) -> int:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(body)) as pdf:
        return sum(len(page.extract_text() or "") for page in pdf.pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    fixtures = shared_fixtures()
    workbook = (fixtures / "mof" / "mof_shisantouketsu20260305.ammitto.xlsx").read_bytes()
    pdf = (fixtures / "meti" / "meti_list_russia_tokutei_20250912_full.ammitto.pdf").read_bytes()

    parties = len(read_workbook(workbook, "mof.xlsx").parties)
    mof_bare = best_of(args.runs, lambda: bare_openpyxl(workbook))
    mof_read = best_of(args.runs, lambda: read_workbook(workbook, "mof.xlsx"))
    print(
        f"MOF workbook ({len(workbook) / 1e6:.1f} MB, {parties} parties): read {mof_read:.2f} s, "
        f"bare openpyxl {mof_bare:.2f} s, ratio {mof_read / mof_bare:.2f}x"
    )
    entries = len(read_list(pdf, "russia.pdf").parties)
    ru_bare = best_of(args.runs, lambda: bare_pdfplumber(pdf))
    ru_read = best_of(args.runs, lambda: read_list(pdf, "russia.pdf"))
    print(
        f"METI Russia list ({len(pdf) / 1e3:.0f} kB, {entries} entries): read {ru_read:.2f} s, "
        f"bare pdfplumber text {ru_bare:.2f} s, ratio {ru_read / ru_bare:.2f}x"
    )


if __name__ == "__main__":
    main()
