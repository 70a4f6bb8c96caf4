"""The US Federal Register (federalregister.gov API v1): rules, proposed rules and notices.

Collects ``documents.json`` for the configured agencies (BIS by default) from the saved cursor,
and optionally the public-inspection desk, and turns every document into one event keyed by its
normalized document number, so that a filing on public inspection, its publication and later
revisions are versions of one event, never two "new" ones.  Corrections (``C1-…`` numbers or
``correction_of``) become ``document.corrected`` events linked to the original.

The API's quirks handled here are listed in ``docs/sources/federal_register.md``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Literal
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator

from ..exceptions import PaginationError, ParseError
from ..keys import fr_document_key
from ..model import (
    ChangeEvent,
    Changes,
    Collection,
    EventKind,
    Payload,
    Prior,
    PriorRequest,
    SourceState,
)
from ..timeutil import utcnow
from . import register
from ._base import Source, SourceSettings
from ._fr_entities import (
    ENTITY_XML_ROLE,
    collect_entity_rules,
    is_entity_xml,
    reread_rules,
    rule_events,
    rule_events_in,
    rule_numbers,
)
from ._fr_records import readable_records
from ._listing import entity_listing_changes

if TYPE_CHECKING:
    from ..http import Fetcher

__all__ = ["FederalRegister", "FederalRegisterSettings", "normalize_document_number"]

#: the lists whose entries Federal Register rules amend (Supplements No. 4 and No. 7 to part 744)
ENTITY_RULE_LISTS = ("EL", "MEU")

#: the cursor key that keeps the reading of each rule in the walk window (``data["extraction"]``)
EXTRACTION_CURSOR = "entity_extraction"

#: the fields asked for explicitly: the API's defaults change, and an unknown field is a 400
FIELDS = (
    "abstract", "action", "agencies", "amendatory_instructions", "citation", "cfr_references",
    "correction_of", "corrections", "dates", "docket_ids", "document_number", "effective_on",
    "end_page", "full_text_xml_url", "html_url", "json_url", "pdf_url", "publication_date",
    "raw_text_url", "regulation_id_numbers", "related_documents", "significant", "start_page",
    "title", "topics", "type", "volume",
)  # fmt: skip

#: the Federal Register publishes on Washington time; "today" is today there
_FR_ZONE = ZoneInfo("America/New_York")
_MAX_PAGES = 200

_DASHES = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2212": "-", " ": ""})
_NUMBER = re.compile(r"^(?P<prefix>.*?)-(?P<serial>\d+)$")
#: a number already normalized (nearly every one the API gives): ASCII, upper case, no dash but
#: ``-``, a serial of five digits or of more without a leading zero
_NORMALIZED = re.compile(r"[A-Z0-9._-]*?-(?:[0-9]{5}|[1-9][0-9]{5,})")
_CORRECTION = re.compile(r"^C\d+-(?P<original>.+)$", re.IGNORECASE)
_NUMBER_IN_URL = re.compile(
    r"/documents/(?P<number>[A-Za-z0-9][A-Za-z0-9\-–—]*?)(?:\.json)?(?:[/?#]|$)"
)
_WITHDRAWAL = re.compile(r"\bwithdraw(?:al|n|ing)?\b", re.IGNORECASE)
_CFR_FILTER = re.compile(r"\s*(\d{1,2})\s*C\.?F\.?R\.?\s*(?:[Pp]arts?\s*)?(\d+(?:\s*-\s*\d+)?)\s*")


def normalize_document_number(raw: str) -> str:
    """Document numbers as one identity: dashes unified, the serial zero-padded to five digits.

    The API itself treats ``2012-07333`` and ``2012-7333`` as one document, and GPO XML before
    March 2024 writes en dashes (``2024–02801``).
    """
    if _NORMALIZED.fullmatch(raw):
        return raw
    text = raw.strip().translate(_DASHES)
    match = _NUMBER.match(text)
    if not match:
        return text
    return f"{match['prefix'].upper()}-{int(match['serial']):05d}"


def document_key(number: str) -> str:
    return fr_document_key(normalize_document_number(number))


class FederalRegisterSettings(SourceSettings):
    base_url: str = Field(
        "https://www.federalregister.gov/api/v1", description="API root; point it at a mirror"
    )
    agencies: list[str] = Field(
        default_factory=lambda: ["industry-and-security-bureau"],
        description="agency slugs, e.g. `industry-and-security-bureau`, "
        "`foreign-assets-control-office`; an unknown slug fails the poll (HTTP 400)",
    )
    document_types: list[Literal["RULE", "PRORULE", "NOTICE", "PRESDOCU"]] = Field(
        default_factory=list, description="`RULE`, `PRORULE`, `NOTICE`, `PRESDOCU` (default: all)"
    )
    terms: list[str] = Field(
        default_factory=list, description="full-text terms; a document matching any is kept"
    )
    cfr: str | None = Field(
        None, description='a CFR filter such as `"15 CFR 744"` or `"15 CFR 730-774"`'
    )
    backfill_days: int = Field(30, ge=0, description="how far back the first poll looks")
    overlap_days: int = Field(
        7, ge=0, description="days re-read before the saved cursor, to catch late changes"
    )
    slice_max: int = Field(
        2000,
        ge=1,
        le=9000,
        description="split a date range whose result count exceeds this (the API stops at 10,000)",
    )
    per_page: int = Field(1000, ge=2, le=1000, description="documents per API page")
    public_inspection: bool = Field(
        True, description="also read the public-inspection desk (documents before publication)"
    )
    xml_interval: float = Field(
        1.0,
        ge=0,
        description="seconds between two full-text XML requests (rules that amend the Entity "
        "List are read entry by entry; the Federal Register asks for at most one a second)",
    )

    @field_validator("cfr")
    @classmethod
    def _check_cfr(cls, value: str | None) -> str | None:
        if value is not None:
            parse_cfr_filter(value)
        return value


def parse_cfr_filter(text: str) -> tuple[int, str]:
    """``"15 CFR 744"`` → ``(15, "744")``; ``"15 CFR 730-774"`` → ``(15, "730-774")``."""
    match = _CFR_FILTER.fullmatch(text)
    if not match or not 1 <= int(match[1]) <= 50:
        raise ValueError(
            f'expected a CFR filter such as "15 CFR 744" or "15 CFR 730-774", got {text!r}'
        )
    return int(match[1]), match[2].replace(" ", "")


@register
class FederalRegister(Source[FederalRegisterSettings]):
    """Federal Register documents (API v1), BIS by default, with the public-inspection desk."""

    name: ClassVar[str] = "federal_register"
    title: ClassVar[str] = "US Federal Register: rules, proposed rules and notices"
    Settings = FederalRegisterSettings
    default_every = "1h"

    # -- collecting ---------------------------------------------------------------------------

    def collect(self, fetcher: Fetcher, state: SourceState) -> Collection:
        today = utcnow().astimezone(_FR_ZONE).date()
        last = state.cursor.get("last_publication_date")
        if last:
            since = date.fromisoformat(last) - timedelta(days=self.settings.overlap_days)
        else:
            since = today - timedelta(days=self.settings.backfill_days)
        collection = Collection()
        documents: list[dict[str, Any]] = []  # the readable records of every documents page
        self._walk_range(fetcher, since, today, collection, documents)
        if self.settings.public_inspection:
            self._walk(
                fetcher,
                self._url("public-inspection-documents.json"),
                self._pi_params(),
                "pi",
                collection,
                [],  # the filings are checked (and bad ones reported), not kept
            )
        dates = (_date(r.get("publication_date")) for r in documents)
        newest = max(filter(None, dates), default=None)
        cursor_date = max(
            filter(None, [newest, date.fromisoformat(last) if last else None]), default=None
        )
        if cursor_date is not None:
            collection.cursor = {"last_publication_date": cursor_date.isoformat()}
        collect_entity_rules(
            fetcher,
            state,
            collection,
            documents,
            interval=self.settings.xml_interval,
            normalize=normalize_document_number,
        )
        return collection

    def _url(self, path: str) -> str:
        return f"{self.settings.base_url.rstrip('/')}/{path}"

    def _common_params(self) -> list[tuple[str, str]]:
        params = [("conditions[agencies][]", slug) for slug in self.settings.agencies]
        params += [("conditions[type][]", t) for t in self.settings.document_types]
        if self.settings.terms:
            params.append(("conditions[term]", " | ".join(f'"{t}"' for t in self.settings.terms)))
        return params

    def _document_params(self, since: date, until: date) -> list[tuple[str, str]]:
        params = self._common_params()
        if self.settings.cfr:
            title, part = parse_cfr_filter(self.settings.cfr)
            params += [("conditions[cfr][title]", str(title)), ("conditions[cfr][part]", part)]
        params += [
            ("conditions[publication_date][gte]", since.isoformat()),
            ("conditions[publication_date][lte]", until.isoformat()),
            ("order", "oldest"),
            ("per_page", str(self.settings.per_page)),
        ]
        params += [("fields[]", f) for f in FIELDS]
        return params

    def _pi_params(self) -> list[tuple[str, str]]:
        return [*self._common_params(), ("per_page", str(self.settings.per_page))]

    def _walk_range(
        self,
        fetcher: Fetcher,
        since: date,
        until: date,
        collection: Collection,
        records: list[dict[str, Any]],
    ) -> None:
        """Walk one date range, halving it while it holds more than ``slice_max`` results;
        the readable records of its pages are added to ``records``."""
        first, readable = self._fetch(
            fetcher,
            self._url("documents.json"),
            self._document_params(since, until),
            "documents",
            collection,
        )
        count = _count(first)
        if count > self.settings.slice_max and since < until:
            middle = since + (until - since) // 2
            self._walk_range(fetcher, since, middle, collection, records)
            self._walk_range(fetcher, middle + timedelta(days=1), until, collection, records)
            return
        start = len(records)
        collection.payloads.append(first)
        records += readable
        self._follow(fetcher, first, "documents", collection, records)
        seen = {
            normalize_document_number(doc["document_number"])
            for doc in records[start:]
            if since.isoformat() <= str(doc.get("publication_date", "")) <= until.isoformat()
        }
        if len(seen) < count:
            collection.warnings.append(
                f"documents {since}..{until}: the API counted {count} but the walk returned "
                f"{len(seen)}; the index changed while paging, the next poll re-reads the range"
            )

    def _walk(
        self,
        fetcher: Fetcher,
        url: str,
        params: list[tuple[str, str]],
        role: str,
        collection: Collection,
        records: list[dict[str, Any]],
    ) -> None:
        first, readable = self._fetch(fetcher, url, params, role, collection)
        collection.payloads.append(first)
        records += readable
        self._follow(fetcher, first, role, collection, records)

    def _follow(
        self,
        fetcher: Fetcher,
        page: Payload,
        role: str,
        collection: Collection,
        records: list[dict[str, Any]],
    ) -> None:
        """Follow ``next_page_url`` exactly as given, refusing to visit a page twice; the
        readable records of the pages are added to ``records``."""
        seen = {_page_identity(page.url)}
        for _ in range(_MAX_PAGES):
            next_url = page.json().get("next_page_url")
            if not next_url:
                return
            identity = _page_identity(next_url)
            if identity in seen:
                raise PaginationError(
                    f"pagination cycle: {next_url} was already visited", url=next_url
                )
            seen.add(identity)
            page, readable = self._fetch(fetcher, next_url, None, role, collection)
            collection.payloads.append(page)
            records += readable
        raise PaginationError(f"more than {_MAX_PAGES} pages; narrow the query", url=page.url)

    def _fetch(
        self,
        fetcher: Fetcher,
        url: str,
        params: list[tuple[str, str]] | None,
        role: str,
        collection: Collection,
    ) -> tuple[Payload, list[dict[str, Any]]]:
        """One page, and its records regwatch can read (each record checked here, once)."""
        collection.requests += 1
        payload = fetcher.get(url, params=params, expect="json", role=role)
        body = payload.json()
        if not isinstance(body, dict):
            raise ParseError(
                f"{payload.url}: expected a JSON object, got {type(body).__name__}", url=payload.url
            )
        results = body.get("results")
        readable, problems = readable_records(results if isinstance(results, list) else [])
        for index, problem in problems:  # parse skips it; the rest of the page is stored
            collection.warnings.append(
                f"{payload.url.split('?')[0]}: result {index} skipped: {problem}"
            )
        return payload, readable

    # -- parsing ------------------------------------------------------------------------------

    def parse_payload(self, payload: Payload) -> list[ChangeEvent]:
        if is_entity_xml(payload):
            return rule_events(payload, normalize=normalize_document_number)
        return self._parse_page(payload)[0]

    def _parse_page(self, payload: Payload) -> tuple[list[ChangeEvent], list[dict[str, Any]]]:
        """An API response's events, and its records regwatch can read (each checked once)."""
        body = payload.json()
        if isinstance(body, dict) and "results" not in body and "document_number" in body:
            records: list[Any] = [body]
        elif isinstance(body, dict):
            # A zero-hit search has no "results" key at all.
            records = body.get("results") or []
        elif isinstance(body, list):
            records = body
        else:
            raise ParseError(f"{payload.url}: not a Federal Register API response", url=payload.url)
        if not isinstance(records, list):
            raise ParseError(f"{payload.url}: `results` is not a list", url=payload.url)
        readable, problems = readable_records(records)
        # In a poll, a bad record is skipped (collect reported it) and fails nothing.  A page
        # with no readable record at all is broken, and an imported file is all or nothing.
        if problems and (not readable or payload.role == "import"):
            index, problem = problems[0]
            raise ParseError(f"{payload.url}: result {index}: {problem}", url=payload.url)
        pi_page = payload.role == "pi"
        events = [
            public_inspection_event(record)
            if pi_page or "filing_type" in record or "filed_at" in record
            else document_event(record)
            for record in readable
        ]
        return events, readable

    def prior_request(self) -> PriorRequest:
        # A rule's revisions and removals name parties as they are listed now.
        return PriorRequest(lists=ENTITY_RULE_LISTS)

    def parse(self, collection: Collection, prior: Prior) -> Changes:
        # A rule's entity rows need the document's record and the parties currently listed.
        warnings: list[str] = []
        earlier = prior.state.cursor.get(EXTRACTION_CURSOR) or {}
        events, readings = rule_events_in(
            collection,
            prior.listed,
            self._parse_page,
            normalize_document_number,
            warnings,
            earlier,
        )
        listed = entity_listing_changes((e for _, e in events), prior.listed)
        return Changes(
            events=events,
            listed=listed,
            warnings=warnings,
            cursor=_with_readings(collection.cursor, {**earlier, **readings}),
        )

    # -- reading stored rules again (regwatch reprocess) -----------------------------------------

    #: the stored payloads :meth:`reparse` reads: the rules' full text, fetched or imported
    reparse_roles: ClassVar[tuple[str, ...]] = (ENTITY_XML_ROLE, "import")

    def reparse_keys(self, payloads: Sequence[Payload]) -> list[str]:
        """The document event keys :meth:`reparse` needs for ``payloads``."""
        return [fr_document_key(n) for n in rule_numbers(payloads, normalize_document_number)]

    def reparse(
        self,
        payloads: Sequence[Payload],
        prior: Prior,
        documents: Mapping[str, ChangeEvent],
        *,
        earlier: Sequence[ChangeEvent] = (),
        document: str | None = None,
    ) -> Changes:
        """Today's reading of stored rule payloads (pure): their entity events and their
        documents' marking; the store keeps only what differs from what it holds.

        :param documents: the stored document events, by key.
        :param earlier: the stored entity events of those documents (latest revisions).
        :param document: read only this document number.
        """
        warnings: list[str] = []
        xml = [p for p in payloads if is_entity_xml(p)]
        by_number = {e.document_number: e for e in documents.values() if e.document_number}
        events, readings = reread_rules(
            xml,
            by_number,
            prior.listed,
            normalize_document_number,
            warnings,
            earlier=earlier,
            only=normalize_document_number(document) if document else None,
        )
        listed = entity_listing_changes(events, prior.listed)
        cursor = prior.state.cursor
        kept = cursor.get(EXTRACTION_CURSOR) or {}
        updated = _with_readings(dict(cursor), {**kept, **readings}) if cursor else None
        return Changes(
            events=[(None, e) for e in events],
            listed=listed,
            warnings=warnings,
            cursor=updated if updated != cursor else None,
        )

    def read_file(self, path: str, body: bytes) -> Payload:
        ctype = "application/xml" if path.endswith(".xml") else "application/json"
        return Payload(url=f"file://{path}", body=body, content_type=ctype, role="import")


def _with_readings(
    cursor: dict[str, Any] | None, readings: Mapping[str, dict[str, Any]]
) -> dict[str, Any] | None:
    """The cursor with the reading of every rule still in the walk window: when the window
    brings a document back, its event keeps the marking its rule's reading gave it."""
    if cursor is None:
        return None
    window = cursor.get("entity_rules") or {}
    kept = {n: r for n, r in readings.items() if n in window}
    out = {k: v for k, v in cursor.items() if k != EXTRACTION_CURSOR}
    if kept:
        out[EXTRACTION_CURSOR] = kept
    return out


def _count(page: Payload) -> int:
    count = page.json().get("count", 0)
    return count if isinstance(count, int) else 0


def _page_identity(url: str) -> tuple[str, str]:
    """A page is the same page when its cursor (or page number) and path repeat."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    token = (query.get("search_after_cursor") or query.get("page") or [""])[0]
    return parts.path.removesuffix(".json"), token or parts.query


def _date(value: Any) -> date | None:
    if not value or not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _number_from_url(url: Any) -> str | None:
    if not isinstance(url, str):
        return None
    match = _NUMBER_IN_URL.search(url)
    return normalize_document_number(match["number"]) if match else None


def _agencies(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    # Old records carry agencies with only raw_name; keep whatever identifies them.
    out = []
    for agency in record.get("agencies") or []:
        if isinstance(agency, dict):
            out.append({k: agency[k] for k in ("slug", "name", "raw_name") if agency.get(k)})
    return out


def _cfr_references(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    refs = []
    for ref in record.get("cfr_references") or []:
        if isinstance(ref, dict) and (ref.get("title") is not None):
            refs.append({"title": ref.get("title"), "part": ref.get("part")})
    return refs


def _instructions(record: Mapping[str, Any]) -> list[str]:
    block = record.get("amendatory_instructions")
    if isinstance(block, dict):
        return [str(i) for i in block.get("instructions") or []]
    return []


def _related_numbers(record: Mapping[str, Any]) -> list[str]:
    numbers = []
    related = record.get("related_documents")
    if isinstance(related, dict):
        for docs in related.values():
            for doc in docs or []:
                if isinstance(doc, dict) and doc.get("document_number"):
                    numbers.append(normalize_document_number(doc["document_number"]))
    return sorted(set(numbers))


def document_event(record: Mapping[str, Any]) -> ChangeEvent:
    """One published document as an event.  Volatile fields (page views, comment counters,
    excerpts, the PI PDF cache-buster) are left out, so that they never make a revision."""
    number = normalize_document_number(str(record["document_number"]))
    kind = EventKind.DOCUMENT_PUBLISHED
    related: str | None = None
    correction = _CORRECTION.match(number)
    correction_of = _number_from_url(record.get("correction_of"))
    if correction or correction_of or record.get("type") == "Correction":
        kind = EventKind.DOCUMENT_CORRECTED
        original = correction_of or (
            normalize_document_number(correction["original"]) if correction else None
        )
        related = fr_document_key(original) if original else None
    elif _WITHDRAWAL.search(str(record.get("action") or "")):
        earlier = [n for n in _related_numbers(record) if n != number]
        if len(earlier) == 1:
            # Only a withdrawal that names exactly one earlier document is modelled as one;
            # keywords alone do not say *what* was withdrawn.
            kind, related = EventKind.DOCUMENT_WITHDRAWN, fr_document_key(earlier[0])
    data = {
        "status": "published",
        "type": record.get("type"),
        "action": record.get("action"),
        "dates": record.get("dates"),
        "agencies": _agencies(record),
        "cfr_references": _cfr_references(record),
        "amendatory_instructions": _instructions(record),
        "regulation_id_numbers": list(record.get("regulation_id_numbers") or []),
        "docket_ids": list(record.get("docket_ids") or []),
        "topics": list(record.get("topics") or []),
        "significant": record.get("significant"),
        "volume": record.get("volume"),
        "start_page": record.get("start_page"),
        "end_page": record.get("end_page"),
        "pdf_url": record.get("pdf_url"),
        "full_text_xml_url": record.get("full_text_xml_url"),
        "raw_text_url": record.get("raw_text_url"),
        "json_url": record.get("json_url"),
        "corrections": sorted(filter(None, map(_number_from_url, record.get("corrections") or []))),
        "related_documents": _related_numbers(record),
    }
    return ChangeEvent(
        source=FederalRegister.name,
        kind=kind,
        key=fr_document_key(number),
        title=" ".join(str(record.get("title") or number).split()),
        summary=record.get("abstract"),
        url=record.get("html_url"),
        published_on=_date(record.get("publication_date")),
        effective_on=_date(record.get("effective_on")),
        document_number=number,
        citation=record.get("citation"),
        related_key=related,
        data={k: v for k, v in data.items() if v not in (None, [], "")},
    )


def public_inspection_event(record: Mapping[str, Any]) -> ChangeEvent:
    """A filing on public inspection, under the identity of the document it will become.

    It is *provisional*: once the published document is stored, a later sight of the filing
    never replaces it.
    """
    number = normalize_document_number(str(record["document_number"]))
    pdf_url = record.get("pdf_url")
    data = {
        "status": "public_inspection",
        "type": record.get("type"),
        "filing_type": record.get("filing_type"),
        "filed_at": record.get("filed_at"),
        "scheduled_publication_date": record.get("publication_date"),
        "agencies": _agencies(record),
        "docket_numbers": list(record.get("docket_numbers") or []),
        "editorial_note": record.get("editorial_note"),
        "pdf_url": pdf_url.split("?")[0] if isinstance(pdf_url, str) else None,
        "num_pages": record.get("num_pages"),
    }
    correction = _CORRECTION.match(number)
    return ChangeEvent(
        source=FederalRegister.name,
        kind=EventKind.DOCUMENT_CORRECTED if correction else EventKind.DOCUMENT_PUBLISHED,
        key=fr_document_key(number),
        title=" ".join(str(record.get("title") or number).split()),
        summary=None,
        url=record.get("html_url"),
        published_on=None,
        document_number=number,
        related_key=fr_document_key(normalize_document_number(correction["original"]))
        if correction
        else None,
        data={k: v for k, v in data.items() if v not in (None, [], "")},
        provisional=True,
    )
