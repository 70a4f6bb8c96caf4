"""The rows of a Supplement No. 4 / No. 7 ``GPOTABLE``, read by what the cells hold.

Pure.  Real BIS rules write the same table three ways: with real column heads (``CHED``), with
blank heads (each ``CHED`` an em space) and the titles as the first ``ROW`` of the body (the
words sometimes split by ``<LI>``: "License<LI>requirement</LI>"), or with no heads at all.  So
the columns are found, in this order, from the heads, else from a header row in the body, else
from the cells themselves: a country heading, a citation (``88 FR 12170, 2/27/23``), a license
requirement ("For all items subject to the EAR …"), a review policy ("Presumption of denial").
A header row is never an entity, wherever it appears.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from lxml import etree

from .._entity_names import country_from_heading, repair_text

__all__ = ["Row", "element_text", "list_name", "table_rows"]

ROLES = ("country", "entity", "license_requirement", "license_review_policy", "citation")
_STARS = re.compile(r"^[\s*]*$")
#: a head or header cell names its column with one of these words
_HEAD_WORDS = (
    (re.compile(r"\bcountr(?:y|ies)\b|\bdestination"), "country"),
    (re.compile(r"\bentit(?:y|ies)\b|\bname\b"), "entity"),
    (re.compile(r"\brequirements?\b"), "license_requirement"),
    (re.compile(r"\bpolicy\b"), "license_review_policy"),
    (re.compile(r"\bcitations?\b|\bfederal register\b"), "citation"),
)
_CITATION = re.compile(r"\b\d{1,3}\s+FR\s+\d+|\[INSERT\s+FR|FEDERAL\s+REGISTER\s+CITATION", re.I)
_REQUIREMENT = re.compile(r"^\s*For\s+(?:all\s+)?items\b|\bsubject\s+to\s+the\s+EAR\b", re.I)
_POLICY = re.compile(
    r"presumption\s+of\s+(?:denial|approval)|case[-\s]by[-\s]case|policy\s+of\s+denial|"
    r"^\s*see\s+§",
    re.I,
)


@dataclass
class Row:
    """One entry of a table (with the rows that continue it)."""

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


@dataclass
class _Layout:
    roles: list[str]
    #: where the roles came from: "heads", "header row", "cells" or "columns"
    found_by: str
    skip: set[int] = field(default_factory=set)


def element_text(element: etree._Element | None) -> str:
    """An element's text with whitespace collapsed (em spaces too); footnote marks (``SU``)
    stay glued to the word before them, as printed (``§§ 734.9(g),3 746.8``)."""
    if element is None:
        return ""
    if len(element) == 0:
        return repair_text(element.text or "")  # most cells: text only
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


def list_name(code: str) -> str:
    return "Supplement No. 4 (Entity List)" if code == "EL" else "Supplement No. 7 (MEU List)"


def _head_role(text: str) -> str | None:
    text = text.lower()
    return next((role for pattern, role in _HEAD_WORDS if pattern.search(text)), None)


def _header_roles(texts: list[str]) -> list[str] | None:
    """The roles a header row names, or ``None`` when the row is not a header row: every cell
    holding text is a short column title, and the titles include the entity column."""
    filled = [t for t in texts if t]
    if len(filled) < 2 or any(len(t) > 40 for t in filled):
        return None  # most rows: an entity cell is longer than a title
    if any(_STARS.match(t) for t in filled):
        return None
    roles = [_head_role(t) if t else "other" for t in texts]
    if None in roles or "entity" not in roles:
        return None
    return [r or "other" for r in roles]


def _cells(row: etree._Element) -> list[etree._Element]:
    return [c for c in row if c.tag == "ENT"]


def _layout(table: etree._Element) -> _Layout | None:
    heads = [element_text(c) for c in table.iter("CHED")]
    if any(heads):
        roles = [_head_role(h) or "other" for h in heads]
        if "entity" in roles:
            return _Layout(roles, "heads")
    rows = list(table.iter("ROW"))
    for index, row in enumerate(rows[:5]):
        found = _header_roles([element_text(c) for c in _cells(row)])
        if found:
            return _Layout(found, "header row", {index})
    return _from_cells(table, rows)


def _from_cells(table: etree._Element, rows: list[etree._Element]) -> _Layout | None:
    """Columns told by what their cells hold; the entity column is the one left with the most
    text.  Falls back to the standard column order for the table's width."""
    width = max((len(_cells(r)) for r in rows), default=0) or int(table.get("COLS") or 0)
    votes: list[Counter[str]] = [Counter() for _ in range(width)]
    lengths = [0] * width
    for row in rows:
        for index, cell in enumerate(_cells(row)[:width]):
            text = element_text(cell)
            if not text or _STARS.match(text):
                continue
            lengths[index] += len(text)
            if country_from_heading(text):
                votes[index]["country"] += 1
            elif _CITATION.search(text) and len(text) < 200:
                votes[index]["citation"] += 1
            elif _REQUIREMENT.search(text):
                votes[index]["license_requirement"] += 1
            elif _POLICY.search(text):
                votes[index]["license_review_policy"] += 1
    roles = ["other"] * width
    for role in ("country", "citation", "license_requirement", "license_review_policy"):
        best = max(
            (i for i in range(width) if roles[i] == "other" and votes[i][role]),
            key=lambda i: votes[i][role],
            default=None,
        )
        if best is not None:
            roles[best] = role
    left = [i for i in range(width) if roles[i] == "other" and lengths[i]]
    if left:
        roles[max(left, key=lambda i: lengths[i])] = "entity"
    if "entity" in roles and "country" not in roles and roles[0] == "other":
        roles[0] = "country"  # every row continues a country given before the table
    if "entity" in roles and "country" in roles:
        return _Layout(roles, "cells")
    standard = {5: list(ROLES), 3: ["country", "entity", "citation"]}.get(width)
    return _Layout(standard, "columns") if standard else None


def _cell_parts(cell: etree._Element) -> tuple[str, list[str]]:
    """The text before the first ``LI``, and each ``LI`` item."""
    items = [element_text(li) for li in cell.iter("LI")]
    head = [cell.text or ""]
    for child in cell:
        if child.tag == "LI":
            break
        head.append(element_text(child))
        head.append(child.tail or "")
    return repair_text(" ".join(head)), [i for i in items if i]


def _join(before: str, others: dict[str, str], role: str = "license_requirement") -> str:
    """A cell of an entry continued on the next row: the two parts as one text."""
    more = others.get(role, "")
    return f"{before} {more}".strip() if more else before


def _page(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _under(heading: str | None) -> str:
    return f" (under {heading})" if heading else ""


def table_rows(
    table: etree._Element, list_code: str, problems: list[str], label: str
) -> tuple[list[Row], int]:
    """The entries of one table, and how many rows could not be read (each one reported in
    ``problems``)."""
    layout = _layout(table)
    if layout is None:
        problems.append(
            f"{label}: a {list_name(list_code)} table whose columns cannot be told apart; "
            "table not read"
        )
        return [], 1
    roles = layout.roles
    out: list[Row] = []
    unread = 0
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
        cells = _cells(element)
        texts = [element_text(c) for c in cells]
        if _header_roles(texts):
            continue  # a header row (the first or repeated after a page break) is no entity
        at: dict[str, int] = {}  # role → cell position
        extra = []
        for position in range(len(cells)):
            if position < len(roles):
                at.setdefault(roles[position], position)
            elif texts[position]:
                extra.append(texts[position])
        country_text = texts[at["country"]] if "country" in at else ""
        where = f"{label}: {list_name(list_code)} table row {number}"
        if country_text and not _STARS.match(country_text):
            heading = country_text
            country = country_from_heading(country_text)
            if country is None:
                problems.append(f"{where}: unknown country heading {country_text!r}")
        if extra:
            problems.append(
                f"{where}: {len(cells)} cells where the table has {len(roles)}; "
                f"row not read: {' | '.join(texts)[:160]!r}"
            )
            unread += 1
            continue
        main, items = _cell_parts(cells[at["entity"]]) if "entity" in at else ("", [])
        others = {
            role: texts[at[role]] if role in at and not _STARS.match(texts[at[role]]) else ""
            for role in ("license_requirement", "license_review_policy", "citation")
        }
        entity_text = " ".join([main, *items]).strip()
        if _STARS.match(entity_text) and not any(others.values()):
            continue  # elision (* * *) or a country heading row
        if not entity_text or _STARS.match(entity_text):
            problems.append(
                f"{where}{_under(heading)}: no entity name, but "
                f"{'; '.join(v for v in others.values() if v)[:120]!r}; row not read"
            )
            unread += 1
            continue
        if out and not country_text and (not any(others.values()) or (not main and items)):
            # The rest of the entry above, split over a page break: only the entity cell, or
            # lines with no name before them (an entry always starts with its name).
            previous = out[-1]
            previous.items.extend([main, *items] if main else items)
            previous.license_requirement = _join(previous.license_requirement, others)
            previous.license_review_policy = _join(
                previous.license_review_policy, others, "license_review_policy"
            )
            previous.citation = _join(previous.citation, others, "citation")
            continue
        out.append(
            Row(
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
    return out, unread
