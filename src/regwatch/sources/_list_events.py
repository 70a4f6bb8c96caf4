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
from collections.abc import Collection, Iterable, Mapping
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
    unchanged: int = 0

    def changes(self) -> int:
        return len(self.added) + len(self.revised) + len(self.removed)


def diff_lists(
    prior: Mapping[str, StoredRecord],
    new: Mapping[str, ListRecord],
    *,
    lists: Collection[str],
    baseline_lists: Collection[str] = (),
) -> ListDiff:
    """Compare the records of ``lists`` in ``new`` with those stored in ``prior``.

    Entries of other lists in ``prior`` are left alone (a read that did not cover them says
    nothing about them); every entry of a list in ``baseline_lists`` is a baseline entry.
    """
    out = ListDiff()
    for key, record in sorted(new.items()):
        if record.list_code in baseline_lists:
            out.baseline.setdefault(record.list_code, []).append((key, record))
            continue
        stored = prior.get(key)
        if stored is None:
            out.added.append((key, record))
        elif stored.fingerprint == record.fingerprint():
            out.unchanged += 1
        else:
            out.revised.append((key, record_from_json(stored.data), record))
    for key, stored in sorted(prior.items()):
        if stored.list_code in lists and stored.list_code not in baseline_lists and key not in new:
            out.removed.append((key, record_from_json(stored.data)))
    for code in baseline_lists:
        out.baseline.setdefault(code, [])
    return out


def check_shrink(
    prior: Mapping[str, StoredRecord],
    diff: ListDiff,
    new: Mapping[str, ListRecord],
    *,
    lists: Iterable[str],
    max_shrink: float,
    where: str,
) -> None:
    """Refuse a read that shrinks a list, or removes from it, more than ``max_shrink`` allows.

    :raises SnapshotRefused: naming each list and its counts; nothing of the read is stored.
    """
    before: dict[str, int] = defaultdict(int)
    for stored in prior.values():
        before[stored.list_code] += 1
    now: dict[str, int] = defaultdict(int)
    for record in new.values():
        now[record.list_code] += 1
    removed: dict[str, int] = defaultdict(int)
    for _, record in diff.removed:
        removed[record.list_code] += 1
    problems = []
    for code in sorted(set(lists)):
        count = before[code]
        if not count or code in diff.baseline:
            continue
        if (count - now[code]) / count > max_shrink:
            problems.append(f"{code} shrinks from {count:,} to {now[code]:,} entries")
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
