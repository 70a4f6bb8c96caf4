"""Entity-level events from Federal Register rules that amend the Entity List or the MEU List.

The glue between the Federal Register source and the pure GPO parser
(:mod:`regwatch.sources._gpo_entities`):

- :func:`amends_entity_lists` picks the documents to read: ``cfr_references`` 15 CFR 744 *and*
  an amendatory instruction naming Supplement No. 4 or No. 7 to part 744 (or no instructions
  at all, when the XML's own AMDPAR decides).  Never the title: titles vary;
- :func:`collect_entity_rules` fetches their ``full_text_xml_url`` once each (at most one
  request per ``xml_interval`` seconds), remembering in the cursor which documents were read;
- :func:`rule_events` turns a rule's entries into ``entity.added`` / ``entity.revised`` /
  ``entity.removed`` events keyed ``fr:<document>#<entity key>``, each with ``related_key`` =
  the document's event key and ``data["entity_key"]`` = the party's identity, which is also
  the ``listed_entity`` key the events are applied to.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from .._entity_names import (
    LIST_TITLES,
    disambiguate,
    entity_key,
    normalize_name,
    parse_citations,
)
from ..exceptions import HTTPStatusError, ParseError
from ..keys import fr_document_key, fr_entity_key
from ..model import ChangeEvent, Collection, Entity, EventKind, ListedEntry, Payload, SourceState
from ._gpo_entities import RuleEntries, RuleEntry, parse_entity_rule
from ._listing import find_listed

if TYPE_CHECKING:
    from ..http import Fetcher

__all__ = [
    "ENTITY_XML_ROLE",
    "amends_entity_lists",
    "collect_entity_rules",
    "is_entity_xml",
    "rule_events",
    "rule_events_in",
]

log = logging.getLogger("regwatch.federal_register")

#: the payload role of a rule's full-text XML
ENTITY_XML_ROLE = "entity_xml"
_SUPPLEMENT = re.compile(r"supplement\s+no\.?\s*[47]\s+to\s+part\s+744", re.IGNORECASE)
_XML_URL = re.compile(r"/(\d{4})/(\d{2})/(\d{2})/([A-Za-z0-9\-–—]+)\.xml")
_ACTIONS = {
    "added": EventKind.ENTITY_ADDED,
    "revised": EventKind.ENTITY_REVISED,
    "removed": EventKind.ENTITY_REMOVED,
}
_VERBS = {"added": "added to", "revised": "entry revised on", "removed": "removed from"}


def amends_entity_lists(record: Mapping[str, Any]) -> bool:
    """Whether a document (an API record) may change entries of Supplement No. 4 or No. 7."""
    if not record.get("full_text_xml_url") or record.get("type") not in (None, "Rule"):
        return False
    refs = record.get("cfr_references") or []
    if not any(
        isinstance(r, dict) and str(r.get("title")) == "15" and str(r.get("part")) == "744"
        for r in refs
    ):
        return False
    block = record.get("amendatory_instructions")
    instructions = block.get("instructions") if isinstance(block, dict) else None
    if not instructions:
        return True  # no instructions in the API record: the XML's AMDPAR decides
    return any(_SUPPLEMENT.search(str(text)) for text in instructions)


def _fingerprint(record: Mapping[str, Any]) -> str:
    """What makes a rule worth reading again: its instructions, corrections and XML."""
    parts = [
        record.get("full_text_xml_url"),
        record.get("amendatory_instructions"),
        sorted(str(c) for c in record.get("corrections") or []),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def collect_entity_rules(
    fetcher: Fetcher,
    state: SourceState,
    collection: Collection,
    records: Sequence[Mapping[str, Any]],
    *,
    interval: float,
    normalize: Callable[[str], str],
) -> None:
    """Fetch the full-text XML of every rule in ``records`` that amends the lists and was not
    read before (or changed since), and note what was read in ``collection.cursor``."""
    done: dict[str, str] = dict(state.cursor.get("entity_rules") or {})
    seen: dict[str, str] = {}
    for record in records:
        if not amends_entity_lists(record):
            continue
        number = normalize(str(record["document_number"]))
        fingerprint = _fingerprint(record)
        if done.get(number) == fingerprint or number in {
            _number_from_url(p.url) for p in collection.payloads if p.role == ENTITY_XML_ROLE
        }:
            seen[number] = fingerprint
            continue
        collection.requests += 1
        try:
            payload = fetcher.get(
                str(record["full_text_xml_url"]),
                expect="xml",
                min_interval=interval,
                role=ENTITY_XML_ROLE,
            )
        except HTTPStatusError as exc:
            if exc.status != 404:
                raise
            # The full text can lag the document by a little: the document is stored, the rule
            # stays unread, and the next poll (which re-reads the overlap window) tries again.
            collection.warnings.append(
                f"{number}: full-text XML not available yet ({exc}); its entity changes will be "
                "read on a later poll"
            )
            continue
        seen[number] = fingerprint
        collection.payloads.append(payload)
    # Only the documents of this walk can come back (the walk re-reads the overlap window), so
    # older entries are dropped and the cursor stays small.
    if seen or "entity_rules" in state.cursor:
        base = collection.cursor if collection.cursor is not None else dict(state.cursor)
        collection.cursor = {**base, "entity_rules": seen}


def is_entity_xml(payload: Payload) -> bool:
    ctype = (payload.content_type or "").lower()
    return payload.role == ENTITY_XML_ROLE or (
        payload.role == "import" and ("xml" in ctype or payload.url.endswith(".xml"))
    )


def _number_from_url(url: str) -> str | None:
    match = _XML_URL.search(url)
    return match[4].replace("–", "-").replace("—", "-") if match else None


@dataclass(frozen=True)
class _Document:
    number: str | None
    published_on: date | None
    effective_on: date | None
    citation: str | None
    url: str | None
    title: str | None


def _document(payload: Payload, parsed: RuleEntries, record: Mapping[str, Any] | None) -> _Document:
    match = _XML_URL.search(payload.url)
    published = None
    if match:
        try:
            published = date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            published = None
    record = record or {}

    def day(value: Any) -> date | None:
        try:
            return date.fromisoformat(str(value)[:10]) if value else None
        except ValueError:
            return None

    return _Document(
        number=parsed.document_number,
        published_on=day(record.get("publication_date")) or published,
        effective_on=day(record.get("effective_on")),
        citation=record.get("citation"),
        url=record.get("html_url"),
        title=record.get("title"),
    )


Resolver = Callable[[RuleEntry, str], tuple[str, Entity | None] | None]


def rule_events(
    payload: Payload,
    *,
    record: Mapping[str, Any] | None = None,
    resolve: Resolver | None = None,
    warnings: list[str] | None = None,
    normalize: Callable[[str], str] = str,
) -> list[ChangeEvent]:
    """The entity events of one rule's full-text XML.

    :param record: the document's API record, for its dates, citation and link.
    :param resolve: ``(entry, natural key) -> (listed key, listed entity) | None`` for revisions
        and removals, so that they name the party as it is listed.
    :param warnings: receives every row or instruction that could not be read or applied.
    :raises ParseError: the XML is broken, or the rule states entry changes but none could be
        read (a rule never silently yields nothing).
    """
    number = _number_from_url(payload.url)
    try:
        parsed = parse_entity_rule(
            payload.body, document_number=normalize(number) if number else None
        )
    except ParseError as exc:
        raise ParseError(str(exc), url=payload.url) from None
    if parsed.document_number:
        parsed.document_number = normalize(parsed.document_number)
    label = parsed.document_number or payload.url
    notes = warnings if warnings is not None else []
    notes += parsed.problems
    if parsed.has_entry_changes and not parsed.entries:
        raise ParseError(
            f"{label}: the rule amends Supplement No. 4/7 to part 744 but no entry could be read "
            f"from {payload.url}: {'; '.join(parsed.problems) or 'no instruction or row parsed'}",
            url=payload.url,
        )
    if parsed.lists and not parsed.has_entry_changes:
        notes.append(f"{label}: amends Supplement No. 4/7 to part 744 without entry-level changes")
    if warnings is None:
        for note in notes:
            log.warning("%s", note)
    document = _document(payload, parsed, record)
    taken: set[str] = set()
    events = []
    for entry in parsed.entries:
        natural = entity_key(entry.list_code, entry.country, entry.name)
        key = disambiguate(
            natural,
            taken,
            citations=parse_citations(entry.citation_text),
            addresses=entry.addresses,
        )
        taken.add(key)
        listed: Entity | None = None
        if entry.action != "added" and resolve is not None:
            found = resolve(entry, key)
            if found is None:
                notes.append(
                    f"{label}: the rule {'removes' if entry.action == 'removed' else 'revises'} "
                    f"{entry.name!r} ({entry.list_code}, {entry.country_heading or '?'}), "
                    "which is not currently listed"
                )
            else:
                key, listed = found
        events.append(_event(entry, key, document, listed))
    return events


def _event(entry: RuleEntry, key: str, document: _Document, listed: Entity | None) -> ChangeEvent:
    citations = parse_citations(entry.citation_text)
    details: dict[str, Any] = {
        "license_requirement": entry.license_requirement,
        "license_review_policy": entry.license_review_policy,
        "federal_register_citations": [str(c) for c in citations],
        "country_heading": entry.country_heading,
    }
    if entry.action == "removed" and listed is not None:
        entity = Entity(
            name=listed.name,
            aliases=listed.aliases,
            addresses=listed.addresses,
            details={**listed.details, "country_heading": entry.country_heading},
        )
    else:
        entity = Entity(
            name=entry.name,
            aliases=entry.aliases,
            addresses=entry.addresses,
            details={k: v for k, v in details.items() if v not in (None, [], "")},
        )
    changes = _changes(listed, entity) if entry.action == "revised" and listed else None
    list_title = LIST_TITLES.get(entry.list_code, entry.list_code)
    place = f" ({entry.country_heading})" if entry.country_heading else ""
    summary = "; ".join(
        f"{label}: {value}"
        for label, value in (
            ("License requirement", entry.license_requirement),
            ("License review policy", entry.license_review_policy),
        )
        if value
    )
    number = document.number
    data = {
        "entity_key": key,
        "supplement": "Supplement No. 4 to part 744"
        if entry.list_code == "EL"
        else "Supplement No. 7 to part 744",
        "instruction": entry.instruction,
        "table_row": entry.row,
        "page": entry.page,
    }
    return ChangeEvent(
        source="federal_register",
        kind=_ACTIONS[entry.action],
        key=fr_entity_key(number, key),
        title=f"{entity.name}: {_VERBS[entry.action]} the {list_title}{place}",
        summary=summary or (document.title if entry.action == "removed" else None),
        url=document.url,
        published_on=document.published_on,
        effective_on=document.effective_on,
        document_number=number,
        citation=document.citation,
        list_code=entry.list_code,
        country=entry.country,
        entity=entity,
        changes=changes,
        related_key=fr_document_key(number) if number else None,
        data={k: v for k, v in data.items() if v is not None},
    )


_COMPARED = ("name", "aliases", "addresses", "license_requirement", "license_review_policy")


def _changes(before: Entity, after: Entity) -> dict[str, list[Any]] | None:
    """What a rule's revision changes in the entry as it is listed, named as in the event JSON.

    The listed entry usually comes from the CSL, which writes the same entry differently (the
    acronym as an alias, the city and country code after each address), so values are compared
    as a reader would: names normalized, an address equal to the start of the listed one, and
    only what the rule states (a field the rule leaves empty is not a removal)."""
    old, new = before.to_json(), after.to_json()
    out: dict[str, list[Any]] = {}
    for name in _COMPARED:
        a, b = old.get(name), new.get(name)
        if b in (None, [], ""):
            continue
        if name == "aliases":
            same = {normalize_name(x) for x in a or []} - {
                normalize_name(m) for m in re.findall(r"\(([^()]+)\)", after.name)
            } == {normalize_name(x) for x in b}
        elif name == "addresses":
            olds = [normalize_name(x) for x in a or []]
            same = len(olds) == len(b) and all(
                any(o.startswith(normalize_name(x)) for o in olds) for x in b
            )
        elif name == "name":
            same = normalize_name(str(a)) == normalize_name(str(b))
        else:
            same = " ".join(str(a).split()) == " ".join(str(b).split())
        if not same:
            out[f"entity.{name}"] = [a, b]
    return out or None


def rule_events_in(
    collection: Collection,
    listed: Mapping[str, ListedEntry],
    parse: Callable[[Payload], list[ChangeEvent]],
    normalize: Callable[[str], str],
    warnings: list[str],
) -> list[tuple[int | None, ChangeEvent]]:
    """All events of a Federal Register collection: ``parse`` for the API pages, and entity
    events for the rules' XML, resolved against the parties currently listed."""
    records: dict[str, Mapping[str, Any]] = {}
    for payload in collection.payloads:
        if payload.role == "documents" and payload.status != 304:
            for record in payload.json().get("results") or []:
                if isinstance(record, dict) and record.get("document_number"):
                    records[normalize(str(record["document_number"]))] = record
    out: list[tuple[int | None, ChangeEvent]] = []
    resolve = _resolver(listed)
    for index, payload in enumerate(collection.payloads):
        if payload.status == 304:
            continue
        if not is_entity_xml(payload):
            out += [(index, e) for e in parse(payload)]
            continue
        number = _number_from_url(payload.url)
        events = rule_events(
            payload,
            record=records.get(normalize(number)) if number else None,
            resolve=resolve,
            warnings=warnings,
            normalize=normalize,
        )
        out += [(index, e) for e in events]
    return out


def _resolver(listed: Mapping[str, ListedEntry]) -> Resolver:
    def resolve(entry: RuleEntry, key: str) -> tuple[str, Entity | None] | None:
        found = find_listed(listed, entry.list_code, entry.country, entry.name, key=key)
        if found is None:
            return None
        return found.key, Entity(
            name=found.name,
            aliases=found.aliases,
            addresses=found.addresses,
            details=dict(found.details),
        )

    return resolve
