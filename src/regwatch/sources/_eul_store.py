"""What the store knows about the End User List: every edition, every entity's history, and the
``listed_entity`` rows kept current from them.

``listed_entity`` is derived, never the source of truth: :func:`sync_listed_entities` rebuilds
the ``JP-EUL`` rows from the stored events, so running it twice, or again after a crash between
storing the events and syncing, gives the same rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, delete, insert, select, update

from ..events import ChangeEvent, EventKind
from ..store._events import row_to_event
from ..store._schema import EventHead, EventRow, ListedEntity
from ..timeutil import utcnow
from ._eul_diff import LIST_CODE, SOURCE, Listing

if TYPE_CHECKING:
    from ..store import Store

__all__ = ["EulHistory", "load_history", "sync_listed_entities"]


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


def sync_listed_entities(store: Store) -> int:
    """Make the ``JP-EUL`` rows of ``listed_entity`` what the stored events say; returns how
    many rows were inserted, updated or deleted."""
    history = load_history(store)
    wanted: dict[str, dict[str, Any]] = {}
    for key, revisions in history.revisions.items():
        last = revisions[-1]
        if last.kind is EventKind.ENTITY_REMOVED:
            continue
        listing = last.listing
        wanted[key] = {
            "key": key,
            "source": SOURCE,
            "list_code": LIST_CODE,
            "name": listing.name,
            "aliases": list(listing.aliases),
            "addresses": [],
            "country": listing.country,
            "details": {**listing.entity().details, "edition": last.edition.isoformat()},
            "event_id": last.event_id,
            "listed_on": history.listed_on(key),
        }
    table = ListedEntity.__table__  # type: ignore[attr-defined]
    changed = 0
    now = utcnow()
    with store.write() as conn:
        existing = {
            row.key: row
            for row in conn.execute(
                select(table).where(and_(table.c.list_code == LIST_CODE, table.c.source == SOURCE))
            )
        }
        gone = [key for key in existing if key not in wanted]
        if gone:
            conn.execute(delete(table).where(table.c.key.in_(gone)))
            changed += len(gone)
        for key, values in wanted.items():
            row = existing.get(key)
            if row is None:
                conn.execute(insert(table).values(**values, updated_at=now))
                changed += 1
            elif _differs(dict(row._mapping), values):
                conn.execute(
                    update(table).where(table.c.key == key).values(**values, updated_at=now)
                )
                changed += 1
    return changed


def _differs(row: Mapping[str, Any], values: Mapping[str, Any]) -> bool:
    return any(row[k] != v for k, v in values.items())
