"""Entity List changes in a Federal Register rule's GPO XML: who was added, revised, removed.

Pure: bytes in, entries out.  The XML is untrusted and parsed with entity expansion, DTD loading
and network access off.  The grammar:

- ``REGTEXT PART="744"`` holds the amendatory instructions (``AMDPAR``) and the tables;
- an ``AMDPAR`` or ``HD`` naming "Supplement No. 4 to part 744" (the Entity List, ``EL``) or
  "Supplement No. 7 to part 744" (the Military End-User List, ``MEU``) says which list follows;
- the instructions say what each entry is (:mod:`._gpo_amdpar`: every verb counts for the names
  after it, places carry); removed entries appear only there;
- each ``GPOTABLE`` has one ``ROW`` per entry, its columns told by heads, a header row or the
  cells themselves (:mod:`._gpo_tables`): a country cell (empty when the row continues the
  country above), the entity cell (name, ``a.k.a., the following N aliases:`` then
  ``<LI>—alias</LI>`` items, then the address ``<LI>``), the license cells and the citation cell;
  ``* * *`` rows stand for entries left out, and a row holding only entity text continues the
  entry above;
- ``PRTPAGE`` marks page breaks, which give each entry's own page;
- the SUMMARY and SUPPLEMENTARY INFORMATION state the rule's own totals, which the reading is
  checked against (:mod:`._gpo_totals`): :attr:`RuleEntries.extraction`.

Nothing is dropped silently: a row that cannot be read, an instruction naming an entry the table
lacks, a removal without a name, are all reported in :attr:`RuleEntries.problems` with the
document number, and make the reading ``partial``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from .._entity_names import normalize_name, repair_text
from ..exceptions import ParseError
from ._gpo_amdpar import SUPPLEMENTS as _SUPPLEMENTS
from ._gpo_amdpar import Action, Context, Instruction, read_instructions, supplements_in
from ._gpo_tables import Row, element_text, list_name, table_rows
from ._gpo_totals import Announced, Extraction, check_reading, read_announced
from ._xml import untrusted_xml_parser

__all__ = ["PARSER_VERSION", "RuleEntries", "RuleEntry", "parse_entity_rule", "split_entity"]

#: bumped whenever a change to this parser can read a stored rule differently; ``regwatch init``
#: compares it with the version that read the stored rules and suggests ``regwatch reprocess``
PARSER_VERSION = 2

_FRDOC = re.compile(r"FR\s+Doc\.?\s*([A-Z0-9]+[-–—]\s?\d+)", re.IGNORECASE)
_FRDOC_DASH = re.compile(r"[–—]\s?")
_EM_DASH = re.compile(r"\s*—\s*")
#: the separators of aliases written inline after "a.k.a." (``A; and B``, ``A, a.k.a., B``)
_INLINE_ALIAS = re.compile(r"\s*;\s*(?:and\s+)?|,\s*a\.k\.a\.,?\s*")
_SENTENCE_BREAK = re.compile(r"\.\s+(?=[A-Z0-9])")
_COMMA = re.compile(r",\s*")
_AKA = re.compile(
    r",?\s*\b(?:a\.k\.a\.|also known as)\s*,?\s*(?:the\s+following\s+[\w-]+\s+alias(?:es)?\s*:?)?",
    re.IGNORECASE,
)
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
    #: the totals the rule states in its SUMMARY and supplementary information
    announced: Announced = field(default_factory=Announced)
    #: the reading checked against those totals
    extraction: Extraction = field(
        default_factory=lambda: Extraction("complete", {}, {}),
    )


def _paragraphs(root: etree._Element) -> list[str]:
    """The SUMMARY and supplementary information paragraphs, without the amendatory text."""
    out = [element_text(p) for summary in root.iter("SUM") for p in summary.iter("P")]
    for info in root.iter("SUPLINF"):
        out += [
            element_text(p)
            for p in info.iter("P")
            if not any(a.tag in ("REGTEXT", "SUM") for a in p.iterancestors())
        ]
    return [p for p in out if p]


def parse_entity_rule(body: bytes, *, document_number: str | None = None) -> RuleEntries:
    """The entries a rule's XML adds, revises and removes on the Entity List and MEU List, and
    how that reading compares with the totals the rule states (:attr:`RuleEntries.extraction`).

    :param document_number: the rule's number, used in problem messages when the XML has no
        ``FRDOC`` line.
    :raises ParseError: the XML is not well-formed.
    """
    try:
        root = etree.fromstring(body, untrusted_xml_parser(huge_tree=False))
    except etree.XMLSyntaxError as exc:
        where = document_number or "rule"
        raise ParseError(f"{where}: the full-text XML is not well-formed: {exc}") from None
    frdoc = _FRDOC.search(element_text(root.find(".//FRDOC")))
    number = document_number or (_FRDOC_DASH.sub("-", frdoc[1]) if frdoc else None)
    result = RuleEntries(number)
    label = number or "rule"
    instructions: list[Instruction] = []
    rows: list[Row] = []
    unread = 0
    regtexts = [r for r in root.iter("REGTEXT") if (r.get("PART") or "").strip() == "744"]
    context = Context()
    for regtext in regtexts or [root]:
        for element in regtext.iter("AMDPAR", "HD", "GPOTABLE"):
            if element.tag in ("AMDPAR", "HD"):
                text = element_text(element)
                found = supplements_in(text)
                result.lists.update(_SUPPLEMENTS[n] for n in found if n in _SUPPLEMENTS)
                if element.tag == "AMDPAR":
                    instructions += read_instructions(text, context)
                elif found:
                    code = _SUPPLEMENTS.get(found[0])
                    if code != context.list_code:
                        context.heading = context.country = None
                    context.list_code = code
            elif context.list_code is not None:
                table, lost = table_rows(element, context.list_code, result.problems, label)
                rows += table
                unread += lost
    for place in context.unknown_places:
        result.problems.append(f"{label}: unknown country heading {place!r} in an instruction")
    result.has_entry_changes = bool(rows or instructions or unread)
    unread += _classify(instructions, rows, result, label)
    result.announced = read_announced(_paragraphs(root))
    result.extraction = check_reading(
        result.announced,
        [(e.list_code, e.action, e.country, e.name) for e in result.entries],
        amends=result.has_entry_changes,
        unread=unread,
        problems=result.problems,
    )
    return result


# -- the entity cell --------------------------------------------------------------------------


def split_entity(main: str, items: list[str]) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """``(name, aliases, addresses)`` of an entity cell.

    ``main`` is the text before the first ``LI`` line, ``items`` the lines: aliases start with a
    dash, the other lines are addresses.  Without ``LI`` lines, the same structure is read from
    the running text (``Name, a.k.a., the following two aliases: —A; and —B. Address.``).
    """
    main = repair_text(main)
    if not items and "—" in main:
        first, *rest = _EM_DASH.split(main)
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
        inline = [a for a in _INLINE_ALIAS.split(after) if a.strip()]
        if inline and not items:
            aliases += [a.strip(" ,.;:") for a in inline]
    else:
        name, address = _split_name_address(main)
        if address:
            addresses += _addresses(address)
    for item in items:
        if _DASH.match(item):
            alias = _DASH.sub("", item).strip()
            alias = _without_and(alias)
            alias = (
                alias[:-1] if alias.endswith(".") and not _ABBREVIATIONS.search(alias) else alias
            )
            if alias:
                aliases.append(alias)
        else:
            addresses += _addresses(item)
    name = name.strip(" ,;:")
    return name, tuple(dict.fromkeys(aliases)), tuple(dict.fromkeys(addresses))


def _without_and(text: str) -> str:
    """``"—HPS; and"`` → ``"—HPS"``: the list punctuation GPO ends an item with (never the
    "and" at the end of a word: "Poland")."""
    text = text.rstrip(" ;,")
    if text.endswith(" and") or text == "and":
        text = text[:-3].rstrip(" ;,")
    return text


def _sentence_end(text: str) -> int | None:
    """Where the sentence ``text`` starts with ends (``CETC Research Institute 13. 113 Hezuo…``),
    not counting abbreviations such as ``Co.`` or ``No.``."""
    for match in _SENTENCE_BREAK.finditer(text):
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
    for comma in _COMMA.finditer(text):
        if _ADDRESS_START.match(text[comma.end() :]):
            cuts.append(comma.end())
            break
    if not cuts:
        return text.rstrip("."), ""
    cut = min(cuts)
    return text[:cut].rstrip(" ,"), text[cut:]


def _addresses(text: str) -> list[str]:
    out = []
    text = _without_and(repair_text(text))  # "…, China; and" before the next line
    for part in _ADDRESS_SPLIT.split(text):
        part = part.strip(" ,;")
        if part.endswith(".") and not _ABBREVIATIONS.search(part):
            part = part[:-1]
        if part:
            out.append(part)
    return out


# -- instructions x rows ----------------------------------------------------------------------


_Named = dict[str, list[tuple[Instruction, int]]]


def _names_index(instructions: list[Instruction]) -> _Named:
    """The names the instructions quote, by normalized name (a rule quotes hundreds)."""
    out: _Named = {}
    for instruction in instructions:
        for n, quoted in enumerate(instruction.names):
            out.setdefault(normalize_name(quoted), []).append((instruction, n))
    return out


def _named(index: _Named, name: str) -> list[tuple[Instruction, int]]:
    """The quoted names ``name`` answers to: the same normalized name, else one that starts
    with the other (a quote may leave out the acronym or the address)."""
    key = normalize_name(name)
    exact = index.get(key)
    if exact:
        return exact
    return [
        pair
        for quoted, pairs in index.items()
        if quoted.startswith(key + " ") or key.startswith(quoted + " ")
        for pair in pairs
    ]


def _classify(
    instructions: list[Instruction], rows: list[Row], result: RuleEntries, label: str
) -> int:
    """Give each row its action from the instructions; return how many named entries or rows
    could not be read."""
    problems = result.problems
    unread = 0
    revise = [i for i in instructions if i.action == "revised"]
    add = [i for i in instructions if i.action == "added"]
    used: set[tuple[int, int]] = set()  # (instruction id, name index) matched by a row
    lookups: tuple[tuple[Action, _Named], ...] = (
        ("revised", _names_index(revise)),
        ("added", _names_index(add)),
    )

    def same_place(instruction: Instruction, row: Row) -> bool:
        return instruction.list_code == row.list_code and (
            instruction.country is None or row.country is None or instruction.country == row.country
        )

    for row in rows:
        name, aliases, addresses = split_entity(row.main, row.items)
        where = f"{label}: {list_name(row.list_code)} table row {row.number}{_under(row.heading)}"
        if not normalize_name(name):
            problems.append(f"{where}: cannot read an entity name from {row.main[:120]!r}")
            unread += 1
            continue
        action: Action | None = None
        instruction: Instruction | None = None
        for wanted, named in lookups:
            found = [
                (candidate, n) for candidate, n in _named(named, name) if same_place(candidate, row)
            ]
            if found:
                action, instruction = wanted, found[0][0]
                used.update((id(c), n) for c, n in found)
                break
        if action is None:
            place_add = [i for i in add if same_place(i, row)]
            place_revise = [i for i in revise if same_place(i, row)]
            unnamed_revise = [i for i in place_revise if not i.names]
            if place_add and not unnamed_revise:
                action, instruction = "added", place_add[0]
            elif place_revise and not place_add:
                action, instruction = "revised", place_revise[0]
                if place_revise[0].names:
                    unread += 1
                    problems.append(
                        f"{where}: {name!r} is not among the entries the rule says it revises "
                        f"({', '.join(place_revise[0].names)}); read as a revision"
                    )
            elif unnamed_revise:
                action, instruction = "revised", unnamed_revise[0]
            else:
                action = "added"
                unread += 1
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
                unread += 1
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
                unread += 1
                verb = "adds" if instruction.action == "added" else "revises"
                problems.append(
                    f"{label}: the rule says it {verb} {quoted!r}{_under(instruction.heading)}, "
                    "but no table row has that entry"
                )
    return unread


def _under(heading: str | None) -> str:
    return f" (under {heading})" if heading else ""
