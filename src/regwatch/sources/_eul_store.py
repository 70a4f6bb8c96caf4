"""What the store knows about the End User List: every edition, and every entity's history.

Built purely from the stored revisions the store hands the parser (``Prior.history``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from ..keys import eul_edition_of
from ..model import ChangeEvent, EventKind, StoredEvent
from ._eul_diff import LIST_CODE, SOURCE, Listing

__all__ = ["EulHistory", "history_from"]


@dataclass(frozen=True)
class _Revision:
    edition: date
    kind: EventKind
    listing: Listing
    event_id: int | None


@dataclass
class EulHistory:
    """Every stored entity revision of the list, and the head event of every edition."""

    revisions: dict[str, list[_Revision]] = field(default_factory=lambda: defaultdict(list))
    #: edition date → the head ``list.revised`` event (provisional: announced, not imported)
    editions: dict[date, ChangeEvent] = field(default_factory=dict)

    @property
    def imported(self) -> list[date]:
        return sorted(d for d, e in self.editions.items() if not e.provisional)

    def state(self, before: date | None = None) -> dict[str, Listing]:
        """The list as it stood: now, or as the last edition before ``before`` left it."""
        out: dict[str, Listing] = {}
        for key, revisions in self.revisions.items():
            relevant = [r for r in revisions if before is None or r.edition < before]
            if relevant and relevant[-1].kind is not EventKind.ENTITY_REMOVED:
                out[key] = relevant[-1].listing
        return out

    def listed_on(self, key: str) -> date | None:
        added = [r.edition for r in self.revisions[key] if r.kind is EventKind.ENTITY_ADDED]
        return added[-1] if added else None

    def record(self, events: list[ChangeEvent]) -> None:
        """Add events not stored yet (an earlier edition of the same import)."""
        for event in events:
            edition = date.fromisoformat(event.data["edition"])
            if event.kind is EventKind.LIST_REVISED:
                self.editions[edition] = event
            else:
                self.revisions[event.key].append(
                    _Revision(edition, event.kind, Listing.from_event(event), None)
                )


def history_from(stored: Iterable[StoredEvent]) -> EulHistory:
    """The list's history from every stored revision of its keys (``Prior.history``)."""
    history = EulHistory()
    heads: dict[str, StoredEvent] = {}
    for item in stored:
        event = item.event
        edition_date = eul_edition_of(event.key)
        if edition_date is not None:
            current = heads.get(event.key)
            if current is None or item.revision > current.revision:
                heads[event.key] = item
            continue
        if (
            event.source != SOURCE
            or event.list_code != LIST_CODE
            or event.kind not in _ENTITY_KINDS
        ):
            continue
        edition = date.fromisoformat(str(event.data.get("edition")))
        history.revisions[event.key].append(
            _Revision(edition, event.kind, Listing.from_event(event), item.id)
        )
    for key, item in heads.items():
        edition_date = eul_edition_of(key)
        assert edition_date is not None
        history.editions[edition_date] = item.event
    return history


_ENTITY_KINDS = (EventKind.ENTITY_ADDED, EventKind.ENTITY_REVISED, EventKind.ENTITY_REMOVED)
