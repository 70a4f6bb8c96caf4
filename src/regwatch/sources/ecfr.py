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

The parser is pure: :meth:`Ecfr.events` reads only the payloads of the collection (the version
read last time is fetched again rather than loaded from the store).
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

from .._entity_names import LIST_TITLES, normalize_name
from ..events import ChangeEvent, Entity, EventKind, diff_fields
from ..exceptions import FetchError, HTTPStatusError, ParseError, SnapshotRefused
from . import register
from ._base import Collection, Payload, Source, SourceSettings, SourceState
from ._ecfr_table import SUPPLEMENTS, CodifiedEntry, Supplement, parse_supplement
from ._ecfr_versions import latest_issue_date, plan_reads, supplement_versions

if TYPE_CHECKING:
    from ..store import Store

__all__ = ["Ecfr", "EcfrSettings", "VersionDiff", "diff_versions", "version_events"]

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


# -- diffing (pure) ---------------------------------------------------------------------------


@dataclass
class VersionDiff:
    """What changed in one supplement between two versions."""

    list_code: str
    previous_date: date | None
    version_date: date
    added: list[tuple[str, CodifiedEntry]] = field(default_factory=list)
    revised: list[tuple[str, CodifiedEntry, CodifiedEntry]] = field(default_factory=list)
    removed: list[tuple[str, CodifiedEntry]] = field(default_factory=list)


def diff_versions(
    old: Supplement, new: Supplement, *, previous_date: date | None, version_date: date
) -> VersionDiff:
    """Entries added, revised (any compared field changed) and removed between two versions.

    Entries are matched by identity key (list, country, normalized name, tie-broken by the
    first citation), so a rewording of an address is a revision, not a removal and an addition.
    """
    diff = VersionDiff(new.list_code, previous_date, version_date)
    for key, entry in new.entries.items():
        before = old.entries.get(key)
        if before is None:
            diff.added.append((key, entry))
        elif before.compared() != entry.compared():
            diff.revised.append((key, before, entry))
    diff.removed = [(k, e) for k, e in old.entries.items() if k not in new.entries]
    return diff


def _verb(kind: EventKind) -> str:
    return {
        EventKind.ENTITY_ADDED: "added to",
        EventKind.ENTITY_REVISED: "revised on",
        EventKind.ENTITY_REMOVED: "removed from",
    }[kind]


def _entity(entry: CodifiedEntry) -> Entity:
    details: dict[str, Any] = {
        "license_requirement": entry.license_requirement,
        "license_review_policy": entry.license_review_policy,
        "federal_register_citations": [str(c) for c in entry.citations],
        "country_heading": entry.country_heading,
        "see_also": list(entry.see_also),
    }
    return Entity(
        name=entry.name,
        aliases=entry.aliases,
        addresses=entry.addresses,
        details={k: v for k, v in details.items() if v not in (None, [], "")},
    )


def _entry_event(
    kind: EventKind,
    key: str,
    entry: CodifiedEntry,
    diff: VersionDiff,
    url: str | None,
    before: CodifiedEntry | None = None,
) -> ChangeEvent:
    list_title = LIST_TITLES.get(entry.list_code, entry.list_code)
    newest = max((c for c in entry.citations if c.page is not None), default=None)
    changes = None
    if before is not None:
        changes = {
            f"entity.{name}": pair
            for name, pair in diff_fields(before.compared(), entry.compared()).items()
        }
    summary = "; ".join(
        f"{label}: {value}"
        for label, value in (
            ("License requirement", entry.license_requirement),
            ("License review policy", entry.license_review_policy),
        )
        if value
    )
    return ChangeEvent(
        source=_SOURCE,
        kind=kind,
        key=f"ecfr:{key}",
        title=f"{entry.name}: {_verb(kind)} the {list_title} ({entry.country_heading}) in the "
        f"eCFR of {diff.version_date.isoformat()}",
        summary=summary or None,
        url=url,
        published_on=diff.version_date,
        effective_on=diff.version_date,
        citation=str(newest) if newest else None,
        list_code=entry.list_code,
        country=entry.country,
        entity=_entity(entry),
        changes=changes or None,
        data={
            "entity_key": key,
            "supplement": SUPPLEMENTS[entry.list_code],
            "version_date": diff.version_date.isoformat(),
            "previous_version_date": diff.previous_date.isoformat() if diff.previous_date else None,
            "federal_register_citations": [str(c) for c in entry.citations],
            "table_row": entry.row,
        },
    )


def version_events(diff: VersionDiff, *, url: str | None = None) -> list[ChangeEvent]:
    """The events of one version diff, additions, revisions then removals."""
    out = [_entry_event(EventKind.ENTITY_ADDED, k, e, diff, url) for k, e in diff.added]
    out += [
        _entry_event(EventKind.ENTITY_REVISED, k, new, diff, url, before=old)
        for k, old, new in diff.revised
    ]
    out += [_entry_event(EventKind.ENTITY_REMOVED, k, e, diff, url) for k, e in diff.removed]
    return out


def baseline_event(supplement: Supplement, version_date: date, url: str | None) -> ChangeEvent:
    code = supplement.list_code
    count = len(supplement.entries)
    return ChangeEvent(
        source=_SOURCE,
        kind=EventKind.LIST_REVISED,
        key=f"ecfr:baseline:{code.lower()}",
        title=f"{LIST_TITLES.get(code, code)}: {count:,} entries in the eCFR of "
        f"{version_date.isoformat()} recorded as the baseline",
        summary="The first version read of this supplement: later versions are reported entry "
        "by entry.",
        url=url,
        published_on=version_date,
        effective_on=version_date,
        list_code=code,
        data={
            "entries": count,
            "supplement": SUPPLEMENTS[code],
            "version_date": version_date.isoformat(),
        },
    )


# -- one alert per listing ----------------------------------------------------------------------

#: the rule's actions a codified change confirms
_CONFIRMED_BY = {
    EventKind.ENTITY_ADDED: ("entity.added", "entity.revised"),
    EventKind.ENTITY_REVISED: ("entity.revised", "entity.added"),
    EventKind.ENTITY_REMOVED: ("entity.removed",),
}
RuleIndex = Mapping[tuple[str, str, str], list[tuple[str, str, str | None, str | None]]]


def _rule_entity_events(conn: Any, lists: Sequence[str]) -> RuleIndex:
    """The Federal Register rules' entity events (latest versions), by (list, country, name):
    ``(key, kind, related key, document number)``, oldest first."""
    from sqlalchemy import select

    from ..store._schema import EventHead, EventRow

    events = EventRow.__table__  # type: ignore[attr-defined]
    heads = EventHead.__table__  # type: ignore[attr-defined]
    rows = conn.execute(
        select(
            events.c.key,
            events.c.kind,
            events.c.related_key,
            events.c.document_number,
            events.c.list_code,
            events.c.country,
            events.c.entity,
        )
        .join(heads, heads.c.event_id == events.c.id)
        .where(
            events.c.source == "federal_register",
            events.c.kind.like("entity.%"),
            events.c.list_code.in_(list(lists)),
        )
        .order_by(events.c.id)
    )
    index: dict[tuple[str, str, str], list[tuple[str, str, str | None, str | None]]] = {}
    for row in rows:
        name = (row.entity or {}).get("name") or ""
        place = (row.list_code, row.country or "-", normalize_name(name))
        index.setdefault(place, []).append(
            (row.key, row.kind, row.related_key, row.document_number)
        )
    return index


def confirm(event: ChangeEvent, rules: RuleIndex) -> ChangeEvent:
    """``event`` marked as confirming the rule's event about the same listing, if there is one:
    the rule's event was the alert; the codified change is its record
    (:func:`regwatch.entities.confirms`)."""
    if event.entity is None or event.kind not in _CONFIRMED_BY:
        return event
    place = (event.list_code or "", event.country or "-", normalize_name(event.entity.name))
    wanted = _CONFIRMED_BY[event.kind]
    found = [r for r in rules.get(place, []) if r[1] in wanted]
    if not found:
        return event
    key, _, related, number = found[-1]
    return dataclasses.replace(
        event,
        related_key=related,
        document_number=number,
        data={**event.data, "confirms": key},
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
    #: every version read is kept: reconciliation reads the current codified list from it
    keep_bodies = True

    def _url(self, path: str) -> str:
        return self.settings.base_url.rstrip("/") + path

    def full_url(self, version: date, list_code: str) -> str:
        appendix = quote(SUPPLEMENTS[list_code])
        return self._url(f"/full/{version.isoformat()}/title-15.xml?part=744&appendix={appendix}")

    def collect(self, state: SourceState) -> Collection:
        collection = Collection()
        agent = self.fetcher.settings.user_agent
        if _GENERIC_AGENTS.match(agent.strip()):
            collection.warnings.append(
                f"http.user_agent {agent!r} is generic; the eCFR refuses such requests (406): "
                "name regwatch and a contact address"
            )
        titles = self._get(self._url("/titles.json"), "titles", collection)
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
            self._url("/versions/title-15.json"), "versions", collection, params=params
        )
        for code in self.settings.lists:
            self._collect_list(code, versions, latest, cursor, collection)
        collection.cursor = cursor
        return collection

    def _get(
        self,
        url: str,
        role: str,
        collection: Collection,
        *,
        params: list[tuple[str, str]] | None = None,
        expect: Any = "json",
    ) -> Payload:
        collection.requests += 1
        try:
            payload = self.fetcher.get(url, params=params, expect=expect, role=role)
        except HTTPStatusError as exc:
            if exc.status == 406:
                raise FetchError(
                    f"{exc}: the eCFR refused the request as not acceptable.  It refuses "
                    "requests without Accept-Encoding or from a generic user agent; regwatch "
                    f"sent User-Agent {self.fetcher.settings.user_agent!r}.  Set http.user_agent "
                    "to name regwatch and a contact address",
                    url=exc.url,
                ) from exc
            raise
        collection.payloads.append(payload)
        return payload

    def _collect_list(
        self,
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
        for again in plan.reissued:
            collection.warnings.append(
                f"the eCFR re-issued {name} of {again.isoformat()} with new text (a "
                "correction); regwatch compares new dates only, so check that version by hand"
            )
        if plan.deferred:
            collection.warnings.append(
                f"{name}: {plan.deferred} more new version(s) are read by the next poll"
            )
        if not plan.dates:
            if plan.seen_issue_date and read_date is not None:
                cursor[code] = {**saved, "issue_date": plan.seen_issue_date.isoformat()}
            return
        read_now: date | None = None
        if plan.previous is not None and not self._fetch_version(
            plan.previous, code, "previous", collection
        ):
            return
        role = "baseline" if plan.previous is None else "version"
        for version in plan.dates:
            if not self._fetch_version(version, code, role, collection):
                break
            read_now = version
        if read_now is None:
            return
        complete = read_now == plan.dates[-1] and not plan.deferred
        issue = plan.seen_issue_date if complete else read_issue or plan.seen_issue_date
        cursor[code] = {
            "date": read_now.isoformat(),
            "issue_date": issue.isoformat() if issue else None,
        }

    def _fetch_version(self, version: date, code: str, role: str, collection: Collection) -> bool:
        url = self.full_url(version, code)
        try:
            self._get(url, role, collection, expect="xml")
        except HTTPStatusError as exc:
            if exc.status != 404:
                raise
            collection.warnings.append(
                f"the eCFR has not processed {SUPPLEMENTS[code]} of {version.isoformat()} yet "
                "(404); it is read by a later poll"
            )
            return False
        return True

    # -- parsing ------------------------------------------------------------------------------

    def parse(self, payload: Payload) -> list[ChangeEvent]:
        """A version alone has no events: they come from diffing it against the version before
        it in the same collection (:meth:`events`)."""
        raise ParseError(
            "an eCFR version has no events of its own: they come from diffing it against the "
            "version before it (Ecfr.events)",
            url=payload.url,
        )

    def events(self, collection: Collection, store: Store) -> list[tuple[int | None, ChangeEvent]]:
        """Pure: the versions of each list in the collection, diffed in order."""
        out: list[tuple[int | None, ChangeEvent]] = []
        previous: dict[str, tuple[Supplement, date]] = {}
        for index, payload in enumerate(collection.payloads):
            if payload.role not in ("baseline", "previous", "version") or payload.status == 304:
                continue
            code, version = _version_of(payload)
            supplement = parse_supplement(payload.body, code, where=payload.url)
            if payload.role != "previous":  # read (and reported) by an earlier poll
                collection.warnings += supplement.problems
            public = payload.url if payload.url.startswith("http") else None
            if payload.role == "baseline":
                out.append((index, baseline_event(supplement, version, public)))
            elif payload.role == "version":
                if code not in previous:
                    raise ParseError(
                        f"{payload.url}: a version of {SUPPLEMENTS[code]} with no earlier "
                        "version to compare it with",
                        url=payload.url,
                    )
                before, before_date = previous[code]
                diff = diff_versions(
                    before, supplement, previous_date=before_date, version_date=version
                )
                self._check_shrink(before, diff, payload.url)
                out += [(index, e) for e in version_events(diff, url=public)]
            previous[code] = (supplement, version)
        if any(e.kind != EventKind.LIST_REVISED for _, e in out):
            with store.read() as conn:
                rules = _rule_entity_events(conn, self.settings.lists)
            out = [(i, confirm(e, rules)) for i, e in out]
        return out

    def _check_shrink(self, before: Supplement, diff: VersionDiff, url: str) -> None:
        count = len(before.entries)
        limit = self.settings.max_shrink
        if count and len(diff.removed) / count > limit:
            raise SnapshotRefused(
                f"eCFR version refused ({url}): {SUPPLEMENTS[diff.list_code]} would lose "
                f"{len(diff.removed)} of {count} entries, more than the {limit:.0%} allowed "
                "(max_shrink); nothing was stored.  If the change is real, raise max_shrink for "
                "one poll"
            )

    def newest_item_on(self, events: list[ChangeEvent]) -> date | None:
        dates = [
            date.fromisoformat(str(e.data["version_date"]))
            for e in events
            if e.data.get("version_date")
        ]
        return max(dates) if dates else None

    def store_state(self, conn: Any, events: Sequence[ChangeEvent]) -> None:
        """Nothing beyond the events and the kept bodies: the eCFR is a view to reconcile
        against, not a list screening reads (the rules and the CSL fill ``listed_entity``)."""
