"""Applying OFAC delta files to the stored list.  Pure.

A delta states, per entry, ``add``, ``change`` or ``remove``.  An addition or a removal carries
the entry whole; so does a change that restates the entry.  A change given only as field
operations (``<remarks action="update" oldValue="…">``) cannot be applied safely to the stored
entry, whose parts are not keyed the way the delta's are: such entries are returned as
``unresolved``, and the source reads the full export on its next poll (which reconciles them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from ._list_events import ListDiff, StoredRecord
from ._list_record import ListRecord, record_from_json
from ._ofac_parse import Delta, ofac_key

__all__ = ["DeltaResult", "apply_deltas"]


@dataclass
class DeltaResult:
    diff: ListDiff = field(default_factory=ListDiff)
    #: entry numbers of changes the deltas gave only as field operations
    unresolved: list[str] = field(default_factory=list)
    #: entry number → the publication date of the delta that changed it
    published: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def apply_deltas(
    prior: Mapping[str, StoredRecord], deltas: Sequence[Delta], *, lists: Collection[str]
) -> DeltaResult:
    """The changes ``deltas`` (oldest first) make to the stored entries of ``lists``.

    An addition of an entry already stored as it is, or a removal of one not stored, changes
    nothing (a delta applied twice is harmless).  Entries of lists not in ``lists`` are ignored.
    """
    by_uid: dict[str, list[str]] = defaultdict(list)
    for key, stored in prior.items():
        if key.startswith("ofac:"):
            by_uid[str(stored.data.get("ref"))].append(key)
    #: the state as the deltas leave it, for the keys they touch: key → record or None
    state: dict[str, ListRecord | None] = {}
    result = DeltaResult()

    def current(uid: str) -> list[str]:
        keys = [k for k in by_uid.get(uid, []) if state.get(k, True) is not None]
        moved = [k for k, r in state.items() if r is not None and r.ref == uid]
        return keys + [k for k in moved if k not in keys]

    for delta in deltas:
        for entity in delta.entities:
            uid = entity.uid
            if entity.action == "remove":
                for key in current(uid):
                    state[key] = None
                if delta.published:
                    result.published[uid] = delta.published
                continue
            if entity.record is None:
                result.unresolved.append(uid)
                continue
            record = entity.record
            new_key = ofac_key(record.list_code, uid)
            for key in current(uid):
                if key != new_key:
                    state[key] = None
            state[new_key] = record
            if delta.published:
                result.published[uid] = delta.published
    diff = result.diff
    for key, change in sorted(state.items(), key=lambda kv: kv[0]):
        held = prior.get(key)
        if change is None:
            if held is not None and held.list_code in lists:
                diff.removed.append((key, record_from_json(held.data)))
        elif change.list_code not in lists:
            continue
        elif held is None:
            diff.added.append((key, change))
        elif held.fingerprint == change.fingerprint():
            diff.unchanged += 1
        else:
            diff.revised.append((key, record_from_json(held.data), change))
    unresolved = [u for u in dict.fromkeys(result.unresolved) if u not in result.published]
    result.unresolved = unresolved
    if unresolved:
        result.warnings.append(
            f"{len(unresolved)} changed entr{'y' if len(unresolved) == 1 else 'ies'} "
            f"({', '.join(unresolved[:10])}) given only as field changes: the full export is "
            "read on the next poll to bring them up to date"
        )
    return result
