"""Diffing a whole list against the last accepted read of it: for every list source.

A list source that reads its list whole each time (the eCFR's Supplement No. 4, OFAC's exports,
the UN list, Japan's MOF workbook, …) turns its payload into :class:`ListRecord` values and hands
them to :func:`diff_list`, which decides, purely:

- **the baseline**: a list read for the first time gives one ``list.revised`` event recording
  how many entries it holds (thousands of "added" would drown every digest) and its entries go
  straight to ``listed_entity``;
- **the changes**: ``entity.added`` / ``entity.revised`` (with field-level ``changes``) /
  ``entity.removed`` against the source's own memory of the list (``Prior.entries``);
- **the shrink guard**: a read that would shrink a list, or remove entries from it, by more than
  ``max_shrink`` is refused with :class:`~regwatch.exceptions.SnapshotRefused` naming the counts
  (a truncated download must never read as mass removals), and nothing is stored.

The source declares what it needs with :func:`list_prior_request` and returns the
:class:`~regwatch.model.Changes` as they are.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..exceptions import SnapshotRefused
from ..keys import list_baseline_key, list_baseline_prefix
from ..model import (
    ChangeEvent,
    Changes,
    Entity,
    EventKind,
    ListedChanges,
    ListedEntry,
    Prior,
    PriorRequest,
    SnapshotChanges,
    SnapshotEntry,
    canonical_json,
    diff_fields,
)

__all__ = ["ListRecord", "diff_list", "list_prior_request"]

_VERBS = {
    EventKind.ENTITY_ADDED: "added to",
    EventKind.ENTITY_REVISED: "entry revised on",
    EventKind.ENTITY_REMOVED: "removed from",
}


@dataclass(frozen=True)
class ListRecord:
    """One entry of a list as a source read it: a party under one list (and destination)."""

    key: str
    list_code: str
    name: str
    aliases: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    #: ISO 3166 alpha-2, upper case
    country: str | None = None
    #: everything else the list says: identifiers, programme, citations, names in other scripts
    details: Mapping[str, Any] = field(default_factory=dict)
    listed_on: date | None = None
    #: where a reader sees the entry (or the list)
    url: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "list_code": self.list_code,
            "name": self.name,
            "aliases": list(self.aliases),
            "addresses": list(self.addresses),
            "country": self.country,
            "details": dict(self.details),
            "listed_on": self.listed_on.isoformat() if self.listed_on else None,
            "url": self.url,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ListRecord:
        listed_on = data.get("listed_on")
        return cls(
            key=data["key"],
            list_code=data["list_code"],
            name=data["name"],
            aliases=tuple(data.get("aliases") or ()),
            addresses=tuple(data.get("addresses") or ()),
            country=data.get("country"),
            details=data.get("details") or {},
            listed_on=date.fromisoformat(listed_on) if listed_on else None,
            url=data.get("url"),
        )

    def entity(self) -> Entity:
        return Entity(
            name=self.name, aliases=self.aliases, addresses=self.addresses, details=self.details
        )

    def fingerprint(self) -> str:
        """A hash of what a reader compares (the link is not part of the entry)."""
        compared = {k: v for k, v in self.to_json().items() if k != "url"}
        return hashlib.sha256(canonical_json(compared).encode()).hexdigest()[:32]


def list_prior_request(source: str, lists: Iterable[str] = ()) -> PriorRequest:
    """What :func:`diff_list` needs: the source's memory and which lists had a baseline."""
    return PriorRequest(entries=True, lists=tuple(lists), heads=(list_baseline_prefix(source),))


def diff_list(
    source: str,
    prior: Prior,
    records: Iterable[ListRecord],
    *,
    lists: Sequence[str],
    titles: Mapping[str, str],
    max_shrink: float,
    payload_index: int | None,
    url: str | None = None,
    extra: Mapping[str, Any] | None = None,
    unchanged: Collection[str] = (),
    fingerprints: Mapping[str, str] | None = None,
) -> Changes:
    """The changes of a whole read of ``lists`` against the source's last accepted read.

    :param records: every entry of every list in ``lists`` (others are ignored); keys must be
        unique (the last of a repeated key wins).
    :param titles: a readable title per list code (``"OFAC SDN List"``).
    :param extra: fields added to every event's ``data`` (the version date, the export's
        publication number, …).
    :param unchanged: keys of stored entries the read found unchanged without reading them
        (OFAC's export: an entry whose bytes are those stored; a delta: every entry it does
        not touch).  They stay as they are, and count as present for the shrink guard.
    :param fingerprints: the fingerprint to store per key, where a reader fingerprints entries
        by their bytes rather than by :meth:`ListRecord.fingerprint`.  A stored entry whose
        fingerprint differs but whose content is the same is stored again without an event.
    :raises SnapshotRefused: the read would shrink a list beyond ``max_shrink``.
    """
    wanted = set(lists)
    current = {r.key: r for r in records if r.list_code in wanted}
    known = {
        code
        for code in wanted
        if list_baseline_key(source, code) in prior.heads
        or any(e.list_code == code for e in prior.entries.values())
    }
    # Only the stored entries that differ are rebuilt: a list of 19,000 entries is mostly
    # unchanged, and comparing fingerprints is enough for those.
    stored = {k: e for k, e in prior.entries.items() if e.list_code in known}
    kept = {k for k in unchanged if k in stored and k not in current}
    baseline = sorted(wanted - known)
    given = fingerprints or {}

    def fingerprint(record: ListRecord) -> str:
        return given.get(record.key) or record.fingerprint()

    added = [r for k, r in current.items() if k not in stored and r.list_code in known]
    removed = [
        ListRecord.from_json(e.data)
        for k, e in stored.items()
        if k not in current and k not in kept
    ]
    revised: list[tuple[ListRecord, ListRecord]] = []
    refreshed: list[ListRecord] = []
    for key, record in current.items():
        entry = stored.get(key)
        if entry is None or entry.fingerprint == fingerprint(record):
            continue
        old = ListRecord.from_json(entry.data)
        if old.fingerprint() == record.fingerprint():
            refreshed.append(record)
        else:
            revised.append((old, record))
    _check_shrink(
        source,
        Counter(e.list_code for e in stored.values()),
        Counter(r.list_code for r in current.values()) + Counter(stored[k].list_code for k in kept),
        Counter(r.list_code for r in removed),
        max_shrink,
        url,
    )
    data = dict(extra or {})
    events = [
        _baseline_event(source, code, titles, current.values(), url, data) for code in baseline
    ]
    events += [_event(source, EventKind.ENTITY_ADDED, r, titles, data) for r in added]
    events += [
        _event(source, EventKind.ENTITY_REVISED, new, titles, data, old) for old, new in revised
    ]
    events += [_event(source, EventKind.ENTITY_REMOVED, r, titles, data) for r in removed]
    dropped = sorted({e.list_code for e in prior.entries.values()} - wanted)
    write = [r for r in current.values() if r.list_code in baseline or r.key not in stored]
    write += [new for _, new in revised]
    write += refreshed
    entries = SnapshotChanges(
        upsert={
            r.key: SnapshotEntry(r.key, r.list_code, fingerprint(r), r.to_json()) for r in write
        },
        remove=[r.key for r in removed],
        drop_lists=dropped,
        payload_index=payload_index,
    )
    listed = ListedChanges(
        replace={
            code: [
                _listed(source, r, list_baseline_key(source, code))
                for r in current.values()
                if r.list_code == code
            ]
            for code in baseline
        },
        drop_lists=dropped,
        upsert=[_listed(source, r, r.key) for r in (*added, *(new for _, new in revised))],
        remove=[r.key for r in removed],
    )
    return Changes(events=[(payload_index, e) for e in events], entries=entries, listed=listed)


def _check_shrink(
    source: str,
    before: Counter[str],
    now: Counter[str],
    gone: Counter[str],
    limit: float,
    url: str | None,
) -> None:
    problems = []
    for code, count in sorted(before.items()):
        if (count - now[code]) / count > limit:
            problems.append(f"{code} shrinks from {count} to {now[code]} entries")
        elif gone[code] / count > limit:
            problems.append(f"{code} would lose {gone[code]} of {count} entries")
    if problems:
        where = f" ({url})" if url else ""
        raise SnapshotRefused(
            f"{source}: list refused{where}: {'; '.join(problems)}, more than the {limit:.0%} "
            "allowed (max_shrink); nothing was removed.  If the change is real, raise "
            "max_shrink for one poll"
        )


def _baseline_event(
    source: str,
    code: str,
    titles: Mapping[str, str],
    records: Iterable[ListRecord],
    url: str | None,
    data: Mapping[str, Any],
) -> ChangeEvent:
    count = sum(1 for r in records if r.list_code == code)
    return ChangeEvent(
        source=source,
        kind=EventKind.LIST_REVISED,
        key=list_baseline_key(source, code),
        title=f"{titles.get(code, code)}: {count:,} current entries recorded as the baseline",
        summary="The first read of this list: its entries are screened from now on; later "
        "changes are reported entry by entry.",
        url=url if url and url.startswith("http") else None,
        list_code=code,
        data={**data, "entries": count},
    )


def _event(
    source: str,
    kind: EventKind,
    record: ListRecord,
    titles: Mapping[str, str],
    data: Mapping[str, Any],
    old: ListRecord | None = None,
) -> ChangeEvent:
    place = f" ({record.country})" if record.country else ""
    changes = (
        diff_fields(old.entity().to_json(), record.entity().to_json()) if old is not None else None
    )
    return ChangeEvent(
        source=source,
        kind=kind,
        key=record.key,
        title=f"{record.name}: {_VERBS[kind]} the {titles.get(record.list_code, record.list_code)}"
        f"{place}",
        url=record.url,
        effective_on=record.listed_on if kind == EventKind.ENTITY_ADDED else None,
        list_code=record.list_code,
        country=record.country,
        entity=record.entity(),
        changes={f"entity.{k}": v for k, v in changes.items()} if changes else None,
        data=dict(data),
    )


def _listed(source: str, record: ListRecord, event_key: str) -> ListedEntry:
    return ListedEntry(
        key=record.key,
        list_code=record.list_code,
        name=record.name,
        aliases=record.aliases,
        addresses=record.addresses,
        country=record.country,
        details=dict(record.details),
        listed_on=record.listed_on,
        source=source,
        event_key=event_key,
    )
