"""The three views of every listing, as the store holds them (read-only).

- **the rule**: the Federal Register source's entity events (the latest version of each);
- **the eCFR**: the ``ecfr`` source's memory of each supplement (its last version read), with
  the date of the event that last changed each entry (or of the baseline);
- **the CSL**: the CSL source's last accepted snapshot (``csl_entry``), with the date of the
  event that last changed each entry (or of the baseline), and its removals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..events import ChangeEvent, Entity, StoredEvent
from ..model import SnapshotEntry
from ..sources._csl_snapshot import CslEntry, entry_from_json
from ..sources._ecfr_table import CodifiedEntry
from ..sources._snapshot import ListRecord
from ..store import Connection
from ..store._history import current_events, last_success_at
from ..store._snapshot import load_entries
from ._findings import Views
from ._join import Sighting

__all__ = [
    "ViewData",
    "csl_sighting",
    "ecfr_sighting",
    "load_views",
    "open_findings",
    "record_sighting",
]

_ENTITY_KINDS = ("entity.added", "entity.revised", "entity.removed")


@dataclass
class ViewData:
    sightings: list[Sighting]
    views: Views


def _heads(
    conn: Connection, source: str, prefix: str | None = None
) -> Iterator[tuple[StoredEvent, ChangeEvent]]:
    for stored in current_events(conn, source, prefix):
        yield stored, stored.event


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _details(entity: Entity | None, name: str) -> Any:
    return (entity.details if entity else {}).get(name)


def _rule_sightings(conn: Connection, lists: Iterable[str]) -> list[Sighting]:
    wanted = set(lists)
    out = []
    for row, event in _heads(conn, "federal_register"):
        if str(event.kind) not in _ENTITY_KINDS or event.list_code not in wanted:
            continue
        entity = event.entity
        if entity is None:
            continue
        out.append(
            Sighting(
                view="rule",
                list_code=event.list_code,
                country=event.country,
                name=entity.name,
                aliases=entity.aliases,
                citations=tuple(_details(entity, "federal_register_citations") or ()),
                listed=str(event.kind) != "entity.removed",
                since=_aware(row.detected_at),
                effective_on=event.effective_on or event.published_on,
                event_key=event.key,
                document_number=event.document_number,
                license_requirement=_details(entity, "license_requirement"),
                license_review_policy=_details(entity, "license_review_policy"),
                entity=entity,
            )
        )
    return out


def _baselines(conn: Connection, source: str) -> dict[str, datetime]:
    out = {}
    for row, event in _heads(conn, source, f"{source}:baseline:"):
        if event.list_code:
            out[event.list_code] = _aware(row.detected_at) or datetime.now(UTC)
    return out


def _snapshot_sightings(
    conn: Connection,
    source: str,
    lists: Iterable[str],
    sighting: Callable[[SnapshotEntry, datetime | None, bool, str | None], Sighting],
) -> tuple[list[Sighting], set[str]]:
    """What a whole-list source's stored snapshot shows of the ``lists`` it has read: each
    entry (since its last change, else since the list's baseline) and each removal since, and
    which of the lists it covers.  ``sighting(entry, since, announced, event key)`` reads one
    stored entry in the source's own shape."""
    baselines = _baselines(conn, source)
    covered = {code for code in lists if code in baselines}
    changed: dict[str, tuple[StoredEvent, ChangeEvent]] = {}
    removed: list[tuple[StoredEvent, ChangeEvent]] = []
    for row, event in _heads(conn, source):
        if str(event.kind) == "entity.removed":
            removed.append((row, event))
        elif str(event.kind) in _ENTITY_KINDS:
            changed[event.key] = (row, event)
    out: list[Sighting] = []
    current = set()
    for key, stored in load_entries(conn, source).items():
        if stored.list_code not in covered:
            continue
        current.add(key)
        last = changed.get(key)
        since = _aware(last[0].detected_at) if last else baselines[stored.list_code]
        announced = (
            last is not None
            and str(last[1].kind) == "entity.added"
            and not last[1].data.get("confirms")
        )
        out.append(sighting(stored, since, announced, last[1].key if last else None))
    for row, event in removed:
        if event.list_code in covered and event.key not in current and event.entity is not None:
            out.append(_removed(source, row, event))
    return out, covered


def _ecfr_sightings(conn: Connection, lists: Iterable[str]) -> tuple[list[Sighting], set[str]]:
    return _snapshot_sightings(
        conn,
        "ecfr",
        lists,
        lambda stored, since, announced, event_key: record_sighting(
            ListRecord.from_json(stored.data), since, announced=announced, event_key=event_key
        ),
    )


def _csl_sightings(conn: Connection, lists: Iterable[str]) -> tuple[list[Sighting], set[str]]:
    # a CSL sighting always names a key: its entry's own when no event changed it
    return _snapshot_sightings(
        conn,
        "csl",
        lists,
        lambda stored, since, announced, event_key: csl_sighting(
            entry_from_json(stored.data),
            since,
            announced=announced,
            event_key=event_key or stored.key,
        ),
    )


def record_sighting(
    record: ListRecord,
    since: datetime | None,
    *,
    announced: bool = False,
    event_key: str | None = None,
) -> Sighting:
    """What the eCFR shows of one codified entry, as the ``ecfr`` source stored it."""
    details = record.details
    return Sighting(
        view="ecfr",
        list_code=record.list_code,
        country=record.country,
        name=record.name,
        aliases=record.aliases,
        citations=tuple(details.get("federal_register_citations") or ()),
        listed=True,
        since=since,
        announced=announced,
        event_key=event_key,
        license_requirement=details.get("license_requirement"),
        license_review_policy=details.get("license_review_policy"),
        entity=record.entity(),
    )


def ecfr_sighting(
    entry: CodifiedEntry,
    since: datetime | None,
    *,
    announced: bool = False,
    event: ChangeEvent | None = None,
) -> Sighting:
    """What the eCFR shows of one codified entry."""
    return Sighting(
        view="ecfr",
        list_code=entry.list_code,
        country=entry.country,
        name=entry.name,
        aliases=entry.aliases,
        citations=tuple(str(c) for c in entry.citations),
        listed=True,
        since=since,
        announced=announced,
        event_key=event.key if event else None,
        license_requirement=entry.license_requirement,
        license_review_policy=entry.license_review_policy,
        entity=event.entity if event and event.entity else Entity(entry.name, entry.aliases),
    )


def csl_sighting(
    entry: CslEntry,
    since: datetime | None,
    *,
    announced: bool = False,
    event_key: str | None = None,
) -> Sighting:
    """What the CSL shows of one of its entries."""
    details = entry.details()
    return Sighting(
        view="csl",
        list_code=entry.list_code,
        country=entry.country,
        name=entry.name,
        aliases=entry.aliases,
        citations=tuple(details.get("federal_register_citations") or ()),
        listed=True,
        since=since,
        announced=announced,
        event_key=event_key,
        license_requirement=details.get("license_requirement"),
        license_review_policy=details.get("license_review_policy"),
        entity=Entity(entry.name, entry.aliases, entry.addresses, details),
    )


def _removed(view: str, row: StoredEvent, event: ChangeEvent) -> Sighting:
    entity = event.entity
    assert entity is not None
    return Sighting(
        view=view,
        list_code=event.list_code or "",
        country=event.country,
        name=entity.name,
        aliases=entity.aliases,
        citations=tuple(_details(entity, "federal_register_citations") or ()),
        listed=False,
        since=_aware(row.detected_at),
        announced=True,
        event_key=event.key,
        entity=entity,
    )


def _as_of(conn: Connection, name: str) -> datetime | None:
    return _aware(last_success_at(conn, name))


def _documents(conn: Connection) -> tuple[tuple[int, int, int, str], ...]:
    """The pages of every Federal Register document regwatch read."""
    out = []
    for _, event in _heads(conn, "federal_register"):
        if str(event.kind) != "document.published" or not event.document_number:
            continue
        first, last = event.data.get("start_page"), event.data.get("end_page")
        volume = (event.citation or "").split(" FR ")[0]
        if isinstance(first, int) and volume.isdigit():
            end = last if isinstance(last, int) else first
            out.append((int(volume), first, end, event.document_number))
    return tuple(out)


def load_views(conn: Connection, lists: Iterable[str]) -> ViewData:
    """Every sighting of the ``lists`` in the three views, and what is known of the views."""
    codes = list(lists)
    if not any(code in _baselines(conn, view) for view in ("ecfr", "csl") for code in codes):
        # no view to compare the rules with (neither the eCFR nor the CSL was read): nothing
        # can lag or disagree, and the rules are not loaded at all
        return ViewData([], Views(as_of={}, lists={}))
    rules = _rule_sightings(conn, codes)
    ecfr, ecfr_lists = _ecfr_sightings(conn, codes)
    csl, csl_lists = _csl_sightings(conn, codes)
    views = Views(
        as_of={"ecfr": _as_of(conn, "ecfr"), "csl": _as_of(conn, "csl")},
        lists={"ecfr": frozenset(ecfr_lists), "csl": frozenset(csl_lists)},
        documents=_documents(conn),
    )
    return ViewData([*rules, *ecfr, *csl], views)


def open_findings(conn: Connection) -> dict[str, str]:
    """``{event key: kind}`` of every finding reported and not resolved."""
    out = {}
    for _, event in _heads(conn, "reconcile", "reconcile:"):
        if str(event.kind) != "listing.resolved":
            out[event.key] = str(event.kind)
    return out
