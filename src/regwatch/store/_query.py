"""Filtering the change log: what ``regwatch events`` and the Python API ask the store for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, String, and_, cast, func, select, text

from ._search import fts_query, normalize_text, query_terms
from .tables import COMPANY, EVENT, MATCH

__all__ = ["EventQuery", "build_select"]


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


def build_select(query: EventQuery, dialect: str) -> Select[Any]:
    """The SELECT for ``query`` on ``dialect`` (``sqlite`` or ``postgresql``), newest first."""
    table = EVENT
    when = table.c.event_on
    conditions: list[Any] = []
    if query.since:
        conditions.append(when >= query.since)
    if query.until:
        conditions.append(when <= query.until)
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
    if query.q:
        conditions.append(_search_condition(query.q, dialect))
    if query.company:
        conditions.append(_company_condition(query.company))
    stmt = select(table).where(*conditions).order_by(when.desc(), table.c.id.desc())
    if query.limit:
        stmt = stmt.limit(query.limit)
    return stmt


def _company_condition(company: str) -> Any:
    table = EVENT
    match = MATCH
    companies = COMPANY
    return table.c.id.in_(
        select(match.c.event_id)
        .join(companies, companies.c.id == match.c.company_id)
        .where(companies.c.name == company)
    )


def _search_condition(q: str, dialect: str) -> Any:
    table = EVENT
    if dialect == "sqlite":
        match = fts_query(q)
        if match is None:
            return text("0")
        return table.c.id.in_(
            select(text("rowid"))
            .select_from(text("event_fts"))
            .where(text("event_fts MATCH :fts_q").bindparams(fts_q=match))
        )
    # PostgreSQL: every term as a case-insensitive substring of the searchable text.
    haystack = func.concat_ws(
        " ",
        table.c.title,
        table.c.summary,
        table.c.document_number,
        table.c.citation,
        cast(table.c.entity, String),
    )
    terms = [t for t in (normalize_text(t).rstrip("*") for t in query_terms(q)) if t]
    if not terms:
        return text("false")
    return and_(*[haystack.ilike(f"%{_escape_like(t)}%", escape="\\") for t in terms])


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
