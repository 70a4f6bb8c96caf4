"""Entity List changes in a Federal Register rule's GPO XML: who was added, revised, removed.

Pure: bytes in, entries out.  The XML is untrusted and parsed with entity expansion, DTD loading
and network access off.  The grammar:

- ``REGTEXT PART="744"`` holds the amendatory instructions (``AMDPAR``) and the tables;
- an ``AMDPAR`` or ``HD`` naming "Supplement No. 4 to part 744" (the Entity List, ``EL``) or
  "Supplement No. 7 to part 744" (the Military End-User List, ``MEU``) says which list follows;
- the instructions say what each entry is: "by adding under CHINA, PEOPLE'S REPUBLIC OF, in
  alphabetical order, entries for “A” and “B”", "by revising under … the entry for “C”", "by
  removing under RUSSIA, the entity “D”" (removed entries appear only there);
- each ``GPOTABLE`` has a ``BOXHD`` (Country / Entity / License requirement / License review
  policy / Federal Register citation; Supplement No. 7 has no license columns) and one ``ROW``
  per entry: a country cell (``ENT I="01"``, empty when the row continues the country above),
  the entity cell (name, ``a.k.a., the following N aliases:`` then ``<LI>—alias</LI>`` items,
  then the address ``<LI>``), the license cells and the citation cell; ``* * *`` rows stand for
  entries left out, and a row holding only entity text continues the entry above;
- ``PRTPAGE`` marks page breaks, which give each entry's own page.

Nothing is dropped silently: a row that cannot be read, an instruction naming an entry the table
lacks, a removal without a name, are all reported in :attr:`RuleEntries.problems` with the
document number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from lxml import etree  # type: ignore[import-untyped]  # lxml ships no type stubs

from .._entity_names import country_at, country_from_heading, normalize_name, repair_text
from ..exceptions import ParseError

__all__ = ["RuleEntries", "RuleEntry", "parse_entity_rule"]

Action = Literal["added", "revised", "removed"]

_SUPPLEMENTS = {"4": "EL", "7": "MEU"}
_SUPPLEMENT = re.compile(r"supplement\s+no\.?\s*(\d+)\s+to\s+part\s+744", re.IGNORECASE)
_FRDOC = re.compile(r"FR\s+Doc\.?\s*([A-Z0-9]+[-–—]\s?\d+)", re.IGNORECASE)
_STARS = re.compile(r"^[\s*]*$")
_QUOTED = re.compile(r"[“\"]([^”\"]+)[”\"]|‘([^’]+)’")
_VERB = re.compile(
    r"\b(?P<verb>add(?:ing|ed|s)?|revis(?:ing|ed|es|e)|remov(?:ing|ed|es|e)|"
    r"amend(?:ing)?\s+by\s+(?:adding|revising|removing))\b",
    re.IGNORECASE,
)
_UNDER = re.compile(r"\bunder\s+(?:the\s+(?:heading|destination)\s+|the\s+)?", re.IGNORECASE)
_AKA = re.compile(
    r",?\s*\b(?:a\.k\.a\.|also known as)\s*,?\s*(?:the\s+following\s+[\w-]+\s+alias(?:es)?\s*:?)?",
    re.IGNORECASE,
)
_ALIAS_COUNT = re.compile(r"the\s+following\s+([\w-]+)\s+alias", re.IGNORECASE)
_DASH = re.compile(r"^\s*[—–-]{1,2}\s*")
_ADDRESS_SPLIT = re.compile(r";\s*(?:and\s+)?")
#: an address starts with a number, a unit, a building or a box, not with a name word
_ADDRESS_START = re.compile(
    r"^(?:\d|No\.|Nos\.|Room|Rm\.?|Unit|Flat|Floor|\d+(?:st|nd|rd|th)\s+Floor|Block|Building|"
    r"Bldg\.?|Suite|Ste\.?|P\.?\s?O\.?\s+Box|Post\s+Box|Office|Apartment|Apt\.?|House|Plot|Lot|"
    r"Street|St\.|Road|Rd\.?|Avenue|Ave\.?|Lane|Zone|Industrial|District|Village|Sector|Km|"
    r"[A-Z]?\d)",
    re.IGNORECASE,
)
#: legal forms after which a comma ends the name (``Huawei Technologies Co., Ltd., Bantian …``)
_LEGAL_END = re.compile(
    r"(?:\([A-Z][A-Z0-9 &.-]{1,24}\)|Co\.,?\s*Ltd\.?|Co\.?\s+Limited|Ltd\.?|Limited|Inc\.?|"
    r"Incorporated|LLC|L\.L\.C\.|"
    r"Corp\.?|Corporation|Company|GmbH|AG|S\.A\.|SA|B\.V\.|BV|N\.V\.|NV|K\.K\.|PLC|Pte\.?|"
    r"Sdn\.?\s+Bhd\.?|JSC|OJSC|CJSC|PJSC|OOO|LLP|LP|S\.r\.l\.|SRL|Group|Academy|Institute|"
    r"University|Center|Centre|Bureau|Ministry|Agency)\s*,\s*"
)
_ABBREVIATIONS = re.compile(
    r"(?:\b(?:Co|Ltd|Inc|Corp|No|Nos|St|Rd|Ave|Bldg|Jr|Sr|Dr|Mr|Mrs|Ms|Mt|Ste|Apt|Rm|Intl|Dept)"
    r"|\b[A-Z])\.$"
)
_HEADER_ROLES = (
    ("country", "country"),
    ("entity", "entity"),
    ("requirement", "license_requirement"),
    ("policy", "license_review_policy"),
    ("citation", "citation"),
)


@dataclass(frozen=True)
class RuleEntry:
    """One entry a rule adds, revises or removes."""

    action: Action
    list_code: str
    name: str
    country: str | None
    #: the country heading as the rule writes it (``CHINA, PEOPLE'S REPUBLIC OF``)
    country_heading: str | None
    aliases: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    license_requirement: str | None = None
    license_review_policy: str | None = None
    #: the citation cell as written (``83 FR 37423, 8/1/18. 87 FR 77505, 12/19/22.``)
    citation_text: str | None = None
    #: the page the row is printed on, from ``PRTPAGE``
    page: int | None = None
    #: the row's position in its table (1-based), ``None`` for removals
    row: int | None = None
    #: the instruction that says what happens to this entry
    instruction: str | None = None


@dataclass
class RuleEntries:
    """What a rule does to the lists, and what could not be read."""

    document_number: str | None
    entries: list[RuleEntry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    #: the lists whose supplement the rule amends
    lists: set[str] = field(default_factory=set)
    #: whether the rule states entry-level changes at all (instructions or entity tables)
    has_entry_changes: bool = False


@dataclass
class _Instruction:
    action: Action
    list_code: str
    country: str | None
    heading: str | None
    names: list[str]
    text: str


@dataclass
class _Context:
    """What the instructions said so far: it carries over from one AMDPAR to the next."""

    action: Action | None = None
    heading: str | None = None
    country: str | None = None


@dataclass
class _Row:
    list_code: str
    heading: str | None
    country: str | None
    main: str
    items: list[str]
    license_requirement: str
    license_review_policy: str
    citation: str
    page: int | None
    number: int


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def _text(element: etree._Element | None) -> str:
    """An element's text with whitespace collapsed; footnote marks (``SU``) stay glued to the
    word before them, as printed (``§§ 734.9(g),3 746.8``)."""
    if element is None:
        return ""
    parts: list[str] = []
    _collect(element, parts)
    return repair_text("".join(parts))


def _collect(element: etree._Element, parts: list[str]) -> None:
    if element.text:
        parts.append(element.text)
    for child in element:
        if not isinstance(child.tag, str):
            pass
        elif child.tag == "SU":
            if parts:
                parts[-1] = parts[-1].rstrip()
            parts.append("".join(child.itertext()).strip())
        else:
            parts.append(" ")
            _collect(child, parts)
            parts.append(" ")
        if child.tail:
            parts.append(child.tail)


def parse_entity_rule(body: bytes, *, document_number: str | None = None) -> RuleEntries:
    """The entries a rule's XML adds, revises and removes on the Entity List and MEU List.

    :param document_number: the rule's number, used in problem messages when the XML has no
        ``FRDOC`` line.
    :raises ParseError: the XML is not well-formed.
    """
    try:
        root = etree.fromstring(body, _parser())
    except etree.XMLSyntaxError as exc:
        where = document_number or "rule"
        raise ParseError(f"{where}: the full-text XML is not well-formed: {exc}") from None
    frdoc = _FRDOC.search(_text(root.find(".//FRDOC")))
    number = document_number or (re.sub(r"[–—]\s?", "-", frdoc[1]) if frdoc else None)
    result = RuleEntries(number)
    label = number or "rule"
    instructions: list[_Instruction] = []
    rows: list[_Row] = []
    regtexts = [r for r in root.iter("REGTEXT") if (r.get("PART") or "").strip() == "744"]
    current: str | None = None
    context = _Context()
    for regtext in regtexts or [root]:
        for element in regtext.iter("AMDPAR", "HD", "GPOTABLE"):
            if element.tag in ("AMDPAR", "HD"):
                text = _text(element)
                found = _SUPPLEMENT.findall(text)
                lists = [_SUPPLEMENTS[n] for n in found if n in _SUPPLEMENTS]
                if found and not lists:
                    current = None  # another supplement: its tables are not entity lists
                elif lists:
                    if lists[0] != current:
                        context = _Context()
                    current = lists[0]
                    result.lists.update(lists)
                if element.tag == "AMDPAR" and current is not None:
                    instructions += _instructions(text, current, context, result.problems, label)
            elif current is not None:
                rows += _table_rows(element, current, result.problems, label)
    result.has_entry_changes = bool(rows or instructions)
    _classify(instructions, rows, result, label)
    return result


# -- instructions -----------------------------------------------------------------------------


def _instructions(
    text: str, list_code: str, context: _Context, problems: list[str], label: str
) -> list[_Instruction]:
    """The entry-level instructions in one AMDPAR (a paragraph may carry several)."""
    names: list[str] = []

    def hide(match: re.Match[str]) -> str:
        names.append(repair_text(match[1] or match[2]).strip(" ,;."))
        return f"\x00{len(names) - 1}\x00"

    masked = _QUOTED.sub(hide, text)
    clauses = [
        c
        for c in re.split(r";|:|\.\s+(?=[A-Za-z]{1,4}\.\s)|\s(?=\(?[a-z]{1,4}[.)]\s)", masked)
        if c.strip()
    ]
    out: list[_Instruction] = []
    for clause in clauses:
        verb = _VERB.search(clause)
        if verb:
            word = verb["verb"].lower().split()[-1]
            context.action = (
                "added"
                if word.startswith("add")
                else "revised"
                if word.startswith("revis")
                else "removed"
            )
        places: list[tuple[int, str | None, str | None]] = []
        for under in _UNDER.finditer(clause):
            found = country_at(clause[under.end() :])
            if found:
                places.append((under.start(), *found))
            else:
                raw = clause[under.end() :].split(",")[0].strip()
                if raw and raw[:1].isupper() and "\x00" not in raw:
                    places.append((under.start(), raw, None))
                    problems.append(f"{label}: unknown country heading {raw!r} in an instruction")
        action = context.action
        marks = [(m.start(), names[int(m[1])]) for m in re.finditer(r"\x00(\d+)\x00", clause)]
        skip = action is None or not (marks or verb)
        if not skip and _SUPPLEMENT.search(clause) and not marks:
            skip = not re.search(r"\bentr(?:y|ies)\b|\bentit(?:y|ies)\b|\bunder\b", clause, re.I)
        plain = re.sub(r"\x00(\d+)\x00", lambda m: f"“{names[int(m[1])]}”", clause).strip()
        if not skip and action is not None and not marks and len(places) > 1:
            # "adding under BELGIUM, one Belgian entity, and under JAPAN, two Japanese entities"
            for _, heading, country in places:
                out.append(_Instruction(action, list_code, country, heading, [], plain))
        elif not skip and action is not None:
            by_place: dict[tuple[str | None, str | None], list[str]] = {}
            for position, name in marks:
                before = [p for p in places if p[0] < position] or places[:1]
                heading, country = (
                    (before[-1][1], before[-1][2]) if before else (context.heading, context.country)
                )
                by_place.setdefault((heading, country), []).append(name)
            if not marks:
                where = places[-1] if places else (0, context.heading, context.country)
                by_place[(where[1], where[2])] = []
            for (heading, country), quoted in by_place.items():
                out.append(_Instruction(action, list_code, country, heading, quoted, plain))
        if places:
            context.heading, context.country = places[-1][1], places[-1][2]
    return out


# -- tables -----------------------------------------------------------------------------------


def _roles(table: etree._Element) -> list[str] | None:
    heads = [_text(c).lower() for c in table.iter("CHED")]
    if not heads:
        cols = int(table.get("COLS") or 0)
        return (
            ["country", "entity", "license_requirement", "license_review_policy", "citation"]
            if cols == 5
            else ["country", "entity", "citation"]
            if cols == 3
            else None
        )
    roles = []
    for head in heads:
        role = next((r for word, r in _HEADER_ROLES if word in head), "other")
        roles.append(role)
    return roles if "entity" in roles and "country" in roles else None


def _cell_parts(cell: etree._Element) -> tuple[str, list[str]]:
    """The text before the first ``LI``, and each ``LI`` item."""
    items = [_text(li) for li in cell.iter("LI")]
    head = [cell.text or ""]
    for child in cell:
        if child.tag == "LI":
            break
        head.append(_text(child))
        head.append(child.tail or "")
    return repair_text(" ".join(head)), [i for i in items if i]


def _table_rows(
    table: etree._Element, list_code: str, problems: list[str], label: str
) -> list[_Row]:
    roles = _roles(table)
    if roles is None:
        return []
    out: list[_Row] = []
    heading: str | None = None
    country: str | None = None
    before = table.xpath("preceding::PRTPAGE[1]/@P")
    page: int | None = _page(str(before[0])) if before else None
    number = 0
    for element in table.iter("ROW", "PRTPAGE"):
        if element.tag == "PRTPAGE":
            page = _page(element.get("P")) or page
            continue
        for inner in element.iter("PRTPAGE"):
            page = _page(inner.get("P")) or page
        number += 1
        cells = [c for c in element if c.tag == "ENT"]
        values: dict[str, etree._Element] = {}
        extra = []
        for index, cell in enumerate(cells):
            if index < len(roles):
                values.setdefault(roles[index], cell)
            elif _text(cell):
                extra.append(_text(cell))
        country_text = _text(values.get("country"))
        where = f"{label}: {_list_name(list_code)} table row {number}"
        if country_text and not _STARS.match(country_text):
            heading = country_text
            country = country_from_heading(country_text)
            if country is None:
                problems.append(f"{where}: unknown country heading {country_text!r}")
        entity_cell = values.get("entity")
        main, items = _cell_parts(entity_cell) if entity_cell is not None else ("", [])
        others = {
            role: _text(values.get(role))
            for role in ("license_requirement", "license_review_policy", "citation")
        }
        entity_text = " ".join([main, *items]).strip()
        if extra:
            problems.append(
                f"{where}: {len(cells)} cells where the table has {len(roles)}; "
                f"row not read: {' | '.join(_text(c) for c in cells)[:160]!r}"
            )
            continue
        if _STARS.match(entity_text) and all(_STARS.match(v) for v in others.values()):
            continue  # elision (* * *) or a country heading row
        if not entity_text or _STARS.match(entity_text):
            problems.append(
                f"{where}{_under(heading)}: no entity name, but "
                f"{'; '.join(v for v in others.values() if v)[:120]!r}; row not read"
            )
            continue
        if not any(others.values()) and out and not country_text:
            # Only the entity cell: the rest of the entry above (GPO splits long cells).
            previous = out[-1]
            previous.items.extend([main, *items] if main else items)
            continue
        out.append(
            _Row(
                list_code,
                heading,
                country,
                main,
                items,
                others["license_requirement"],
                others["license_review_policy"],
                others["citation"],
                page,
                number,
            )
        )
    return out


def _page(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _under(heading: str | None) -> str:
    return f" (under {heading})" if heading else ""


def _list_name(code: str) -> str:
    return "Supplement No. 4 (Entity List)" if code == "EL" else "Supplement No. 7 (MEU List)"


# -- the entity cell --------------------------------------------------------------------------


def split_entity(main: str, items: list[str]) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """``(name, aliases, addresses)`` of an entity cell.

    ``main`` is the text before the first ``LI`` line, ``items`` the lines: aliases start with a
    dash, the other lines are addresses.  Without ``LI`` lines, the same structure is read from
    the running text (``Name, a.k.a., the following two aliases: —A; and —B. Address.``).
    """
    main = repair_text(main)
    if not items and "—" in main:
        first, *rest = re.split(r"\s*—\s*", main)
        main, items = first, [f"—{r}" for r in rest]
        if items:
            last = items[-1]
            split = _sentence_end(last)
            if split is not None:
                items[-1], address = last[:split], last[split:].strip()
                if address:
                    items.append(address)
    aliases: list[str] = []
    addresses: list[str] = []
    aka = _AKA.search(main)
    if aka:
        name, after = main[: aka.start()], main[aka.end() :]
        inline = [a for a in re.split(r"\s*;\s*(?:and\s+)?|,\s*a\.k\.a\.,?\s*", after) if a.strip()]
        if inline and not items:
            aliases += [a.strip(" ,.;:") for a in inline]
    else:
        name, address = _split_name_address(main)
        if address:
            addresses += _addresses(address)
    for item in items:
        if _DASH.match(item):
            alias = _DASH.sub("", item).strip()
            alias = re.sub(r"[;,]?\s*(?:and)?\s*$", "", alias).strip()
            alias = (
                alias[:-1] if alias.endswith(".") and not _ABBREVIATIONS.search(alias) else alias
            )
            if alias:
                aliases.append(alias)
        else:
            addresses += _addresses(item)
    name = name.strip(" ,;:")
    return name, tuple(dict.fromkeys(aliases)), tuple(dict.fromkeys(addresses))


def _sentence_end(text: str) -> int | None:
    """Where the sentence ``text`` starts with ends (``CETC Research Institute 13. 113 Hezuo…``),
    not counting abbreviations such as ``Co.`` or ``No.``."""
    for match in re.finditer(r"\.\s+(?=[A-Z0-9])", text):
        if not _ABBREVIATIONS.search(text[: match.start() + 1]):
            return match.end()
    return None


def _split_name_address(text: str) -> tuple[str, str]:
    """``Huawei Technologies Co., Ltd., Bantian Huawei Base, …`` → name, address."""
    text = text.strip()
    cuts = []
    legal = _LEGAL_END.search(text)
    if legal:
        cuts.append(legal.end())
    for comma in re.finditer(r",\s*", text):
        if _ADDRESS_START.match(text[comma.end() :]):
            cuts.append(comma.end())
            break
    if not cuts:
        return text.rstrip("."), ""
    cut = min(cuts)
    return text[:cut].rstrip(" ,"), text[cut:]


def _addresses(text: str) -> list[str]:
    out = []
    for part in _ADDRESS_SPLIT.split(repair_text(text)):
        part = part.strip(" ,;")
        if part.endswith(".") and not _ABBREVIATIONS.search(part):
            part = part[:-1]
        if part:
            out.append(part)
    return out


# -- instructions x rows ----------------------------------------------------------------------


def _matches(name: str, quoted: str) -> bool:
    a, b = normalize_name(name), normalize_name(quoted)
    return bool(a and b) and (a == b or b.startswith(a + " ") or a.startswith(b + " "))


def _classify(
    instructions: list[_Instruction], rows: list[_Row], result: RuleEntries, label: str
) -> None:
    problems = result.problems
    revise = [i for i in instructions if i.action == "revised"]
    add = [i for i in instructions if i.action == "added"]
    used: set[tuple[int, int]] = set()  # (instruction id, name index) matched by a row

    def same_place(instruction: _Instruction, row: _Row) -> bool:
        return instruction.list_code == row.list_code and (
            instruction.country is None or row.country is None or instruction.country == row.country
        )

    for row in rows:
        name, aliases, addresses = split_entity(row.main, row.items)
        where = f"{label}: {_list_name(row.list_code)} table row {row.number}{_under(row.heading)}"
        if not normalize_name(name):
            problems.append(f"{where}: cannot read an entity name from {row.main[:120]!r}")
            continue
        action: Action | None = None
        instruction: _Instruction | None = None
        for candidate in revise:
            for n, quoted in enumerate(candidate.names):
                if same_place(candidate, row) and _matches(name, quoted):
                    action, instruction = "revised", candidate
                    used.add((id(candidate), n))
        if action is None:
            for candidate in add:
                for n, quoted in enumerate(candidate.names):
                    if same_place(candidate, row) and _matches(name, quoted):
                        action, instruction = "added", candidate
                        used.add((id(candidate), n))
        if action is None:
            place_add = [i for i in add if same_place(i, row)]
            place_revise = [i for i in revise if same_place(i, row)]
            unnamed_revise = [i for i in place_revise if not i.names]
            if place_add and not unnamed_revise:
                action, instruction = "added", place_add[0]
            elif place_revise and not place_add:
                action, instruction = "revised", place_revise[0]
                if place_revise[0].names:
                    problems.append(
                        f"{where}: {name!r} is not among the entries the rule says it revises "
                        f"({', '.join(place_revise[0].names)}); read as a revision"
                    )
            elif unnamed_revise:
                action, instruction = "revised", unnamed_revise[0]
            else:
                action = "added"
                problems.append(
                    f"{where}: no instruction says what happens to {name!r}; read as an addition"
                )
        result.entries.append(
            RuleEntry(
                action=action,
                list_code=row.list_code,
                name=name,
                country=row.country,
                country_heading=row.heading,
                aliases=aliases,
                addresses=addresses,
                license_requirement=row.license_requirement or None,
                license_review_policy=row.license_review_policy or None,
                citation_text=row.citation or None,
                page=row.page,
                row=row.number,
                instruction=instruction.text if instruction else None,
            )
        )
    for instruction in instructions:
        if instruction.action == "removed":
            if not instruction.names:
                problems.append(
                    f"{label}: a removal names no entry, so it cannot be applied: "
                    f"{instruction.text[:160]!r}"
                )
            for quoted in instruction.names:
                name, aliases, addresses = split_entity(quoted, [])
                result.entries.append(
                    RuleEntry(
                        action="removed",
                        list_code=instruction.list_code,
                        name=name,
                        country=instruction.country,
                        country_heading=instruction.heading,
                        aliases=aliases,
                        addresses=addresses,
                        instruction=instruction.text,
                    )
                )
            continue
        for n, quoted in enumerate(instruction.names):
            if (id(instruction), n) not in used:
                verb = "adds" if instruction.action == "added" else "revises"
                problems.append(
                    f"{label}: the rule says it {verb} {quoted!r}{_under(instruction.heading)}, "
                    "but no table row has that entry"
                )
