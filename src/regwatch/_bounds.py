"""Bounds on what one event may store: a hostile or broken source cannot fill the database (or
stall every later `regwatch events`) with a 50 MB title.  Keys are left alone: they are
identities that other rows name (and every source builds them from short, normalised values).

Pure: an event in, the same event out when it is within bounds, else a copy whose long text
fields are cut with a visible mark.  Nothing is lost for good: the payload the event came from is
stored with its SHA-256, and holds the whole text.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from .model import ChangeEvent, Entity

__all__ = ["LIMITS", "bound_event", "cut"]

#: the longest each text field may be, in characters
LIMITS = {
    "title": 2_000,
    "summary": 20_000,
    "url": 2_000,
    "short": 200,  # document number, citation, list code, country
    "name": 1_000,  # entity names, aliases, addresses
    "value": 20_000,  # any text inside ``data``, ``changes`` or an entity's details
    "items": 1_000,  # items of one list inside ``data`` or an entity
}
_MARK = " […cut: {total:,} characters in all; the source payload holds the whole text]"


def cut(text: str, limit: int) -> str:
    """``text`` if it is at most ``limit`` characters, else its start and the cut mark."""
    if len(text) <= limit:
        return text
    return text[:limit] + _MARK.format(total=len(text))


def _bound_value(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        return cut(value, LIMITS["value"])
    if depth > 20:  # parsers build shallow values; anything deeper is not worth keeping
        return None
    if isinstance(value, Mapping):
        items = list(value.items())[: LIMITS["items"]]
        return {cut(str(k), LIMITS["short"]): _bound_value(v, depth + 1) for k, v in items}
    if isinstance(value, (list, tuple)):
        bounded = [_bound_value(v, depth + 1) for v in value[: LIMITS["items"]]]
        return bounded if isinstance(value, list) else tuple(bounded)
    return value


def _bound_entity(entity: Entity) -> Entity:
    names = LIMITS["name"]
    return Entity(
        name=cut(entity.name, names),
        aliases=tuple(cut(a, names) for a in entity.aliases[: LIMITS["items"]]),
        addresses=tuple(cut(a, names) for a in entity.addresses[: LIMITS["items"]]),
        details=_bound_value(dict(entity.details)),
    )


def _optional(value: str | None, limit: int) -> str | None:
    return None if value is None else cut(value, limit)


def bound_event(event: ChangeEvent) -> ChangeEvent:
    """``event`` with every text field within :data:`LIMITS` (the same object when it is)."""
    bounded = dataclasses.replace(
        event,
        title=cut(event.title, LIMITS["title"]),
        summary=_optional(event.summary, LIMITS["summary"]),
        url=_optional(event.url, LIMITS["url"]),
        document_number=_optional(event.document_number, LIMITS["short"]),
        citation=_optional(event.citation, LIMITS["short"]),
        list_code=_optional(event.list_code, LIMITS["short"]),
        country=_optional(event.country, LIMITS["short"]),
        entity=None if event.entity is None else _bound_entity(event.entity),
        changes=None if event.changes is None else _bound_value(dict(event.changes)),
        data=_bound_value(dict(event.data)),
    )
    return event if bounded == event else bounded
