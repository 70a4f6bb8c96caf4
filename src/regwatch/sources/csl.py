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
  state from it.
- **One alert per listing.** A Federal Register rule usually announces a change days before the
  CSL shows it.  A CSL event about a party that a rule's entity event already reported carries
  ``data["confirms"]`` (that event's key) and ``related_key`` (the rule's document), and the party
  keeps the key the rule gave it; see :func:`regwatch.entities.confirms`.  Every CSL event also
  links the Federal Register documents its citations resolve to (``data.federal_register``).
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field, field_validator
from sqlalchemy import Connection, func, select

from .._entity_names import LIST_CODES, LIST_TITLES, Citation, format_citation
from ..events import ChangeEvent, Entity, EventKind
from ..exceptions import ParseError, SnapshotRefused, UnexpectedContent
from ..store._csl_state import CslEntryRow, delete_entries, load_entries, write_entries
from ..store._listed import ListedEntry, event_ids, remove_listed, replace_list, upsert_listed
from ..store._schema import EventHead, EventRow, ListedEntity, PayloadRow
from ..timeutil import utcnow
from . import register
from ._base import Collection, Payload, Source, SourceSettings, SourceState
from ._csl_snapshot import (
    CslEntry,
    Snapshot,
    SnapshotDiff,
    changed_fields,
    diff_snapshot,
    entry_from_json,
)
from ._csl_snapshot import parse_snapshot as _parse_snapshot

if TYPE_CHECKING:
    from ..http import Expect, Fetcher
    from ..store import Store

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


@dataclass
class _Pending:
    """What :meth:`CSL.events` decided and :meth:`CSL.store_state` writes."""

    sha256: str
    entries: dict[str, CslEntry]
    diff: SnapshotDiff
    baseline_lists: list[str]
    dropped_lists: list[str]
    counts: dict[str, int] = field(default_factory=dict)


@register
class CSL(Source[CslSettings]):
    """The trade.gov Consolidated Screening List, diffed snapshot by snapshot."""

    name: ClassVar[str] = _SOURCE
    title: ClassVar[str] = "US Consolidated Screening List (Entity List, MEU, UVL, DPL, …)"
    Settings = CslSettings
    default_every = "6h"
    keep_bodies = True

    def __init__(self, settings: CslSettings, fetcher: Fetcher | None = None) -> None:
        super().__init__(settings, fetcher)
        self._pending: _Pending | None = None

    # -- collecting ---------------------------------------------------------------------------

    def collect(self, state: SourceState) -> Collection:
        url = self.settings.url
        expect: Expect = "any" if url.lower().split("?")[0].endswith((".csv", ".tsv")) else "json"
        payload = self.fetcher.get(
            url, expect=expect, validators=state.validators.get(url), role="snapshot"
        )
        collection = Collection(requests=1)
        validators = {
            k: v for k, v in (("etag", payload.etag), ("last_modified", payload.last_modified)) if v
        }
        if validators:
            collection.validators = {url: validators}
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

    def parse(self, payload: Payload) -> list[ChangeEvent]:
        """A snapshot alone has no events: they come from diffing it against the stored one
        (:meth:`events`, which ``poll`` and ``import`` both use)."""
        raise ParseError(
            "a CSL snapshot has no events of its own: they come from diffing it against the "
            "stored one (CSL.events)",
            url=payload.url,
        )

    def events(self, collection: Collection, store: Store) -> list[tuple[int | None, ChangeEvent]]:
        self._pending = None
        if not collection.payloads:
            return []
        payload = collection.payloads[-1]
        index = len(collection.payloads) - 1
        lists = self.settings.lists
        try:
            snapshot = parse_snapshot(payload.body, lists, url=payload.url)
        except ParseError as exc:
            raise SnapshotRefused(f"snapshot refused: {exc}") from exc
        collection.warnings += snapshot.warnings
        with store.read() as conn:
            stored = load_entries(conn)
            adoptable = _federal_register_rows(conn, lists)
            cursor_lists = _known_lists(conn) & (
                set(store.source_state(_SOURCE).cursor.get("lists") or ())
                | {d.get("list_code") for _, d in stored.values()}
            )
        previous = {
            key: entry_from_json(data)
            for key, (_, data) in stored.items()
            if data.get("list_code") in lists and data.get("list_code") in cursor_lists
        }
        dropped = sorted({d["list_code"] for _, d in stored.values()} - set(lists))
        baseline = [code for code in lists if code not in cursor_lists]
        diff = diff_snapshot(
            previous, snapshot.entries, baseline_lists=baseline, adoptable=adoptable
        )
        self._check_shrink(previous, snapshot, diff, payload.url)
        counts = {code: snapshot.counts.get(code, 0) for code in lists}
        self._pending = _Pending(
            sha256=payload.sha256,
            entries={k: e for k, e in (*diff.added, *diff.baseline)}
            | {k: new for k, _, new in diff.revised},
            diff=diff,
            baseline_lists=baseline,
            dropped_lists=dropped,
            counts=counts,
        )
        collection.cursor = {
            "sha256": payload.sha256,
            "lists": list(lists),
            "counts": counts,
            "format": snapshot.format,
            "records": snapshot.records,
        }
        with store.read() as conn:
            links = _Links.load(conn, diff)
        found = _baseline_events(diff, baseline, payload, snapshot.format)
        found += _diff_events(diff, payload, links)
        return [(index, e) for e in found]

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

    # -- storing ------------------------------------------------------------------------------

    def store_state(self, conn: Connection, events: Sequence[ChangeEvent]) -> None:
        """Write the snapshot's state: ``csl_entry`` and the ``listed_entity`` rows."""
        pending, self._pending = self._pending, None
        if pending is None:
            return
        now = utcnow()
        payloads = PayloadRow.__table__  # type: ignore[attr-defined]
        payload_id = conn.execute(
            select(func.max(payloads.c.id)).where(
                payloads.c.source == _SOURCE, payloads.c.sha256 == pending.sha256
            )
        ).scalar()
        diff = pending.diff
        ids = event_ids(conn, [e.key for e in events])
        if pending.dropped_lists:
            table = _csl_table()
            gone = [
                k
                for k, code in conn.execute(select(table.c.key, table.c.list_code))
                if code in pending.dropped_lists
            ]
            delete_entries(conn, gone)
            listed = _listed_table()
            remove_listed(
                conn,
                conn.execute(
                    select(listed.c.key).where(
                        listed.c.source == _SOURCE, listed.c.list_code.in_(pending.dropped_lists)
                    )
                ).scalars(),
            )
        by_list: dict[str, list[tuple[str, CslEntry]]] = defaultdict(list)
        for key, entry in diff.baseline:
            by_list[entry.list_code].append((key, entry))
        for code in pending.baseline_lists:
            event_id = ids.get(_baseline_key(code))
            replace_list(
                conn,
                _SOURCE,
                code,
                [_listed(k, e, event_id) for k, e in by_list[code]],
                now=now,
            )
        changed = [(k, e) for k, e in diff.added] + [(k, new) for k, _, new in diff.revised]
        upsert_listed(conn, [_listed(k, e, ids.get(k)) for k, e in changed], now=now)
        remove_listed(conn, [k for k, _ in diff.removed])
        delete_entries(conn, [k for k, _ in diff.removed])
        write_entries(
            conn,
            {k: (e.list_code, e.fingerprint(), e.to_json()) for k, e in pending.entries.items()},
            payload_id=payload_id,
            now=now,
        )

    def newest_item_on(self, events: list[ChangeEvent]) -> date | None:
        # The CSL is a state, not a feed: a successful poll is as fresh as it can be.
        return utcnow().date()

    def read_file(self, path: str, body: bytes) -> Payload:
        ctype = "application/json" if path.endswith(".json") else "text/csv"
        return Payload(url=f"file://{path}", body=body, content_type=ctype, role="snapshot")


def snapshot_entries(store: Store, payload_id: int, lists: Iterable[str] | None = None) -> Snapshot:
    """Rebuild the state of the watched lists from a stored snapshot (any past one).

    :raises LookupError: the payload does not exist or its body was not kept.
    """
    table = PayloadRow.__table__  # type: ignore[attr-defined]
    with store.read() as conn:
        row = conn.execute(
            select(table.c.body, table.c.url).where(table.c.id == payload_id)
        ).first()
    if row is None or row.body is None:
        raise LookupError(f"no stored snapshot body for payload {payload_id}")
    return parse_snapshot(zlib.decompress(row.body), lists or list(LIST_CODES), url=row.url)


# -- helpers ----------------------------------------------------------------------------------


def _csl_table() -> Any:
    return CslEntryRow.__table__  # type: ignore[attr-defined]


def _listed_table() -> Any:
    return ListedEntity.__table__  # type: ignore[attr-defined]


def _known_lists(conn: Connection) -> set[str]:
    """The lists that ever had a baseline.  A list counts as watched when it also has entries
    or was in the last poll's lists: an import leaves the cursor alone, and a list dropped
    from ``lists`` and added again starts over with a new baseline."""
    heads = EventHead.__table__  # type: ignore[attr-defined]
    prefix = _baseline_key("")
    keys = conn.execute(select(heads.c.key).where(heads.c.key.like(f"{prefix}%"))).scalars()
    return {key.removeprefix(prefix).upper() for key in keys}


def _federal_register_rows(
    conn: Connection, lists: Sequence[str]
) -> dict[str, list[tuple[str, str, tuple[str, ...], str | None]]]:
    """Parties that Federal Register rules listed (keys the CSL should adopt)."""
    table = _listed_table()
    rows = conn.execute(
        select(
            table.c.key, table.c.list_code, table.c.name, table.c.aliases, table.c.country
        ).where(table.c.source == "federal_register", table.c.list_code.in_(list(lists)))
    )
    out: dict[str, list[tuple[str, str, tuple[str, ...], str | None]]] = defaultdict(list)
    for r in rows:
        out[r.list_code].append((r.key, r.name, tuple(r.aliases or ()), r.country))
    return out


def _listed(key: str, entry: CslEntry, event_id: int | None) -> ListedEntry:
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
        event_id=event_id,
    )


def _baseline_key(code: str) -> str:
    return f"csl:baseline:{code.lower()}"


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
                key=_baseline_key(code),
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
    #: entity key → [(FR event key, kind, document number)], oldest first
    rule_events: dict[str, list[tuple[str, str, str | None]]] = field(default_factory=dict)

    @classmethod
    def load(cls, conn: Connection, diff: SnapshotDiff) -> _Links:
        links = cls()
        if not diff.changes():
            return links
        wanted = {
            c
            for _, e in (*diff.added, *((k, n) for k, _, n in diff.revised))
            for c in e.citations
            if c.page is not None
        }
        events = EventRow.__table__  # type: ignore[attr-defined]
        heads = EventHead.__table__  # type: ignore[attr-defined]
        for volume in sorted({c.volume for c in wanted}):
            rows = conn.execute(
                select(
                    events.c.key,
                    events.c.document_number,
                    events.c.citation,
                    events.c.published_on,
                    events.c.url,
                    events.c.data,
                )
                .join(heads, heads.c.event_id == events.c.id)
                .where(
                    events.c.source == "federal_register",
                    events.c.kind.in_(["document.published", "document.corrected"]),
                    events.c.citation.like(f"{volume} FR %"),
                )
            )
            for row in rows:
                data = row.data or {}
                start, end = data.get("start_page"), data.get("end_page")
                if not isinstance(start, int):
                    continue
                end = end if isinstance(end, int) else start
                ref = _DocRef(row.document_number, row.key, row.citation, row.published_on, row.url)
                for c in wanted:
                    if c.volume == volume and c.page is not None and start <= c.page <= end:
                        links.documents.setdefault(c, ref)
        rows = conn.execute(
            select(events.c.key, events.c.kind, events.c.document_number, events.c.data)
            .join(heads, heads.c.event_id == events.c.id)
            .where(events.c.source == "federal_register", events.c.key.like("fr:%#%"))
            .order_by(events.c.id)
        )
        for row in rows:
            entity_key = (row.data or {}).get("entity_key")
            if entity_key:
                links.rule_events.setdefault(entity_key, []).append(
                    (row.key, row.kind, row.document_number)
                )
        return links

    def confirmation(
        self, key: str, kind: EventKind, entry: CslEntry
    ) -> tuple[str, str | None] | None:
        """``(rule event key, document number)`` of the rule event this CSL change repeats."""
        kinds = {
            EventKind.ENTITY_ADDED: {"entity.added"},
            EventKind.ENTITY_REVISED: {"entity.revised", "entity.added"},
            EventKind.ENTITY_REMOVED: {"entity.removed"},
        }[kind]
        candidates = [c for c in self.rule_events.get(key, []) if c[1] in kinds]
        if not candidates:
            return None
        cited = {self.documents[c].number for c in entry.citations if c in self.documents}
        for event_key, _, number in reversed(candidates):
            if number in cited:
                return event_key, number
        if kind == EventKind.ENTITY_REMOVED or not entry.citations:
            return candidates[-1][0], candidates[-1][2]
        return None

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
    if confirmation and confirmation[1]:
        document = next(
            (d for d in links.documents.values() if d.number == confirmation[1]), document
        ) or _DocRef(confirmation[1], f"fr:{confirmation[1]}", None, None, None)
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
        data["confirms"] = confirmation[0]
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
