"""The eCFR's codified Entity List and MEU List: Supplements No. 4 and No. 7 to 15 CFR part 744.

The Federal Register rule announces a change; the eCFR codifies it a few business days after its
effective date.  This source reads the codified text through the eCFR versioner API and reports
each change in it, so that :mod:`regwatch.reconcile` can tell when the views of a listing agree.

One poll:

1. ``titles.json``: the newest date the eCFR has processed for title 15 (``latest_issue_date``).
   The API has no ``current`` date; nothing later is asked for.
2. ``versions/title-15.json?part=744``: the dates on which each supplement changed
   (:mod:`._ecfr_versions`).
3. ``full/{date}/title-15.xml?part=744&appendix=Supplement No. 4 to Part 744``: the whole
   supplement at the date read last time and at each new date, oldest first; each version is
   read whole (:mod:`._ecfr_table`) and diffed against the one before it:
   ``entity.added`` / ``entity.revised`` / ``entity.removed`` with the list (``EL`` or ``MEU``),
   the version date and the entry's Federal Register citations.

The first read of a supplement is a baseline: one ``list.revised`` event with the number of
entries, no flood of additions.  A date the versions list names but the eCFR has not processed
yet answers 404: the poll stops before it and tries again next time.  The eCFR refuses requests
without ``Accept-Encoding`` or from a generic user agent with 406 Not Acceptable: that fails the
poll with a message saying so.

The parser is pure (:meth:`Ecfr.parse`): each version is diffed against the source's stored
memory of the supplement (:mod:`._snapshot`), or against the version before it in the same poll.
A date already read that the eCFR re-issues with new text (a correction) is read again and
diffed the same way.  The eCFR does not feed ``listed_entity`` (screening reads the rules and the
CSL); it is the view :mod:`regwatch.reconcile` compares them with.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qs, quote, urlsplit

from pydantic import Field, field_validator

from .._entity_names import LIST_TITLES, normalize_name, parse_citations
from ..alerts import CONFIRMS, Earlier, confirmed_event
from ..exceptions import FetchError, HTTPStatusError, InputError, ParseError
from ..keys import FR_PREFIX, is_fr_entity_key
from ..model import (
    ChangeEvent,
    Changes,
    Collection,
    EventKind,
    ListedChanges,
    Payload,
    Prior,
    PriorRequest,
    SnapshotEntry,
    SourceState,
    StoredEvent,
)
from . import register
from ._base import Source, SourceSettings
from ._ecfr_table import SUPPLEMENTS, Supplement, parse_supplement
from ._ecfr_versions import latest_issue_date, plan_reads, supplement_versions
from ._snapshot import ListRecord, diff_list, list_prior_request

if TYPE_CHECKING:
    from ..http import Expect, Fetcher

__all__ = ["Ecfr", "EcfrSettings", "RuleLinks", "confirm", "records_of", "rule_links"]

_SOURCE = "ecfr"
DEFAULT_BASE_URL = "https://www.ecfr.gov/api/versioner/v1"
#: user agents the eCFR is known to refuse, and that say nothing about who is asking
_GENERIC_AGENTS = re.compile(
    r"^(?:$|python-requests|python-urllib|python-httpx|curl/|wget/|mozilla/|java/|go-http)",
    re.IGNORECASE,
)


class EcfrSettings(SourceSettings):
    enabled: bool = Field(False, description="poll this source in `poll` and `run`")
    base_url: str = Field(DEFAULT_BASE_URL, description="the eCFR versioner API")
    lists: list[str] = Field(
        default_factory=lambda: ["EL", "MEU"],
        description="the supplements to read: `EL` (Supplement No. 4) and `MEU` (No. 7)",
    )
    max_versions: int = Field(
        10, ge=1, le=100, description="new versions read per poll, oldest first; the rest wait"
    )
    max_shrink: float = Field(
        0.2,
        ge=0,
        le=1,
        description="refuse a version that removes more than this share of a list (0.2 = 20%)",
    )

    @field_validator("lists")
    @classmethod
    def _check_lists(cls, value: list[str]) -> list[str]:
        codes = [v.strip().upper() for v in value]
        unknown = [c for c in codes if c not in SUPPLEMENTS]
        if unknown:
            raise ValueError(f"unknown list {', '.join(unknown)}; expected EL or MEU")
        return list(dict.fromkeys(codes))


# -- records and events (pure) ----------------------------------------------------------------


def records_of(supplement: Supplement, url: str | None = None) -> list[ListRecord]:
    """The entries of one version as list records (``ecfr:el:cn:…`` keys), for
    :func:`~regwatch.sources._snapshot.diff_list`."""
    out = []
    for key, entry in supplement.entries.items():
        details: dict[str, Any] = {
            "license_requirement": entry.license_requirement,
            "license_review_policy": entry.license_review_policy,
            "federal_register_citations": [str(c) for c in entry.citations],
            "country_heading": entry.country_heading,
            "see_also": list(entry.see_also),
        }
        out.append(
            ListRecord(
                key=f"{_SOURCE}:{key}",
                list_code=entry.list_code,
                name=entry.name,
                aliases=entry.aliases,
                addresses=entry.addresses,
                country=entry.country,
                details={k: v for k, v in details.items() if v not in (None, [], "")},
                url=url,
            )
        )
    return out


_VERBS = {
    EventKind.ENTITY_ADDED: "added to",
    EventKind.ENTITY_REVISED: "revised on",
    EventKind.ENTITY_REMOVED: "removed from",
}


def _shape(event: ChangeEvent, version: date, previous: date | None) -> ChangeEvent:
    """An event of :func:`diff_list` in the eCFR's words: the version date is its date, the
    entry's newest citation its citation."""
    stamp = {
        "supplement": SUPPLEMENTS.get(event.list_code or "", ""),
        "version_date": version.isoformat(),
        "previous_version_date": previous.isoformat() if previous else None,
    }
    list_title = LIST_TITLES.get(event.list_code or "", event.list_code or "")
    if event.kind == EventKind.LIST_REVISED:
        count = event.data.get("entries", 0)
        return dataclasses.replace(
            event,
            title=f"{list_title}: {count:,} entries in the eCFR of {version.isoformat()} "
            "recorded as the baseline",
            published_on=version,
            effective_on=version,
            data={**event.data, **stamp},
        )
    entity = event.entity
    cited = list((entity.details if entity else {}).get("federal_register_citations") or ())
    newest = max(parse_citations("; ".join(cited)), default=None)
    heading = (entity.details if entity else {}).get("country_heading") or event.country
    name = entity.name if entity else event.title
    policy = (entity.details if entity else {}).get("license_review_policy")
    return dataclasses.replace(
        event,
        title=f"{name}: {_VERBS[event.kind]} the {list_title} ({heading}) in the eCFR of "
        f"{version.isoformat()}",
        summary=f"License review policy: {policy}" if policy else None,
        published_on=version,
        effective_on=version,
        citation=str(newest) if newest else None,
        data={
            **event.data,
            **stamp,
            "entity_key": event.key.removeprefix(f"{_SOURCE}:"),
            "federal_register_citations": cited,
        },
    )


# -- one alert per listing ----------------------------------------------------------------------

Place = tuple[str, str, str]


@dataclass
class RuleLinks:
    """What the Federal Register source stored that a codified change may confirm: the rules'
    entity events by (list, country, normalized name), and the pages of every document."""

    events: dict[Place, list[tuple[Earlier, ChangeEvent]]] = field(default_factory=dict)
    #: ``(volume, first page, last page, document number)``
    pages: list[tuple[int, int, int, str]] = field(default_factory=list)

    def cited(self, citations: Sequence[str]) -> set[str]:
        """The documents regwatch read that ``citations`` (``91 FR 51005``) point into."""
        out = set()
        for citation in parse_citations("; ".join(citations)):
            for volume, first, last, number in self.pages:
                page = citation.page
                if page is not None and volume == citation.volume and first <= page <= last:
                    out.add(number)
        return out


def rule_links(heads: Mapping[str, StoredEvent], lists: Sequence[str]) -> RuleLinks:
    """The rules' entity events and documents among ``heads`` (the ``fr:`` keys)."""
    links = RuleLinks()
    for stored in sorted(heads.values(), key=lambda e: e.id):
        event = stored.event
        if is_fr_entity_key(event.key):
            if event.entity is None or event.list_code not in lists:
                continue
            place = (event.list_code or "", event.country or "-", normalize_name(event.entity.name))
            earlier = Earlier(event.key, str(event.kind), event.document_number)
            links.events.setdefault(place, []).append((earlier, event))
        elif event.kind in (EventKind.DOCUMENT_PUBLISHED, EventKind.DOCUMENT_CORRECTED):
            first, last = event.data.get("start_page"), event.data.get("end_page")
            volume = (event.citation or "").split(" FR ")[0]
            if isinstance(first, int) and volume.isdigit() and event.document_number:
                end = last if isinstance(last, int) else first
                links.pages.append((int(volume), first, end, event.document_number))
    return links


def confirm(event: ChangeEvent, links: RuleLinks) -> ChangeEvent:
    """``event`` marked as confirming the rule's event about the same listing, if it repeats
    one (:func:`regwatch.alerts.confirmed_event`): the rule's event was the alert; the codified
    change is its record."""
    if event.entity is None or event.kind == EventKind.LIST_REVISED:
        return event
    place = (event.list_code or "", event.country or "-", normalize_name(event.entity.name))
    candidates = links.events.get(place, [])
    if not candidates:
        return event
    cites = list(event.data.get("federal_register_citations") or ())
    found = confirmed_event(
        event.kind, [e for e, _ in candidates], links.cited(cites), cites_anything=bool(cites)
    )
    if found is None:
        return event
    rule = next(r for e, r in candidates if e.key == found.key)
    return dataclasses.replace(
        event,
        related_key=rule.related_key,
        document_number=rule.document_number,
        data={**event.data, CONFIRMS: found.key},
    )


# -- payload addressing -----------------------------------------------------------------------

_FULL_DATE = re.compile(r"/full/(\d{4}-\d{2}-\d{2})/")


def _version_of(payload: Payload) -> tuple[str, date]:
    """The list and version date a ``full`` payload holds, from its URL."""
    parts = urlsplit(payload.url)
    found = _FULL_DATE.search(parts.path)
    appendix = (parse_qs(parts.query).get("appendix") or [""])[0]
    code = next((c for c, name in SUPPLEMENTS.items() if name.lower() == appendix.lower()), None)
    if found is None or code is None:
        raise ParseError(
            f"{payload.url}: not a supplement version URL (expected /full/YYYY-MM-DD/… with "
            "appendix=Supplement No. N to Part 744)",
            url=payload.url,
        )
    return code, date.fromisoformat(found[1])


# -- the source -------------------------------------------------------------------------------


@register
class Ecfr(Source[EcfrSettings]):
    """Supplements No. 4 and No. 7 to 15 CFR part 744 as the eCFR codifies them."""

    name: ClassVar[str] = _SOURCE
    title: ClassVar[str] = "eCFR: the codified Entity List and MEU List (15 CFR 744 Supp. 4, 7)"
    Settings = EcfrSettings
    default_every = "6h"
    #: every version read is kept, as the provenance of its events
    keep_bodies = True

    def _url(self, path: str) -> str:
        return self.settings.base_url.rstrip("/") + path

    def full_url(self, version: date, list_code: str) -> str:
        appendix = quote(SUPPLEMENTS[list_code])
        return self._url(f"/full/{version.isoformat()}/title-15.xml?part=744&appendix={appendix}")

    # -- collecting ---------------------------------------------------------------------------

    def collect(self, fetcher: Fetcher, state: SourceState) -> Collection:
        collection = Collection()
        agent = fetcher.settings.user_agent
        if _GENERIC_AGENTS.match(agent.strip()):
            collection.warnings.append(
                f"http.user_agent {agent!r} is generic; the eCFR refuses such requests (406): "
                "name regwatch and a contact address"
            )
        titles = self._get(fetcher, self._url("/titles.json"), "titles", collection)
        latest = latest_issue_date(titles.json(), 15, where=titles.url)
        cursor: dict[str, Any] = {k: dict(v) for k, v in (state.cursor or {}).items()}
        since = [
            date.fromisoformat(c["issue_date"])
            for c in cursor.values()
            if isinstance(c, dict) and c.get("issue_date")
        ]
        params: list[tuple[str, str]] = [("part", "744")]
        if since and len(since) == len(self.settings.lists):
            params.append(("issue_date[gte]", min(since).isoformat()))
        else:
            params.append(("issue_date[lte]", latest.isoformat()))
        versions = self._get(
            fetcher, self._url("/versions/title-15.json"), "versions", collection, params=params
        )
        for code in self.settings.lists:
            self._collect_list(fetcher, code, versions, latest, cursor, collection)
        collection.cursor = cursor
        return collection

    def _get(
        self,
        fetcher: Fetcher,
        url: str,
        role: str,
        collection: Collection,
        *,
        params: list[tuple[str, str]] | None = None,
        expect: Expect = "json",
    ) -> Payload:
        try:
            payload = fetcher.get(url, params=params, expect=expect, role=role)
        except HTTPStatusError as exc:
            if exc.status == 406:
                raise FetchError(
                    f"{exc}: the eCFR refused the request as not acceptable.  It refuses "
                    "requests without Accept-Encoding or from a generic user agent; regwatch "
                    f"sent User-Agent {fetcher.settings.user_agent!r}.  Set http.user_agent "
                    "to name regwatch and a contact address",
                    url=exc.url,
                ) from exc
            raise
        collection.payloads.append(payload)
        return payload

    def _collect_list(
        self,
        fetcher: Fetcher,
        code: str,
        versions: Payload,
        latest: date,
        cursor: dict[str, Any],
        collection: Collection,
    ) -> None:
        name = SUPPLEMENTS[code]
        rows = supplement_versions(versions.json(), name, where=versions.url)
        saved = cursor.get(code) or {}
        read_date = date.fromisoformat(saved["date"]) if saved.get("date") else None
        read_issue = date.fromisoformat(saved["issue_date"]) if saved.get("issue_date") else None
        plan = plan_reads(
            rows,
            latest=latest,
            read_date=read_date,
            read_issue_date=read_issue,
            max_reads=self.settings.max_versions,
        )
        dates = list(plan.dates)
        for again in plan.reissued:
            if again == read_date and not dates:
                dates = [again]  # the version read last, corrected: read again, diff as usual
            else:
                collection.warnings.append(
                    f"the eCFR re-issued {name} of {again.isoformat()} with new text (a "
                    "correction) after later versions; the current version already includes "
                    "it, so it is not reported on its own"
                )
        if plan.deferred:
            collection.warnings.append(
                f"{name}: {plan.deferred} more new version(s) are read by the next poll"
            )
        read_now: date | None = None
        for version in dates:
            if not self._fetch_version(fetcher, version, code, collection):
                break
            read_now = version
        if read_now is None:
            if not dates and plan.seen_issue_date and read_date is not None:
                cursor[code] = {**saved, "issue_date": plan.seen_issue_date.isoformat()}
            return
        complete = read_now == dates[-1] and not plan.deferred
        issue = plan.seen_issue_date if complete else read_issue or plan.seen_issue_date
        cursor[code] = {
            "date": read_now.isoformat(),
            "issue_date": issue.isoformat() if issue else None,
        }

    def _fetch_version(
        self, fetcher: Fetcher, version: date, code: str, collection: Collection
    ) -> bool:
        url = self.full_url(version, code)
        try:
            self._get(fetcher, url, "version", collection, expect="xml")
        except HTTPStatusError as exc:
            if exc.status != 404:
                raise
            collection.warnings.append(
                f"the eCFR has not processed {SUPPLEMENTS[code]} of {version.isoformat()} yet "
                "(404); it is read by a later poll"
            )
            return False
        return True

    # -- parsing (pure) -----------------------------------------------------------------------

    def prior_request(self) -> PriorRequest:
        """The source's own memory of each supplement, which lists had a baseline, and the
        rules' entity events (to mark codified changes as confirming them)."""
        base = list_prior_request(self.name, ())
        return PriorRequest(entries=True, heads=(*base.heads, FR_PREFIX))

    def parse(self, collection: Collection, prior: Prior) -> Changes:
        """Each version read, oldest first, diffed against the one before it (the first against
        the stored memory of the supplement); the store keeps the last."""
        lists = self.settings.lists
        current: dict[str, list[ListRecord]] = {code: [] for code in lists}
        dates: dict[str, date | None] = {code: None for code in lists}
        for entry in prior.entries.values():
            if entry.list_code in current:
                current[entry.list_code].append(ListRecord.from_json(entry.data))
        for code, saved in (prior.state.cursor or {}).items():
            if code in dates and isinstance(saved, dict) and saved.get("date"):
                dates[code] = date.fromisoformat(saved["date"])
        step = prior
        events: list[tuple[int | None, ChangeEvent]] = []
        warnings: list[str] = []
        last_index: int | None = None
        for index, payload in enumerate(collection.payloads):
            if payload.role != "version" or payload.status == 304:
                continue
            code, version = _version_of(payload)
            if code not in current:
                continue
            supplement = parse_supplement(payload.body, code, where=payload.url)
            warnings += supplement.problems
            public = payload.url if payload.url.startswith("http") else None
            current[code] = records_of(supplement, public)
            changes = diff_list(
                self.name,
                step,
                [r for records in current.values() for r in records],
                lists=lists,
                titles=_TITLES,
                max_shrink=self.settings.max_shrink,
                payload_index=index,
                url=public,
            )
            events += [(i, _shape(e, version, dates[code])) for i, e in changes.events]
            dates[code] = version
            last_index = index
            step = dataclasses.replace(step, entries=_entries(current))
        if last_index is None:
            return Changes(warnings=warnings)
        final = diff_list(
            self.name,
            prior,
            [r for records in current.values() for r in records],
            lists=lists,
            titles=_TITLES,
            max_shrink=1.0,  # each version passed the guard on its own
            payload_index=last_index,
        )
        links = rule_links(prior.heads, lists)
        return Changes(
            events=[(i, confirm(e, links)) for i, e in events],
            entries=final.entries,
            # the eCFR is a view to reconcile against, not a list screening reads: the rules
            # and the CSL keep ``listed_entity``
            listed=ListedChanges(),
            warnings=warnings,
        )

    def read_file(self, path: str, body: bytes) -> Payload:
        """A saved supplement has no version date of its own (the API's URL carries it), and a
        version only means something against the one before it: refused, saying so."""
        raise InputError(
            f"{path}: the ecfr source cannot import saved files; it reads each version of the "
            "supplement, with its date, from the eCFR API (regwatch poll ecfr)"
        )

    def newest_item_on(self, events: list[ChangeEvent]) -> date | None:
        dates = [
            date.fromisoformat(str(e.data["version_date"]))
            for e in events
            if e.data.get("version_date")
        ]
        return max(dates) if dates else None


_TITLES = {code: LIST_TITLES.get(code, code) for code in SUPPLEMENTS}


def _entries(current: Mapping[str, list[ListRecord]]) -> dict[str, SnapshotEntry]:
    return {
        r.key: SnapshotEntry(r.key, r.list_code, r.fingerprint(), r.to_json())
        for records in current.values()
        for r in records
    }
