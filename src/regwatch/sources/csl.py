"""The US Consolidated Screening List (trade.gov): restricted parties, snapshot by snapshot.

The CSL has no deltas: each poll downloads the whole file (JSON by default, CSV supported),
conditionally (ETag / Last-Modified), keeps the watched lists (``EL``, ``MEU``, ``UVL``, ``DPL``
by default; any of the thirteen codes) and diffs it against the last accepted snapshot:
``entity.added``, ``entity.removed`` and ``entity.revised`` with field-level ``changes``.

- **Baseline.** A list's first snapshot emits no per-entity events (thousands of "added" would
  drown every digest): its entries go straight to ``listed_entity``, and one ``list.revised``
  event per list records the baseline and points at the snapshot.
- **Safety.** A snapshot that does not parse, is truncated, or would remove more than
  ``max_shrink`` of a list is refused (:class:`~regwatch.exceptions.SnapshotRefused`): the poll
  fails, the source's health says why, and nothing (no removal) is stored.  To accept a real
  mass change, raise ``max_shrink`` for one poll.
- **History.** The body of every accepted snapshot is kept (zlib-compressed, ``keep_bodies``);
  a byte-identical file is "not modified" and not stored again.  Every event points at its
  snapshot (``payload_id``, ``data.snapshot``), and :func:`snapshot_entries` rebuilds any past
  state from its body (``Store.payload_body``).
- **One alert per listing.** A Federal Register rule usually announces a change days before the
  CSL shows it.  A CSL event about a party that a rule's entity event already reported carries
  ``data["confirms"]`` (that event's key) and ``related_key`` (the rule's document), and the party
  keeps the key the rule gave it; see :mod:`regwatch.alerts`.  Every CSL event also
  links the Federal Register documents its citations resolve to (``data.federal_register``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field, field_validator

from .._entity_names import LIST_CODES, LIST_TITLES, Citation, format_citation
from ..alerts import CONFIRMS, Earlier, confirmed_event
from ..exceptions import ParseError, SnapshotRefused, UnexpectedContent
from ..keys import (
    CSL_BASELINE_PREFIX,
    FR_PREFIX,
    OFAC_PREFIX,
    csl_baseline_key,
    csl_baseline_list,
    fr_document_key,
    is_fr_entity_key,
    ofac_entry_number,
)
from ..model import (
    ChangeEvent,
    Changes,
    Collection,
    Entity,
    EventKind,
    ListedChanges,
    ListedEntry,
    Payload,
    Prior,
    PriorRequest,
    SnapshotChanges,
    SnapshotEntry,
    SourceState,
    StoredEvent,
)
from ..timeutil import utcnow
from . import register
from ._base import Source, SourceSettings
from ._csl_snapshot import (
    CslEntry,
    Snapshot,
    SnapshotDiff,
    changed_fields,
    diff_snapshot,
    entry_from_json,
)
from ._csl_snapshot import parse_snapshot as _parse_snapshot
from ._ofac_parse import OFAC_LISTS

if TYPE_CHECKING:
    from ..http import Expect, Fetcher

__all__ = ["CSL", "CslSettings", "parse_snapshot", "snapshot_entries"]

DEFAULT_URL = "https://data.trade.gov/downloadable_consolidated_screening_list/v1/consolidated.json"
_SOURCE = "csl"


class CslSettings(SourceSettings):
    # Off unless sources.yaml turns it on (the shipped one does): a configuration that names
    # only other sources keeps polling only those, and nobody downloads 34 MB by surprise.
    enabled: bool = Field(False, description="poll this source in `poll` and `run`")
    url: str = Field(
        DEFAULT_URL,
        description="the CSL file: `consolidated.json` (default) or `consolidated.csv`, "
        "or a mirror of either",
    )
    lists: list[str] = Field(
        default_factory=lambda: ["EL", "MEU", "UVL", "DPL"],
        description="the lists to watch, by code: " + ", ".join(f"`{c}`" for c in LIST_CODES),
    )
    max_shrink: float = Field(
        0.2,
        ge=0,
        le=1,
        description="refuse a snapshot that shrinks a list, or removes entries from it, by more "
        "than this share (0.2 = 20%)",
    )

    @field_validator("lists")
    @classmethod
    def _check_lists(cls, value: list[str]) -> list[str]:
        codes = [v.strip().upper() for v in value]
        unknown = [c for c in codes if c not in LIST_CODES]
        if unknown:
            raise ValueError(
                f"unknown list code(s) {', '.join(unknown)}; expected some of: "
                + ", ".join(LIST_CODES)
            )
        if not codes:
            raise ValueError("watch at least one list")
        return list(dict.fromkeys(codes))


def parse_snapshot(body: bytes, lists: Iterable[str], *, url: str = "") -> Snapshot:
    """Read a CSL file (JSON or CSV); see :mod:`regwatch.sources._csl_snapshot`."""
    return _parse_snapshot(body, lists, url=url)


@register
class CSL(Source[CslSettings]):
    """The trade.gov Consolidated Screening List, diffed snapshot by snapshot."""

    name: ClassVar[str] = _SOURCE
    title: ClassVar[str] = "US Consolidated Screening List (Entity List, MEU, UVL, DPL, …)"
    Settings = CslSettings
    default_every = "6h"
    keep_bodies = True

    # -- collecting ---------------------------------------------------------------------------

    def collect(self, fetcher: Fetcher, state: SourceState) -> Collection:
        url = self.settings.url
        expect: Expect = "any" if url.lower().split("?")[0].endswith((".csv", ".tsv")) else "json"
        payload = fetcher.get(
            url, expect=expect, validators=state.validators.get(url), role="snapshot"
        )
        collection = Collection(requests=1)
        if payload.validators:
            collection.validators = {url: payload.validators}
        if payload.status == 304 or payload.sha256 == state.cursor.get("sha256"):
            collection.not_modified = True
            return collection
        ctype = (payload.content_type or "").lower()
        if "html" in ctype or payload.body.lstrip()[:15].lower().startswith(
            (b"<!doctype", b"<html")
        ):
            raise UnexpectedContent(
                f"{payload.url}: expected the CSL file, got an HTML page", url=payload.url
            )
        collection.payloads.append(payload)
        return collection

    # -- parsing and diffing ------------------------------------------------------------------

    def prior_request(self) -> PriorRequest:
        # Its own last snapshot; the parties rules listed on the watched lists (keys to adopt);
        # which lists had a baseline; the rules' documents and entity events it links to.
        return PriorRequest(
            entries=True,
            lists=tuple(self.settings.lists),
            heads=(CSL_BASELINE_PREFIX, FR_PREFIX)
            + ((OFAC_PREFIX,) if set(self.settings.lists) & set(OFAC_LISTS) else ()),
        )

    def parse(self, collection: Collection, prior: Prior) -> Changes:
        """Diff the collection's snapshot against the last accepted one."""
        if not collection.payloads:
            return Changes()
        payload = collection.payloads[-1]
        index = len(collection.payloads) - 1
        lists = self.settings.lists
        try:
            snapshot = parse_snapshot(payload.body, lists, url=payload.url)
        except ParseError as exc:
            raise SnapshotRefused(f"snapshot refused: {exc}") from exc
        stored = prior.entries
        known = {code for key in prior.heads if (code := csl_baseline_list(key))}
        cursor_lists = known & (
            set(prior.state.cursor.get("lists") or ()) | {e.list_code for e in stored.values()}
        )
        previous = {
            key: entry_from_json(e.data)
            for key, e in stored.items()
            if e.list_code in lists and e.list_code in cursor_lists
        }
        dropped = sorted({e.list_code for e in stored.values()} - set(lists))
        baseline = [code for code in lists if code not in cursor_lists]
        diff = diff_snapshot(
            previous,
            snapshot.entries,
            baseline_lists=baseline,
            adoptable=_federal_register_rows(prior.listed.values(), lists),
        )
        self._check_shrink(previous, snapshot, diff, payload.url)
        counts = {code: snapshot.counts.get(code, 0) for code in lists}
        cursor = {
            "sha256": payload.sha256,
            "lists": list(lists),
            "counts": counts,
            "format": snapshot.format,
            "records": snapshot.records,
        }
        links = _Links.from_heads(prior.heads.values(), diff)
        found = _baseline_events(diff, baseline, payload, snapshot.format)
        found += _diff_events(diff, payload, links)
        return Changes(
            events=[(index, e) for e in found],
            entries=_entry_changes(diff, dropped, index),
            listed=_listed_changes(diff, baseline, dropped),
            cursor=cursor,
            warnings=list(snapshot.warnings),
        )

    def _check_shrink(
        self,
        previous: Mapping[str, CslEntry],
        snapshot: Snapshot,
        diff: SnapshotDiff,
        url: str,
    ) -> None:
        before: dict[str, int] = defaultdict(int)
        for entry in previous.values():
            before[entry.list_code] += 1
        removed: dict[str, int] = defaultdict(int)
        for _, entry in diff.removed:
            removed[entry.list_code] += 1
        limit = self.settings.max_shrink
        problems = []
        for code, count in sorted(before.items()):
            now = snapshot.counts.get(code, 0)
            if count and (count - now) / count > limit:
                problems.append(f"{code} shrinks from {count} to {now} entries")
            elif count and removed[code] / count > limit:
                problems.append(f"{code} would lose {removed[code]} of {count} entries")
        if problems:
            raise SnapshotRefused(
                f"snapshot refused ({url}): {'; '.join(problems)}, more than the "
                f"{limit:.0%} allowed (max_shrink); nothing was removed.  If the change is real, "
                "raise max_shrink for one poll"
            )

    def newest_item_on(self, events: list[ChangeEvent]) -> date | None:
        # The CSL is a state, not a feed: a successful poll is as fresh as it can be.
        return utcnow().date()

    def read_file(self, path: str, body: bytes) -> Payload:
        ctype = "application/json" if path.endswith(".json") else "text/csv"
        return Payload(url=f"file://{path}", body=body, content_type=ctype, role="snapshot")


def snapshot_entries(url: str, body: bytes, lists: Iterable[str] | None = None) -> Snapshot:
    """The state of the watched lists in a stored snapshot (any past one), from its body
    (:meth:`regwatch.store.Store.payload_body`)."""
    return parse_snapshot(body, lists or list(LIST_CODES), url=url)


# -- helpers ----------------------------------------------------------------------------------


def _federal_register_rows(
    listed: Iterable[ListedEntry], lists: Sequence[str]
) -> dict[str, list[tuple[str, str, tuple[str, ...], str | None]]]:
    """Parties that Federal Register rules listed (keys the CSL should adopt)."""
    out: dict[str, list[tuple[str, str, tuple[str, ...], str | None]]] = defaultdict(list)
    for e in sorted(listed, key=lambda e: e.key):
        if e.source == "federal_register" and e.list_code in lists:
            out[e.list_code].append((e.key, e.name, tuple(e.aliases), e.country))
    return out


def _entry_changes(diff: SnapshotDiff, dropped: list[str], index: int) -> SnapshotChanges:
    """The source's memory after this snapshot: what it added, revised and removed."""
    kept = {k: e for k, e in (*diff.added, *diff.baseline)} | {k: n for k, _, n in diff.revised}
    return SnapshotChanges(
        upsert={
            k: SnapshotEntry(k, e.list_code, e.fingerprint(), e.to_json()) for k, e in kept.items()
        },
        remove=[k for k, _ in diff.removed],
        drop_lists=dropped,
        payload_index=index,
    )


def _listed_changes(diff: SnapshotDiff, baseline: list[str], dropped: list[str]) -> ListedChanges:
    by_list: dict[str, list[tuple[str, CslEntry]]] = defaultdict(list)
    for key, entry in diff.baseline:
        by_list[entry.list_code].append((key, entry))
    changed = [(k, e) for k, e in diff.added] + [(k, new) for k, _, new in diff.revised]
    return ListedChanges(
        replace={
            code: [_listed(k, e, csl_baseline_key(code)) for k, e in by_list[code]]
            for code in baseline
        },
        drop_lists=dropped,
        upsert=[_listed(k, e, k) for k, e in changed],
        remove=[k for k, _ in diff.removed],
    )


def _listed(key: str, entry: CslEntry, event_key: str) -> ListedEntry:
    start = entry.start_date
    try:
        listed_on = date.fromisoformat(start[:10]) if start else None
    except ValueError:
        listed_on = None
    return ListedEntry(
        key=key,
        list_code=entry.list_code,
        name=entry.name,
        aliases=entry.aliases,
        addresses=entry.addresses,
        country=entry.country,
        details=entry.details(),
        listed_on=listed_on,
        source=_SOURCE,
        event_key=event_key,
    )


def _baseline_events(
    diff: SnapshotDiff, lists: Sequence[str], payload: Payload, fmt: str
) -> list[ChangeEvent]:
    events = []
    for code in lists:
        count = sum(1 for _, e in diff.baseline if e.list_code == code)
        title = LIST_TITLES.get(code, code)
        events.append(
            ChangeEvent(
                source=_SOURCE,
                kind=EventKind.LIST_REVISED,
                key=csl_baseline_key(code),
                title=f"{title}: {count:,} current entries recorded as the baseline "
                "(Consolidated Screening List)",
                summary="The first snapshot of this list: its entries are screened from now on; "
                "changes in later snapshots are reported entry by entry.",
                url=payload.url if payload.url.startswith("http") else None,
                list_code=code,
                data={"entries": count, "snapshot": payload.sha256, "format": fmt},
            )
        )
    return events


@dataclass(frozen=True)
class _DocRef:
    number: str
    key: str
    citation: str | None
    published_on: date | None
    url: str | None


@dataclass
class _Links:
    """What the store knows that a CSL event should point at: the Federal Register documents
    its citations resolve to, and the rule's own entity events about the same party."""

    documents: dict[Citation, _DocRef] = field(default_factory=dict)
    #: entity key → the rule's events about it, oldest first
    rule_events: dict[str, list[Earlier]] = field(default_factory=dict)
    #: (list code, OFAC entry number) → the ``ofac`` source's latest event about the entry
    ofac_events: dict[tuple[str, str], Earlier] = field(default_factory=dict)

    @classmethod
    def from_heads(cls, heads: Iterable[StoredEvent], diff: SnapshotDiff) -> _Links:
        links = cls()
        if not diff.changes():
            return links
        wanted = {
            c
            for _, e in (*diff.added, *((k, n) for k, _, n in diff.revised))
            for c in e.citations
            if c.page is not None
        }
        volumes = {c.volume for c in wanted}
        for stored in sorted(heads, key=lambda s: s.id):
            event = stored.event
            if event.source == "ofac" and event.list_code and event.key.startswith(OFAC_PREFIX):
                uid = ofac_entry_number(event.key)
                links.ofac_events[(event.list_code, uid)] = Earlier(
                    event.key, str(event.kind), None
                )
                continue
            if event.source != "federal_register":
                continue
            if is_fr_entity_key(event.key):
                entity_key = event.data.get("entity_key")
                if entity_key:
                    links.rule_events.setdefault(entity_key, []).append(
                        Earlier(event.key, str(event.kind), event.document_number)
                    )
                continue
            if event.kind not in (EventKind.DOCUMENT_PUBLISHED, EventKind.DOCUMENT_CORRECTED):
                continue
            volume = _volume(event.citation)
            start, end = event.data.get("start_page"), event.data.get("end_page")
            if volume not in volumes or not isinstance(start, int):
                continue
            end = end if isinstance(end, int) else start
            ref = _DocRef(
                event.document_number or "",
                event.key,
                event.citation,
                event.published_on,
                event.url,
            )
            for c in sorted(wanted):
                if c.volume == volume and c.page is not None and start <= c.page <= end:
                    links.documents.setdefault(c, ref)
        return links

    def confirmation(self, key: str, kind: EventKind, entry: CslEntry) -> Earlier | None:
        """The event this CSL change repeats (:func:`regwatch.alerts.confirmed_event`): a rule's
        event about the party, or, on an OFAC list, the ``ofac`` source's event about the same
        entry (the CSL's OFAC rows carry OFAC's entry number as their id)."""
        cited = {self.documents[c].number for c in entry.citations if c in self.documents}
        found = confirmed_event(
            kind, self.rule_events.get(key, []), cited, cites_anything=bool(entry.citations)
        )
        ofac = self.ofac_events.get((entry.list_code, entry.csl_id or ""))
        if found is None and ofac is not None:
            found = confirmed_event(kind, [ofac], set(), cites_anything=False)
        return found

    def newest_document(self, entry: CslEntry) -> _DocRef | None:
        found = [self.documents[c] for c in sorted(entry.citations) if c in self.documents]
        return found[-1] if found else None


def _diff_events(diff: SnapshotDiff, payload: Payload, links: _Links) -> list[ChangeEvent]:
    out = []
    for key, entry in diff.added:
        out.append(_event(EventKind.ENTITY_ADDED, key, entry, payload, links))
    for key, old, new in diff.revised:
        out.append(_event(EventKind.ENTITY_REVISED, key, new, payload, links, old=old))
    for key, entry in diff.removed:
        out.append(_event(EventKind.ENTITY_REMOVED, key, entry, payload, links))
    return out


_VERBS = {
    EventKind.ENTITY_ADDED: "added to",
    EventKind.ENTITY_REVISED: "entry revised on",
    EventKind.ENTITY_REMOVED: "removed from",
}


def _event(
    kind: EventKind,
    key: str,
    entry: CslEntry,
    payload: Payload,
    links: _Links,
    *,
    old: CslEntry | None = None,
) -> ChangeEvent:
    confirmation = links.confirmation(key, kind, entry)
    document = links.newest_document(entry) if kind != EventKind.ENTITY_REMOVED else None
    if confirmation and confirmation.document:
        number = confirmation.document
        document = next(
            (d for d in links.documents.values() if d.number == number), document
        ) or _DocRef(number, fr_document_key(number), None, None, None)
    related = document.key if document else None
    newest = max((c for c in entry.citations if c.page is not None), default=None)
    place = f" ({entry.country})" if entry.country else ""
    list_title = LIST_TITLES.get(entry.list_code, entry.list_code)
    details = entry.details()
    summary_parts = [
        f"{label}: {details[name]}"
        for name, label in (
            ("license_requirement", "License requirement"),
            ("license_review_policy", "License review policy"),
        )
        if details.get(name)
    ]
    data: dict[str, Any] = {
        "entity_key": key,
        "csl_id": entry.csl_id,
        "snapshot": payload.sha256,
        "source_list_url": entry.source_list_url,
        "federal_register": [
            {
                "citation": format_citation(c),
                "document_number": links.documents[c].number if c in links.documents else None,
            }
            for c in entry.citations
        ],
    }
    if confirmation:
        data[CONFIRMS] = confirmation.key
    return ChangeEvent(
        source=_SOURCE,
        kind=kind,
        key=key,
        title=f"{entry.name}: {_VERBS[kind]} the {list_title}{place}",
        summary="; ".join(summary_parts) or None,
        url=document.url if document and document.url else entry.source_list_url,
        published_on=document.published_on if document else None,
        effective_on=_date(entry.start_date) if kind == EventKind.ENTITY_ADDED else None,
        document_number=document.number if document else None,
        citation=(document.citation if document and document.citation else None)
        or (format_citation(newest) if newest else None),
        list_code=entry.list_code,
        country=entry.country,
        entity=Entity(
            name=entry.name, aliases=entry.aliases, addresses=entry.addresses, details=details
        ),
        changes=changed_fields(old, entry) if old is not None else None,
        related_key=related,
        data={k: v for k, v in data.items() if v not in (None, [], "")},
    )


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _volume(citation: str | None) -> int | None:
    """The volume of an ``89 FR 12345`` citation."""
    head, _, rest = (citation or "").partition(" FR ")
    return int(head) if rest and head.strip().isdigit() else None
