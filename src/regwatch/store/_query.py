"""Filtering the change log: what ``regwatch events``, the Python API and the HTTP API ask the
store for, newest first (by the event's date, then by id).

On SQLite a full-text query is answered from the index in that order: the ``event_fts`` row of an
event has the *order key* of the event as its rowid (the event's date in the high bits, its id in
the low 32, see :func:`order_key`), so FTS5 hands out the newest hits first and a page of 50 stops
after the first 50 hits that pass the other filters, instead of collecting every hit and sorting
them.  The date window and the page cursor become rowid ranges of the same index.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    String,
    and_,
    column,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
)

from ._search import fts_query, normalize_text, query_terms
from .tables import COMPANY, EVENT, MATCH

__all__ = ["EventCursor", "EventQuery", "build_select", "order_key"]

#: the bits of an order key that hold the event id
_ID_BITS = 32
_ID_MASK = (1 << _ID_BITS) - 1

_FTS = table("event_fts", column("rowid", Integer))


@dataclass(frozen=True)
class EventQuery:
    """A filter over stored events; every field left at its default does not filter.

    Every value is checked when the query is made: an unknown source, kind, list or country, or
    an inverted date range, raises :class:`~regwatch.exceptions.QueryError` saying what it
    likely meant, rather than matching nothing.  A single value may be given for a tuple field
    (``kinds="entity.added"``); country names are resolved to ISO codes (``China`` is ``CN``).

    :param since: events on or after this date (the publication date, or for events without
        one, the date regwatch detected them)
    :param until: events on or before this date (same date as ``since``)
    :param q: full-text terms, all of which must occur (English words or Japanese of any length)
    :param limit: at most this many events, newest first; ``None`` for all
    """

    since: date | None = None
    until: date | None = None
    sources: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    lists: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    q: str | None = None
    key: str | None = None
    #: only events with matches for the company of this name
    company: str | None = None
    limit: int | None = None

    def __post_init__(self) -> None:
        from ._query_check import checked_fields

        for name, value in checked_fields(self).items():
            object.__setattr__(self, name, value)


@dataclass(frozen=True)
class EventCursor:
    """The last event of a page: the next page starts after it (newest first)."""

    event_on: date
    id: int


def order_key(event_on: date, event_id: int) -> int:
    """The rowid of an event's full-text row: larger for a later date, then for a larger id.

    :raises ValueError: for an id that does not fit in the key's 32 id bits
    """
    if not 0 <= event_id <= _ID_MASK:
        raise ValueError(f"event id {event_id} out of range for an order key")
    return (event_on.toordinal() << _ID_BITS) | event_id


def build_select(query: EventQuery, dialect: str, after: EventCursor | None = None) -> Select[Any]:
    """The SELECT for ``query`` on ``dialect`` (``sqlite`` or ``postgresql``), newest first,
    starting after ``after`` when given."""
    conditions = _filters(query)
    if query.q and dialect == "sqlite":
        stmt = _fts_select(query, conditions, after)
    else:
        when = EVENT.c.event_on
        if query.since:
            conditions.append(when >= query.since)
        if query.until:
            conditions.append(when <= query.until)
        if query.q:
            conditions.append(_pg_search_condition(query.q))
        if after is not None:
            conditions.append(
                or_(when < after.event_on, and_(when == after.event_on, EVENT.c.id < after.id))
            )
        stmt = select(EVENT).where(*conditions).order_by(when.desc(), EVENT.c.id.desc())
    if query.limit:
        stmt = stmt.limit(query.limit)
    return stmt


def _filters(query: EventQuery) -> list[Any]:
    """The conditions on the event row itself (all but the dates and the text)."""
    table = EVENT
    conditions: list[Any] = []
    if query.sources:
        conditions.append(table.c.source.in_(query.sources))
    if query.kinds:
        conditions.append(table.c.kind.in_(query.kinds))
    if query.lists:
        conditions.append(func.upper(table.c.list_code).in_([v.upper() for v in query.lists]))
    if query.countries:
        conditions.append(func.upper(table.c.country).in_([v.upper() for v in query.countries]))
    if query.key:
        conditions.append(table.c.key == query.key)
    if query.company:
        conditions.append(_company_condition(query.company))
    return conditions


def _fts_select(query: EventQuery, conditions: list[Any], after: EventCursor | None) -> Select[Any]:
    """Walk the full-text index newest first, joining each hit to its event by primary key."""
    assert query.q is not None
    match = fts_query(query.q)
    if match is None:
        return select(EVENT).where(text("0"))
    hit = _FTS.c.rowid
    conditions.append(text("event_fts MATCH :fts_q").bindparams(fts_q=match))
    if query.since:
        conditions.append(hit >= order_key(query.since, 0))
    if query.until:
        conditions.append(hit <= order_key(query.until, _ID_MASK))
    if after is not None:
        conditions.append(hit < order_key(after.event_on, after.id))
    return (
        select(EVENT)
        .select_from(_FTS.join(EVENT, EVENT.c.id == hit.op("&")(_ID_MASK)))
        .where(*conditions)
        .order_by(hit.desc())
    )


def _company_condition(company: str) -> Any:
    table = EVENT
    match = MATCH
    companies = COMPANY
    return table.c.id.in_(
        select(match.c.event_id)
        .join(companies, companies.c.id == match.c.company_id)
        .where(companies.c.name == company)
    )


#: what a PostgreSQL search looks in; migration 0009 indexes this very expression (trigrams, so
#: that ``ILIKE '%term%'`` finds its rows from the index instead of reading every event)
PG_SEARCH_TEXT = (
    "(coalesce(event.title, '') || ' ' || coalesce(event.summary, '') || ' ' || "
    "coalesce(event.document_number, '') || ' ' || coalesce(event.citation, '') || ' ' || "
    "coalesce(event.entity::text, ''))"
)


def _pg_search_condition(q: str) -> Any:
    """PostgreSQL: every term as a case-insensitive substring of the searchable text."""
    haystack = literal_column(PG_SEARCH_TEXT, String)
    terms = [t for t in (normalize_text(t).rstrip("*") for t in query_terms(q)) if t]
    if not terms:
        return text("false")
    return and_(*[haystack.ilike(f"%{_escape_like(t)}%", escape="\\") for t in terms])


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
