"""Diffing a list read whole against the last read, and the entity events that come of it.

Pure.  Shared by the OFAC and UN sources: both read whole lists of :class:`ListRecord` values
keyed by the list's own identifier, so a diff is a comparison of fingerprints by key.

- **Baseline.** The first read of a list (or a read in another format) gives no per-entry
  events: one ``list.revised`` event per list records it (:func:`baseline_event`).
- **Shrink guard.** A read that would shrink a list, or remove entries from it, by more than
  ``max_shrink`` is refused (:class:`~regwatch.exceptions.SnapshotRefused`), naming the counts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from .._entity_names import LIST_TITLES
from ..events import ChangeEvent, Entity, EventKind
from ..exceptions import SnapshotRefused
from ._list_record import ListRecord, record_from_json

__all__ = [
    "ListDiff",
    "StoredRecord",
    "baseline_event",
    "check_shrink",
    "diff_lists",
    "entity_event",
    "iso_date",
]


class StoredRecord(Protocol):
    """What a source remembers of one entry (the store's snapshot entry)."""

    @property
    def list_code(self) -> str: ...
    @property
    def fingerprint(self) -> str: ...
    @property
    def data(self) -> Mapping[str, Any]: ...


@dataclass
class ListDiff:
    """What changed in the lists a read covers."""

    added: list[tuple[str, ListRecord]] = field(default_factory=list)
    #: ``(key, old, new)``
    revised: list[tuple[str, ListRecord, ListRecord]] = field(default_factory=list)
    removed: list[tuple[str, ListRecord]] = field(default_factory=list)
    #: entries of lists read for the first time, by list code: recorded without events
    baseline: dict[str, list[tuple[str, ListRecord]]] = field(default_factory=dict)
    #: entries whose fingerprint changed but not their content (stored again, no event)
    refreshed: list[tuple[str, ListRecord]] = field(default_factory=list)
    #: the fingerprint to store for every record above
    fingerprints: dict[str, str] = field(default_factory=dict)
    #: entries per list after the read
    counts: dict[str, int] = field(default_factory=dict)
    unchanged: int = 0

    def changes(self) -> int:
        return len(self.added) + len(self.revised) + len(self.removed)


def diff_lists(
    prior: Mapping[str, StoredRecord],
    new: Mapping[str, ListRecord],
    *,
    lists: Collection[str],
    baseline_lists: Collection[str] = (),
    same: Collection[str] = (),
    digests: Mapping[str, str] | None = None,
) -> ListDiff:
    """Compare the records of ``lists`` in ``new`` with those stored in ``prior``.

    ``same`` are stored keys the reader found unchanged without reading them (see
    :func:`~._ofac_parse.parse_export_xml`); ``digests`` the fingerprints of the records where
    the reader fingerprints entries by their bytes (else :meth:`ListRecord.fingerprint`).
    Entries of other lists in ``prior`` are left alone (a read that did not cover them says
    nothing about them); every entry of a list in ``baseline_lists`` is a baseline entry.
    """
    out = ListDiff()
    counts: dict[str, int] = defaultdict(int)
    for key, record in sorted(new.items()):
        if record.list_code not in lists:
            continue
        counts[record.list_code] += 1
        fingerprint = digests.get(key) if digests else None
        fingerprint = fingerprint or record.fingerprint()
        out.fingerprints[key] = fingerprint
        if record.list_code in baseline_lists:
            out.baseline.setdefault(record.list_code, []).append((key, record))
            continue
        stored = prior.get(key)
        if stored is None:
            out.added.append((key, record))
        elif stored.fingerprint == fingerprint:
            out.unchanged += 1
        else:
            old = record_from_json(stored.data)
            if old == record:
                out.refreshed.append((key, record))
            else:
                out.revised.append((key, old, record))
    for key in same:
        stored = prior.get(key)
        if stored is not None and stored.list_code in lists:
            counts[stored.list_code] += 1
            out.unchanged += 1
    for key, stored in sorted(prior.items()):
        if (
            stored.list_code in lists
            and stored.list_code not in baseline_lists
            and key not in new
            and key not in same
        ):
            out.removed.append((key, record_from_json(stored.data)))
    for code in baseline_lists:
        out.baseline.setdefault(code, [])
    out.counts = {code: counts.get(code, 0) for code in sorted(lists)}
    return out


def check_shrink(
    prior: Mapping[str, StoredRecord],
    diff: ListDiff,
    *,
    max_shrink: float,
    where: str,
) -> None:
    """Refuse a read that shrinks a list, or removes from it, more than ``max_shrink`` allows.

    :raises SnapshotRefused: naming each list and its counts; nothing of the read is stored.
    """
    before: dict[str, int] = defaultdict(int)
    for stored in prior.values():
        before[stored.list_code] += 1
    removed: dict[str, int] = defaultdict(int)
    for _, record in diff.removed:
        removed[record.list_code] += 1
    problems = []
    for code, now in sorted(diff.counts.items()):
        count = before[code]
        if not count or code in diff.baseline:
            continue
        if (count - now) / count > max_shrink:
            problems.append(f"{code} shrinks from {count:,} to {now:,} entries")
        elif removed[code] / count > max_shrink:
            problems.append(f"{code} would lose {removed[code]:,} of {count:,} entries")
    if problems:
        raise SnapshotRefused(
            f"{where}: refused: {'; '.join(problems)}, more than the {max_shrink:.0%} allowed "
            "(max_shrink); nothing was stored or removed.  If the change is real, raise "
            "max_shrink for one poll"
        )


def iso_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def baseline_event(
    source: str,
    key: str,
    list_code: str,
    count: int,
    *,
    list_title: str,
    url: str | None,
    published: str | None,
    data: Mapping[str, Any],
) -> ChangeEvent:
    return ChangeEvent(
        source=source,
        kind=EventKind.LIST_REVISED,
        key=key,
        title=f"{list_title}: {count:,} current entries recorded as the baseline",
        summary="The first read of this list: its entries are screened from now on; later "
        "changes are reported entry by entry.",
        url=url,
        published_on=iso_date(published),
        list_code=list_code,
        data={"entries": count, **data},
    )


_VERBS = {
    EventKind.ENTITY_ADDED: "added to",
    EventKind.ENTITY_REVISED: "entry revised on",
    EventKind.ENTITY_REMOVED: "removed from",
}


def entity_event(
    source: str,
    kind: EventKind,
    key: str,
    record: ListRecord,
    *,
    old: ListRecord | None = None,
    url: str | None,
    published: str | None,
    list_title: str | None = None,
    data: Mapping[str, Any] | None = None,
) -> ChangeEvent:
    """One ``entity.*`` event; ``data["entity_key"]`` is the key (the party's identity)."""
    place = f" ({record.country})" if record.country else ""
    title = list_title or LIST_TITLES.get(record.list_code, record.list_code)
    programmes = ", ".join(record.programmes)
    return ChangeEvent(
        source=source,
        kind=kind,
        key=key,
        title=f"{record.name}: {_VERBS[kind]} the {title}{place}",
        summary=f"Programmes: {programmes}" if programmes else None,
        url=url,
        published_on=iso_date(published),
        effective_on=iso_date(record.listed_on) if kind == EventKind.ENTITY_ADDED else None,
        list_code=record.list_code,
        country=record.country,
        entity=Entity(
            name=record.name,
            aliases=record.aliases,
            addresses=record.addresses,
            details=record.details(),
        ),
        changes=record.changes_from(old) if old is not None else None,
        data={"entity_key": key, "ref": record.ref, **(data or {})},
    )
