"""METI's Russia, Belarus and third-country export-ban party lists read into parties: pure.

Japan bans exports to the parties that 外務省告示 designate; METI publishes each of the three
lists (特定団体一覧) as a PDF on its Russia export page (``list_russia_tokutei.pdf``,
``list_belarus_tokutei.pdf``, ``list_daisangoku_tokutei.pdf``).  They are not ruled tables like
the End User List but numbered bilingual entries, each:

- a number (``１``–``９`` in full-width digits in the older lists, ASCII from 10) and the
  Japanese name, wrapped over lines, with aliases as ``（別称、A、B及びC）``;
- the English name, with ``, a.k.a., the following two aliases:`` and one ``-alias`` line each
  (``—`` in some entries), or, in the newer entries, ``別称：`` lines (Japanese, then English,
  ``;``-separated);
- ``所在地：`` and the addresses, several joined with ``; and``.

The header names the list (``…ロシア連邦の団体``, ``…ベラルーシ共和国の団体``, ``…ロシア連邦及び
ベラルーシ共和国以外の国の団体``) and gives 指定日 and 最終更新日.  As with the End User List
reader (:mod:`._eul_table`) every problem is collected and the whole list refused: numbers must
run from 1 without a gap, so a lost entry, a truncated file or an additions annex (``別添``,
entries 560–561 only) is never taken for the list.  A party's key is its list and number: the
lists are only ever appended to, and the number is the 告示's own.

Text extracted without page separators (some public copies run ``…Russia.10 対外諜報庁`` together)
is split where the next expected number follows a full stop.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date

from ..exceptions import IncompleteTable, InputError
from ..japanese import has_cjk, join_wrapped, normalize
from ._eul_countries import country_code
from ._party import party
from ._snapshot import ListRecord

__all__ = ["LISTS", "LIST_CODE", "MetiRuList", "read_list", "read_text"]

LIST_CODE = "JP-METI-RU"
#: the three lists: short name → (words in the header that identify it, country)
LISTS: dict[str, tuple[str, str | None]] = {
    "third_country": ("ロシア連邦及びベラルーシ共和国以外", None),
    "belarus": ("ベラルーシ共和国の団体", "BY"),
    "russia": ("ロシア連邦の", "RU"),
}
_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_ENTRY = re.compile(r"^\s*([0-9０-９]{1,4})\s*(?=\S)(.*)$")
_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_AKA = re.compile(
    r",?\s*a\.?\s*k\.?\s*a\.?,?\s*(?:the\s+following\s+\w+\s+alias(?:es)?\s*:?)?\s*$",
    re.IGNORECASE,
)
_AKA_INLINE = re.compile(r",?\s*a\.?\s*k\.?\s*a\.?,?\s*", re.IGNORECASE)
_BULLET = re.compile(r"^\s*[-—–‐－―]\s*")
_JA_ALIASES = re.compile(r"[（(]\s*別称[、,]\s*(.+)[）)]\s*$")
_ADDRESS_SPLIT = re.compile(r"[;；]\s*(?:and\s+)?")
_CJK_RANGE = "\u3040-\u30ff\u3400-\u9fff"
_LATIN_TAIL = re.compile(rf"[{_CJK_RANGE}）」]\s*([A-Z][^{_CJK_RANGE}）」]*)$")
_TRAILING_BRACKET = re.compile(r"[（(][^（）()]*[）)]\s*$")
_BRACKETED = re.compile(r"[（(]([^（）()]*)[）)]")
_ADDRESS_LABEL = re.compile(r"所\s*在\s*地\s*[：:]")
_NOTICE = re.compile(r"(令和\S+?年外務省告示第\S+?号)")


@dataclass
class MetiRuList:
    """One of the three lists as one PDF gives it."""

    list_name: str
    parties: list[ListRecord] = field(default_factory=list)
    designated_on: date | None = None
    updated_on: date | None = None
    notice: str | None = None


def _date_after(label: str, text: str) -> date | None:
    index = text.find(label)
    if index < 0:
        return None
    match = _DATE.search(normalize(text[index : index + 40]))
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _which_list(header: str) -> str | None:
    flat = "".join(normalize(header).split())
    for name, (words, _) in LISTS.items():
        if words in flat:
            return name
    return None


def _split_entries(lines: list[str], source: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header lines, then ``(number, lines)`` per entry, in order.

    An entry starts on a line that begins with the next expected number and a Japanese name;
    a number run into the end of the line before (``…Russia.10 対外諜報庁``) is split off.
    """
    header: list[str] = []
    entries: list[tuple[int, list[str]]] = []
    expected = 1
    for raw in lines:
        pending = [raw]
        while pending:
            line = pending.pop(0)
            match = _ENTRY.match(line)
            if match and int(match[1].translate(_DIGITS)) == expected and has_cjk(match[2][:16]):
                entries.append((expected, [match[2].strip()]))
                expected += 1
                continue
            numbers = f"(?:{expected}|{str(expected).translate(_FULLWIDTH)})"
            glued = re.search(rf"(?<=[^\d\s]){numbers}\s+(?=\S)", line)
            if glued and entries and has_cjk(line[glued.end() : glued.end() + 16]):
                pending = [line[: glued.start()], line[glued.start() :], *pending]
                continue
            (entries[-1][1] if entries else header).append(line)
    return header, entries


_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _strip_alias(text: str) -> str:
    text = _BULLET.sub("", text).strip()
    text = re.sub(r"(;\s*and|;|\s+and)\s*$", "", text).strip()
    return text.rstrip(".").strip() if not text.endswith(("Ltd.", "Inc.", "Co.", "LLC.")) else text


def _is_japanese(line: str) -> bool:
    """A line of a Japanese name: kana or kanji outside closed brackets (an English line may
    end with the original Chinese name in brackets)."""
    return has_cjk(_BRACKETED.sub("", line))


def _balanced(lines: list[str]) -> list[str]:
    """Lines joined while a bracket is open: a bracketed alias list wraps over lines."""
    out: list[str] = []
    depth = 0
    for line in lines:
        if depth > 0 and out:
            out[-1] = join_wrapped([out[-1], line])
        else:
            out.append(line)
        depth += line.count("（") + line.count("(") - line.count("）") - line.count(")")
        depth = max(depth, 0)
    return out


def _latin_end(text: str) -> bool:
    text = text.rstrip()
    return bool(text) and text[-1].isascii() and text[-1].isalnum()


def _entry(list_name: str, number: int, lines: list[str]) -> ListRecord:
    # "…Strela所在地：26 Shevchenko Street" and "所 在 地 ：" (letter-spaced)
    lines = [
        part.strip()
        for ln in lines
        for part in _ADDRESS_LABEL.sub("\n所在地：", ln).splitlines()
        if part.strip()
    ]
    address_at = next(
        (i for i, ln in enumerate(lines) if normalize(ln).startswith("所在地")), len(lines)
    )
    if address_at == len(lines):
        raise ValueError("no 所在地 (address) line")
    labels = [ln for ln in lines[address_at + 1 :] if normalize(ln).startswith("所在地")]
    if labels:
        raise ValueError(
            f"the entry runs on into a second 所在地 ({labels[0][:40]!r}): the entry numbered "
            f"{number + 1} is missing or unreadable"
        )
    body, address_lines = _balanced(lines[:address_at]), lines[address_at:]
    ja_lines: list[str] = []
    # the first line is the Japanese name even when it starts in Latin ("MPI VOLNA（別称、…）")
    while body and (not ja_lines or _is_japanese(body[0])) and not body[0].startswith("別称"):
        line = body.pop(0)
        # an original-script name in brackets belongs to the English name it follows
        bracket = _TRAILING_BRACKET.search(line)
        core = line[: bracket.start()] if bracket and _latin_end(line[: bracket.start()]) else line
        tail = _LATIN_TAIL.search(core)
        if tail and (len(tail[1].split()) >= 2 or "a.k.a" in tail[1]):
            # the English name run on after the Japanese one: "クロッカス…エレクトロニクスCrocus …"
            ja_lines.append(core[: tail.start(1)])
            body.insert(0, line[tail.start(1) :])
            break
        ja_lines.append(line)
    if not ja_lines:
        raise ValueError("no Japanese name")
    name_ja = join_wrapped(ja_lines)
    aliases: list[str] = []
    match = _JA_ALIASES.search(name_ja)
    if match:
        name_ja = name_ja[: match.start()].strip()
        aliases += [a.strip() for a in re.split(r"、|及び", match[1]) if a.strip()]
    en_lines: list[str] = []
    alias_lines: list[str] = []
    labelled: list[str] = []
    for line in body:
        norm = normalize(line)
        if norm.startswith("別称") or labelled:
            labelled.append(norm.split("：", 1)[-1].split(":", 1)[-1] if not labelled else norm)
        elif _BULLET.match(line) or alias_lines:
            if _BULLET.match(line) or not alias_lines:
                alias_lines.append(line)
            else:  # a wrapped alias
                alias_lines[-1] = join_wrapped([alias_lines[-1], line])
        else:
            en_lines.append(line)
    name_en = " ".join(" ".join(en_lines).split())
    name_en = _AKA.sub("", name_en).strip()
    for original in _BRACKETED.findall(name_en):
        if has_cjk(original):  # Ele Technology Co LTD（深圳市易络电子有限公司）
            aliases += [a.strip() for a in original.split("、") if a.strip()]
    name_en = _BRACKETED.sub(lambda m: "" if has_cjk(m[1]) else m[0], name_en).strip()
    parts = _AKA_INLINE.split(name_en, maxsplit=1)
    if len(parts) == 2:  # "X, a.k.a. Y" on one line
        name_en = parts[0].strip()
        aliases += [parts[1].strip()] if parts[1].strip() else []
    if not name_en:
        raise ValueError(f"no English name for {name_ja!r}")
    aliases += [_strip_alias(a) for a in alias_lines]
    for line in labelled:
        aliases += [a.strip() for a in re.split(r"[;；]", line) if a.strip()]
    address_text = join_wrapped(
        [address_lines[0].split("：", 1)[-1].split(":", 1)[-1], *address_lines[1:]]
    )
    addresses = [a.strip().rstrip(".").strip() for a in _ADDRESS_SPLIT.split(address_text)]
    addresses = [a for a in addresses if a]
    country = LISTS[list_name][1]
    if country is None and addresses:
        # the third-country list: the country ends the first address ("…, Hong Kong, China")
        first = addresses[0].rstrip(". ")
        hong_kong = first.endswith(("Hong Kong, China", "Hong Kong"))
        country = "HK" if hong_kong else country_code(first.rsplit(",", 1)[-1].strip())
    return party(
        f"jp-meti-ru:{list_name}:{number}",
        LIST_CODE,
        name_en,
        aliases=(name_ja, *aliases),
        addresses=tuple(addresses),
        country=country,
        details={"list": list_name, "number": number, "name_ja": name_ja, "name_en": name_en},
    )


def read_text(text: str, source: str) -> MetiRuList:
    """A list from the PDF's text (pages joined by new lines, or run together).

    :raises InputError: when the text is not one of the three lists.
    :raises IncompleteTable: when some entry cannot be read, or numbers are missing.
    """
    lines = text.splitlines()
    header, entries = _split_entries(lines, source)
    header_text = "\n".join(header)
    list_name = _which_list(header_text)
    if list_name is None:
        raise InputError(
            f"{source}: not one of METI's Russia, Belarus or third-country party lists (the "
            "header names none of ロシア連邦の団体, ベラルーシ共和国の団体, ロシア連邦及び"
            "ベラルーシ共和国以外の国の団体)"
        )
    result = MetiRuList(
        list_name,
        designated_on=_date_after("指定日", header_text),
        updated_on=_date_after("最終更新日", header_text),
    )
    notice = _NOTICE.search("".join(normalize(header_text).split()))
    result.notice = notice[1] if notice else None
    lost: list[str] = []
    if not entries:
        first = next((_ENTRY.match(ln) for ln in lines if _ENTRY.match(ln)), None)
        hint = (
            f" (the first numbered entry is {first[1].translate(_DIGITS)}: an additions annex, "
            "not the full list?)"
            if first
            else ""
        )
        lost.append(f"no entry numbered 1{hint}")
    for number, entry_lines in entries:
        try:
            record = _entry(list_name, number, entry_lines)
        except ValueError as exc:
            lost.append(f"entry {number}: {exc}")
            continue
        result.parties.append(record)
    if lost:
        raise IncompleteTable(
            f"{source}: {len(lost)} problem(s) in the {list_name} list; nothing was read:\n  "
            + "\n  ".join(lost),
            lost=lost,
            url=source,
        )
    return result


def read_list(body: bytes, source: str, *, expected: str | None = None) -> MetiRuList:
    """A list from its PDF.

    :param expected: the list the URL is for (``russia``, ``belarus``, ``third_country``);
        a PDF of another list is an error (a link moved on METI's page).
    """
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfplumber.utils.exceptions import PdfminerException

    if not body.startswith(b"%PDF-"):
        head = body[:64].lstrip().lower()
        kind = "an HTML page" if head.startswith((b"<!doctype", b"<html")) else "not a PDF"
        raise InputError(f"{source}: {kind} (no %PDF- header); expected METI's list PDF")
    pages: list[str] = []
    try:
        with pdfplumber.open(io.BytesIO(body)) as pdf:
            for page in pdf.pages:
                pages.append(page.extract_text() or "")
    except (PdfminerException, PDFSyntaxError, ValueError, TypeError, KeyError) as exc:
        raise InputError(f"{source}: cannot read the PDF ({exc})") from None
    if not any(p.strip() for p in pages):
        raise InputError(f"{source}: the PDF has no text layer (a scanned image?)")
    result = read_text("\n".join(pages), source)
    if expected is not None and result.list_name != expected:
        raise InputError(f"{source}: this is the {result.list_name} list, expected {expected}")
    return result
