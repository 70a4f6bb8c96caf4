"""One party on a sanctions list, as read whole from the list's own file.  Pure: no I/O.

The OFAC and UN readers (:mod:`._ofac_parse`, :mod:`._un_parse`) both produce
:class:`ListRecord` values, so that their snapshots are stored, compared and turned into entity
events the same way.  A record keeps the list's own identifier (OFAC's entry number, the UN
reference number), every name the list gives in every script (the first Latin one is the name,
the others are aliases), addresses, identifiers, programmes and the country.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pycountry

from .._entity_names import country_from_heading, repair_text

__all__ = ["ListRecord", "RecordSet", "clean", "iso_country", "record_from_json", "unique"]


@dataclass(frozen=True, slots=True)
class ListRecord:
    """A listed party.  Equality and :meth:`fingerprint` cover every field a reader would call
    the entry's content; ``ref`` is the list's own identifier and part of the key."""

    list_code: str
    ref: str
    name: str
    aliases: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    #: ISO 3166 alpha-2 of the first address, else of the first nationality or citizenship
    country: str | None = None
    programmes: tuple[str, ...] = ()
    identifiers: tuple[str, ...] = ()
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
            out["identifiers"] = list(self.identifiers)
        for name, value in self.fields:
            out[name] = list(value) if isinstance(value, tuple) else value
        if self.listed_on:
            out["listed_on"] = self.listed_on
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "list_code": self.list_code,
            "ref": self.ref,
            "name": self.name,
            "aliases": list(self.aliases),
            "addresses": list(self.addresses),
            "country": self.country,
            "programmes": list(self.programmes),
            "identifiers": list(self.identifiers),
            "fields": [[k, list(v) if isinstance(v, tuple) else v] for k, v in self.fields],
            "listed_on": self.listed_on,
        }

    def fingerprint(self) -> str:
        text = repr(
            (
                self.list_code,
                self.ref,
                self.name,
                self.aliases,
                self.addresses,
                self.country,
                self.programmes,
                self.identifiers,
                self.fields,
                self.listed_on,
            )
        )
        return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()

    def changes_from(self, old: ListRecord) -> dict[str, list[Any]]:
        """Field-level changes from ``old``, named as in the event JSON (``entity.aliases``)."""
        out: dict[str, list[Any]] = {}
        for attr in ("name", "aliases", "addresses"):
            a, b = getattr(old, attr), getattr(self, attr)
            if a != b:
                out[f"entity.{attr}"] = [_plain(a), _plain(b)]
        if old.country != self.country:
            out["country"] = [old.country, self.country]
        if old.list_code != self.list_code:
            out["list"] = [old.list_code, self.list_code]
        a_details, b_details = old.details(), self.details()
        for name in sorted(set(a_details) | set(b_details)):
            if a_details.get(name) != b_details.get(name):
                out[f"entity.{name}"] = [a_details.get(name), b_details.get(name)]
        return out


def record_from_json(data: Mapping[str, Any]) -> ListRecord:
    """The inverse of :meth:`ListRecord.to_json` (records kept in the source's snapshot)."""
    return ListRecord(
        list_code=data["list_code"],
        ref=str(data["ref"]),
        name=data["name"],
        aliases=tuple(data.get("aliases") or ()),
        addresses=tuple(data.get("addresses") or ()),
        country=data.get("country"),
        programmes=tuple(data.get("programmes") or ()),
        identifiers=tuple(data.get("identifiers") or ()),
        fields=tuple(
            (k, tuple(v) if isinstance(v, list) else v) for k, v in data.get("fields") or ()
        ),
        listed_on=data.get("listed_on"),
    )


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


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

    records: dict[str, ListRecord] = field(default_factory=dict)
    #: how many records the file says it holds, where it says so (OFAC's ``Record_Count``)
    declared: int | None = None
    published: str | None = None
    warnings: list[str] = field(default_factory=list)
    #: keys of stored entries found unchanged without being read again (their bytes are the same)
    same: set[str] = field(default_factory=set)
    #: key → fingerprint, where the reader fingerprints entries by their bytes
    digests: dict[str, str] = field(default_factory=dict)
