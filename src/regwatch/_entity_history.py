"""One listed party's history across every list: CSL snapshots, Federal Register rules and the
list sources (MOF, METI, MOFCOM, …).

This is what ``regwatch entity NAME`` shows; events are listed newest first.
A party's events are found by its key: the CSL's events carry it as their key, a rule's events
as ``data["entity_key"]`` (their own key is ``fr:<document>#<entity key>``).  Parties are found
by name: every word of the query must be a word of the party's name or of one of its aliases,
as currently listed or as any entity event stated it (so removed parties are found too); a
query in Japanese or Chinese may also be part of a name written in those scripts (``三菱造船``).
The same party on several lists (its names or aliases are one name) is told with
:func:`same_party`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ._entity_names import name_tokens, same_party_name
from .exceptions import InputError
from .japanese import has_cjk
from .keys import csl_baseline_key, list_baseline_key
from .model import ListedEntry, StoredEvent
from .store import Store
from .store._history import entity_events, events_about, head_event, snapshot_list_code
from .store._listed import current_entries

__all__ = ["EntityHistory", "entity_history", "same_party"]

_ENTITY_KINDS = ("entity.added", "entity.revised", "entity.removed")


@dataclass
class EntityHistory:
    """A party on one list: its key, whether it is listed now, and every event about it
    (newest first)."""

    key: str
    name: str
    list_code: str | None
    country: str | None
    current: ListedEntry | None
    events: list[StoredEvent] = field(default_factory=list)

    def names(self) -> tuple[str, ...]:
        aliases = self.current.aliases if self.current else ()
        for stored in self.events:
            if stored.event.entity:
                aliases += (stored.event.entity.name, *stored.event.entity.aliases)
        return tuple(dict.fromkeys((self.name, *aliases)))

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


def _matches(query: set[str], names: Iterable[str], text: str = "") -> bool:
    if any(query <= set(name_tokens(n)) for n in names if n):
        return True
    # Japanese and Chinese names have no spaces between words: part of a name is a match
    folded = unicodedata.normalize("NFKC", text).strip()
    return has_cjk(folded) and any(folded in unicodedata.normalize("NFKC", n) for n in names if n)


def same_party(a: EntityHistory, b: EntityHistory) -> bool:
    """Whether two histories (on two lists) are one party: a name or alias of one is a name or
    alias of the other."""
    return any(same_party_name(x, y) for x in a.names() for y in b.names())


def _key_of(stored: StoredEvent) -> str:
    return str(stored.event.data.get("entity_key") or stored.event.key)


def _baseline_event(
    conn: Any, history: EntityHistory, events: list[StoredEvent]
) -> StoredEvent | None:
    """The baseline event of the party's list, when the party came in with the first read of
    the list (the source holds or held it but never reported it as added)."""
    key = history.key
    entry = history.current

    def added_by(source: str) -> bool:
        return any(e.event.source == source and e.event.kind == "entity.added" for e in events)

    if entry is not None and entry.source not in ("csl", "federal_register"):
        # a list source (MOF, METI's lists, MOFCOM, …): its baseline of the list
        if added_by(entry.source):
            return None
        return head_event(conn, list_baseline_key(entry.source, entry.list_code))
    if added_by("csl"):
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
            if _matches(query, (entry.name, *entry.aliases), name):
                found[entry.key] = EntityHistory(
                    entry.key, entry.name, entry.list_code, entry.country, entry
                )
        mentioned: list[StoredEvent] = []
        for stored in entity_events(conn):
            entity = stored.event.entity
            if entity and _matches(query, (entity.name, *entity.aliases), name):
                mentioned.append(stored)
        for stored in sorted(mentioned, key=lambda s: s.id, reverse=True):
            key = _key_of(stored)
            if key not in found:
                e = stored.event
                assert e.entity is not None
                found[key] = EntityHistory(key, e.entity.name, e.list_code, e.country, None)
        for history in found.values():
            events = [e for e in events_about(conn, history.key) if _key_of(e) == history.key]
            baseline = _baseline_event(conn, history, events)
            if baseline is not None:
                events.append(baseline)
            history.events = sorted(events, key=lambda e: e.id, reverse=True)  # newest first
    return sorted(found.values(), key=lambda h: (h.current is None, h.name.casefold(), h.key))
