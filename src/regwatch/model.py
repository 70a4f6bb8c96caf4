"""The plain types at the bottom of regwatch: change events, payloads, source state, listings.

This module imports nothing of regwatch but :mod:`regwatch.exceptions`, and no SQLAlchemy:
``http``, ``store`` and ``sources`` build on it, it builds on none of them.

Change events are the one currency of regwatch.  Every source turns what it fetched into
:class:`ChangeEvent` values; the store keeps them, the differ matches them, digests render
them.  An event has an *identity* (:attr:`ChangeEvent.key`) and a *content hash*
(:func:`content_hash`) over the fields that matter.  Together they decide, when an event is
stored, whether it is new, a revision of an earlier event with the same key, or nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from functools import cached_property
from typing import Any

from .exceptions import ParseError

__all__ = [
    "ChangeEvent",
    "Changes",
    "Collection",
    "Entity",
    "EventKind",
    "ListedChanges",
    "ListedEntry",
    "Payload",
    "Prior",
    "PriorRequest",
    "SnapshotChanges",
    "SnapshotEntry",
    "SourceState",
    "StoredEvent",
    "canonical_json",
    "content_hash",
    "diff_fields",
]


class EventKind(StrEnum):
    """What happened.  The string values are the ``kind`` field of the event JSON."""

    #: A Federal Register document (rule, proposed rule, notice) or a public-inspection filing.
    DOCUMENT_PUBLISHED = "document.published"
    #: An editorial correction (``C1-…`` number or ``correction_of``) of an earlier document.
    DOCUMENT_CORRECTED = "document.corrected"
    #: A later document withdrew an earlier one.
    DOCUMENT_WITHDRAWN = "document.withdrawn"
    #: A party was added to a restricted-party list.
    ENTITY_ADDED = "entity.added"
    #: A listed party's entry changed; ``changes`` maps each field to ``[old, new]``.
    ENTITY_REVISED = "entity.revised"
    #: A party was removed from a list.
    ENTITY_REMOVED = "entity.removed"
    #: A news release (METI and other ministries).
    RELEASE_PUBLISHED = "release.published"
    #: A whole-list revision, such as a new edition of METI's End User List.
    LIST_REVISED = "list.revised"
    #: A view of a listing (the eCFR, the CSL) does not yet show what a rule says.
    LISTING_LAGGING = "listing.lagging"
    #: A view shows a listing or a change that no rule regwatch read announces.
    LISTING_UNANNOUNCED = "listing.unannounced"
    #: A rule removed a party that a view still lists.
    LISTING_STALE_REMOVAL = "listing.stale_removal"
    #: Two views of a listing disagree on a field (the license review policy).
    LISTING_DISAGREEMENT = "listing.disagreement"
    #: A reconciliation finding no longer holds: the views agree.
    LISTING_RESOLVED = "listing.resolved"


@dataclass(frozen=True, slots=True)
class Entity:
    """A party on a restricted-party list, as one source states it.

    ``details`` carries the list-specific fields (``license_requirement``,
    ``license_review_policy``, ``federal_register_citations``, ``type_of_concern``, …); they are
    flattened into the ``entity`` object of the event JSON.
    """

    name: str
    aliases: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "aliases": list(self.aliases),
            "addresses": list(self.addresses),
        }
        for k, v in self.details.items():
            out.setdefault(k, _jsonable(v))
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Entity:
        details = {k: v for k, v in data.items() if k not in ("name", "aliases", "addresses")}
        return cls(
            name=data["name"],
            aliases=tuple(data.get("aliases") or ()),
            addresses=tuple(data.get("addresses") or ()),
            details=details,
        )


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    """One change, as a parser states it: pure data, no storage identity yet.

    :param key: stable identity across polls, e.g. ``fr:2023-02130`` or
        ``el:cn:huawei technologies co ltd``.  Two events with the same key are versions of one
        thing; the store keeps every version as a revision.
    :param related_key: the key of the event this one belongs to or refers to: the Federal
        Register document an entity event came from, or the original of a correction.
    :param data: source-specific fields worth keeping and hashing (agencies, document type, CFR
        references, …).  Volatile values such as page views must never be put here.
    :param provisional: the store keeps a provisional event only while no final version of the
        same key exists; a final version replaces it as a revision, never as a second new event.
    """

    source: str
    kind: EventKind
    key: str
    title: str
    summary: str | None = None
    url: str | None = None
    published_on: date | None = None
    effective_on: date | None = None
    document_number: str | None = None
    citation: str | None = None
    list_code: str | None = None
    country: str | None = None
    entity: Entity | None = None
    changes: Mapping[str, Sequence[Any]] | None = None
    related_key: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    #: a preliminary version (a filing on public inspection) that never replaces a final one
    provisional: bool = False

    def hashed_fields(self) -> dict[str, Any]:
        """The fields that make up the content hash: everything a reader would call "the content".

        ``source`` and ``key`` are identity, not content; ``changes`` is derived by the store.
        """
        return {
            "kind": str(self.kind),
            "title": self.title,
            "summary": self.summary,
            "url": self.url,
            "published_on": self.published_on,
            "effective_on": self.effective_on,
            "document_number": self.document_number,
            "citation": self.citation,
            "list": self.list_code,
            "country": self.country,
            "entity": self.entity.to_json() if self.entity else None,
            "related_key": self.related_key,
            "data": self.data,
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Entity):
        return value.to_json()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_jsonable(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, StrEnum):
        return str(value)
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Entity):
        return value.to_json()
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def canonical_json(value: Any) -> str:
    """Deterministic JSON (sorted keys, no whitespace, dates as ISO strings)."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default
    )


def content_hash(event: ChangeEvent) -> str:
    """SHA-256 (hex) over the event's :meth:`~ChangeEvent.hashed_fields`."""
    return hashlib.sha256(canonical_json(event.hashed_fields()).encode()).hexdigest()


def diff_fields(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Field-level changes between two JSON-like mappings, as ``{field: [old, new]}``.

    Nested mappings (``entity``, ``data``) are compared one level down and reported with dotted
    names (``entity.addresses``), which is what a reader of a digest wants to see.
    """
    changes: dict[str, list[Any]] = {}
    for name in sorted(set(old) | set(new)):
        a, b = _jsonable(old.get(name)), _jsonable(new.get(name))
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            for sub, pair in diff_fields(a, b).items():
                changes[f"{name}.{sub}"] = pair
        else:
            changes[name] = [a, b]
    return changes


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """A :class:`ChangeEvent` as the store keeps it: with its id, revision and provenance."""

    id: int
    event: ChangeEvent
    content_hash: str
    revision: int
    previous_id: int | None
    detected_at: datetime
    payload_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The event as ``regwatch events --format json`` prints it (with ``revision``,
        ``previous_id``, ``related_key``, …)."""
        e = self.event
        return {
            "id": self.id,
            "source": e.source,
            "kind": str(e.kind),
            "key": e.key,
            "title": e.title,
            "summary": e.summary,
            "url": e.url,
            "published_on": _jsonable(e.published_on),
            "effective_on": _jsonable(e.effective_on),
            "document_number": e.document_number,
            "citation": e.citation,
            "list": e.list_code,
            "country": e.country,
            "entity": e.entity.to_json() if e.entity else None,
            "changes": _jsonable(e.changes) if e.changes else None,
            "detected_at": _utc_z(self.detected_at),
            "revision": self.revision,
            "previous_id": self.previous_id,
            "related_key": e.related_key,
            "payload_id": self.payload_id,
            "content_hash": self.content_hash,
            "data": _jsonable(e.data),
        }


def _utc_z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# -- what sources fetch and remember ---------------------------------------------------------


@dataclass(frozen=True)
class Payload:
    """Bytes as a collector fetched them (or as ``regwatch import`` read them from a file).

    Every event keeps a reference to the payload it came from: its URL, fetch time and SHA-256
    are the event's provenance.
    """

    url: str
    body: bytes
    content_type: str | None = None
    fetched_at: datetime | None = None
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    #: a short word for what this payload is within its source, e.g. ``documents`` or ``pi``
    role: str = ""

    @property
    def validators(self) -> dict[str, str]:
        """The validators to send with the next request for the same URL (``etag``,
        ``last_modified``), so that an unchanged answer comes back as a ``304``."""
        return {k: v for k, v in (("etag", self.etag), ("last_modified", self.last_modified)) if v}

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()

    @cached_property
    def charset(self) -> str | None:
        ctype = self.content_type or ""
        for part in ctype.split(";")[1:]:
            name, _, value = part.strip().partition("=")
            if name.lower() == "charset" and value:
                return value.strip().strip('"')
        return None

    def json(self) -> Any:
        """The body decoded as JSON, once; truncated or invalid JSON is a :class:`ParseError`."""
        return self._json

    @cached_property
    def _json(self) -> Any:
        try:
            return json.loads(self.body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ParseError(
                f"{self.url}: invalid JSON ({len(self.body)} bytes): {exc}", url=self.url
            ) from exc
        except RecursionError:
            raise ParseError(
                f"{self.url}: JSON nested too deeply to be a real payload ({len(self.body)} bytes)",
                url=self.url,
            ) from None


@dataclass(frozen=True)
class SourceState:
    """What a collector may know about its own past: the saved cursor and HTTP validators."""

    cursor: Mapping[str, Any] = field(default_factory=dict)
    validators: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    last_success_at: datetime | None = None
    newest_item_on: date | None = None


@dataclass
class Collection:
    """What one collection pass brought back (or an import read), before anything is parsed."""

    payloads: list[Payload] = field(default_factory=list)
    #: the cursor to save once the batch is stored; ``None`` leaves the saved one as it is
    cursor: dict[str, Any] | None = None
    #: HTTP validators (``etag``, ``last_modified``) to save, per URL
    validators: dict[str, dict[str, str]] = field(default_factory=dict)
    #: every request was answered "304 Not Modified"
    not_modified: bool = False
    #: things worth telling the operator that are not failures
    warnings: list[str] = field(default_factory=list)
    #: how many HTTP requests the pass made
    requests: int = 0
    #: the values of an importer's declared options (``regwatch import --edition …``)
    options: Mapping[str, Any] = field(default_factory=dict)
    #: from ``regwatch import``: the source's cursor and health are left alone
    imported: bool = False


# -- what lists hold --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListedEntry:
    """One party on one list, as regwatch currently holds it (a ``listed_entity`` row)."""

    key: str
    list_code: str
    name: str
    aliases: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    #: ISO 3166 alpha-2, upper case
    country: str | None = None
    #: list-specific fields: license requirement, review policy, citations, start date, …
    details: Mapping[str, Any] = field(default_factory=dict)
    listed_on: date | None = None
    #: the source that last wrote the row (``csl``, ``federal_register``, ``meti``, …)
    source: str = ""
    #: the latest event about this party (its listing, its last revision, or a baseline)
    event_id: int | None = None
    #: when written by a source: the key of the event (in the same batch) the row comes from;
    #: the store turns it into :attr:`event_id`
    event_key: str | None = None


@dataclass(frozen=True, slots=True)
class SnapshotEntry:
    """One entry of a list as a source last read it whole (its own memory, not the shared
    ``listed_entity``): the next read of the list is diffed against these."""

    key: str
    list_code: str
    #: a hash of the compared fields, for a quick "did it change?"
    fingerprint: str
    data: Mapping[str, Any]


# -- the source contract: what the store gives a parser, and what the parser gives back ------


@dataclass(frozen=True)
class PriorRequest:
    """What a source's parser needs to know of the past, declared by the source."""

    #: the source's own snapshot entries (:attr:`Prior.entries`)
    entries: bool = False
    #: the parties currently on these lists, whichever source wrote them (:attr:`Prior.listed`)
    lists: tuple[str, ...] = ()
    #: the latest stored version of every key starting with one of these (:attr:`Prior.heads`)
    heads: tuple[str, ...] = ()
    #: every stored revision, oldest first, of the keys starting with one of these
    #: (:attr:`Prior.history`)
    history: tuple[str, ...] = ()


@dataclass(frozen=True)
class Prior:
    """What the store knew before a batch, loaded once and handed to a pure parser."""

    state: SourceState = field(default_factory=SourceState)
    entries: Mapping[str, SnapshotEntry] = field(default_factory=dict)
    listed: Mapping[str, ListedEntry] = field(default_factory=dict)
    heads: Mapping[str, StoredEvent] = field(default_factory=dict)
    history: Sequence[StoredEvent] = ()


@dataclass
class SnapshotChanges:
    """How a source's own snapshot entries change with a batch."""

    upsert: dict[str, SnapshotEntry] = field(default_factory=dict)
    remove: list[str] = field(default_factory=list)
    #: lists no longer read at all: every entry of theirs goes
    drop_lists: list[str] = field(default_factory=list)
    #: the payload (by index in the collection) the entries were read from
    payload_index: int | None = None

    def __bool__(self) -> bool:
        return bool(self.upsert or self.remove or self.drop_lists)


@dataclass
class ListedChanges:
    """How ``listed_entity`` changes with a batch, applied in this order."""

    #: ``{list code: entries}``: the rows this source holds for the list become exactly these
    #: (a baseline); rows another source wrote are left alone
    replace: dict[str, list[ListedEntry]] = field(default_factory=dict)
    #: lists this source no longer reads: its rows of them go
    drop_lists: list[str] = field(default_factory=list)
    upsert: list[ListedEntry] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.replace or self.drop_lists or self.upsert or self.remove)


@dataclass
class Changes:
    """Everything one parse decided, for the store to apply in one transaction."""

    #: ``(index of the payload in the collection, or None; event)``
    events: list[tuple[int | None, ChangeEvent]] = field(default_factory=list)
    entries: SnapshotChanges = field(default_factory=SnapshotChanges)
    listed: ListedChanges = field(default_factory=ListedChanges)
    #: the cursor to save, replacing the collection's (``None``: the collection's stands)
    cursor: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)
