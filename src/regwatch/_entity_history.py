"""One listed party's history across CSL snapshots and Federal Register rules.

This is what ``regwatch entity NAME`` shows; events are listed in the order regwatch stored them.
A party's events are found by its key: the CSL's events carry it as their key, a rule's events
as ``data["entity_key"]`` (their own key is ``fr:<document>#<entity key>``).  Parties are found
by name: every word of the query must be a word of the party's name or of one of its aliases,
as currently listed or as any entity event stated it (so removed parties are found too).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ._entity_names import name_tokens
from .exceptions import InputError
from .keys import csl_baseline_key
from .model import ListedEntry, StoredEvent
from .store import Store
from .store._history import entity_events, events_about, head_event, snapshot_list_code
from .store._listed import current_entries

__all__ = ["EntityHistory", "entity_history"]

_ENTITY_KINDS = ("entity.added", "entity.revised", "entity.removed")


@dataclass
class EntityHistory:
    """A party: its key, whether it is listed now, and every event about it (oldest first)."""

    key: str
    name: str
    list_code: str | None
    country: str | None
    current: ListedEntry | None
    events: list[StoredEvent] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        current = None
        if self.current is not None:
            c = self.current
            current = {
                "name": c.name,
                "aliases": list(c.aliases),
                "addresses": list(c.addresses),
                "country": c.country,
                "listed_on": c.listed_on.isoformat() if c.listed_on else None,
                "source": c.source,
                "event_id": c.event_id,
                "details": dict(c.details),
            }
        return {
            "key": self.key,
            "name": self.name,
            "list": self.list_code,
            "country": self.country,
            "listed": self.current is not None,
            "current": current,
            "history": [e.to_json() for e in self.events],
        }


def _matches(query: set[str], names: Iterable[str]) -> bool:
    return any(query <= set(name_tokens(n)) for n in names if n)


def _key_of(stored: StoredEvent) -> str:
    return str(stored.event.data.get("entity_key") or stored.event.key)


def _baseline_event(conn: Any, key: str, events: list[StoredEvent]) -> StoredEvent | None:
    """The CSL baseline event of the party's list, when the party came in with the baseline
    (the CSL holds or held it but never reported it as added)."""
    if any(e.event.source == "csl" and e.event.kind == "entity.added" for e in events):
        return None
    code = snapshot_list_code(conn, "csl", key)
    if code is None:  # removed since: its CSL events say which list it was on
        code = next((e.event.list_code for e in events if e.event.source == "csl"), None)
    if code is None:
        return None
    return head_event(conn, csl_baseline_key(code))


def entity_history(store: Store, name: str) -> list[EntityHistory]:
    """Every party whose name or alias holds all the words of ``name``, with its history.

    :raises InputError: ``name`` has no word to search for.
    """
    query = set(name_tokens(name))
    if not query:
        raise InputError(f"{name!r}: give a name with at least one letter or digit")
    found: dict[str, EntityHistory] = {}
    with store.read() as conn:
        for entry in current_entries(conn):
            if _matches(query, (entry.name, *entry.aliases)):
                found[entry.key] = EntityHistory(
                    entry.key, entry.name, entry.list_code, entry.country, entry
                )
        mentioned: list[StoredEvent] = []
        for stored in entity_events(conn):
            entity = stored.event.entity
            if entity and _matches(query, (entity.name, *entity.aliases)):
                mentioned.append(stored)
        for stored in sorted(mentioned, key=lambda s: s.id, reverse=True):
            key = _key_of(stored)
            if key not in found:
                e = stored.event
                assert e.entity is not None
                found[key] = EntityHistory(key, e.entity.name, e.list_code, e.country, None)
        for history in found.values():
            events = [e for e in events_about(conn, history.key) if _key_of(e) == history.key]
            baseline = _baseline_event(conn, history.key, events)
            if baseline is not None:
                events.append(baseline)
            history.events = sorted(events, key=lambda e: e.id)  # the order regwatch saw them
    return sorted(found.values(), key=lambda h: (h.current is None, h.name.casefold(), h.key))
