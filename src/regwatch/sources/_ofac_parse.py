"""OFAC Sanctions List Service files: the full exports and the delta files.  Pure: no I/O.

Read here, each into :class:`~._list_record.ParsedEntry` values keyed ``ofac:<list>:<entry>``:

- **SDN.XML / CONSOLIDATED.XML** (``sdnList`` / ``publshInformation`` / ``sdnEntry``, in the
  Sanctions List Service namespace or the older ``tempuri.org`` one): ``Record_Count`` is checked
  against the entries read, so that a truncated file is refused rather than read as removals;
- **the headerless CSV sets** (``SDN.CSV``, ``ADD.CSV``, ``ALT.CSV``, ``SDN_COMMENTS.CSV`` and
  their ``CONS_`` twins): no header row, ``-0-`` for null, CRLF lines, a DOS end-of-file byte
  (``0x1A``) after the last line, joined on the entry number; a ``COMMENTS`` row continues the
  remarks cut off in the primary file, mid-word;
- **delta files** (namespace ``https://www.treasury.gov/ofac/DeltaFile/1.0``): one ``entity`` per
  changed entry with ``action`` ``add``, ``change`` or ``remove``; names come with their
  ``translations``, one per script, so a Chinese or Cyrillic name is kept as an alias.

The consolidated (non-SDN) files do not say which list an entry is on; it follows from its
programme tags (``NS-PLC`` → PLC, ``FSE-…`` → FSE, ``UKRAINE-EO13662`` → SSI, ``CMIC-…`` → CMIC,
``561…`` → CAP, anything else → the Menu-Based Sanctions list), see :func:`consolidated_list`.
That mapping is inferred from the published lists, not documented by OFAC.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from ..exceptions import ParseError
from ..keys import ofac_entry_key
from ._list_record import (
    Identifier,
    ParsedEntry,
    RecordSet,
    clean,
    identifier,
    iso_country,
    unique,
)
from ._xml import untrusted_xml_parser

__all__ = [
    "CONSOLIDATED_LISTS",
    "OFAC_LISTS",
    "Delta",
    "DeltaEntity",
    "consolidated_list",
    "entry_digest",
    "list_code_for_name",
    "ofac_key",
    "parse_csv_set",
    "parse_delta",
    "parse_export_xml",
]

#: the non-SDN lists of OFAC's consolidated files, by the CSL's codes
CONSOLIDATED_LISTS = ("SSI", "FSE", "PLC", "CAP", "CMIC", "MBS")
#: every list the ``ofac`` source reads
OFAC_LISTS = ("SDN", *CONSOLIDATED_LISTS)
DELTA_NAMESPACE = "https://www.treasury.gov/ofac/DeltaFile/1.0"


ofac_key = ofac_entry_key


def consolidated_list(programmes: Sequence[str]) -> str:
    """The non-SDN list an entry of the consolidated files is on, from its programme tags."""
    tags = [p.upper() for p in programmes]
    if any(t == "NS-PLC" or t.endswith("-PLC") for t in tags):
        return "PLC"
    if any(t.startswith("FSE") for t in tags):
        return "FSE"
    if any(t.startswith("CMIC") for t in tags):
        return "CMIC"
    if any(t.startswith("561") for t in tags):
        return "CAP"
    if any(t == "UKRAINE-EO13662" or t == "SSI" for t in tags):
        return "SSI"
    return "MBS"


def list_code_for_name(name: str) -> str | None:
    """A list code for a list as the delta files name it (``SDN List``, ``Non-SDN Palestinian
    Legislative Council List``, ``SSI List``…), or ``None`` for an unknown list."""
    text = name.upper()
    checks = (
        ("PALESTINIAN", "PLC"),
        ("PLC", "PLC"),
        ("MENU-BASED", "MBS"),
        ("MBS", "MBS"),
        ("CHINESE MILITARY", "CMIC"),
        ("CMIC", "CMIC"),
        ("SECTORAL", "SSI"),
        ("SSI", "SSI"),
        ("FOREIGN SANCTIONS EVADERS", "FSE"),
        ("FSE", "FSE"),
        ("CAPTA", "CAP"),
        ("CORRESPONDENT ACCOUNT", "CAP"),
    )
    for fragment, code in checks:
        if fragment in text:
            return code
    if "SDN" in text or "SPECIALLY DESIGNATED" in text:
        return "SDN"
    return None


def _programmes(text: str) -> tuple[str, ...]:
    """``"UKRAINE-EO13662] [RUSSIA-EO14024"`` → both tags (the CSV packs them with ``] [``)."""
    return unique(p.strip(" []") for p in text.split("] ["))


def _person_name(last: str, first: str) -> str:
    # OFAC writes individuals as "LAST, First" in every format; keep that form everywhere
    return f"{last}, {first}" if last and first else last or first


_TYPES = {
    "individual": "Individual",
    "entity": "Entity",
    "vessel": "Vessel",
    "aircraft": "Aircraft",
}


def _kind(text: str) -> str:
    return _TYPES.get(text.strip().lower(), "Entity")


def _fields(pairs: Iterable[tuple[str, Any]]) -> tuple[tuple[str, Any], ...]:
    return tuple((k, v) for k, v in pairs if v)


# -- SDN.XML and CONSOLIDATED.XML --------------------------------------------------------------


def _xml_root(body: bytes, url: str, what: str) -> Any:
    if not body.strip():
        raise ParseError(f"{url}: empty {what}", url=url)
    parser = untrusted_xml_parser(huge_tree=True)
    try:
        return etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise ParseError(
            f"{url}: not well-formed XML ({len(body):,} bytes; truncated?): {exc}", url=url
        ) from None


#: part of every entry digest: a reader that reads entries differently makes them all "changed"
#: once, so that the stored records are read again with it
READER_VERSION = b"ofac-xml-1"


def entry_digest(raw: bytes) -> str:
    """The fingerprint of one ``sdnEntry`` as published (its bytes): see
    :func:`parse_export_xml`."""
    return hashlib.blake2b(READER_VERSION + raw, digest_size=16).hexdigest()


def parse_export_xml(
    body: bytes,
    *,
    url: str = "",
    consolidated: bool = False,
    check_count: bool = True,
    known: Mapping[str, tuple[str, str]] | None = None,
) -> RecordSet:
    """Read ``SDN.XML`` (``consolidated=False``: every entry is on the SDN list) or
    ``CONSOLIDATED.XML`` (each entry's list follows from its programmes).

    Each entry's fingerprint (``RecordSet.digests``) is a digest of its bytes.  ``known`` maps
    entry numbers to ``(key, fingerprint)`` as stored: an entry whose bytes have not changed is
    not read again but listed in ``RecordSet.same`` (a full export is 99% such entries, and
    reading one costs several times parsing it).  ``check_count=False`` reads an excerpt whose
    ``Record_Count`` is the whole list's.

    :raises ParseError: not the ``sdnList`` format, an entry without ``uid`` or name, two
        entries with one ``uid``, or fewer entries than ``Record_Count`` announces.
    """
    root = _xml_root(body, url, "OFAC export")
    ns = root.tag[1 : root.tag.index("}")] if root.tag.startswith("{") else ""
    if etree.QName(root).localname != "sdnList":
        raise ParseError(
            f"{url}: expected OFAC's sdnList XML, found <{etree.QName(root).localname}>", url=url
        )
    q = f"{{{ns}}}" if ns else ""
    out = RecordSet()
    info = root.find(f"{q}publshInformation")
    if info is not None:
        out.published = _us_date(info.findtext(f"{q}Publish_Date") or "")
        count = (info.findtext(f"{q}Record_Count") or "").strip()
        out.declared = int(count) if count.isdigit() else None
    reader = _EntryReader(q)
    uid_tag = f"{q}uid"
    known = known or {}
    seen: set[str] = set()
    entries = 0
    tostring = etree.tostring
    for number, element in enumerate(root.iterfind(f"{q}sdnEntry"), 1):
        entries += 1
        first = element[0] if len(element) else None
        uid = (
            first.text if first is not None and first.tag == uid_tag else element.findtext(uid_tag)
        )
        uid = (uid or "").strip()
        if uid in seen:
            raise ParseError(f"{url}: entry {number}: uid {uid} appears twice", url=url)
        seen.add(uid)
        digest = entry_digest(tostring(element, with_tail=False))
        stored = known.get(uid)
        if stored is not None and stored[1] == digest:
            out.same.add(stored[0])
            out.digests[stored[0]] = digest
            continue
        record = reader.read(element, number, url, consolidated)
        key = ofac_key(record.list_code, record.ref)
        out.records[key] = record
        out.digests[key] = digest
    if check_count and out.declared is not None and entries != out.declared:
        raise ParseError(
            f"{url}: {entries:,} entries, but the file announces {out.declared:,} "
            "(Record_Count): a truncated or damaged export",
            url=url,
        )
    return out


def _us_date(text: str) -> str | None:
    match = re.fullmatch(r"\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*", text)
    if not match:
        return None
    return f"{match[3]}-{int(match[1]):02d}-{int(match[2]):02d}"


class _EntryReader:
    """Reads one ``sdnEntry`` in a single pass over its children (``findtext`` per field costs
    several times the XML parse on a full export)."""

    def __init__(self, q: str) -> None:
        self.cut = len(q)

    def _fields(self, element: Any) -> dict[str, str]:
        cut = self.cut
        return {c.tag[cut:]: c.text for c in element if c.text}

    def _items(self, container: Any) -> list[dict[str, str]]:
        return [self._fields(item) for item in container] if container is not None else []

    def read(self, element: Any, number: int, url: str, consolidated: bool) -> ParsedEntry:
        cut = self.cut
        values: dict[str, str] = {}
        lists: dict[str, Any] = {}
        for child in element:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            if len(child):
                lists[tag[cut:]] = child
            elif child.text:
                values[tag[cut:]] = child.text
        uid = clean(values.get("uid"))
        name = _person_name(clean(values.get("lastName")), clean(values.get("firstName")))
        if not uid or not name:
            raise ParseError(
                f"{url}: entry {number}: no uid or no name (uid={uid!r}, name={name!r})", url=url
            )
        programme_list = lists.get("programList")
        programmes = unique(
            p.text for p in (programme_list if programme_list is not None else ()) if p.text
        )
        strong: list[str] = []
        weak: list[str] = []
        for aka in self._items(lists.get("akaList")):
            alias = _person_name(clean(aka.get("lastName")), clean(aka.get("firstName")))
            (weak if aka.get("category", "").strip().lower() == "weak" else strong).append(alias)
        addresses: list[str] = []
        countries: list[str] = []
        for address in self._items(lists.get("addressList")):
            line = ", ".join(c for c in (clean(address.get(n)) for n in _ADDRESS_PARTS) if c)
            if line:
                addresses.append(line)
            country = clean(address.get("country"))
            if country:
                countries.append(country)
        identifiers: list[Identifier] = []
        for ident in self._items(lists.get("idList")):
            found_id = identifier(
                ident.get("idType", ""), ident.get("idNumber", ""), ident.get("idCountry", "")
            )
            if found_id:
                identifiers.append(found_id)
        nationalities = self._values(lists.get("nationalityList"), "country")
        citizenships = self._values(lists.get("citizenshipList"), "country")
        births = self._values(lists.get("dateOfBirthList"), "dateOfBirth")
        places = self._values(lists.get("placeOfBirthList"), "placeOfBirth")
        vessel_fields: list[tuple[str, str]] = []
        vessel = lists.get("vesselInfo")
        if vessel is not None:
            found = self._fields(vessel)
            vessel_fields = [(name_of, clean(found.get(tag))) for tag, name_of in _VESSEL_FIELDS]
        code = consolidated_list(programmes) if consolidated else "SDN"
        return ParsedEntry(
            list_code=code,
            ref=uid,
            name=name,
            aliases=unique(strong, besides=[name]),
            addresses=tuple(addresses),
            country=_first_country(countries, nationalities, citizenships),
            programmes=programmes,
            identifiers=tuple(dict.fromkeys(identifiers)),
            fields=_fields(
                [
                    ("type", _kind(values.get("sdnType", ""))),
                    ("title", clean(values.get("title"))),
                    ("remarks", clean(values.get("remarks"))),
                    ("dates_of_birth", births),
                    ("places_of_birth", places),
                    ("nationalities", nationalities),
                    ("citizenships", citizenships),
                    ("weak_aliases", unique(weak, besides=[name, *strong])),
                    *vessel_fields,
                ]
            ),
        )

    def _values(self, container: Any, name: str) -> tuple[str, ...]:
        if container is None:
            return ()
        return unique(item.get(name, "") for item in self._items(container))


_ADDRESS_PARTS = (
    "address1", "address2", "address3", "city", "stateOrProvince", "postalCode", "country",
)  # fmt: skip
_VESSEL_FIELDS = (
    ("callSign", "call_sign"),
    ("vesselType", "vessel_type"),
    ("vesselFlag", "vessel_flag"),
    ("vesselOwner", "vessel_owner"),
    ("tonnage", "tonnage"),
    ("grossRegisteredTonnage", "gross_registered_tonnage"),
)


#: an identifier as remarks write it: ``Tax ID No. 7744001497 (Russia)``
_WRITTEN_IDENTIFIER = re.compile(
    r"^(?P<kind>.*?)\s*(?P<number>\S+)(?:\s+\((?P<country>[^()]+)\))?$"
)


def _written_identifier(text: str) -> Identifier | None:
    match = _WRITTEN_IDENTIFIER.match(text.strip())
    if not match:
        return None
    return identifier(match["kind"], match["number"], match["country"] or "")


def _first_country(*groups: Sequence[str]) -> str | None:
    for group in groups:
        for name in group:
            code = iso_country(name)
            if code:
                return code
    return None


# -- the headerless CSV sets -------------------------------------------------------------------

_NULL = "-0-"
#: columns per file kind (OFAC's data specification)
_COLUMNS = {"prim": 12, "add": 6, "alt": 5, "comments": 2}


@dataclass(frozen=True)
class CsvFile:
    """One file of a CSV set, with the URL or name it came from (for messages)."""

    body: bytes
    url: str


def _csv_rows(file: CsvFile, kind: str) -> Iterator[tuple[int, list[str]]]:
    """The rows of one headerless OFAC CSV, nulls as ``""``.

    :raises ParseError: naming the file and line, for a row with the wrong number of fields or
        broken quoting (a truncated download), or a file that is not text.
    """
    body = file.body
    complete = body.endswith((b"\x1a", b"\n"))
    body = body.rstrip(b"\x1a")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        # older OFAC files are Windows-1252
        text = body.decode("cp1252", errors="replace")
    columns = _COLUMNS[kind]
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    line = 0
    try:
        for row in reader:
            line = reader.line_num
            if not row or row == [""]:
                continue
            if len(row) != columns:
                raise ParseError(
                    f"{file.url}: line {line}: {len(row)} fields, expected {columns} "
                    f"(OFAC's headerless {kind.upper()} layout; a truncated or damaged file?)",
                    url=file.url,
                )
            yield line, ["" if c.strip() == _NULL else c.strip() for c in row]
    except csv.Error as exc:
        raise ParseError(
            f"{file.url}: line {reader.line_num}: broken CSV quoting (truncated?): {exc}",
            url=file.url,
        ) from None
    if not complete and line:
        raise ParseError(
            f"{file.url}: line {line}: the file stops mid-line, without OFAC's end-of-file mark "
            "(a truncated download)",
            url=file.url,
        )


def parse_csv_set(
    prim: CsvFile,
    add: CsvFile | None = None,
    alt: CsvFile | None = None,
    comments: CsvFile | None = None,
    *,
    consolidated: bool = False,
) -> RecordSet:
    """Join one CSV set on the entry number: ``SDN.CSV`` + ``ADD.CSV`` + ``ALT.CSV`` +
    ``SDN_COMMENTS.CSV`` (or the ``CONS_`` files with ``consolidated=True``).

    :raises ParseError: a bad row (see :func:`_csv_rows`), a first field that is not an entry
        number, a repeated entry number, or an ADD/ALT/COMMENTS row whose entry is not in PRIM.
    """
    primaries: dict[str, tuple[int, list[str]]] = {}
    for line, row in _csv_rows(prim, "prim"):
        uid = row[0]
        if not uid.isdigit():
            raise ParseError(
                f"{prim.url}: line {line}: first field {uid!r} is not an entry number "
                "(OFAC's files have no header row)",
                url=prim.url,
            )
        if uid in primaries:
            raise ParseError(f"{prim.url}: line {line}: entry {uid} appears twice", url=prim.url)
        primaries[uid] = (line, row)
    extra: dict[str, dict[str, list[list[str]]]] = defaultdict(lambda: defaultdict(list))
    for kind, file in (("add", add), ("alt", alt), ("comments", comments)):
        if file is None:
            continue
        for line, row in _csv_rows(file, kind):
            if row[0] not in primaries:
                raise ParseError(
                    f"{file.url}: line {line}: entry {row[0]!r} is not in the primary file "
                    f"{prim.url}: the files are from different releases",
                    url=file.url,
                )
            extra[row[0]][kind].append(row)
    out = RecordSet()
    for uid, (_, row) in primaries.items():
        record = _csv_record(row, extra.get(uid, {}), consolidated)
        out.records[ofac_key(record.list_code, uid)] = record
    return out


_AKA_IN_REMARKS = re.compile(r"^(?:a\.k\.a\.|f\.k\.a\.|n\.k\.a\.)\s*'(.+)'\.?$", re.IGNORECASE)
_REMARK_FIELDS = (
    (re.compile(r"^DOB\s+(.+?)\.?$"), "dates_of_birth"),
    (re.compile(r"^POB\s+(.+?)\.?$"), "places_of_birth"),
    (re.compile(r"^nationality\s+(.+?)\.?$", re.IGNORECASE), "nationalities"),
    (re.compile(r"^citizen\s+(.+?)\.?$", re.IGNORECASE), "citizenships"),
)
#: remark parts that identify the party (documents, registrations, addresses on networks)
_IDENTIFIER = re.compile(
    r"^(?:Passport|National ID|Cedula|D\.N\.I\.|SSN|Tax ID|Registration|Legal Entity Number|"
    r"SWIFT/BIC|Website|Email|Phone|Fax|IMO|MMSI|Vessel Registration|Aircraft|Identification|"
    r"Digital Currency Address|Business Registration|License|Driver|Residency|Company Number|"
    r"Government Gazette|Credit Card|Unified Social Credit|Chinese Commercial Code|NIT|RFC|"
    r"CURP|C\.U\.I\.T\.|RUC|Trade License|Certificate|Kenyan ID|V\.A\.T\.)",
    re.IGNORECASE,
)


def _csv_record(
    row: list[str], extra: Mapping[str, list[list[str]]], consolidated: bool
) -> ParsedEntry:
    uid, name, kind, programs, title = row[0], clean(row[1]), row[2], row[3], clean(row[4])
    remarks = row[11] + "".join(c[1] for c in extra.get("comments", ()))
    remarks = clean(remarks)
    found: dict[str, list[str]] = defaultdict(list)
    aliases: list[str] = []
    identifiers: list[Identifier] = []
    for part in (p.strip() for p in remarks.split("; ")):
        part = part.removeprefix("alt. ")
        if not part:
            continue
        aka = _AKA_IN_REMARKS.match(part)
        if aka:
            aliases.append(aka[1])
            continue
        for pattern, name_of in _REMARK_FIELDS:
            match = pattern.match(part)
            if match:
                found[name_of].append(match[1])
                break
        else:
            written = _written_identifier(part.rstrip(".")) if _IDENTIFIER.match(part) else None
            if written:
                identifiers.append(written)
    for alt in sorted(extra.get("alt", ()), key=lambda r: int(r[1]) if r[1].isdigit() else 0):
        aliases.append(alt[3])
    addresses: list[str] = []
    countries: list[str] = []
    for add in sorted(extra.get("add", ()), key=lambda r: int(r[1]) if r[1].isdigit() else 0):
        address, place, country = clean(add[2]), clean(add[3]), clean(add[4])
        line = ", ".join(p for p in (address, place, country) if p)
        if line:
            addresses.append(line)
        if country:
            countries.append(country)
    programmes = _programmes(programs)
    nationalities = unique(found["nationalities"])
    citizenships = unique(found["citizenships"])
    return ParsedEntry(
        list_code=consolidated_list(programmes) if consolidated else "SDN",
        ref=uid,
        name=name,
        aliases=unique(aliases, besides=[name]),
        addresses=tuple(addresses),
        country=_first_country(countries, nationalities, citizenships),
        programmes=programmes,
        identifiers=tuple(dict.fromkeys(identifiers)),
        fields=_fields(
            [
                ("type", _kind(kind)),
                ("title", title),
                ("remarks", remarks),
                ("dates_of_birth", unique(found["dates_of_birth"])),
                ("places_of_birth", unique(found["places_of_birth"])),
                ("nationalities", nationalities),
                ("citizenships", citizenships),
                ("call_sign", clean(row[5])),
                ("vessel_type", clean(row[6])),
                ("vessel_flag", clean(row[9])),
                ("vessel_owner", clean(row[10])),
                ("tonnage", clean(row[7])),
                ("gross_registered_tonnage", clean(row[8])),
            ]
        ),
    )


# -- delta files -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeltaEntity:
    """One changed entry of a delta file."""

    uid: str
    #: ``add``, ``change`` or ``remove``
    action: str
    #: the entry as the delta states it, when it states it whole (adds, removes, and changes
    #: that restate the entry); ``None`` for a change given only as field operations
    record: ParsedEntry | None
    #: the lists the delta names for the entry (codes)
    lists: tuple[str, ...] = ()


@dataclass
class Delta:
    """One delta file: a publication and what it changed."""

    published: str | None
    publication_type: str | None
    entities: list[DeltaEntity] = field(default_factory=list)


def _local(element: Any) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(element: Any, name: str) -> Any:
    for child in element:
        if _local(child) == name:
            return child
    return None


def _kids(element: Any, name: str) -> list[Any]:
    return [c for c in element if _local(c) == name] if element is not None else []


def _text_of(element: Any, name: str) -> str:
    found = _child(element, name) if element is not None else None
    return clean(found.text) if found is not None else ""


def parse_delta(body: bytes, *, url: str = "") -> Delta:
    """Read one OFAC delta file (``sanctionsData`` in the ``DeltaFile/1.0`` namespace).

    :raises ParseError: not a delta file, or an entity without ``id``, or an ``add`` that
        gives no primary name.
    """
    root = _xml_root(body, url, "OFAC delta file")
    if _local(root) != "sanctionsData":
        raise ParseError(
            f"{url}: expected OFAC's delta file (<sanctionsData>), found <{_local(root)}>",
            url=url,
        )
    info = _child(root, "publicationInfo")
    published = _text_of(info, "datePublished") or None
    delta = Delta(
        published=published[:10] if published else None,
        publication_type=_text_of(info, "publicationType") or None,
    )
    entities = _child(root, "entities")
    for number, entity in enumerate(_kids(entities, "entity"), 1):
        uid = (entity.get("id") or "").strip()
        if not uid:
            raise ParseError(f"{url}: entity {number} has no id", url=url)
        action = (entity.get("action") or "change").strip().lower()
        if action not in ("add", "change", "remove"):
            raise ParseError(
                f"{url}: entity {uid}: unknown action {action!r} (expected add, change or remove)",
                url=url,
            )
        lists = tuple(
            dict.fromkeys(
                code
                for item in _kids(_child(entity, "sanctionsLists"), "sanctionsList")
                if (code := list_code_for_name(clean(item.text)))
            )
        )
        partial = any(d.get("action") for d in entity.iterdescendants() if isinstance(d.tag, str))
        record = None if partial else _delta_record(entity, uid, lists)
        if record is None and action == "add":
            raise ParseError(
                f"{url}: entity {uid}: an addition without a primary name and lists", url=url
            )
        delta.entities.append(DeltaEntity(uid, action, record, lists))
    return delta


#: feature types (as the delta names them, lower case) kept as their own fields
_FEATURE_FIELDS = {
    "birthdate": "dates_of_birth",
    "date of birth": "dates_of_birth",
    "place of birth": "places_of_birth",
    "nationality country": "nationalities",
    "nationality": "nationalities",
    "citizenship country": "citizenships",
    "citizenship": "citizenships",
    "vessel call sign": "call_sign",
    "vessel type": "vessel_type",
    "vessel flag": "vessel_flag",
    "vessel owner": "vessel_owner",
    "vessel tonnage": "tonnage",
    "vessel gross registered tonnage": "gross_registered_tonnage",
    "gender": "gender",
}


def _translation_name(translation: Any) -> str:
    full = _text_of(translation, "formattedFullName")
    if full:
        return full
    return _person_name(
        _text_of(translation, "formattedLastName"), _text_of(translation, "formattedFirstName")
    )


def _delta_record(entity: Any, uid: str, lists: tuple[str, ...]) -> ParsedEntry | None:
    general = _child(entity, "generalInfo")
    names = _kids(_child(entity, "names"), "name")
    primary_name = ""
    others: list[str] = []
    weak: list[str] = []
    for name in names:
        is_primary = _text_of(name, "isPrimary").lower() == "true"
        low = _text_of(name, "isLowQuality").lower() == "true"
        translations = _kids(_child(name, "translations"), "translation")
        # the primary translation first: the Latin form OFAC lists the entry under
        translations.sort(key=lambda t: _text_of(t, "isPrimary").lower() != "true")
        for index, translation in enumerate(translations):
            text = _translation_name(translation)
            if not text:
                continue
            if is_primary and index == 0 and not primary_name:
                primary_name = text
            else:
                (weak if low else others).append(text)
    if not primary_name or not lists:
        return None
    programmes = unique(
        clean(p.text) for p in _kids(_child(entity, "sanctionsPrograms"), "sanctionsProgram")
    )
    addresses: list[str] = []
    countries: list[str] = []
    for address in _kids(_child(entity, "addresses"), "address"):
        country = _text_of(address, "country")
        parts: list[str] = []
        for translation in _kids(_child(address, "translations"), "translation")[:1]:
            for part in _kids(_child(translation, "addressParts"), "addressPart"):
                value = _text_of(part, "value")
                if value:
                    parts.append(value)
        line = ", ".join([*parts, country] if country else parts)
        if line:
            addresses.append(line)
        if country:
            countries.append(country)
    found: dict[str, list[str]] = defaultdict(list)
    identifiers: list[Identifier] = []
    for feature in _kids(_child(entity, "features"), "feature"):
        kind, value = _text_of(feature, "type"), _text_of(feature, "value")
        if not value:
            continue
        name_of = _FEATURE_FIELDS.get(kind.lower())
        if name_of:
            found[name_of].append(value)
        elif feature_id := identifier(kind, value):
            identifiers.append(feature_id)
    for document in _kids(_child(entity, "identityDocuments"), "identityDocument"):
        document_id = identifier(
            _text_of(document, "type"),
            _text_of(document, "documentNumber"),
            _text_of(document, "issuingCountry"),
        )
        if document_id:
            identifiers.append(document_id)
    code = "SDN" if "SDN" in lists else lists[0]
    nationalities = unique(found["nationalities"])
    citizenships = unique(found["citizenships"])
    strong = unique(others, besides=[primary_name])
    return ParsedEntry(
        list_code=code,
        ref=uid,
        name=primary_name,
        aliases=strong,
        addresses=tuple(addresses),
        country=_first_country(countries, nationalities, citizenships),
        programmes=programmes,
        identifiers=tuple(dict.fromkeys(identifiers)),
        fields=_fields(
            [
                ("type", _kind(_text_of(general, "entityType"))),
                ("title", _text_of(general, "title")),
                ("remarks", _text_of(general, "remarks")),
                ("dates_of_birth", unique(found["dates_of_birth"])),
                ("places_of_birth", unique(found["places_of_birth"])),
                ("nationalities", nationalities),
                ("citizenships", citizenships),
                ("weak_aliases", unique(weak, besides=[primary_name, *strong])),
                *((k, ", ".join(unique(found[k]))) for k in _VESSEL_NAMES),
            ]
        ),
    )


_VESSEL_NAMES = ("call_sign", "vessel_type", "vessel_flag", "vessel_owner", "tonnage",
                 "gross_registered_tonnage")  # fmt: skip
