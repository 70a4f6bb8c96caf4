"""What changed between two revisions of an event, field by field (pure: no I/O).

Both revisions are flattened to ``field → text`` (``entity.addresses``, ``data.type``, …) and
laid side by side; a list is one value per line, so an added address shows as one new line.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from typing import Any

__all__ = ["FieldChange", "Segment", "diff_events", "flatten"]

#: fields that say where a revision sits, not what it says
_BOOKKEEPING = {
    "id", "revision", "previous_id", "detected_at", "payload_id", "content_hash", "changes",
}  # fmt: skip


@dataclass(frozen=True)
class Segment:
    """A piece of a value: ``changed`` when it is not in the other side."""

    text: str
    changed: bool


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str | None
    new: str | None
    old_segments: tuple[Segment, ...]
    new_segments: tuple[Segment, ...]

    @property
    def changed(self) -> bool:
        return self.old != self.new

    @property
    def kind(self) -> str:
        if self.old is None:
            return "added"
        if self.new is None:
            return "removed"
        return "changed" if self.changed else "same"


def _text(value: Any) -> str | None:
    if value is None or value == [] or value == {} or value == "":
        return None
    if isinstance(value, list):
        return "\n".join(_text(v) or "" for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def flatten(event_json: dict[str, Any]) -> dict[str, str | None]:
    """An event's JSON (:meth:`StoredEvent.to_json`) as ``field → text``, nested objects
    (``entity``, ``data``) one level down."""
    out: dict[str, str | None] = {}
    for key, value in event_json.items():
        if key in _BOOKKEEPING:
            continue
        if isinstance(value, dict) and key in ("entity", "data"):
            for sub, subvalue in value.items():
                out[f"{key}.{sub}"] = _text(subvalue)
        else:
            out[key] = _text(value)
    return out


def _segments(old: str | None, new: str | None) -> tuple[tuple[Segment, ...], tuple[Segment, ...]]:
    """Mark the words of each side that the other side does not have."""
    if old is None or new is None:
        return (
            (Segment(old, True),) if old is not None else (),
            (Segment(new, True),) if new is not None else (),
        )
    # words and the spaces or line breaks between them, so that joining gives the value back
    a, b = re.split(r"(\s+)", old), re.split(r"(\s+)", new)
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    left: list[Segment] = []
    right: list[Segment] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if i2 > i1:
            left.append(Segment("".join(a[i1:i2]), tag != "equal"))
        if j2 > j1:
            right.append(Segment("".join(b[j1:j2]), tag != "equal"))
    return tuple(left), tuple(right)


def diff_events(
    old: dict[str, Any] | None, new: dict[str, Any], *, include_same: bool = True
) -> list[FieldChange]:
    """Every field of ``new`` (and of ``old``), changed ones first, in a stable order."""
    a = flatten(old) if old is not None else {}
    b = flatten(new)
    fields = list(dict.fromkeys([*b, *a]))
    out = []
    for name in fields:
        before, after = a.get(name), b.get(name)
        if before is None and after is None:
            continue
        if old is None:
            before = after  # a first revision: nothing to compare with, nothing marked
        if before == after and not include_same:
            continue
        left, right = _segments(before, after) if before != after else ((), ())
        if before == after:
            left = right = (Segment(after or "", False),)
        out.append(FieldChange(name, before, after, left, right))
    return sorted(out, key=lambda c: not c.changed)
