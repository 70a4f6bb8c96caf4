"""What the store knows about the End User List: every edition, and every entity's history."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import and_, select

from ..events import ChangeEvent, EventKind
from ..store._events import row_to_event
from ..store._schema import EventHead, EventRow
from ._eul_diff import LIST_CODE, SOURCE, Listing

if TYPE_CHECKING:
    from ..store import Store

__all__ = ["EulHistory", "load_history"]


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


def load_history(store: Store) -> EulHistory:
    history = EulHistory()
    table = EventRow.__table__  # type: ignore[attr-defined]
    heads = EventHead.__table__  # type: ignore[attr-defined]
    with store.read() as conn:
        rows = conn.execute(
            select(table)
            .where(
                and_(
                    table.c.source == SOURCE,
                    table.c.list_code == LIST_CODE,
                    table.c.kind.in_([k.value for k in _ENTITY_KINDS]),
                )
            )
            .order_by(table.c.key, table.c.revision)
        )
        for row in rows:
            event = row_to_event(row)
            edition = date.fromisoformat(str(event.data.get("edition")))
            history.revisions[row.key].append(
                _Revision(edition, event.kind, Listing.from_event(event), row.id)
            )
        editions = conn.execute(
            select(table)
            .join(heads, heads.c.event_id == table.c.id)
            .where(heads.c.key.like("jp-eul:edition:%"))
        )
        for row in editions:
            history.editions[date.fromisoformat(row.key.rsplit(":", 1)[1])] = row_to_event(row)
    return history


_ENTITY_KINDS = (EventKind.ENTITY_ADDED, EventKind.ENTITY_REVISED, EventKind.ENTITY_REMOVED)
