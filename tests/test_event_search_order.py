"""A full-text search is read from the index newest first: the same events, in the same order,
as the filters without the text, page by page, under every filter combination."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from alembic import command
from sqlalchemy import text

from regwatch.events import ChangeEvent, EventKind
from regwatch.store import EventQuery, Store, _migrate
from regwatch.store._api import events_page
from regwatch.store._query import EventCursor, order_key
from tests.support.digestdata import add_company, add_events, add_match, add_watch_item

START = date(2024, 3, 1)


def _events(count: int, prefix: str = "e") -> list[ChangeEvent]:
    """Dates that jump back and forth (later ids are often older), several per day, and every
    third title with the searched word."""
    return [
        ChangeEvent(
            source=("federal_register", "meti", "ofac")[n % 3],
            kind=(EventKind.ENTITY_ADDED, EventKind.DOCUMENT_PUBLISHED)[n % 2],
            key=f"{prefix}:{n}",
            title=f"{'Semiconductor' if n % 3 == 0 else 'Other'} notice {n}",
            published_on=START + timedelta(days=(n * 7) % 23),
            list_code=("EL", "SDN", None, "MEU")[n % 4],
            country=("CN", "RU", "cn")[n % 3 if n % 5 else 1],
        )
        for n in range(count)
    ]


@pytest.fixture
def seeded(db_url):
    with Store.open(db_url, create=True) as store:
        ids = add_events(store, _events(90))
        company = add_company(store, "Acme Corp")
        item = add_watch_item(store, company, "keyword", "notice")
        for event_id in ids[::4]:
            add_match(store, event_id, company, item)
        yield store


FILTERS: dict[str, list[object]] = {
    "since": [START + timedelta(days=5)],
    "until": [START + timedelta(days=15)],
    "sources": [("meti", "ofac")],
    "kinds": [("entity.added",)],
    "lists": [("el", "MEU")],
    "countries": [("cn",)],
    "company": ["Acme Corp"],
}


def _combinations() -> list[dict[str, object]]:
    names = list(FILTERS)
    found = []
    for size in (0, 1, 2, 3, len(names)):
        for chosen in itertools.combinations(names, size):
            found.append({name: FILTERS[name][0] for name in chosen})
    return found


def _all_pages(store: Store, query: EventQuery, size: int) -> list[int]:
    seen: list[int] = []
    after: EventCursor | None = None
    for _ in range(100):
        with store.read() as conn:
            page, after = events_page(conn, query, after, size)
        seen.extend(e.id for e in page)
        if after is None:
            return seen
    raise AssertionError("paging did not end")


def test_search_agrees_with_the_filters_in_order_and_by_page(seeded):
    for filters in _combinations():
        plain = seeded.events(EventQuery(**filters))  # type: ignore[arg-type]
        expected = [e.id for e in plain if "Semiconductor" in (e.event.title or "")]
        query = EventQuery(q="semiconductor", **filters)  # type: ignore[arg-type]
        found = seeded.events(query)
        assert [e.id for e in found] == expected, filters
        assert _all_pages(seeded, query, 4) == expected, filters
        assert [e.id for e in seeded.events(EventQuery(q="semiconductor", limit=3, **filters))] == (
            expected[:3]
        ), filters  # fmt: skip
    everything = seeded.events(EventQuery(q="semiconductor"))
    assert len(everything) == 30
    days = [(e.event.published_on, e.id) for e in everything]
    assert days == sorted(days, reverse=True)
    assert days != sorted(days, key=lambda d: d[1], reverse=True), "ids already in date order"


def test_a_search_page_after_a_cursor_ignores_events_inserted_before_it(seeded):
    query = EventQuery(q="semiconductor")
    with seeded.read() as conn:
        first, after = events_page(conn, query, None, 5)
    assert after is not None
    # newer, older and same-day events, all with the word, arrive between two pages
    late = add_events(seeded, _events(30, prefix="late"))
    with seeded.read() as conn:
        second, _ = events_page(conn, query, after, 500)
    rest = [e.id for e in second]
    last = (after.event_on, after.id)
    expected = [e.id for e in seeded.events(query) if (e.event.published_on, e.id) < last]
    assert rest == expected
    assert not {e.id for e in first} & set(rest)
    assert set(late) & set(rest), "no late event falls after the cursor"


def test_an_empty_or_syntax_only_query_finds_nothing(seeded):
    assert seeded.events(EventQuery(q='""')) == []
    assert seeded.events(EventQuery(q="-", since=START)) == []


def test_the_upgrade_rekeys_an_existing_index(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    with Store.open(url, create=True) as store:
        ids = add_events(store, _events(40))
        expected = [e.id for e in store.events(EventQuery(q="semiconductor"))]
        with store.engine.connect() as conn, conn.begin():
            command.downgrade(_migrate._config(conn), "0007_channels")
        with store.read() as conn:
            rowids = [r[0] for r in conn.execute(text("SELECT rowid FROM event_fts ORDER BY 1"))]
        assert rowids == sorted(ids)  # before: the event id
    with Store(url) as store:
        store.init()
        with store.read() as conn:
            rows = conn.execute(text("SELECT id, event_on FROM event")).all()
            rowids = [r[0] for r in conn.execute(text("SELECT rowid FROM event_fts ORDER BY 1"))]
        assert rowids == sorted(order_key(date.fromisoformat(day), i) for i, day in rows)
        assert [e.id for e in store.events(EventQuery(q="semiconductor"))] == expected


def test_an_order_key_keeps_the_date_first_then_the_id():
    assert order_key(date(2024, 1, 2), 1) > order_key(date(2024, 1, 1), 2**32 - 1)
    assert order_key(date(2024, 1, 1), 5) > order_key(date(2024, 1, 1), 4)
    with pytest.raises(ValueError, match="out of range"):
        order_key(date(2024, 1, 1), 2**32)


def test_a_postgresql_search_can_be_answered_from_the_trigram_index(db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    from sqlalchemy.dialects import postgresql

    from regwatch.store._query import build_select

    with Store.open(db_url, create=True) as store:
        add_events(store, _events(30))
        stmt = build_select(EventQuery(q="semiconductor", limit=50), "postgresql")
        literal = {"literal_binds": True}
        sql = str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs=literal))
        with store.read() as conn:
            # with only index lookups allowed, the plan shows whether the search's expression
            # is the indexed one (a small table is otherwise read whole, index or not)
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            conn.exec_driver_sql("SET LOCAL enable_indexscan = off")
            plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {sql}"))
            found = conn.execute(stmt).all()
    assert "ix_event_search_trgm" in plan, plan
    assert len(found) == 10
