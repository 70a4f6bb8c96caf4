"""A full list read again, as the store's :class:`~regwatch.model.Changes`: events, the source's
snapshot entries and the ``listed_entity`` rows, for the MOF, METI Russia and MOFCOM sources.

The comparison itself is :func:`._list_diff.diff_list` (pure, no store types); this module only
turns its result into what the store applies in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..model import Changes, ListedEntry, SnapshotEntry
from ._list_diff import Kept, ListDiff, ListedParty, diff_list

__all__ = ["full_list_changes", "merge_changes"]


def _listed(party: ListedParty, source: str, event_key: str) -> ListedEntry:
    return ListedEntry(
        key=party.key,
        list_code=party.list_code,
        name=party.name,
        aliases=party.aliases,
        addresses=party.addresses,
        country=party.country,
        details=dict(party.details),
        listed_on=party.listed_on,
        source=source,
        event_key=event_key,
    )


def full_list_changes(
    source: str,
    list_code: str,
    scope: str,
    parties: Sequence[ListedParty],
    entries: Mapping[str, SnapshotEntry],
    *,
    url: str | None,
    payload_index: int | None,
    max_shrink: float,
    what: str,
    data: Mapping[str, Any] | None = None,
) -> tuple[Changes, ListDiff]:
    """The changes of reading the part of ``list_code`` whose keys start with ``scope``.

    :param entries: the source's snapshot entries (all of them; only ``scope``'s are compared).
    :raises SnapshotRefused: from the shrink guard.
    """
    kept = {
        key: Kept(entry.list_code, entry.fingerprint, entry.data)
        for key, entry in entries.items()
        if key.startswith(scope)
    }
    diff = diff_list(
        source,
        list_code,
        kept,
        parties,
        url=url,
        max_shrink=max_shrink,
        what=what,
        data=data,
        part=scope,
    )
    changes = Changes(events=[(payload_index, e) for e in diff.events])
    changes.entries.payload_index = payload_index
    for key, party in diff.entries.items():
        old = kept.get(key)
        if old is None or old.fingerprint != party.fingerprint:
            changes.entries.upsert[key] = SnapshotEntry(
                key, list_code, party.fingerprint, party.to_data()
            )
    removed = sorted(k for k in kept if k not in diff.entries)
    changes.entries.remove = removed
    if diff.baseline:
        baseline = diff.events[0].key
        changes.listed.upsert = [_listed(p, source, baseline) for p in diff.entries.values()]
    else:
        changed = {e.key for e in diff.events}
        changes.listed.upsert = [
            _listed(p, source, p.key) for k, p in diff.entries.items() if k in changed
        ]
        changes.listed.remove = removed
    return changes, diff


def merge_changes(parts: Sequence[Changes]) -> Changes:
    """Several lists' changes as one batch (one transaction)."""
    out = Changes()
    for part in parts:
        out.events += part.events
        out.entries.upsert.update(part.entries.upsert)
        out.entries.remove += part.entries.remove
        if out.entries.payload_index is None:
            out.entries.payload_index = part.entries.payload_index
        out.listed.upsert += part.listed.upsert
        out.listed.remove += part.listed.remove
        out.warnings += part.warnings
    return out
