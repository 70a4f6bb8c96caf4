"""What an event mentions: ECCNs, CFR references and countries, from its text and fields.

Keyword-free watch items (an ECCN, a CFR part, a country) match through these, so that a rule
that revises ``3A090.a`` reaches the company watching ``3A090`` even when nobody typed a keyword.
Pure functions over strings and events; no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from ..events import ChangeEvent
from ._countries import country_code, country_names
from ._keywords import KeywordMatcher

__all__ = [
    "CfrRef",
    "Mention",
    "eccn_matches",
    "event_cfr_refs",
    "event_countries",
    "event_eccns",
    "event_texts",
    "extract_cfr",
    "extract_countries",
    "extract_eccns",
    "normalize_eccn",
    "parse_cfr",
]

# An ECCN: a category digit, a product group A-E, three digits, then optional paragraphs
# (3A090, 4A003.b, 5A992.c, 3A001.b.1.a, 0A919).
_ECCN = re.compile(r"(?<![\w.])([0-9][A-Ea-e][0-9]{3})((?:\.[a-zA-Z0-9]{1,3})*)(?![\w])")
_ECCN_PATTERN = re.compile(r"^[0-9][A-E][0-9]{3}(?:\.[a-z0-9]{1,3})*(?:\.\*)?$|^EAR99$")
_CFR = re.compile(
    r"(?<!\d)(\d{1,2})\s*C\.?\s*F\.?\s*R\.?\s*"
    r"(?:(?:§+|[Pp]arts?|[Ss]ections?)\s*)?"
    r"(\d{1,4})(?:\.(\d+[a-z]?))?"
    r"((?:\s*(?:,|and|or|through|to|-)\s*(?:and\s+)?\d{1,4}(?:\.\d+[a-z]?)?"
    r"(?![\d.]|\s*C\.?\s*F\.?\s*R))*)"
)
_INSTRUCTION = re.compile(r"\b(?:[Pp]art|[Ss]ection|§)\s*(\d{1,4})(?:\.(\d+[a-z]?))?\b")
_LIST_ITEM = re.compile(r"(\d{1,4})(?:\.(\d+[a-z]?))?")


def normalize_eccn(text: str) -> str | None:
    """``3a090`` -> ``3A090``, ``5a992.C`` -> ``5A992.c``, ``4A003.*`` stays a pattern;
    ``None`` when ``text`` is not an ECCN (or ``EAR99``)."""
    value = text.strip()
    if value.upper() == "EAR99":
        return "EAR99"
    head, dot, rest = value.partition(".")
    normalized = head.upper() + (dot + rest.lower() if dot else "")
    return normalized if _ECCN_PATTERN.match(normalized) else None


def extract_eccns(text: str) -> list[str]:
    """Every ECCN in ``text``, normalized, in order of first appearance."""
    found: dict[str, None] = {}
    for match in _ECCN.finditer(text):
        found[match[1].upper() + match[2].lower()] = None
    if re.search(r"\bEAR99\b", text):
        found["EAR99"] = None
    return list(found)


def eccn_matches(pattern: str, eccn: str) -> str | None:
    """How an item ``pattern`` meets an ECCN an event mentions: ``exact``, ``paragraph`` (the
    event names a paragraph of the item), ``parent`` (the event names the item's parent
    entry, which contains it) or ``None``."""
    if pattern.endswith(".*"):
        base = pattern[:-2]
        return "exact" if eccn == base else "paragraph" if eccn.startswith(base + ".") else None
    if eccn == pattern:
        return "exact"
    if eccn.startswith(pattern + "."):
        return "paragraph"
    if pattern.startswith(eccn + "."):
        return "parent"
    return None


@dataclass(frozen=True, slots=True, order=True)
class CfrRef:
    """``15 CFR 744`` (a part) or ``15 CFR 744.21`` (a section)."""

    title: int
    part: str
    section: str | None = None

    def __str__(self) -> str:
        return f"{self.title} CFR {self.part}" + (f".{self.section}" if self.section else "")

    def covers(self, other: CfrRef) -> bool:
        """Does this (watched) reference cover ``other`` (mentioned)?  A part covers its
        sections; a section is covered by a mention of its part (the part was amended)."""
        if self.title != other.title or self.part != other.part:
            return False
        return self.section is None or other.section is None or self.section == other.section


def parse_cfr(text: str) -> CfrRef:
    """``"15 CFR 744"``, ``"15 C.F.R. § 744.21"`` -> a :class:`CfrRef`.

    :raises ValueError: with what was expected
    """
    match = _CFR.fullmatch(text.strip())
    if not match or match[4].strip() or not 1 <= int(match[1]) <= 50:
        raise ValueError('expected a CFR reference such as "15 CFR 744" or "15 CFR 744.21"')
    return CfrRef(int(match[1]), str(int(match[2])), match[3])


def extract_cfr(text: str) -> list[CfrRef]:
    """CFR references in running text, including lists (``15 CFR parts 740, 744 and 746``)."""
    found: dict[CfrRef, None] = {}
    for match in _CFR.finditer(text):
        title = int(match[1])
        if not 1 <= title <= 50:
            continue
        found[CfrRef(title, str(int(match[2])), match[3])] = None
        for item in _LIST_ITEM.finditer(match[4] or ""):
            found[CfrRef(title, str(int(item[1])), item[2])] = None
    return list(found)


@cache
def _country_matcher() -> KeywordMatcher[str]:
    # Only names of four letters or more: "Chad" yes, but never codes such as "IN" or "US".
    return KeywordMatcher(
        (name, code)
        for name, code in country_names().items()
        if len(name) >= 4 or not name.isascii()
    )


def extract_countries(text: str) -> list[str]:
    """ISO codes of the countries named in ``text`` (English or Japanese names)."""
    found: dict[str, None] = {}
    for hit in _country_matcher().find(text):
        found[hit.payload] = None
    return list(found)


@dataclass(frozen=True, slots=True)
class Mention:
    """A thing an event mentions, and the field it was found in."""

    value: str
    field: str
    context: str = ""


def event_texts(event: ChangeEvent) -> list[tuple[str, str]]:
    """``(field, text)`` of every free-text field worth reading."""
    texts = [("title", event.title)]
    if event.summary:
        texts.append(("summary", event.summary))
    action = event.data.get("action")
    if isinstance(action, str) and action:
        texts.append(("data.action", action))
    return texts


def event_eccns(event: ChangeEvent) -> list[Mention]:
    out: dict[str, Mention] = {}
    for field, text in event_texts(event):
        for eccn in extract_eccns(text):
            out.setdefault(eccn, Mention(eccn, field))
    for eccn in _strings(event.data.get("eccns")):
        value = normalize_eccn(eccn)
        if value:
            out.setdefault(value, Mention(value, "data.eccns"))
    return list(out.values())


def event_cfr_refs(event: ChangeEvent) -> list[tuple[CfrRef, str]]:
    out: dict[CfrRef, str] = {}
    for ref in event.data.get("cfr_references") or []:
        if isinstance(ref, Mapping) and ref.get("title") is not None and ref.get("part"):
            try:
                out.setdefault(
                    CfrRef(int(ref["title"]), str(int(ref["part"]))), "data.cfr_references"
                )
            except (TypeError, ValueError):
                continue
    for field, text in event_texts(event):
        for found in extract_cfr(text):
            out.setdefault(found, field)
    # Amendatory instructions say "Section 744.21 is amended…" without the title, which is
    # the title of the document's CFR references when they name only one.
    titles = {ref.title for ref in out}
    for instruction in _strings(event.data.get("amendatory_instructions")):
        for found in extract_cfr(instruction):
            out.setdefault(found, "data.amendatory_instructions")
        if len(titles) == 1:
            title = next(iter(titles))
            for match in _INSTRUCTION.finditer(instruction):
                ref = CfrRef(title, str(int(match[1])), match[2])
                out.setdefault(ref, "data.amendatory_instructions")
    return list(out.items())


def event_countries(event: ChangeEvent) -> list[Mention]:
    out: dict[str, Mention] = {}
    if event.country:
        code = country_code(event.country)
        if code:
            out[code] = Mention(code, "country")
    if event.entity:
        for address in event.entity.addresses:
            code = _address_country(address)
            if code:
                out.setdefault(code, Mention(code, "entity.addresses", address))
    for field, text in event_texts(event):
        for code in extract_countries(text):
            out.setdefault(code, Mention(code, field))
    return list(out.values())


def _address_country(address: str) -> str | None:
    """The country of a list address: its last comma-separated part, a code or a name."""
    last = address.rsplit(",", 1)[-1].strip().rstrip(".")
    return country_code(last) if last else None


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, str)]
    return []
