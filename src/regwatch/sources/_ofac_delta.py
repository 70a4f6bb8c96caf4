"""Applying OFAC delta files to the stored lists.  Pure.

A delta states, per entry, ``add``, ``change`` or ``remove``.  An addition or a removal carries
the entry whole; so does a change that restates the entry.  A change given only as field
operations (``<remarks action="update" oldValue="…">``) cannot be applied safely to the stored
entry, whose parts are not keyed the way the delta's are: such entries are returned as
``unresolved``, and the source reads the full export on its next poll (which reconciles them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..keys import OFAC_PREFIX, ofac_entry_number
from ._list_record import ParsedEntry
from ._ofac_parse import Delta, ofac_key

__all__ = ["DeltaResult", "apply_deltas", "uid_of"]


uid_of = ofac_entry_number


@dataclass
class DeltaResult:
    """The stored lists as the deltas leave them, for the entries they touch."""

    #: key → the entry as the last delta that touched it states it
    records: dict[str, ParsedEntry] = field(default_factory=dict)
    #: stored keys the deltas remove (or move to another list)
    removed: set[str] = field(default_factory=set)
    #: entry numbers of changes the deltas gave only as field operations
    unresolved: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def apply_deltas(stored: Iterable[str], deltas: Sequence[Delta]) -> DeltaResult:
    """What ``deltas`` (oldest first) do to the stored keys ``stored``.

    An addition of an entry already stored, or a removal of one not stored, is harmless (a
    delta applied twice changes nothing): whether a record differs from the stored one is for
    the diff to say.
    """
    keys_of: dict[str, set[str]] = defaultdict(set)
    for key in stored:
        if key.startswith(OFAC_PREFIX):
            keys_of[uid_of(key)].add(key)
    result = DeltaResult()
    resolved: set[str] = set()
    for delta in deltas:
        for entity in delta.entities:
            uid = entity.uid
            if entity.action != "remove" and entity.record is None:
                result.unresolved.append(uid)
                continue
            resolved.add(uid)
            for key in keys_of.pop(uid, set()):
                result.removed.add(key)
            for key in [k for k, r in result.records.items() if r.ref == uid]:
                del result.records[key]
            if entity.action == "remove" or entity.record is None:
                continue
            key = ofac_key(entity.record.list_code, uid)
            result.records[key] = entity.record
            result.removed.discard(key)
    result.unresolved = [u for u in dict.fromkeys(result.unresolved) if u not in resolved]
    if result.unresolved:
        count = len(result.unresolved)
        result.warnings.append(
            f"{count} changed entr{'y' if count == 1 else 'ies'} "
            f"({', '.join(result.unresolved[:10])}) given only as field changes: the full "
            "export is read on the next poll to bring them up to date"
        )
    return result
