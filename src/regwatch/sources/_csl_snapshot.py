"""Consolidated Screening List snapshots: parsing (JSON and CSV) and diffing.  Pure: no I/O.

The quirks handled:

- aliases embedded in ``name`` (``X, a.k.a. Y``; a trailing ``(ACRONYM)``), and the
  ``; and any successor, sub-unit, or subsidiary thereof`` clause;
- the ``and `` artefact before the last alias, the literal ``[]`` alias, ``;``-joined lists in CSV;
- lost characters (``?``, and ``\\x92`` for ``’``), see :func:`~regwatch.entities.repair_text`;
- several addresses packed into one address string (``…, China; and 21 Changsheng Street, …``);
- the forms of ``federal_register_notice``, normalized to ``(volume, page)`` citations;
- the current 29-column CSV (with ``_id``), the 2017-2019 28-column CSV, the bulk JSON
  (``{"results": [...]}``) and the older API's JSON list of records.

Identity: BIS and State ids are content hashes, so entries are matched across snapshots by
their party identity (list, country, normalized name), see :func:`diff_snapshot`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .._entity_names import (
    Citation,
    disambiguate,
    entity_key,
    format_citation,
    normalize_name,
    parse_citations,
    repair_text,
    same_party_name,
)
from ..exceptions import ParseError

__all__ = [
    "CslEntry",
    "Snapshot",
    "SnapshotDiff",
    "diff_snapshot",
    "entry_from_json",
    "list_code_of",
    "parse_snapshot",
]

#: compared fields, in the order a reader sees them; values are strings or tuples of strings
_SCALARS = (
    "type",
    "title",
    "start_date",
    "end_date",
    "standard_order",
    "license_requirement",
    "license_policy",
    "remarks",
    "call_sign",
    "vessel_type",
    "gross_tonnage",
    "gross_registered_tonnage",
    "vessel_flag",
    "vessel_owner",
)
_LISTS = ("programs", "citizenships", "dates_of_birth", "nationalities", "places_of_birth")
#: how the fields are named in events (the Entity List's own column names where they exist)
_RENAMED = {"license_policy": "license_review_policy"}

#: the last parenthetical of a ``source`` string is its list code
_SOURCE_CODE = re.compile(r"\(([^()]+)\)(?=[^()]*$)")
_AKA = re.compile(
    r",?\s*\b(?:a\.k\.a\.?|f\.k\.a\.?|d\.b\.a\.?|also known as|formerly known as)(?:,|\s)\s*",
    re.IGNORECASE,
)
_SUCCESSORS = re.compile(
    r"[;,]?\s*(?:and\s+)?any\s+successors?,?\s+sub-?units?,?\s+or\s+subsidiar(?:y|ies)\s+"
    r"thereof\.?\s*$",
    re.IGNORECASE,
)
#: a trailing parenthetical in capitals is an acronym of the name: ``(CETC 13)``, ``(AASPT)``
_ACRONYM = re.compile(r"\s*\(([A-Z][A-Z0-9 .&-]{1,24})\)\s*$")
_ADDRESS_SPLIT = re.compile(r";\s*(?:and\s+)?")
_LEADING_AND = re.compile(r"^and\s+", re.IGNORECASE)
_ISO2 = re.compile(r"^[A-Z]{2}$")


def list_code_of(source: str) -> str | None:
    """``"Entity List (EL) - Bureau of Industry and Security"`` → ``"EL"``;
    ``NS-MBS List`` → ``MBS``; historical sources give their parenthetical (``561``)."""
    match = _SOURCE_CODE.search(source or "")
    if not match:
        return None
    code = match[1].strip()
    if code.upper().startswith("NS-MBS"):
        return "MBS"
    return code.upper()


@dataclass(frozen=True, slots=True)
class CslEntry:
    """One party as the CSL states it, normalized.  Equality compares what a reader would call
    the entry's content; ``csl_id`` (a content hash) and the list URLs are provenance only."""

    list_code: str
    name: str
    aliases: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    country: str | None = None
    citations: tuple[Citation, ...] = ()
    #: the other compared fields, as ``(name, value)`` pairs in a fixed order
    fields: tuple[tuple[str, Any], ...] = ()
    csl_id: str | None = field(default=None, compare=False)
    notice: str | None = field(default=None, compare=False)
    source_list_url: str | None = field(default=None, compare=False)
    #: the normalized name, cached (it is the costly part of the identity)
    norm: str = field(default="", compare=False)

    @property
    def ident(self) -> tuple[str, str | None, str]:
        return (self.list_code, self.country, self.norm)

    @property
    def natural_key(self) -> str:
        return entity_key(self.list_code, self.country, self.name)

    @property
    def start_date(self) -> str | None:
        return dict(self.fields).get("start_date")

    def details(self) -> dict[str, Any]:
        """The entity's list-specific fields, as events and ``listed_entity`` carry them."""
        out: dict[str, Any] = {_RENAMED.get(k, k): v for k, v in self.fields}
        if self.citations:
            out["federal_register_citations"] = [format_citation(c) for c in self.citations]
        if self.notice:
            out["federal_register_notice"] = self.notice
        return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items() if v}

    def to_json(self) -> dict[str, Any]:
        return {
            "list_code": self.list_code,
            "name": self.name,
            "aliases": list(self.aliases),
            "addresses": list(self.addresses),
            "country": self.country,
            "citations": [[c.volume, c.page, c.issue] for c in self.citations],
            "fields": [[k, list(v) if isinstance(v, tuple) else v] for k, v in self.fields],
            "csl_id": self.csl_id,
            "notice": self.notice,
            "source_list_url": self.source_list_url,
        }

    def fingerprint(self) -> str:
        payload = repr(
            (
                self.list_code,
                self.name,
                self.aliases,
                self.addresses,
                self.country,
                self.citations,
                self.fields,
            )
        )
        return hashlib.blake2b(payload.encode(), digest_size=16).hexdigest()


def entry_from_json(data: Mapping[str, Any]) -> CslEntry:
    """The inverse of :meth:`CslEntry.to_json` (entries kept in ``csl_entry``)."""
    return CslEntry(
        list_code=data["list_code"],
        name=data["name"],
        aliases=tuple(data.get("aliases") or ()),
        addresses=tuple(data.get("addresses") or ()),
        country=data.get("country"),
        citations=tuple(Citation(v, p, i) for v, p, i in data.get("citations") or ()),
        fields=tuple(
            (k, tuple(v) if isinstance(v, list) else v) for k, v in data.get("fields") or ()
        ),
        csl_id=data.get("csl_id"),
        notice=data.get("notice"),
        source_list_url=data.get("source_list_url"),
        norm=normalize_name(data["name"]),
    )


# -- reading a snapshot -----------------------------------------------------------------------


@dataclass
class Snapshot:
    """The entries of the watched lists in one CSL file, and what was odd about it."""

    entries: list[CslEntry]
    #: records per list code, watched or not
    counts: dict[str, int]
    format: str
    records: int
    warnings: list[str] = field(default_factory=list)


def parse_snapshot(body: bytes, lists: Iterable[str], *, url: str = "") -> Snapshot:
    """Read a CSL file (JSON or CSV, sniffed) and keep the entries of ``lists``.

    :raises ParseError: for anything that would make the snapshot untrustworthy: invalid or
        truncated JSON or CSV, a record that is not an object, a row with missing columns, or a
        watched record without a name.  A bad record is never skipped, because a skipped record
        would read as a removal.
    """
    wanted = {code.upper() for code in lists}
    head = body[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"{", b"[")):
        records: Iterable[tuple[int, Mapping[str, Any]]] = _json_records(body, url)
        fmt = "json"
    elif head:
        records = _csv_records(body, url)
        fmt = "csv"
    else:
        raise ParseError(f"{url}: empty CSL file", url=url)
    entries: list[CslEntry] = []
    counts: dict[str, int] = defaultdict(int)
    unknown: dict[str, int] = defaultdict(int)
    total = 0
    for number, record in records:
        total += 1
        source = record.get("source")
        code = list_code_of(source) if isinstance(source, str) else None
        if code is None:
            unknown[str(source)] += 1
            continue
        counts[code] += 1
        if code in wanted:
            entries.append(_entry(record, code, number, url))
    warnings = [
        f"{count} record(s) from an unknown source {source!r} were skipped"
        for source, count in sorted(unknown.items())
    ]
    return Snapshot(entries, dict(counts), fmt, total, warnings)


def _json_records(body: bytes, url: str) -> Iterator[tuple[int, Mapping[str, Any]]]:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ParseError(
            f"{url}: invalid or truncated JSON ({len(body)} bytes): {exc}", url=url
        ) from None
    records = data.get("results") if isinstance(data, dict) else data
    if not isinstance(records, list):
        raise ParseError(f"{url}: expected a list of records or {{'results': [...]}}", url=url)
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            raise ParseError(f"{url}: record {index} is not an object", url=url)
        yield index, record


#: CSV columns whose cells join several values with "; "
_CSV_LISTS = frozenset({"alt_names", "programs", *_LISTS, "ids"})


def _csv_records(body: bytes, url: str) -> Iterator[tuple[int, Mapping[str, Any]]]:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(f"{url}: the CSV is not UTF-8 (truncated?): {exc}", url=url) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise ParseError(f"{url}: no CSV header: {exc}", url=url) from None
    columns = [c.strip().lstrip("_") or c for c in header]
    if "source" not in columns or "name" not in columns:
        raise ParseError(
            f"{url}: line 1: not a CSL CSV header (no `source` and `name` columns)", url=url
        )
    try:
        for row in reader:
            line = reader.line_num
            if not row:
                continue
            if len(row) != len(columns):
                raise ParseError(
                    f"{url}: line {line}: {len(row)} fields, expected {len(columns)} "
                    "(a truncated or damaged file)",
                    url=url,
                )
            record: dict[str, Any] = {}
            for name, value in zip(columns, row, strict=True):
                if name == "addresses":
                    record[name] = value
                elif name in _CSV_LISTS:
                    record[name] = [v for v in value.split(";")] if value else []
                else:
                    record[name] = value
            yield line, record
    except csv.Error as exc:
        raise ParseError(
            f"{url}: line {reader.line_num}: broken CSV (a truncated file?): {exc}", url=url
        ) from None


def _text(value: Any) -> str:
    if value.__class__ is str:
        return repair_text(value) if value else ""
    if value is None or isinstance(value, bool):
        return ""
    return str(value) if isinstance(value, (int, float)) else ""


def _text_list(value: Any) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    items = value if isinstance(value, list) else str(value).split(";")
    out = []
    for item in items:
        text = _text(item)
        if text:
            out.append(text)
    return tuple(out)


def _split_name(raw: str) -> tuple[str, list[str], bool]:
    """``(name, aliases found in it, has the successors clause)``."""
    name = repair_text(raw)
    successors = False
    trimmed = _SUCCESSORS.sub("", name)
    if trimmed != name:
        name, successors = trimmed.strip(" ;,"), True
    parts = [p.strip(" ,;") for p in _AKA.split(name)]
    name, aliases = parts[0], [p for p in parts[1:] if p]
    acronym = _ACRONYM.search(name)
    if acronym and len(acronym[1].replace(" ", "")) >= 2:
        aliases.append(acronym[1].strip())
    return name, aliases, successors


def _aliases(name: str, embedded: list[str], alt_names: Any) -> tuple[str, ...]:
    seen = {normalize_name(name)}
    out = []
    for alias in [*embedded, *_text_list(alt_names)]:
        alias = _LEADING_AND.sub("", alias).strip(" ;,")
        if not alias or alias == "[]":
            continue
        norm = normalize_name(alias)
        if norm and norm not in seen:
            seen.add(norm)
            out.append(alias)
    return tuple(sorted(out, key=str.casefold))


def _addresses(value: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(address lines, ISO countries)`` from JSON address objects or a CSV address cell."""
    lines: list[str] = []
    countries: list[str] = []
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                country = _text(item.get("country")).upper()
                tail = [_text(item.get(k)) for k in ("city", "state", "postal_code")]
                pieces = [p for p in _ADDRESS_SPLIT.split(_text(item.get("address"))) if p]
                tail_text = ", ".join(p for p in [*tail, country] if p)
                if not pieces:
                    if tail_text:
                        lines.append(tail_text)
                else:
                    lines += pieces[:-1]
                    lines.append(", ".join(p for p in [pieces[-1], tail_text] if p))
                if _ISO2.match(country):
                    countries.append(country)
            elif isinstance(item, str) and item.strip():
                lines += [p for p in _ADDRESS_SPLIT.split(_text(item)) if p]
    elif isinstance(value, str) and value.strip():
        lines = [p for p in _ADDRESS_SPLIT.split(_text(value)) if p]
    for line in lines if not isinstance(value, list) else ():
        last = line.rsplit(",", 1)[-1].strip()
        if _ISO2.match(last):
            countries.append(last)
    return tuple(lines), tuple(dict.fromkeys(countries))


def _ids(value: Any) -> tuple[str, ...]:
    if isinstance(value, list):
        out = []
        for item in value:
            if isinstance(item, dict):
                keys = ("type", "number", "country", "issue_date", "expiration_date")
                text = ", ".join(_text(item.get(k)) for k in keys if _text(item.get(k)))
            else:
                text = _text(item)
            if text:
                out.append(text)
        return tuple(out)
    return _text_list(value)


def _entry(record: Mapping[str, Any], code: str, number: int, url: str) -> CslEntry:
    raw_name = record.get("name")
    name, embedded, successors = _split_name(raw_name if isinstance(raw_name, str) else "")
    norm = normalize_name(name)
    if not norm:
        raise ParseError(
            f"{url}: record {number} ({code}) has no usable name: {raw_name!r}", url=url
        )
    addresses, countries = _addresses(record.get("addresses"))
    country = countries[0] if countries else None
    if country is None:
        for key in ("country", "nationalities", "citizenships"):
            candidates = [c.upper() for c in _text_list(record.get(key)) if _ISO2.match(c.upper())]
            if candidates:
                country = candidates[0]
                break
    fields: list[tuple[str, Any]] = []
    for key in _SCALARS:
        text = _text(record.get(key))
        if text:
            fields.append((key, text))
    for key in _LISTS:
        values = _text_list(record.get(key))
        if values:
            fields.append((key, values))
    ids = _ids(record.get("ids"))
    if ids:
        fields.append(("ids", ids))
    if len(countries) > 1:
        fields.append(("countries", countries))
    if successors:
        fields.append(("includes", "any successor, sub-unit, or subsidiary thereof"))
    notice = _text(record.get("federal_register_notice")) or None
    csl_id = record.get("id") or record.get("_id")
    source_url = _text(record.get("source_list_url")) or None
    return CslEntry(
        list_code=code,
        name=name,
        aliases=_aliases(name, embedded, record.get("alt_names")),
        addresses=addresses,
        country=country,
        citations=parse_citations(notice),
        fields=tuple(fields),
        csl_id=str(csl_id) if csl_id else None,
        notice=notice,
        source_list_url=source_url,
        norm=norm,
    )


# -- diffing ----------------------------------------------------------------------------------


@dataclass
class SnapshotDiff:
    """What changed between the last accepted snapshot and a new one, entry by entry."""

    added: list[tuple[str, CslEntry]] = field(default_factory=list)
    removed: list[tuple[str, CslEntry]] = field(default_factory=list)
    #: ``(key, old, new)``
    revised: list[tuple[str, CslEntry, CslEntry]] = field(default_factory=list)
    #: entries of lists watched for the first time: recorded without events
    baseline: list[tuple[str, CslEntry]] = field(default_factory=list)
    unchanged: int = 0

    def changes(self) -> int:
        return len(self.added) + len(self.removed) + len(self.revised)


def changed_fields(old: CslEntry, new: CslEntry) -> dict[str, list[Any]]:
    """Field-level changes, named as in the event JSON (``entity.addresses``, ``country``)."""
    out: dict[str, list[Any]] = {}
    for attr in ("name", "aliases", "addresses"):
        a, b = getattr(old, attr), getattr(new, attr)
        if a != b:
            out[f"entity.{attr}"] = [_plain(a), _plain(b)]
    if old.country != new.country:
        out["country"] = [old.country, new.country]
    a_details, b_details = old.details(), new.details()
    a_details.pop("federal_register_notice", None)
    b_details.pop("federal_register_notice", None)
    for name in sorted(set(a_details) | set(b_details)):
        if a_details.get(name) != b_details.get(name):
            out[f"entity.{name}"] = [a_details.get(name), b_details.get(name)]
    return out


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _similarity(old: CslEntry, new: CslEntry) -> tuple[int, int, int]:
    return (
        len(set(old.citations) & set(new.citations)),
        int(old.start_date == new.start_date),
        len(set(old.addresses) & set(new.addresses)),
    )


def _pair_greedy(
    olds: Sequence[str],
    news: Sequence[int],
    previous: Mapping[str, CslEntry],
    new: Sequence[CslEntry],
) -> list[tuple[str, int]]:
    scored = sorted(
        ((_similarity(previous[k], new[i]), k, i) for k in olds for i in news),
        key=lambda t: (t[0], t[1], -t[2]),
        reverse=True,
    )
    used_k: set[str] = set()
    used_i: set[int] = set()
    pairs = []
    for _, k, i in scored:
        if k not in used_k and i not in used_i:
            used_k.add(k)
            used_i.add(i)
            pairs.append((k, i))
    return pairs


def _renamed(old: CslEntry, new: CslEntry) -> bool:
    """One entry renamed: the old name became an alias (or the reverse), or nothing but the name
    changed in an entry that has citations and addresses to tell it apart."""
    if any(same_party_name(old.name, a) for a in new.aliases) or any(
        same_party_name(new.name, a) for a in old.aliases
    ):
        return True
    return bool(
        old.citations
        and old.addresses
        and old.citations == new.citations
        and old.addresses == new.addresses
    )


def diff_snapshot(
    previous: Mapping[str, CslEntry],
    entries: Sequence[CslEntry],
    *,
    baseline_lists: Iterable[str] = (),
    adoptable: Mapping[str, Sequence[tuple[str, str, tuple[str, ...], str | None]]] | None = None,
) -> SnapshotDiff:
    """Match ``entries`` against ``previous`` (the last snapshot's entries by key).

    Entries are paired, in this order, by: identical content under the same identity (list,
    country, normalized name); the same identity (a revision; several same-named entries are
    paired by shared citations, start date and addresses); the same list and name in another
    country; a rename within the list and country (see :func:`_renamed`).  Unpaired old entries
    are removals; unpaired new ones additions, or baseline entries for ``baseline_lists``.

    A new entry gets a key once, when it first appears: its natural key
    (:func:`~regwatch.entities.entity_key`) made unique by :func:`~regwatch.entities.disambiguate`,
    or the key of a party a Federal Register rule already listed (``adoptable``:
    ``{list_code: [(key, name, aliases, country)]}``), so that both sides share one identity.
    Keys then carry over by pairing, so identity survives edits to the very fields it is made of.
    """
    baseline_set = {b.upper() for b in baseline_lists}
    result = SnapshotDiff()
    pairs: dict[int, str] = {}
    by_ident: dict[tuple[str, str | None, str], list[str]] = defaultdict(list)
    for key, old in previous.items():
        by_ident[old.ident].append(key)
    matched: set[str] = set()
    for index, entry in enumerate(entries):
        for key in by_ident.get(entry.ident, ()):
            if key not in matched and previous[key] == entry:
                pairs[index] = key
                matched.add(key)
                break
    left = [i for i in range(len(entries)) if i not in pairs]

    def pair_by(attribute: Any) -> None:
        nonlocal left
        olds: dict[Any, list[str]] = defaultdict(list)
        for key, old in previous.items():
            if key not in matched:
                olds[attribute(old)].append(key)
        news: dict[Any, list[int]] = defaultdict(list)
        for index in left:
            news[attribute(entries[index])].append(index)
        for group, indexes in news.items():
            keys = olds.get(group)
            if not keys:
                continue
            for key, index in _pair_greedy(keys, indexes, previous, entries):
                pairs[index] = key
                matched.add(key)
        left = [i for i in left if i not in pairs]

    pair_by(lambda e: e.ident)
    pair_by(lambda e: (e.list_code, e.norm))
    # Renames: only where one old and one new entry of a list and country could be the pair.
    olds_by_place: dict[tuple[str, str | None], list[str]] = defaultdict(list)
    for key, old in previous.items():
        if key not in matched:
            olds_by_place[(old.list_code, old.country)].append(key)
    news_by_place: dict[tuple[str, str | None], list[int]] = defaultdict(list)
    for index in left:
        news_by_place[(entries[index].list_code, entries[index].country)].append(index)
    for place, olds in olds_by_place.items():
        news = news_by_place.get(place, [])
        for key in olds:
            hits = [i for i in news if i not in pairs and _renamed(previous[key], entries[i])]
            if len(hits) != 1:
                continue
            rivals = [k for k in olds if k != key and _renamed(previous[k], entries[hits[0]])]
            if not rivals:
                pairs[hits[0]] = key
                matched.add(key)
    left = [i for i in left if i not in pairs]

    for index, key in pairs.items():
        old, new = previous[key], entries[index]
        if old == new:
            result.unchanged += 1
        else:
            result.revised.append((key, old, new))
    for key, old in previous.items():
        if key not in matched:
            result.removed.append((key, old))

    taken: set[str] = set(previous)
    adopt = {code: list(rows) for code, rows in (adoptable or {}).items()}
    fresh = sorted(
        left,
        key=lambda i: (
            entries[i].ident[0],
            entries[i].ident[1] or "",
            entries[i].ident[2],
            entries[i].citations,
            entries[i].start_date or "",
            entries[i].addresses,
        ),
    )
    for index in fresh:
        entry = entries[index]
        key = _adopt(entry, adopt.get(entry.list_code, []), taken) or disambiguate(
            entry.natural_key,
            taken,
            citations=entry.citations,
            start_date=entry.start_date,
            addresses=entry.addresses,
        )
        taken.add(key)
        target = result.baseline if entry.list_code in baseline_set else result.added
        target.append((key, entry))
    result.revised.sort(key=lambda t: t[0])
    result.removed.sort(key=lambda t: t[0])
    result.added.sort(key=lambda t: t[0])
    return result


def _adopt(
    entry: CslEntry,
    rows: list[tuple[str, str, tuple[str, ...], str | None]],
    taken: set[str],
) -> str | None:
    """The key of the one party a Federal Register rule listed that ``entry`` is, if any."""
    hits = [
        key
        for key, name, aliases, country in rows
        if key not in taken
        and country == entry.country
        and any(same_party_name(entry.name, n) for n in (name, *aliases))
    ]
    if len(hits) != 1:
        return None
    rows[:] = [r for r in rows if r[0] != hits[0]]
    return hits[0]
