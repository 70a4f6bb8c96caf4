"""Every restricted-party list regwatch holds: its size, its newest change, who reads it.

What ``regwatch sources`` shows per list.  A list is any ``list_code`` that has listed parties
or events; a list written by several sources (the Entity List, from the Federal Register and the
CSL) names each of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, select

from .tables import EVENT, LISTED_ENTITY

__all__ = ["ListSummary", "list_summaries"]


@dataclass(frozen=True)
class ListSummary:
    list_code: str
    #: parties listed now
    size: int
    #: the sources that write the list (listed parties or events)
    sources: tuple[str, ...]
    #: the newest event about the list: when regwatch saw it, and the date it carries
    newest_change_at: datetime | None
    newest_change_on: date | None

    def to_json(self) -> dict[str, Any]:
        return {
            "list": self.list_code,
            "size": self.size,
            "sources": list(self.sources),
            "newest_change_at": self.newest_change_at.isoformat()
            if self.newest_change_at
            else None,
            "newest_change_on": self.newest_change_on.isoformat()
            if self.newest_change_on
            else None,
        }


def list_summaries(conn: Connection) -> list[ListSummary]:
    """One summary per list code, sorted by code."""
    sizes: dict[str, int] = {}
    sources: dict[str, set[str]] = {}
    listed = select(LISTED_ENTITY.c.list_code, LISTED_ENTITY.c.source, func.count()).group_by(
        LISTED_ENTITY.c.list_code, LISTED_ENTITY.c.source
    )
    for code, source, count in conn.execute(listed):
        sizes[code] = sizes.get(code, 0) + int(count)
        sources.setdefault(code, set()).add(source)
    newest: dict[str, tuple[datetime | None, date | None]] = {}
    changes = (
        select(
            EVENT.c.list_code,
            EVENT.c.source,
            func.max(EVENT.c.detected_at),
            func.max(func.coalesce(EVENT.c.effective_on, EVENT.c.published_on)),
        )
        .where(EVENT.c.list_code.is_not(None))
        .group_by(EVENT.c.list_code, EVENT.c.source)
    )
    for code, source, seen, day in conn.execute(changes):
        sources.setdefault(code, set()).add(source)
        at, on = newest.get(code, (None, None))
        seen_at = _datetime(seen)
        day_on = _date(day)
        newest[code] = (
            max(filter(None, (at, seen_at)), default=None),
            max(filter(None, (on, day_on)), default=None),
        )
    return [
        ListSummary(
            code,
            sizes.get(code, 0),
            tuple(sorted(sources.get(code, ()))),
            *newest.get(code, (None, None)),
        )
        for code in sorted(set(sizes) | set(newest))
    ]


def _datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
