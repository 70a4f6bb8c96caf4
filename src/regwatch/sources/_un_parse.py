"""The UN Security Council Consolidated List (``consolidated.xml``).  Pure: no I/O.

The file (``CONSOLIDATED_LIST``, no namespace, ``dateGenerated``) holds ``INDIVIDUALS`` and then
``ENTITIES``.  Each entry has a permanent ``REFERENCE_NUMBER`` (``CDi.001``, ``QDe.004``), the
regime as ``UN_LIST_TYPE`` (``DRC``, ``Al-Qaida``, ``DPRK``…), ``LISTED_ON``, the name in up to
four parts (``FIRST_NAME`` … ``FOURTH_NAME``; an entity's whole name is its ``FIRST_NAME``), a
``NAME_ORIGINAL_SCRIPT`` (Arabic, Cyrillic, Chinese…), aliases with a ``QUALITY`` (``Good``,
``Low``, ``a.k.a.``, ``f.k.a.``; ``Low`` aliases are kept apart as ``weak_aliases``), addresses,
dates and places of birth, nationalities and documents.  Empty values come as self-closing
tags, and an entry often has one empty ``INDIVIDUAL_ALIAS`` rather than none.

Records are keyed ``un:<reference number, lower case>``; the list code is ``UN``.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from ..exceptions import ParseError
from ..keys import un_entry_key
from ._list_record import ParsedEntry, RecordSet, clean, identifier, iso_country, unique
from ._xml import untrusted_xml_parser

__all__ = ["LIST_CODE", "parse_un_xml", "un_key"]

LIST_CODE = "UN"

un_key = un_entry_key


def _text(element: Any, tag: str) -> str:
    return clean(element.findtext(tag))


def _values(element: Any, tag: str) -> tuple[str, ...]:
    container = element.find(tag)
    if container is None:
        return ()
    return unique(clean(v.text) for v in container.iterfind("VALUE"))


def parse_un_xml(body: bytes, *, url: str = "") -> RecordSet:
    """Read the consolidated list.

    :raises ParseError: not well-formed (a truncated download), not a ``CONSOLIDATED_LIST``, no
        ``INDIVIDUALS`` or ``ENTITIES`` section, an entry without a reference number or name,
        or one reference number twice.
    """
    if not body.strip():
        raise ParseError(f"{url}: empty UN list file", url=url)
    parser = untrusted_xml_parser(huge_tree=True)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise ParseError(
            f"{url}: not well-formed XML ({len(body):,} bytes; truncated?): {exc}", url=url
        ) from None
    if root.tag != "CONSOLIDATED_LIST":
        raise ParseError(
            f"{url}: expected the UN's CONSOLIDATED_LIST, found <{etree.QName(root).localname}>",
            url=url,
        )
    individuals, entities = root.find("INDIVIDUALS"), root.find("ENTITIES")
    if individuals is None or entities is None:
        raise ParseError(
            f"{url}: the list has no INDIVIDUALS or no ENTITIES section (a damaged file)", url=url
        )
    out = RecordSet(published=(root.get("dateGenerated") or "")[:10] or None)
    for section, tag, person in ((individuals, "INDIVIDUAL", True), (entities, "ENTITY", False)):
        for number, element in enumerate(section.iterfind(tag), 1):
            record = _record(element, person, f"{url}: {tag} {number}")
            key = un_key(record.ref)
            if key in out.records:
                raise ParseError(
                    f"{url}: {tag} {number}: reference number {record.ref} appears twice", url=url
                )
            out.records[key] = record
    return out


def _record(element: Any, person: bool, where: str) -> ParsedEntry:
    reference = _text(element, "REFERENCE_NUMBER")
    parts = [_text(element, t) for t in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
    name = " ".join(p for p in parts if p)
    if not reference or not name:
        raise ParseError(
            f"{where}: no REFERENCE_NUMBER or no name (reference={reference!r}, name={name!r})"
        )
    prefix = "INDIVIDUAL" if person else "ENTITY"
    strong: list[str] = []
    weak: list[str] = []
    original = _text(element, "NAME_ORIGINAL_SCRIPT")
    if original:
        strong.append(original)
    for alias in element.iterfind(f"{prefix}_ALIAS"):
        text = _text(alias, "ALIAS_NAME")
        if text:
            (weak if _text(alias, "QUALITY").lower() == "low" else strong).append(text)
    addresses: list[str] = []
    countries: list[str] = []
    for address in element.iterfind(f"{prefix}_ADDRESS"):
        pieces = [_text(address, t) for t in ("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE")]
        country = _text(address, "COUNTRY")
        line = ", ".join(p for p in [*pieces, country] if p)
        note = _text(address, "NOTE")
        if line:
            addresses.append(f"{line} ({note})" if note else line)
        if country:
            countries.append(country)
    nationalities = _values(element, "NATIONALITY")
    births = []
    for birth in element.iterfind("INDIVIDUAL_DATE_OF_BIRTH"):
        kind = _text(birth, "TYPE_OF_DATE").lower()
        date = _text(birth, "DATE") or _text(birth, "YEAR")
        start, end = _text(birth, "FROM_YEAR"), _text(birth, "TO_YEAR")
        if start and end:
            births.append(f"between {start} and {end}")
        elif date:
            births.append(f"circa {date}" if kind == "approximately" else date)
    places = [
        ", ".join(p for p in (_text(b, t) for t in ("CITY", "STATE_PROVINCE", "COUNTRY")) if p)
        for b in element.iterfind("INDIVIDUAL_PLACE_OF_BIRTH")
    ]
    identifiers = []
    for document in element.iterfind("INDIVIDUAL_DOCUMENT"):
        found = identifier(
            _text(document, "TYPE_OF_DOCUMENT") or _text(document, "TYPE_OF_DOCUMENT2"),
            _text(document, "NUMBER"),
            _text(document, "ISSUING_COUNTRY") or _text(document, "COUNTRY_OF_ISSUE"),
        )
        if found:
            identifiers.append(found)
    programme = _text(element, "UN_LIST_TYPE")
    fields = [
        ("type", "Individual" if person else "Entity"),
        ("title", ", ".join(_values(element, "TITLE"))),
        ("designations", _values(element, "DESIGNATION")),
        ("remarks", _text(element, "COMMENTS1")),
        ("dates_of_birth", unique(births)),
        ("places_of_birth", unique(places)),
        ("nationalities", nationalities),
        ("gender", _text(element, "GENDER")),
        ("weak_aliases", unique(weak, besides=[name, *strong])),
        ("data_id", _text(element, "DATAID")),
    ]
    iso = next(filter(None, map(iso_country, (*countries, *nationalities))), None)
    return ParsedEntry(
        list_code=LIST_CODE,
        ref=reference,
        name=name,
        aliases=unique(strong, besides=[name]),
        addresses=tuple(addresses),
        country=iso,
        programmes=(programme,) if programme else (),
        identifiers=tuple(dict.fromkeys(identifiers)),
        fields=tuple((k, v) for k, v in fields if v),
        listed_on=_text(element, "LISTED_ON") or None,
    )
