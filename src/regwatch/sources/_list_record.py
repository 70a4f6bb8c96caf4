"""One party on a sanctions list, as a reader of the list's own file states it.  Pure: no I/O.

The OFAC and UN readers (:mod:`._ofac_parse`, :mod:`._un_parse`) both produce
:class:`ParsedEntry` values: the list's own identifier (OFAC's entry number, the UN reference
number), every name the list gives in every script (the primary Latin one is the name, the
others are aliases), addresses, identifiers, programmes, the country and the list's other
fields.  :func:`as_list_record` turns one into the :class:`~._snapshot.ListRecord` that
whole-list diffing stores and compares.  The text helpers here (:func:`clean`, :func:`unique`,
:func:`iso_country`) are what both readers share.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

import pycountry

from .._entity_names import country_from_heading, repair_text
from ._snapshot import ListRecord

__all__ = [
    "Identifier",
    "ParsedEntry",
    "RecordSet",
    "as_list_record",
    "clean",
    "identifier",
    "iso_country",
    "unique",
]


#: an identifier as a list states it: ``(type, number, issuing country)``
Identifier = tuple[str, str, str]


def identifier(kind: str, number: str, country: str = "") -> Identifier | None:
    """``(type, number, country)`` cleaned, or ``None`` without a number."""
    number = clean(number)
    return (clean(kind), number, clean(country)) if number else None


@dataclass(frozen=True, slots=True)
class ParsedEntry:
    """A listed party as a list's reader states it; ``ref`` is the list's own identifier (OFAC's
    entry number, the UN reference number) and part of the key.  :func:`as_list_record` turns
    it into what :mod:`._snapshot` diffs."""

    list_code: str
    ref: str
    name: str
    aliases: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    #: ISO 3166 alpha-2 of the first address, else of the first nationality or citizenship
    country: str | None = None
    programmes: tuple[str, ...] = ()
    #: ``(type, number, issuing country)``; the type and country may be ``""``
    identifiers: tuple[Identifier, ...] = ()
    #: the other fields (``type``, ``remarks``, ``dates_of_birth``, ``weak_aliases``, …) as
    #: ``(name, value)`` pairs in a fixed order; values are strings or tuples of strings
    fields: tuple[tuple[str, Any], ...] = ()
    listed_on: str | None = None

    def details(self) -> dict[str, Any]:
        """The list-specific fields, as events and ``listed_entity`` carry them."""
        out: dict[str, Any] = {}
        if self.programmes:
            out["programmes"] = list(self.programmes)
        if self.identifiers:
            # {type, number, country}: the matcher compares the numbers with watched ones
            out["identifiers"] = [
                {k: v for k, v in zip(("type", "number", "country"), i, strict=True) if v}
                for i in self.identifiers
            ]
        for name, value in self.fields:
            out[name] = list(value) if isinstance(value, tuple) else value
        if self.listed_on:
            out["listed_on"] = self.listed_on
        return out


def as_list_record(key: str, entry: ParsedEntry, *, url: str | None = None) -> ListRecord:
    """The entry as whole-list diffing (:mod:`._snapshot`) takes it: the list's own identifier
    is ``details["reference"]``, the programmes, identifiers and other fields are details."""
    details = {"reference": entry.ref, **entry.details()}
    details.pop("listed_on", None)
    listed_on = None
    if entry.listed_on:
        try:
            listed_on = date.fromisoformat(entry.listed_on[:10])
        except ValueError:
            details["listed_on"] = entry.listed_on
    return ListRecord(
        key=key,
        list_code=entry.list_code,
        name=entry.name,
        aliases=entry.aliases,
        addresses=entry.addresses,
        country=entry.country,
        details=details,
        listed_on=listed_on,
        url=url,
    )


def clean(value: str | None) -> str:
    """A cell or element text with whitespace collapsed; ``None`` and blanks become ``""``."""
    if not value:
        return ""
    if value.isascii() and "?" not in value and _TIDY.fullmatch(value):
        return value
    return repair_text(value)


#: already tidy: no leading, trailing, doubled or non-space whitespace
_TIDY = re.compile(r"\S+(?: \S+)*")


def _same(text: str) -> str:
    """What two names of one entry must share to be one name: case and spacing aside."""
    return " ".join(text.casefold().split())


def unique(values: Iterable[str], *, besides: Iterable[str] = ()) -> tuple[str, ...]:
    """``values`` cleaned, in order, without blanks and without repeats (of an earlier value or
    of one of ``besides``, ignoring case and spacing)."""
    seen = {_same(b) for b in besides}
    out = []
    for value in values:
        text = clean(value)
        if not text:
            continue
        same = _same(text)
        if same not in seen:
            seen.add(same)
            out.append(text)
    return tuple(out)


@lru_cache(maxsize=4096)
def iso_country(name: str | None) -> str | None:
    """ISO 3166 alpha-2 for a country as lists write it (``Russia``, ``Korea, North``,
    ``Democratic Republic of the Congo``, ``Iran (Islamic Republic of)``), or ``None``."""
    text = clean(name)
    if not text:
        return None
    code = country_from_heading(text)
    if code:
        return code
    names = _country_names()
    for candidate in (text, text.split(" (")[0]):
        code = names.get(_fold(candidate))
        if code:
            return code
    return None


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    words = "".join(c if c.isalnum() else " " for c in text.replace("'", "")).split()
    return " ".join(w for w in words if w != "the")


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    """ISO names, common and official names, and "Korea, Republic of" turned round."""
    names: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if not value:
                continue
            names.setdefault(_fold(value), country.alpha_2)
            if ", " in value:
                head, tail = value.split(", ", 1)
                names.setdefault(_fold(f"{tail} {head}"), country.alpha_2)
    for name, code in _LIST_COUNTRY_NAMES.items():
        names[_fold(name)] = code
    return names


#: names the lists write that ISO 3166 does not
_LIST_COUNTRY_NAMES = {
    "Russia": "RU", "Iran": "IR", "Syria": "SY", "North Korea": "KP", "South Korea": "KR",
    "Burma": "MM", "Venezuela": "VE", "Bolivia": "BO", "Tanzania": "TZ", "Vietnam": "VN",
    "Laos": "LA", "Moldova": "MD", "Turkey": "TR", "Czech Republic": "CZ", "Kosovo": "XK",
    "Palestinian": "PS", "West Bank": "PS", "Gaza": "PS", "Region: Gaza": "PS",
    "Region: West Bank": "PS", "Congo, Democratic Republic of the": "CD",
    "Congo, Republic of the": "CG", "Macau": "MO", "Ivory Coast": "CI",
}  # fmt: skip


@dataclass
class RecordSet:
    """The records of one read, by key, with the counts a shrink guard needs."""

    records: dict[str, ParsedEntry] = field(default_factory=dict)
    #: how many records the file says it holds, where it says so (OFAC's ``Record_Count``)
    declared: int | None = None
    published: str | None = None
    warnings: list[str] = field(default_factory=list)
    #: keys of stored entries found unchanged without being read again (their bytes are the same)
    same: set[str] = field(default_factory=set)
    #: key → fingerprint, where the reader fingerprints entries by their bytes
    digests: dict[str, str] = field(default_factory=dict)
