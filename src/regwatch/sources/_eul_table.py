"""Reading one End User List edition (PDF, CSV or XLSX) into checked rows, all or nothing.

The PDF is METI's bilingual table of six columns (No. / 国名、地域名 Country or Region / 企業名、
組織名 Company or Organization / 別名 Also Known As / 懸念区分 Type of WMD / 通常兵器 Conventional
Weapons), each cell stacking Japanese over English, aliases bulleted with ``・`` and wrapped over
lines.  pdfplumber's ruled-table extraction reads it; rows are then checked one by one and as a
sequence, because the known failure of every PDF parser of this list is to *lose* rows silently
(one parser dropped 30 of 835 at page breaks, another bled 37 company names into the country
column).  A row split by a page break comes back as a row without a No. at the top of the next
page and is joined to the row before it; a row without a No. anywhere else is a lost row.

CSV and XLSX carry the same columns, with English or Japanese headers (the headers of the
sanctions-watch CSV export are accepted too) and aliases separated by ``;``, ``；``, ``␞`` or new
lines.  Editions before 2025-09 had no conventional-weapons column; it may be left out.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..exceptions import IncompleteTable, InputError
from ..japanese import decode, fold, has_cjk, join_wrapped, normalize
from ._eul_countries import country_code

__all__ = ["COLUMNS", "EulRow", "read_csv", "read_pdf", "read_table", "read_xlsx"]

#: the columns, in the PDF's order
COLUMNS = ("no", "country", "company", "aliases", "wmd", "cw")
_REQUIRED = ("no", "country", "company", "wmd")
#: header words per column, folded; a header cell belongs to the column whose word it contains
_HEADERS: dict[str, tuple[str, ...]] = {
    "company": ("company or organization", "企業名", "組織名", "company", "name"),
    "country": ("country or region", "国名", "地域名", "country"),
    "aliases": ("also known as", "別名", "aliases", "alias", "a.k.a"),
    "wmd": ("type of wmd", "懸念区分", "wmd"),
    "cw": ("conventional weapons", "conventional_weapons", "通常兵器", "cw"),
    "no": ("no.", "no", "番号", "#"),
}
_WMD_WORDS = {"生物": "B", "化学": "C", "ミサイル": "M", "核": "N"}
_WMD_ORDER = "BCMN"
_ALIAS_SPLIT = re.compile(r"[;；␞\n\r]")
_BULLETS = ("・", "･", "•", "●")
_PAGE_TEXT_MIN = 40


@dataclass(frozen=True)
class EulRow:
    """One entity as one edition lists it."""

    no: int
    country_ja: str
    country_en: str
    country: str | None
    name: str
    aliases: tuple[str, ...]
    wmd: tuple[str, ...]
    cw: bool
    #: where the row was read: ``line 18``, ``page 2``
    where: str = field(default="", compare=False)

    @property
    def concerns(self) -> tuple[str, ...]:
        """The type of concern as METI writes it: B, C, M, N and CW."""
        return (*self.wmd, "CW") if self.cw else self.wmd


@dataclass
class _Raw:
    where: str
    cells: dict[str, str]
    page: int | None = None
    first_on_page: bool = False


def _header_map(cells: Sequence[str | None]) -> dict[int, str] | None:
    """Column index → column name, when ``cells`` is a header row."""
    mapping: dict[int, str] = {}
    for index, cell in enumerate(cells):
        text = fold(cell or "").replace("\n", " ")
        if not text:
            continue
        for column, words in _HEADERS.items():
            if column in mapping.values():
                continue
            if any(w == text or (w in text and (len(w) > 3 or has_cjk(w))) for w in words):
                mapping[index] = column
                break
    return mapping if {"no", "company"} <= set(mapping.values()) else None


def _check_header(mapping: dict[int, str], where: str) -> None:
    missing = [c for c in _REQUIRED if c not in mapping.values()]
    if missing:
        raise InputError(
            f"{where}: the header has no {', '.join(missing)} column; expected the End User "
            "List's columns No. / Country or Region / Company or Organization / Also Known As "
            "/ Type of WMD / Conventional Weapons (English or Japanese)"
        )


# -- cells ----------------------------------------------------------------------------------


def _lines(text: str, *, nfkc: bool = True) -> list[str]:
    # names keep their original characters (（DEC） stays full-width) for display; identities
    # are built from NFKC copies (japanese.name_key)
    text = unicodedata.normalize("NFKC", text) if nfkc else text
    return [" ".join(ln.split()) for ln in text.splitlines() if ln.strip()]


def _country(text: str) -> tuple[str, str]:
    """``アフガニスタン\\nIslamic Republic of\\nAfghanistan`` → (Japanese, English)."""
    ja: list[str] = []
    en: list[str] = []
    for token in " ".join(_lines(text)).split(" "):
        (ja if has_cjk(token) else en).append(token)
    return "".join(ja), " ".join(en)


def _aliases(text: str) -> tuple[str, ...]:
    pieces = [" ".join(p.split()) for p in _ALIAS_SPLIT.split(text)]
    pieces = [p for p in pieces if p]
    bulleted = any(p.startswith(_BULLETS) for p in pieces)
    out: list[str] = []
    for piece in pieces:
        if piece.startswith(_BULLETS):
            out.append(piece.lstrip("".join(_BULLETS)).strip())
        elif bulleted and out:
            out[-1] = join_wrapped([out[-1], piece])  # a wrapped line of the alias above
        else:
            out.append(piece)
    return tuple(dict.fromkeys(a for a in out if a))


def _wmd(text: str) -> tuple[str, ...]:
    norm = unicodedata.normalize("NFKC", text)
    words = {code for word, code in _WMD_WORDS.items() if word in norm}
    latin = re.sub(r"[^\x00-\x7f]", " ", norm)
    tokens = [t for t in re.split(r"[\s,、/]+", latin) if t]
    unknown = [t for t in tokens if t.upper() not in _WMD_ORDER]
    if unknown:
        raise ValueError(f"type of WMD {text.strip()!r}: {', '.join(unknown)} is not B, C, M or N")
    codes = {t.upper() for t in tokens}
    if words and codes and words != codes:
        raise ValueError(
            f"type of WMD {' '.join(text.split())!r}: the Japanese and the codes disagree"
        )
    return tuple(c for c in _WMD_ORDER if c in (codes or words))


def _cw(text: str) -> bool:
    norm = fold(text)
    if not norm:
        return False
    if "cw" in norm.split() or "通常兵器" in norm or norm == "cw":
        return True
    raise ValueError(f"conventional weapons {text.strip()!r} is neither CW nor empty")


def _row(raw: _Raw, no: int) -> EulRow:
    cells = raw.cells
    country_ja, country_en = _country(cells.get("country", ""))
    if not (country_ja or country_en):
        raise ValueError("no country or region")
    name = join_wrapped(_lines(cells.get("company", ""), nfkc=False))
    if not name:
        raise ValueError("no company name")
    wmd = _wmd(cells.get("wmd", ""))
    cw = _cw(cells.get("cw", ""))
    if not wmd and not cw:
        raise ValueError("no type of concern (neither a WMD code nor CW)")
    return EulRow(
        no=no,
        country_ja=country_ja,
        country_en=country_en,
        country=country_code(country_ja, country_en),
        name=name,
        aliases=_aliases(cells.get("aliases", "")),
        wmd=wmd,
        cw=cw,
        where=raw.where,
    )


def _number(text: str) -> int | None:
    norm = normalize(text).rstrip(".")
    return int(norm) if norm.isdigit() else None


def _checked_rows(raws: Iterable[_Raw], source: str) -> list[EulRow]:
    """Rows from raw cells, every problem collected; :raises IncompleteTable: if any."""
    rows: list[EulRow] = []
    lost: list[str] = []
    seen: dict[int, str] = {}
    previous = 0
    unnumbered = 0  # rows without a readable No. since the last numbered row
    count = 0
    for raw in raws:
        count += 1
        number = _number(raw.cells.get("no", ""))
        if number is None:
            name = join_wrapped(_lines(raw.cells.get("company", ""))) or "?"
            lost.append(
                f"the row after No. {previous} ({raw.where}): no readable No. (company {name!r})"
            )
            unnumbered += 1
            continue
        if number in seen:
            lost.append(f"No. {number} ({raw.where}): appears twice (also {seen[number]})")
            continue
        expected = previous + 1 + unnumbered
        if number < previous:
            lost.append(f"No. {number} ({raw.where}): out of order (after No. {previous})")
        elif number > expected:
            first, last = expected, number - 1
            gap = f"No. {first}" if first == last else f"No. {first} to {last}"
            lost.append(f"{gap}: missing (the numbers jump from {previous} to {number})")
        seen[number] = raw.where
        previous, unnumbered = max(previous, number), 0
        try:
            rows.append(_row(raw, number))
        except ValueError as exc:
            lost.append(f"No. {number} ({raw.where}): {exc}")
    if not count:
        raise IncompleteTable(f"{source}: no End User List rows found", lost=[], url=source)
    if lost:
        raise IncompleteTable(
            f"{source}: {len(lost)} problem(s) in {count} rows; nothing was imported:\n  "
            + "\n  ".join(lost),
            lost=lost,
            url=source,
        )
    return rows


# -- formats --------------------------------------------------------------------------------


def _records(table: Iterable[tuple[int, Sequence[object]]], source: str) -> list[_Raw]:
    """The header row (anywhere in the first 20 rows), then data rows as raw cells;
    ``table`` yields ``(line number, cells)``."""
    mapping: dict[int, str] | None = None
    raws: list[_Raw] = []
    for index, (line, cells) in enumerate(table):
        texts = ["" if c is None else str(c) for c in cells]
        if mapping is None:
            mapping = _header_map(texts)
            if mapping is None and index >= 20:
                break
            if mapping is not None:
                _check_header(mapping, f"{source} line {line}")
            continue
        if not any(t.strip() for t in texts):
            continue
        values = {col: texts[i] if i < len(texts) else "" for i, col in mapping.items()}
        raws.append(_Raw(f"line {line}", values))
    if mapping is None:
        raise InputError(
            f"{source}: no header row with the End User List's columns (No., Country or Region, "
            "Company or Organization, Also Known As, Type of WMD, Conventional Weapons)"
        )
    return raws


def read_csv(body: bytes, source: str) -> list[EulRow]:
    text = decode(body, where=source).text
    first = text.split("\n", 1)[0]
    # never `;`: it separates aliases inside a cell
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    # the line a record starts on, so that an error points where an editor shows the row
    numbered = ((reader.line_num - row_lines(row) + 1, row) for row in reader)
    try:
        return _checked_rows(_records(numbered, source), source)
    except csv.Error as exc:
        raise InputError(f"{source} line {reader.line_num}: not a readable CSV ({exc})") from None


def row_lines(row: Sequence[str]) -> int:
    return 1 + sum(cell.count("\n") for cell in row)


def read_xlsx(body: bytes, source: str) -> list[EulRow]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises a zoo of zipfile/XML errors for damaged files
        raise InputError(f"{source}: not a readable XLSX workbook ({exc})") from None
    try:
        problems = []
        for sheet in book.worksheets:
            try:
                rows = [
                    ["" if v is None else _cell_text(v) for v in row]
                    for row in sheet.iter_rows(values_only=True)
                ]
            except Exception as exc:  # a damaged sheet is only read (and found out) row by row
                raise InputError(
                    f"{source} sheet {sheet.title!r}: not a readable worksheet "
                    f"({type(exc).__name__}: {str(exc)[:200]})"
                ) from None
            try:
                raws = _records(enumerate(rows, 1), f"{source} sheet {sheet.title!r}")
            except InputError as exc:
                problems.append(str(exc))
                continue
            return _checked_rows(raws, source)
        raise InputError("\n".join(problems) or f"{source}: the workbook has no sheets")
    finally:
        book.close()


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_pdf(body: bytes, source: str) -> list[EulRow]:
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfplumber.utils.exceptions import PdfminerException

    if not body.startswith(b"%PDF-"):
        raise InputError(f"{source}: not a PDF (no %PDF- header)")
    raws: list[_Raw] = []
    lost: list[str] = []
    mapping: dict[int, str] | None = None
    try:
        pdf = pdfplumber.open(io.BytesIO(body))
    except (PdfminerException, PDFSyntaxError, ValueError, TypeError) as exc:
        raise InputError(f"{source}: cannot read the PDF ({exc})") from None
    with pdf:
        for number, page in enumerate(pdf.pages, 1):
            # the characters are parsed once and shared with the table extraction below
            chars = len(page.chars)
            if chars < _PAGE_TEXT_MIN:
                lost.append(f"page {number}: no text layer (a scanned image?)")
                continue
            tables = page.extract_tables()
            if not tables:
                lost.append(f"page {number}: no table found in {chars} characters of text")
                continue
            first = True
            for table in tables:
                for cells in table:
                    header = _header_map([c or "" for c in cells])
                    if header is not None:
                        _check_header(header, f"{source} page {number}")
                        mapping = header
                        continue
                    if mapping is None:
                        lost.append(f"page {number}: a table row before any header row")
                        continue
                    if max(mapping) >= len(cells):
                        lost.append(
                            f"page {number}: a row of {len(cells)} cells, expected {len(mapping)}"
                        )
                        continue
                    values = {col: cells[i] or "" for i, col in mapping.items()}
                    if not any(v.strip() for v in values.values()):
                        continue
                    raws.append(_Raw(f"page {number}", values, number, first))
                    first = False
    joined = _join_page_breaks(raws)
    try:
        rows = _checked_rows(joined, source)
    except IncompleteTable as exc:
        lost += exc.lost
        rows = []
    if lost:
        raise IncompleteTable(
            f"{source}: {len(lost)} problem(s); nothing was imported:\n  " + "\n  ".join(lost),
            lost=lost,
            url=source,
        )
    return rows


def _join_page_breaks(raws: list[_Raw]) -> list[_Raw]:
    """A row without a No. at the top of a page is the rest of the last row of the page before."""
    out: list[_Raw] = []
    for raw in raws:
        if raw.first_on_page and not raw.cells.get("no", "").strip() and out:
            prev = out[-1]
            merged = {
                col: "\n".join(filter(None, (prev.cells.get(col, ""), raw.cells.get(col, ""))))
                for col in set(prev.cells) | set(raw.cells)
            }
            # the country and the concern columns are repeated, not continued, when METI
            # splits a row; keep the first copy
            for col in ("country", "wmd", "cw"):
                if prev.cells.get(col, "").strip():
                    merged[col] = prev.cells[col]
            out[-1] = _Raw(f"{prev.where}-{raw.page}", merged, prev.page)
        else:
            out.append(raw)
    return out


def read_table(body: bytes, source: str) -> list[EulRow]:
    """Rows of an edition in any of the three formats, sniffed from the bytes.

    :raises IncompleteTable: when some rows could not be read (naming them).
    :raises InputError: when the file is not an End User List at all.
    """
    if body.startswith(b"%PDF-"):
        return read_pdf(body, source)
    if body.startswith(b"PK\x03\x04"):
        return read_xlsx(body, source)
    if body.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(f"{source}: an old Excel (.xls) file; save it as XLSX or CSV")
    return read_csv(body, source)
