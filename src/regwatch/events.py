"""Change events, the one currency of regwatch (the types live in :mod:`regwatch.model`)."""

from __future__ import annotations

from .model import (
    ChangeEvent,
    Entity,
    EventKind,
    StoredEvent,
    canonical_json,
    content_hash,
    diff_fields,
)

__all__ = [
    "ChangeEvent",
    "Entity",
    "EventKind",
    "StoredEvent",
    "canonical_json",
    "content_hash",
    "diff_fields",
]
