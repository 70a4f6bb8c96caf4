"""Japan's MOF economic sanctions workbook (経済制裁措置及び対象者リスト) read into parties: pure.

The Ministry of Finance publishes the list as one Excel workbook (``.xlsx``; earlier editions
were the old ``.xls``), one sheet per sanctions programme:

- an index sheet (``一覧``) and lifted programmes kept as sheets named ``【解除】…`` with no table;
- on every programme sheet, title and note rows, then a header row whose first cell is
  ``告示日付`` (found by that cell, never by position: sheets have one to four title rows), then
  one row per party;
- column names that vary between sheets (``別名``, ``別称・旧称``, ``肩書等``, ``住所・所在地``,
  ``日 本 語 表 記`` spaced out in some editions), so columns are mapped by the words in them;
- Japanese and English stacked in one cell (``ロシア連邦大統領\\nPresident of the Russian
  Federation``), aliases separated by ``；`` / ``;`` or enumerated ``(a)…(b)…``, and ``不明``
  (unknown) for empty;
- ``告示日付`` holding the listing's whole history (``2002.4.20\\n2012.9.28改訂``) and a removed
  party left as a tombstone row (``2008.3.26削除`` with no name).

A party's key is the programme and its notice number (``告示番号``; ``1(*186)`` is number 1,
also listed as 186 under the Taliban programme): MOF renumbers programmes (the sheet's leading
number) when it inserts one, so the number is not part of the key.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from ..exceptions import IncompleteTable, InputError
from ..japanese import has_cjk, normalize
from ._party import party
from ._snapshot import ListRecord

__all__ = ["LIST_CODE", "MofWorkbook", "read_workbook", "split_stacked"]

LIST_CODE = "JP-MOF"
_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0"
_HEADER_FIRST = "告示日付"
_HEADER_SEARCH_ROWS = 15

#: header words → field, tried in order (the first match wins: 確定に十分でない別名 before 別名)
_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("notice_dates", ("告示日付",)),
    ("notice_no", ("告示番号",)),
    ("name_ja", ("日本語表記", "日本語")),
    ("name_en", ("英語表記", "英語")),
    ("name", ("氏名", "名称")),
    ("weak_aliases", ("確定に十分でない",)),
    ("former_names", ("旧称", "以前の", "過去の")),
    ("aliases", ("別名", "別称")),
    ("un_reference", ("国連参照番号",)),
    ("listed_date", ("指定日", "リスト掲載日")),
    ("titles", ("称号", "肩書", "役職")),
    ("birth_date", ("生年月日",)),
    ("birth_place", ("出生地", "出身地")),
    ("nationality", ("国籍",)),
    ("passport", ("旅券番号",)),
    ("id_numbers", ("ID番号", "身分")),
    ("addresses", ("住所", "所在地", "活動地域")),
    ("remarks", ("その他", "詳細", "根拠")),
)
_UNKNOWN = {"不明", "-", "－", "―", "なし"}
_ENUM_MARK = re.compile(r"[(（]\s*[a-zA-Z]{1,2}\s*[)）]")
_AKA = re.compile(r"^\(?\s*a\.?k\.?a\.?\s*[:：]?\s*", re.IGNORECASE)
#: ``（別称）``, ``（旧称）`` labels in front of a list of names
_LABEL = re.compile(r"^[(（]\s*(?:別称|別名|旧称)\s*[)）]\s*")
_ORIGINAL_SCRIPT = re.compile(r"\(\s*original script\s*[:：]\s*(.+?)\s*\)", re.IGNORECASE)
_NOTICE_NO = re.compile(r"^\s*[*#]?\s*(\d+)")
_NOTICE_DATE = re.compile(r"(\d{4})\s*[.．]\s*(\d{1,2})\s*[.．]\s*(\d{1,2})")
_SHEET_NUMBER = re.compile(r"^\s*\d+\s*[.．]\s*")
#: programme words → ISO country, for programmes about one country
_PROGRAMME_COUNTRIES = (
    ("ロシア及びベラルーシ以外", None),
    ("南スーダン", "SS"),
    ("ロシア", "RU"),
    ("ベラルーシ", "BY"),
    ("北朝鮮", "KP"),
    ("イラン", "IR"),
    ("イラク", "IQ"),
    ("シリア", "SY"),
    ("リビア", "LY"),
    ("ソマリア", "SO"),
    ("スーダン", "SD"),
    ("コンゴ", "CD"),
    ("中央アフリカ", "CF"),
    ("イエメン", "YE"),
    ("マリ", "ML"),
    ("ハイチ", "HT"),
    ("イスラエル", "IL"),
)


@dataclass
class MofWorkbook:
    """The parties of one workbook, and what was skipped on purpose."""

    parties: list[ListRecord] = field(default_factory=list)
    #: where each party was read (``sheet '…' row 7``), by key
    where: dict[str, str] = field(default_factory=dict)
    #: programme sheets read, by programme name
    programmes: list[str] = field(default_factory=list)
    #: sheets without a table on purpose (the index, lifted programmes)
    skipped_sheets: list[str] = field(default_factory=list)
    #: tombstone rows (``2008.3.26削除``) of parties removed earlier
    tombstones: int = 0


# -- cells ----------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value)


def _clean(text: str) -> str:
    """NFKC, one space between words, ``不明`` (unknown) as empty."""
    out = normalize(text)
    return "" if out in _UNKNOWN else out


def split_stacked(text: str) -> tuple[str, str]:
    """A cell stacking Japanese over English: ``(Japanese lines, Latin lines)``.

    A line is Japanese when it has kana or kanji; ``ロシア連邦大統領\\nPresident of …`` gives
    ``("ロシア連邦大統領", "President of …")``.
    """
    ja: list[str] = []
    en: list[str] = []
    for line in str(text).splitlines():
        line = line.strip()
        if line:
            (ja if has_cjk(line) else en).append(line)
    return "\n".join(ja), "\n".join(en)


def _split_top_level(text: str) -> list[str]:
    """Split at ``;``/``；`` outside brackets (``(生年月日1960/4/11； 1963/4/11)`` stays whole)."""
    parts: list[str] = []
    depth = 0
    current = ""
    for char in text:
        if char in "(（[［":
            depth += 1
        elif char in ")）]］":
            depth = max(0, depth - 1)
        if char in ";；" and depth == 0:
            parts.append(current)
            current = ""
            continue
        current += char
    parts.append(current)
    return parts


def _name_list(text: str) -> list[str]:
    """Aliases as one cell gives them: enumerated ``(a)…(b)…`` or separated by ``;``/``；``."""
    out: list[str] = []
    for line in str(text).splitlines():
        line = _LABEL.sub("", _AKA.sub("", line.strip()))
        if not line:
            continue
        if _ENUM_MARK.search(line):
            # enumerated names keep their commas: (a)アリ、ヤシン・バイナフ is "Ali, Yasin"
            pieces = _ENUM_MARK.split(line)
        else:
            pieces = _split_top_level(line)
            if has_cjk(line):
                # Japanese lists names with 、 (a Latin name may hold one: "Es Sayed, Kader")
                pieces = [p for piece in pieces for p in piece.split("、")]
        for piece in pieces:
            piece = _clean(piece).strip(" ,、，;")
            # the closing bracket of a wrapping "(a.k.a.: …)"
            if piece.endswith(")") and piece.count("(") < piece.count(")"):
                piece = piece[:-1].strip()
            if piece:
                out.append(piece)
    return list(dict.fromkeys(out))


def _date_cell(value: Any) -> str | None:
    """A date of birth as the workbook gives it: an Excel date, a serial number, or text."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float)) and 1 <= value < 80000:
        # an unformatted Excel serial date (1900 date system)
        return (date(1899, 12, 30) + timedelta(days=int(value))).isoformat()
    return _clean(str(value)) or None


def _notice_date(text: str) -> date | None:
    match = _NOTICE_DATE.search(normalize(text))
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def programme_of(sheet_title: str) -> str:
    """``'14.北朝鮮(決議1718号等；団体) '`` → ``北朝鮮(決議1718号等;団体)``."""
    return _SHEET_NUMBER.sub("", normalize(sheet_title)).strip()


def _country_of(programme: str) -> str | None:
    for word, code in _PROGRAMME_COUNTRIES:
        if word in programme:
            return code
    return None


# -- sheets ---------------------------------------------------------------------------------


def _header_map(cells: Sequence[Any]) -> dict[int, str] | None:
    texts = ["".join(normalize(_text(c)).split()) for c in cells]
    if not texts or not texts[0].startswith(_HEADER_FIRST):
        return None
    mapping: dict[int, str] = {}
    for index, text in enumerate(texts):
        if not text:
            continue
        for column, words in _COLUMNS:
            if any(w in text for w in words):
                if column in mapping.values() and column not in ("aliases", "addresses"):
                    break
                mapping[index] = column
                break
        else:
            mapping[index] = f"other:{text}"
    return mapping


def _party(programme: str, mapping: dict[int, str], cells: Sequence[Any], where: str) -> ListRecord:
    columns: dict[str, list[Any]] = {}
    for index, column in mapping.items():
        if index < len(cells) and cells[index] not in (None, ""):
            columns.setdefault(column, []).append(cells[index])

    def text(column: str) -> str:
        return "\n".join(_text(v) for v in columns.get(column, []))

    number_text = normalize(text("notice_no"))
    number = _NOTICE_NO.match(number_text)
    if not number:
        raise ValueError(f"notice number (告示番号) {number_text or '(empty)'!r} is not a number")
    name_ja, name_en = text("name_ja"), text("name_en")
    if "name" in columns:  # one name cell stacking Japanese over English
        stacked_ja, stacked_en = split_stacked(text("name"))
        name_ja, name_en = name_ja or stacked_ja, name_en or stacked_en
    originals = [m.strip() for m in _ORIGINAL_SCRIPT.findall(name_en)]
    name_en = " ".join(normalize(_ORIGINAL_SCRIPT.sub(" ", name_en)).split())
    name_ja = " ".join(_clean(name_ja).split())
    if not (name_en or name_ja):
        raise ValueError(f"notice {number_text}: no name (日本語表記 / 英語表記 are empty)")
    primary = name_en or name_ja
    aliases = [name_ja] if name_en and name_ja else []
    aliases += originals
    alias_ja, alias_en = split_stacked(text("aliases"))
    former_ja, former_en = split_stacked(text("former_names"))
    for cell in (alias_en, alias_ja, former_en, former_ja):
        aliases += _name_list(cell)
    aliases = [a for a in dict.fromkeys(aliases) if a != primary]
    addresses = [a for a in (_clean(line) for line in _name_list(text("addresses"))) if a]

    details: dict[str, Any] = {"programme": programme, "notice_number": number_text}
    if name_ja:
        details["name_ja"] = name_ja
    if name_en:
        details["name_en"] = name_en
    history = [_clean(line) for line in text("notice_dates").splitlines() if _clean(line)]
    if history:
        details["notice_dates"] = history
    weak = _name_list(text("weak_aliases"))
    if weak:
        details["low_quality_aliases"] = weak
    for column in ("titles", "birth_place", "nationality", "passport", "id_numbers"):
        value = _clean(text(column))
        if value:
            details[column] = value
    births = [d for d in (_date_cell(v) for v in columns.get("birth_date", [])) if d]
    if births:
        details["birth_date"] = births[0] if len(births) == 1 else births
    un_ref = _clean(text("un_reference"))
    if un_ref:
        details["un_reference"] = un_ref
    remarks = _clean(text("remarks"))
    if remarks:
        details["remarks"] = remarks
    return party(
        f"jp-mof:{programme}:{number[1]}",
        LIST_CODE,
        primary,
        aliases=tuple(aliases),
        addresses=tuple(addresses),
        country=_country_of(programme),
        details=details,
        listed_on=_notice_date(history[0]) if history else None,
    )


def _sheet_parties(
    title: str, rows: Iterator[Sequence[Any]], source: str, book: MofWorkbook, lost: list[str]
) -> None:
    programme = programme_of(title)
    mapping: dict[int, str] | None = None
    rows_read: list[tuple[int, list[Any]]] = []
    for line, cells in enumerate(rows, 1):
        if mapping is None:
            mapping = _header_map(cells)
            if mapping is None and line >= _HEADER_SEARCH_ROWS:
                break
            if mapping is not None:
                missing = {"notice_no"} - set(mapping.values())
                if not ({"name_ja", "name_en", "name"} & set(mapping.values())):
                    missing.add("name (日本語表記 / 英語表記)")
                if missing:
                    lost.append(
                        f"sheet {title!r} row {line}: the header has no "
                        f"{', '.join(sorted(missing))} column"
                    )
                    return
            continue
        if not any(_text(c).strip() for c in cells):
            continue
        if rows_read and not _has_identity(mapping, cells):
            # a party's cells continued over the rows below it (merged cells in the sheet)
            rows_read[-1] = (rows_read[-1][0], _merged(rows_read[-1][1], cells))
            continue
        rows_read.append((line, list(cells)))
    for line, cells in rows_read:
        assert mapping is not None
        where = f"sheet {title!r} row {line}"
        first = normalize(_text(cells[0])) if cells else ""
        named = any(
            _text(cells[i]).strip()
            for i, col in mapping.items()
            if col in ("name_ja", "name_en", "name") and i < len(cells)
        )
        if not named and ("削除" in first or not _has_content(mapping, cells)):
            # a party removed earlier: its row stays, with the date and number only
            book.tombstones += 1
            continue
        try:
            record = _party(programme, mapping, cells, where)
        except ValueError as exc:
            lost.append(f"{where}: {exc}")
            continue
        if record.key in book.where:
            lost.append(f"{where}: notice number repeats {book.where[record.key]}")
            continue
        book.parties.append(record)
        book.where[record.key] = where
    if mapping is None:
        lost.append(
            f"sheet {title!r}: no header row starting with {_HEADER_FIRST} in its first "
            f"{_HEADER_SEARCH_ROWS} rows"
        )
        return
    book.programmes.append(programme)


def _has_identity(mapping: dict[int, str], cells: Sequence[Any]) -> bool:
    """Whether a row starts a party: it has a notice date, number or name."""
    return any(
        _text(cells[i]).strip()
        for i, col in mapping.items()
        if col in ("notice_dates", "notice_no", "name_ja", "name_en", "name") and i < len(cells)
    )


def _merged(above: list[Any], below: Sequence[Any]) -> list[Any]:
    out = list(above) + [None] * max(0, len(below) - len(above))
    for index, value in enumerate(below):
        if _text(value).strip():
            out[index] = "\n".join(t for t in (_text(out[index]), _text(value)) if t.strip())
    return out


def _has_content(mapping: dict[int, str], cells: Sequence[Any]) -> bool:
    """Whether a row says anything beyond its notice date and number."""
    return any(
        _text(cells[i]).strip()
        for i, col in mapping.items()
        if col not in ("notice_dates", "notice_no") and i < len(cells)
    )


def _is_table_less(title: str) -> bool:
    """The index sheet and lifted programmes carry no table on purpose."""
    norm = normalize(title)
    return "解除" in norm or norm.strip() in ("一覧", "目次", "index")


def _xlsx_sheets(body: bytes, source: str) -> Iterator[tuple[str, Iterator[Sequence[Any]]]]:
    import warnings

    import openpyxl

    try:
        with warnings.catch_warnings():
            # MOF's workbook defines a print area as #N/A; openpyxl warns and carries on
            warnings.simplefilter("ignore", UserWarning)
            book = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises a zoo of zipfile/XML errors for damaged files
        raise InputError(f"{source}: not a readable XLSX workbook ({exc})") from None
    try:
        for sheet in book.worksheets:
            yield sheet.title, sheet.iter_rows(values_only=True)
    finally:
        book.close()


def _xls_sheets(body: bytes, source: str) -> Iterator[tuple[str, Iterator[Sequence[Any]]]]:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=body)
    except Exception as exc:  # xlrd raises XLRDError, struct and index errors for damaged files
        raise InputError(f"{source}: not a readable XLS workbook ({exc})") from None

    def rows(sheet: Any) -> Iterator[list[Any]]:
        for r in range(sheet.nrows):
            out: list[Any] = []
            for cell in sheet.row(r):
                if cell.ctype == xlrd.XL_CELL_DATE:
                    out.append(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
                elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    out.append(None)
                else:
                    out.append(cell.value)
            yield out

    for sheet in book.sheets():
        yield sheet.name, rows(sheet)


def read_workbook(body: bytes, source: str) -> MofWorkbook:
    """Every party of the workbook (``.xlsx`` or ``.xls``, sniffed from the bytes).

    :raises InputError: when the file is not an Excel workbook.
    :raises IncompleteTable: when some sheet or row cannot be read (naming each); nothing is
        read then, because a list missing a sheet would look like a mass removal.
    """
    if body.startswith(_XLSX_MAGIC):
        sheets = _xlsx_sheets(body, source)
    elif body.startswith(_XLS_MAGIC):
        sheets = _xls_sheets(body, source)
    else:
        head = body[:64].lstrip().lower()
        kind = "an HTML page" if head.startswith((b"<!doctype", b"<html")) else "not a workbook"
        raise InputError(f"{source}: {kind}; expected the MOF list as .xlsx or .xls")
    book = MofWorkbook()
    lost: list[str] = []
    for title, rows in sheets:
        if _is_table_less(title):
            book.skipped_sheets.append(title)
            continue
        _sheet_parties(title, rows, source, book, lost)
    if not book.parties and not lost:
        lost.append("no programme sheet with parties (a header row starting with 告示日付)")
    if lost:
        raise IncompleteTable(
            f"{source}: {len(lost)} problem(s) in the MOF workbook; nothing was read:\n  "
            + "\n  ".join(lost[:50])
            + (f"\n  … and {len(lost) - 50} more" if len(lost) > 50 else ""),
            lost=lost,
            url=source,
        )
    return book
