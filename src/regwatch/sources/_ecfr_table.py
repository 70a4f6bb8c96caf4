"""The codified Entity List and MEU List: Supplements No. 4 and No. 7 to 15 CFR part 744, as the
eCFR serves them.  Pure: bytes in, entries out.

The eCFR's XML of a supplement is a ``DIV9 TYPE="APPENDIX"`` (``N="Supplement No. 4 to Part
744"``) holding one table, in either of two grammars:

- the GPO grammar of the printed CFR and of the Federal Register rules: ``GPOTABLE`` with
  ``BOXHD``/``CHED`` heads, ``ROW``/``ENT`` cells and ``LI`` lines inside the entity cell;
- the rendered form: ``TABLE`` with ``TH`` heads (in ``THEAD`` or a first row), ``TR``/``TD``
  cells, ``<br/>`` line breaks, and a ``TFOOT`` of footnotes.

The columns are found by what the heads say (Country / Entity / License requirement / License
review policy / Federal Register citation; the MEU List has no license columns), not by position.
The layouts of the real codified table that this reader handles:

- heads left blank (a ``CHED`` holding only an em space) with the real header as the first row
  of the body;
- the country written only on the first entry of each country; the rows below it leave the
  first cell empty;
- a long entity cell split over two rows (at a page break): the first part ends mid-sentence
  (``…, 100 Zhongguancun Street,``) and the row below carries the rest and the other cells, or
  the row below holds only more entity text;
- ``Name, a.k.a., the following N aliases:`` followed by ``<LI>—Alias;</LI>`` lines and the
  address lines;
- one party listed under several countries (``See alternate address under …``): each listing
  is its own entry, under its own country;
- elision rows (``* * *``), ``[Reserved]`` rows and footnotes, which are not entries.

Nothing is dropped silently: a row that cannot be read is reported in
:attr:`Supplement.problems` with its row number, country and text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from .._entity_names import (
    Citation,
    country_from_heading,
    disambiguate,
    entity_key,
    normalize_name,
    parse_citations,
    repair_text,
)
from ..exceptions import ParseError
from ._gpo_entities import split_entity
from ._xml import untrusted_xml_parser

__all__ = [
    "SUPPLEMENTS",
    "CodifiedEntry",
    "Supplement",
    "TableRow",
    "parse_supplement",
    "parse_supplements",
    "table_rows",
]

#: the list code of each supplement, and its heading as the eCFR names the appendix
SUPPLEMENTS: dict[str, str] = {
    "EL": "Supplement No. 4 to Part 744",
    "MEU": "Supplement No. 7 to Part 744",
}
_SUPPLEMENT_NUMBER = {"EL": "4", "MEU": "7"}
_SUPPLEMENT = re.compile(r"supplement\s+no\.?\s*(\d+)\s+to\s+part\s+744", re.IGNORECASE)

_ROLES = (
    ("country", "country"),
    ("entity", "entity"),
    ("requirement", "license_requirement"),
    ("policy", "license_review_policy"),
    ("citation", "citation"),
)
_BY_WIDTH = {
    5: ("country", "entity", "license_requirement", "license_review_policy", "citation"),
    3: ("country", "entity", "citation"),
}
_OTHER_ROLES = ("license_requirement", "license_review_policy", "citation")
_STARS = re.compile(r"^[\s*]*$")
_RESERVED = re.compile(r"^\[?\s*reserved\s*\]?\.?$", re.IGNORECASE)
#: a cell that stops mid-sentence continues on the next row
_OPEN_END = re.compile(r"(?:[,;:—–-]|\band|\bor|\bof|\bthe)\s*$", re.IGNORECASE)
_SEE_ALSO = re.compile(
    r"\(?\s*see\s+(?:also\s+)?alternate\s+address(?:es)?\s+under\s+([^).]+)\)?\.?", re.IGNORECASE
)
_ALIAS_COUNT = re.compile(r"the\s+following\s+([\w-]+)\s+alias(es)?", re.IGNORECASE)
_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
}  # fmt: skip
_DASHED = re.compile(r"^\s*[—–-]")


@dataclass(frozen=True, slots=True)
class CodifiedEntry:
    """One listing in a codified supplement: a party under one destination on one list."""

    list_code: str
    #: ISO code of the destination heading (``CN``), ``None`` for a heading regwatch does not know
    country: str | None
    #: the heading as written (``CHINA, PEOPLE'S REPUBLIC OF``)
    country_heading: str
    name: str
    aliases: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    license_requirement: str | None = None
    license_review_policy: str | None = None
    #: the citation cell as written (``87 FR 77505, 12/19/22. 91 FR 50001, 11/17/26.``)
    citation_text: str | None = None
    citations: tuple[Citation, ...] = ()
    #: the other destinations the entry points to (``See alternate address under …``)
    see_also: tuple[str, ...] = ()
    #: the entry's first row in the table (1-based, counting body rows)
    row: int = 0

    @property
    def natural_key(self) -> str:
        return entity_key(self.list_code, self.country, self.name)

    def compared(self) -> dict[str, object]:
        """What a reader calls the entry's content; a change in any of these is a revision."""
        return {
            "name": self.name,
            "aliases": list(self.aliases),
            "addresses": list(self.addresses),
            "license_requirement": self.license_requirement,
            "license_review_policy": self.license_review_policy,
            "federal_register_citations": [str(c) for c in self.citations],
            "country_heading": self.country_heading,
        }


@dataclass
class Supplement:
    """One supplement's table at one version, and what could not be read."""

    list_code: str
    heading: str
    #: entries by identity key (``el:cn:alpha photonics co ltd``, tie-broken as in
    #: :func:`regwatch.entities.disambiguate`), in table order
    entries: dict[str, CodifiedEntry] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


@dataclass
class TableRow:
    """A body row of a table, its cells by role.  ``lines`` are the entity cell's ``LI`` /
    ``<br/>`` lines; ``main`` is its text before the first line."""

    number: int
    cells: dict[str, str]
    main: str = ""
    lines: list[str] = field(default_factory=list)
    #: cells beyond the table's columns that hold text (a misaligned row)
    extra: list[str] = field(default_factory=list)

    @property
    def entity_text(self) -> str:
        return " ".join([self.main, *self.lines]).strip()


def _parse_xml(body: bytes, where: str) -> etree._Element:
    try:
        return etree.fromstring(body, untrusted_xml_parser(huge_tree=True))
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"{where}: the eCFR XML is not well-formed: {exc}", url=where) from None


# -- text -------------------------------------------------------------------------------------


def _text(element: etree._Element | None) -> str:
    """All text of ``element``, whitespace collapsed (em spaces included)."""
    if element is None:
        return ""
    if not len(element):  # no child elements: the common cell
        return repair_text(element.text or "")
    return repair_text(" ".join(element.itertext()))


def _cell_lines(cell: etree._Element) -> tuple[str, list[str]]:
    """The text of a cell before its first line break, and each line after it.

    A line is an ``LI`` element (GPO grammar) or the text between two ``<br/>`` (rendered form).
    """
    head: list[str] = [cell.text or ""]
    lines: list[list[str]] = []
    for child in cell:
        if not isinstance(child.tag, str):
            (lines[-1] if lines else head).append(child.tail or "")
            continue
        tag = child.tag.upper()
        if tag == "LI":
            lines.append([_text(child)])
            lines.append([child.tail or ""])
        elif tag == "BR":
            lines.append([child.tail or ""])
        else:
            target = lines[-1] if lines else head
            target.append(" ".join(child.itertext()))
            target.append(child.tail or "")
    out = [repair_text(" ".join(parts)) for parts in lines]
    return repair_text(" ".join(head)), [line for line in out if line]


# -- tables -----------------------------------------------------------------------------------


def _local(tag: object) -> str:
    if type(tag) is not str:  # comments and processing instructions
        return ""
    return tag if tag.isupper() else tag.upper()


def _roles_of(heads: list[str]) -> tuple[str, ...] | None:
    roles = []
    for head in heads:
        lowered = head.lower()
        roles.append(next((r for word, r in _ROLES if word in lowered), "other"))
    return tuple(roles) if "country" in roles and "entity" in roles else None


def _body_rows(table: etree._Element) -> tuple[list[str], list[etree._Element]]:
    """The head texts and the body rows of a ``GPOTABLE`` or a ``TABLE``."""
    if _local(table.tag) == "GPOTABLE":
        return [_text(c) for c in table.iter("CHED")], list(table.iter("ROW"))
    heads: list[str] = []
    rows: list[etree._Element] = []
    for tr in table.iter("TR", "tr"):
        section = _local(tr.getparent().tag) if tr.getparent() is not None else ""
        if section == "TFOOT":
            continue  # footnotes
        cells = [c for c in tr if _local(c.tag) in ("TD", "TH")]
        if cells and all(_local(c.tag) == "TH" for c in cells) and not heads:
            heads = [_text(c) for c in cells]
            continue
        rows.append(tr)
    return heads, rows


def table_rows(table: etree._Element) -> tuple[tuple[str, ...] | None, list[TableRow]]:
    """The roles of a table's columns (read from its heads, or from a header row in its body
    when the heads are blank) and its body rows, by role.  ``None`` roles: not an entity table."""
    heads, elements = _body_rows(table)
    roles = _roles_of(heads) if any(heads) else None
    if roles is None and any(heads):
        return None, []  # headed, but not Country / Entity: another kind of table
    rows: list[TableRow] = []
    number = 0
    for element in elements:
        cells = [c for c in element if _local(c.tag) in ("ENT", "TD", "TH")]
        if roles is None and not rows:
            found = _roles_of([_text(c) for c in cells])
            if found is not None:
                roles = found  # the header row in the body
                continue
        number += 1
        width = roles or _BY_WIDTH.get(len(cells))
        if width is None:
            rows.append(TableRow(number, {}, extra=[_text(c) for c in cells if _text(c)]))
            continue
        row = TableRow(number, {})
        for index, cell in enumerate(cells):
            if index >= len(width):
                if _text(cell):
                    row.extra.append(_text(cell))
                continue
            role = width[index]
            if role == "entity":
                row.main, row.lines = _cell_lines(cell)
                row.cells[role] = row.entity_text
            elif role not in row.cells:
                row.cells[role] = _text(cell)
        rows.append(row)
        if roles is None:
            roles = width
    return roles, rows


# -- supplements ------------------------------------------------------------------------------


_DIVS = (*(f"DIV{n}" for n in range(1, 10)), "DIV")


def _appendix_of(root: etree._Element, list_code: str) -> etree._Element | None:
    number = _SUPPLEMENT_NUMBER[list_code]
    for element in (root, *root.iter(*_DIVS)):
        if not _local(element.tag).startswith("DIV"):
            continue
        label = element.get("N") or ""
        found = _SUPPLEMENT.search(label)
        if found is None:
            head = element.find("HEAD")
            found = _SUPPLEMENT.search(_text(head)[:80]) if head is not None else None
        if found and found[1] == number:
            return element
    return None


def parse_supplements(
    body: bytes, *, where: str = "eCFR XML", lists: tuple[str, ...] = ("EL", "MEU")
) -> dict[str, Supplement]:
    """Each of ``lists`` whose supplement the XML holds (a whole part 744, or one appendix).

    :raises ParseError: the XML is not well-formed.
    """
    root = _parse_xml(body, where)
    out: dict[str, Supplement] = {}
    for code in lists:
        appendix = _appendix_of(root, code)
        if appendix is not None:
            out[code] = _read_appendix(appendix, code, where)
    return out


def parse_supplement(body: bytes, list_code: str, *, where: str = "eCFR XML") -> Supplement:
    """The supplement of ``list_code`` (``EL`` or ``MEU``) in ``body``.

    :raises ParseError: the XML is not well-formed, or holds no such supplement, or no table.
    """
    found = parse_supplements(body, where=where, lists=(list_code,))
    if list_code not in found:
        raise ParseError(
            f"{where}: no {SUPPLEMENTS[list_code]} in the XML (expected a DIV with "
            f'N="{SUPPLEMENTS[list_code]}" or a HEAD naming it)',
            url=where,
        )
    supplement = found[list_code]
    if (
        not supplement.entries
        and supplement.problems
        and "no entity table" in (supplement.problems[0])
    ):
        raise ParseError(supplement.problems[0], url=where)
    return supplement


@dataclass
class _Pending:
    heading: str
    country: str | None
    row: TableRow
    main: str
    lines: list[str]
    others: dict[str, str]


def _read_appendix(appendix: etree._Element, list_code: str, where: str) -> Supplement:
    heading = _text(appendix.find("HEAD"))
    supplement = Supplement(list_code, heading)
    label = f"{where}: {SUPPLEMENTS[list_code]}"
    tables = list(appendix.iter("GPOTABLE", "TABLE", "table"))
    pending: list[_Pending] = []
    read_any = False
    for table in tables:
        roles, rows = table_rows(table)
        if roles is None:
            continue
        read_any = True
        country_heading, country = "", None
        for row in rows:
            at = f"{label}, table row {row.number}"
            first = row.cells.get("country", "")
            if first and not _STARS.match(first):
                country_heading = first
                country = country_from_heading(first)
                if country is None:
                    supplement.problems.append(f"{at}: unknown country heading {first!r}")
            if row.extra:
                supplement.problems.append(
                    f"{at}{_under(country_heading)}: {len(row.extra)} cell(s) beyond the "
                    f"table's {len(roles)} columns; row not read: "
                    f"{' | '.join([*row.cells.values(), *row.extra])[:160]!r}"
                )
                continue
            entity = row.entity_text
            others = {r: row.cells.get(r, "") for r in _OTHER_ROLES}
            blank_others = all(_STARS.match(v) for v in others.values())
            if _STARS.match(entity) and blank_others:
                continue  # an elision row, or a heading alone
            if _RESERVED.match(entity):
                continue
            previous = pending[-1] if pending else None
            if previous is not None and not first and _continues(previous, entity, blank_others):
                previous.main, previous.lines = _join_cells(previous, row)
                for role, value in others.items():
                    if value and not previous.others.get(role):
                        previous.others[role] = value
                continue
            if _STARS.match(entity):
                supplement.problems.append(
                    f"{at}{_under(country_heading)}: no entity name, but "
                    f"{'; '.join(v for v in others.values() if v)[:120]!r}; row not read"
                )
                continue
            pending.append(_Pending(country_heading, country, row, row.main, row.lines, others))
    if not read_any:
        supplement.problems.append(
            f"{label}: no entity table (no table whose heads name Country and Entity)"
        )
    for item in pending:
        _add_entry(supplement, item, list_code, label)
    return supplement


def _continues(previous: _Pending, entity: str, blank_others: bool) -> bool:
    """Whether a row is the rest of the entry above (GPO splits long cells at page breaks):
    the entry above stopped mid-sentence, or the row holds only entity text that is the end of
    a sentence.  A row holding only an unfinished sentence starts an entry that the row below
    completes."""
    if _open_end(previous.lines[-1] if previous.lines else previous.main):
        return True
    return blank_others and not _open_end(entity)


def _open_end(text: str) -> bool:
    # only the end matters: searching the whole cell for an anchored pattern is quadratic-ish
    return bool(_OPEN_END.search(text.rstrip()[-12:]))


def _join_cells(previous: _Pending, row: TableRow) -> tuple[str, list[str]]:
    if previous.lines:
        return previous.main, [*previous.lines, *([row.main] if row.main else []), *row.lines]
    if row.lines:
        return f"{previous.main} {row.main}".strip(), row.lines
    return f"{previous.main} {row.main}".strip(), []


def _add_entry(supplement: Supplement, item: _Pending, list_code: str, label: str) -> None:
    at = f"{label}, table row {item.row.number}{_under(item.heading)}"
    main, lines = item.main, list(item.lines)
    see_also: list[str] = []

    def note(match: re.Match[str]) -> str:
        see_also.append(repair_text(match[1]).strip(" ,;"))
        return ""

    main = repair_text(_SEE_ALSO.sub(note, main))
    lines = [repair_text(_SEE_ALSO.sub(note, line)) for line in lines]
    name, aliases, addresses = split_entity(main, [line for line in lines if line])
    if not normalize_name(name):
        supplement.problems.append(f"{at}: cannot read an entity name from {main[:120]!r}")
        return
    counted = _ALIAS_COUNT.search(main)
    if counted:
        word = counted[1].lower()
        expected = _NUMBERS.get(word) or (int(word) if word.isdigit() else None)
        dashed = sum(1 for line in lines if _DASHED.match(line))
        if expected is not None and dashed and expected != len(aliases):
            supplement.problems.append(
                f"{at}: {name!r} announces {expected} alias(es) but lists {len(aliases)}"
            )
    elif re.search(r"\ba\.k\.a\.", main, re.IGNORECASE) and not aliases:
        supplement.problems.append(f"{at}: {name!r} says a.k.a. but no alias could be read")
    citation_text = item.others.get("citation") or None
    citations = parse_citations(citation_text)
    entry = CodifiedEntry(
        list_code=list_code,
        country=item.country,
        country_heading=item.heading,
        name=name,
        aliases=aliases,
        addresses=addresses,
        license_requirement=item.others.get("license_requirement") or None,
        license_review_policy=item.others.get("license_review_policy") or None,
        citation_text=citation_text,
        citations=citations,
        see_also=tuple(see_also),
        row=item.row.number,
    )
    key = disambiguate(
        entry.natural_key, supplement.entries, citations=citations, addresses=addresses
    )
    supplement.entries[key] = entry


def _under(heading: str) -> str:
    return f" (under {heading})" if heading else ""
