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
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from .._entity_names import (
    LIST_TITLES,
    disambiguate,
    entity_key,
    normalize_name,
    parse_citations,
    same_party_name,
)
from ..exceptions import BlockedError, FetchError, HTTPStatusError, ParseError
from ..keys import fr_document_key, fr_entity_key
from ..model import ChangeEvent, Collection, Entity, EventKind, ListedEntry, Payload, SourceState
from ._gpo_entities import PARSER_VERSION, RuleEntries, RuleEntry, parse_entity_rule
from ._listing import find_listed

if TYPE_CHECKING:
    from ..http import Fetcher

__all__ = [
    "ENTITY_XML_ROLE",
    "amends_entity_lists",
    "collect_entity_rules",
    "is_entity_xml",
    "mark_documents",
    "read_rule",
    "reread_rules",
    "rule_events",
    "rule_events_in",
    "rule_numbers",
]

log = logging.getLogger("regwatch.federal_register")

#: the payload role of a rule's full-text XML
ENTITY_XML_ROLE = "entity_xml"
_SUPPLEMENT = re.compile(r"supplement\s+no\.?\s*[47]\s+to\s+part\s+744", re.IGNORECASE)
_XML_URL = re.compile(r"/(\d{4})/(\d{2})/(\d{2})/([A-Za-z0-9\-–—]+)\.xml")
_PARENTHESES = re.compile(r"\(([^()]+)\)")
_ACTIONS = {
    "added": EventKind.ENTITY_ADDED,
    "revised": EventKind.ENTITY_REVISED,
    "removed": EventKind.ENTITY_REMOVED,
}
_VERBS = {"added": "added to", "revised": "entry revised on", "removed": "removed from"}
#: how many polls try to fetch a rule's full text before it is marked as not read
MAX_FULL_TEXT_ATTEMPTS = 3
#: the same when the full text is not there yet (404): it can lag the document by hours
MAX_NOT_YET_ATTEMPTS = 24


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
    attempts: dict[str, dict[str, Any]] = dict(state.cursor.get("entity_rule_attempts") or {})
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
        except BlockedError:
            raise  # the whole source is refused: that is the source's health, not one document
        except FetchError as exc:
            # One document's full text must never stop the source: the document is stored,
            # marked, and its full text tried again on the next polls, a bounded number of times.
            tries = int(attempts.get(number, {}).get("attempts", 0)) + 1
            not_yet = isinstance(exc, HTTPStatusError) and exc.status == 404
            bound = MAX_NOT_YET_ATTEMPTS if not_yet else MAX_FULL_TEXT_ATTEMPTS
            attempts[number] = {"attempts": tries, "bound": bound, "error": str(exc)[:300]}
            if tries >= bound:
                seen[number] = fingerprint  # given up on; a new fingerprint tries again
                collection.warnings.append(
                    f"{number}: full-text XML could not be fetched after {tries} attempts "
                    f"({exc}); the document is stored and marked as not read"
                )
            else:
                collection.warnings.append(
                    f"{number}: full-text XML not available yet ({exc}); its entity changes will "
                    f"be read on a later poll (attempt {tries} of {bound})"
                )
            continue
        attempts.pop(number, None)
        seen[number] = fingerprint
        collection.payloads.append(payload)
    # Only the documents of this walk can come back (the walk re-reads the overlap window), so
    # older entries are dropped and the cursor stays small.
    if seen or attempts or "entity_rules" in state.cursor:
        base = collection.cursor if collection.cursor is not None else dict(state.cursor)
        collection.cursor = {**base, "entity_rules": seen}
        walked = {normalize(str(r["document_number"])) for r in records}
        kept = {n: a for n, a in attempts.items() if n in walked}
        if kept:
            collection.cursor["entity_rule_attempts"] = kept
        else:
            collection.cursor.pop("entity_rule_attempts", None)


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


@dataclass
class RuleReading:
    """One rule's full text, read: its entity events, and how well it was read."""

    number: str | None
    events: list[ChangeEvent]
    #: the self-check (``Extraction.to_json()`` and the parser version), for the document event
    extraction: dict[str, Any]


def read_rule(
    payload: Payload,
    *,
    record: Mapping[str, Any] | None = None,
    resolve: Resolver | None = None,
    warnings: list[str] | None = None,
    normalize: Callable[[str], str] = str,
) -> RuleReading:
    """The entity events of one rule's full-text XML, and the check of that reading against
    the totals the rule states.  Never raises for the document's content: a rule that cannot
    be read is a reading marked ``failed``, with the reason in its problems.

    :param record: the document's API record, for its dates, citation and link.
    :param resolve: ``(entry, natural key) -> (listed key, listed entity) | None`` for revisions
        and removals, so that they name the party as it is listed.
    :param warnings: receives every row or instruction that could not be read or applied.
    """
    number = _number_from_url(payload.url)
    number = normalize(number) if number else None
    notes = warnings if warnings is not None else []
    try:
        parsed = parse_entity_rule(payload.body, document_number=number)
    except ParseError as exc:
        return _unread(number, payload, str(exc), notes)
    except Exception as exc:  # a bug on an unforeseen layout must not stop the source
        log.exception("reading the entity changes of %s", payload.url)
        return _unread(number, payload, f"{type(exc).__name__}: {exc}", notes)
    if parsed.document_number:
        parsed.document_number = normalize(parsed.document_number)
    label = parsed.document_number or payload.url
    before = len(notes)
    notes += parsed.problems
    extraction = parsed.extraction
    if extraction.status == "failed":
        notes.append(
            f"{label}: the rule amends Supplement No. 4/7 to part 744 but no entry could be read "
            f"from {payload.url}; the document is stored and marked as not read"
        )
    elif extraction.status == "partial":
        notes += [f"{label}: {d}" for d in extraction.disagreements]
    if parsed.lists and not parsed.has_entry_changes and not parsed.announced:
        notes.append(f"{label}: amends Supplement No. 4/7 to part 744 without entry-level changes")
    if warnings is None:
        for note in notes[before:]:
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
    checked = {**extraction.to_json(), "parser": PARSER_VERSION}
    return RuleReading(parsed.document_number, events, checked)


def _unread(number: str | None, payload: Payload, reason: str, notes: list[str]) -> RuleReading:
    label = number or payload.url
    notes.append(
        f"{label}: the entity changes cannot be read ({reason}); the document is stored "
        "and marked as not read"
    )
    extraction = {
        "status": "failed",
        "read": {},
        "announced": {},
        "problems": [reason[:500]],
        "parser": PARSER_VERSION,
    }
    return RuleReading(number, [], extraction)


def rule_events(
    payload: Payload,
    *,
    record: Mapping[str, Any] | None = None,
    resolve: Resolver | None = None,
    warnings: list[str] | None = None,
    normalize: Callable[[str], str] = str,
) -> list[ChangeEvent]:
    """The entity events of one rule's full-text XML given on its own (``regwatch import``):
    there is no document event to mark, so a rule that cannot be read is an error.

    :raises ParseError: the XML is broken, or the rule states entry changes but none could be
        read (a rule never silently yields nothing).
    """
    notes: list[str] = []
    reading = read_rule(
        payload, record=record, resolve=resolve, warnings=notes, normalize=normalize
    )
    if warnings is not None:
        warnings += notes
    else:
        for note in notes:
            log.warning("%s", note)
    if reading.extraction["status"] == "failed":
        raise ParseError(_failure(reading, payload), url=payload.url)
    return reading.events


def _failure(reading: RuleReading, payload: Payload) -> str:
    label = reading.number or payload.url
    problems = "; ".join(reading.extraction.get("problems") or []) or "no instruction or row parsed"
    return (
        f"{label}: the rule amends Supplement No. 4/7 to part 744 but no entry could be read "
        f"from {payload.url}: {problems}"
    )


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
                normalize_name(m) for m in _PARENTHESES.findall(after.name)
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
    parse: Callable[[Payload], tuple[list[ChangeEvent], list[dict[str, Any]]]],
    normalize: Callable[[str], str],
    warnings: list[str],
    earlier: Mapping[str, dict[str, Any]],
) -> tuple[list[tuple[int | None, ChangeEvent]], dict[str, dict[str, Any]]]:
    """All events of a Federal Register collection: ``parse`` for the API pages (their events
    and their readable records), and entity events for the rules' XML, resolved against the
    parties currently listed; and the reading of each rule, by document number.

    The document event of every rule that amends the lists carries ``data["extraction"]``
    (see :func:`mark_documents`); ``earlier`` holds the readings of rules read on earlier polls,
    whose documents come back in the overlap window without their full text being read again."""
    records: dict[str, Mapping[str, Any]] = {}
    pages: dict[int, list[ChangeEvent]] = {}
    for index, payload in enumerate(collection.payloads):
        if payload.status != 304 and not is_entity_xml(payload):
            pages[index], readable = parse(payload)
            if payload.role == "documents":
                records.update((normalize(str(r["document_number"])), r) for r in readable)
    out: list[tuple[int | None, ChangeEvent]] = []
    readings: dict[str, dict[str, Any]] = {}
    resolve = _resolver(listed)
    for index, payload in enumerate(collection.payloads):
        if payload.status == 304:
            continue
        if index in pages:
            out += [(index, e) for e in pages[index]]
            continue
        number = _number_from_url(payload.url)
        reading = read_rule(
            payload,
            record=records.get(normalize(number)) if number else None,
            resolve=resolve,
            warnings=warnings,
            normalize=normalize,
        )
        if payload.role == "import" and reading.extraction["status"] == "failed":
            # A file given on its own has no document event to mark: say it, store nothing.
            raise ParseError(_failure(reading, payload), url=payload.url)
        if reading.number:
            readings[reading.number] = reading.extraction
        out += [(index, e) for e in reading.events]
    attempts = (collection.cursor or {}).get("entity_rule_attempts") or {}
    for number, tried in attempts.items():
        readings.setdefault(number, _not_fetched(tried))
    for number, record in records.items():
        if number not in readings and number in earlier and amends_entity_lists(record):
            readings[number] = earlier[number]  # read on an earlier poll: the marking stands
    return mark_documents(out, readings), readings


def _not_fetched(tried: Mapping[str, Any]) -> dict[str, Any]:
    count = int(tried.get("attempts") or 0)
    if count < int(tried.get("bound") or MAX_FULL_TEXT_ATTEMPTS):
        # Nothing that changes from one attempt to the next: a retry is not a revision.
        return {"status": "pending", "read": {}, "announced": {}, "parser": PARSER_VERSION}
    return {
        "status": "failed",
        "read": {},
        "announced": {},
        "problems": [
            f"the full text could not be fetched ({count} attempts): {tried.get('error')}"
        ],
        "parser": PARSER_VERSION,
    }


def mark_documents(
    events: list[tuple[int | None, ChangeEvent]], readings: Mapping[str, dict[str, Any]]
) -> list[tuple[int | None, ChangeEvent]]:
    """The events with each rule's document event carrying ``data["extraction"]``: the reading
    of its entity changes (``complete``, ``partial``, ``failed``, or ``pending`` while its full
    text is not fetched yet), what was read and what the rule announced."""
    out = []
    for index, event in events:
        number = event.document_number
        if (
            number is not None
            and number in readings
            and event.key == fr_document_key(number)
            and not event.provisional
            and event.entity is None
        ):
            event = replace(event, data={**event.data, "extraction": readings[number]})
        out.append((index, event))
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


# -- reading stored rules again (``regwatch reprocess``) --------------------------------------


def rule_numbers(payloads: Sequence[Payload], normalize: Callable[[str], str]) -> list[str]:
    """The document numbers of stored rule payloads: from the URL, else the ``FRDOC`` line."""
    numbers = []
    for payload in payloads:
        number = _number_from_url(payload.url)
        if number is None:
            frdoc = _FRDOC_BYTES.search(payload.body[-4000:])
            number = frdoc[1].decode("utf-8", "replace") if frdoc else None
        if number:
            numbers.append(normalize(number))
    return numbers


_FRDOC_BYTES = re.compile(rb"FR\s+Doc\.?\s*([A-Z0-9]+(?:-|\xe2\x80\x93|\xe2\x80\x94)\s?\d+)", re.I)


def _record_of(document: ChangeEvent | None) -> dict[str, Any] | None:
    """The fields of a document's API record that its entity events use, from its event."""
    if document is None:
        return None
    return {
        "publication_date": document.published_on.isoformat() if document.published_on else None,
        "effective_on": document.effective_on.isoformat() if document.effective_on else None,
        "citation": document.citation,
        "html_url": document.url,
        "title": document.title,
    }


def reread_rules(
    payloads: Sequence[Payload],
    documents: Mapping[str, ChangeEvent],
    listed: Mapping[str, ListedEntry],
    normalize: Callable[[str], str],
    warnings: list[str],
    *,
    earlier: Sequence[ChangeEvent] = (),
    only: str | None = None,
) -> tuple[list[ChangeEvent], dict[str, dict[str, Any]]]:
    """The events today's parser reads from stored rule payloads (the newest payload of each
    document wins), with each rule's document event marked with the new reading; and the
    readings by document number.  Pure: the store decides what is new, revised or unchanged.

    :param documents: the stored document event of each rule, by document number.
    :param earlier: the stored entity events of these rules (their latest revisions): a
        revision or removal read again keeps what it took from the listing when it was first
        read (the party's key, and for a removal the party as it was listed), since the rule has
        changed the listing since.
    :param only: read only this document number.
    """
    readings: dict[str, RuleReading] = {}
    notes_of: dict[str, list[str]] = {}
    resolve = _resolver(listed)
    for payload in payloads:
        number = _number_from_url(payload.url)
        number = normalize(number) if number else None
        notes: list[str] = []
        reading = read_rule(
            payload,
            record=_record_of(documents.get(number)) if number else None,
            resolve=resolve,
            warnings=notes,
            normalize=normalize,
        )
        found = documents.get(reading.number) if reading.number else None
        if number is None and found is not None:
            notes = []  # an imported file: read again with its document's dates and link
            reading = read_rule(
                payload,
                record=_record_of(found),
                resolve=resolve,
                warnings=notes,
                normalize=normalize,
            )
        if reading.number is None:
            warnings.append(f"{payload.url}: no document number; not read again")
            continue
        if only is not None and reading.number != only:
            continue
        readings[reading.number] = reading
        notes_of[reading.number] = notes
    events: list[ChangeEvent] = []
    by_rule: dict[str | None, list[ChangeEvent]] = {}
    for event in earlier:
        by_rule.setdefault(event.related_key, []).append(event)
    for number, reading in readings.items():
        before = by_rule.get(fr_document_key(number), [])
        notes = notes_of[number]
        for event in reading.events:
            again = _as_first_resolved(event, before)
            if again is not event and event.entity is not None:
                # "not currently listed": because this very rule changed the listing
                gone = f"{event.entity.name!r}"
                notes = [n for n in notes if not (gone in n and "not currently listed" in n)]
            events.append(again)
        warnings += notes
        document = documents.get(number)
        if document is not None and not document.provisional:
            events.append(
                replace(document, data={**document.data, "extraction": reading.extraction})
            )
    return events, {n: r.extraction for n, r in readings.items()}


def _as_first_resolved(event: ChangeEvent, before: Sequence[ChangeEvent]) -> ChangeEvent:
    """``event`` (a revision or removal read again) with what its first reading took from the
    listing of the time, when exactly one earlier event of the rule is the same change to the
    same party."""
    if event.kind not in (EventKind.ENTITY_REVISED, EventKind.ENTITY_REMOVED) or not event.entity:
        return event
    name = event.entity.name
    same = [
        e
        for e in before
        if e.kind == event.kind
        and e.list_code == event.list_code
        and e.country == event.country
        and e.entity is not None
        and any(same_party_name(name, n) for n in (e.entity.name, *e.entity.aliases))
    ]
    if len(same) != 1:
        return event
    first = same[0]
    data = {**event.data, "entity_key": first.data.get("entity_key", event.data.get("entity_key"))}
    if event.kind == EventKind.ENTITY_REMOVED:
        return replace(event, key=first.key, entity=first.entity, title=first.title, data=data)
    # A revision's changes were measured against the listing before the rule; they stand
    # while the rule reads the same, else the store measures the corrected reading against
    # the earlier one.
    changes = first.changes if first.entity == event.entity else None
    return replace(event, key=first.key, changes=changes, data=data)
