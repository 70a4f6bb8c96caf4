"""Bounds on what one event may store: a hostile or broken source cannot fill the database (or
stall every later `regwatch events`) with a 50 MB title.  Keys are left alone: they are
identities that other rows name (and every source builds them from short, normalised values).

Pure: an event in, the same event out when it is within bounds, else a copy whose long text
fields are cut with a visible mark.  Nothing is lost for good: the payload the event came from is
stored with its SHA-256, and holds the whole text.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from itertools import chain
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
#: how deep :func:`_bound_value` keeps values inside ``data``, ``changes`` or ``details``
_DEPTH = 20
_TEXT = frozenset({str})


def cut(text: str, limit: int) -> str:
    """``text`` if it is at most ``limit`` characters, else its start and the cut mark."""
    if len(text) <= limit:
        return text
    return text[:limit] + _MARK.format(total=len(text))


def _bound_value(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        return cut(value, LIMITS["value"])
    if depth > _DEPTH:  # parsers build shallow values; anything deeper is not worth keeping
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
    if _within(event):
        return event  # nearly every event: found by looking, without building a bounded copy
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


def _within(event: ChangeEvent) -> bool:
    """True when :func:`bound_event` would give ``event`` back as it is; false when something
    is over a limit, or when unsure (the bounded copy then decides)."""
    short = LIMITS["short"]
    texts = (
        (event.summary, LIMITS["summary"]),
        (event.url, LIMITS["url"]),
        (event.document_number, short),
        (event.citation, short),
        (event.list_code, short),
        (event.country, short),
    )
    if len(event.title) > LIMITS["title"] or any(
        text is not None and len(text) > limit for text, limit in texts
    ):
        return False
    entity = event.entity
    if entity is not None and not (
        len(entity.name) <= LIMITS["name"]
        and _names_within(entity.aliases)
        and _names_within(entity.addresses)
        and _value_within(entity.details)
    ):
        return False
    return (event.changes is None or _value_within(event.changes)) and _value_within(event.data)


def _names_within(names: tuple[str, ...]) -> bool:
    return (
        type(names) is tuple
        and len(names) <= LIMITS["items"]
        and max(map(len, names), default=0) <= LIMITS["name"]
    )


def _value_within(value: Any) -> bool:
    """True when :func:`_bound_value` would keep ``value`` as it is (false when unsure).

    One level at a time, without recursion, looking at each value once."""
    limit, items, short = LIMITS["value"], LIMITS["items"], LIMITS["short"]
    level = [value]
    for _ in range(_DEPTH + 1):
        below: list[Iterable[Any]] = []
        for item in level:
            kind = type(item)
            if kind is str:
                if len(item) > limit:
                    return False
            elif kind is dict:
                if not (
                    len(item) <= items
                    and _TEXT.issuperset(map(type, item))
                    and max(map(len, item), default=0) <= short
                ):
                    return False
                below.append(item.values())
            elif kind is list or kind is tuple:
                if len(item) > items:
                    return False
                below.append(item)
            elif isinstance(item, (str, Mapping, list, tuple)):
                return False  # a subclass: the bounded copy decides
        if not below:
            return True
        level = list(chain.from_iterable(below))
    # past the depth kept, only text within bounds and None stay as they are
    return all(item is None or (type(item) is str and len(item) <= limit) for item in level)
