"""The store on a real SQLite file: atomic batches, revisions, search, concurrency."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import text

import regwatch.store as store_module
from regwatch.events import ChangeEvent, Entity, EventKind
from regwatch.exceptions import SchemaOutOfDate, StoreError
from regwatch.model import Changes
from regwatch.sources import Payload
from regwatch.store import Batch, EventQuery, Store
from regwatch.timeutil import utcnow
from tests.support.fake_fr import FakeFederalRegister, bis_documents, load_template_records


@pytest.fixture
def store(db_url):
    with Store.open(db_url, create=True) as s:
        yield s


def event(key, title="A title", **kw):
    return ChangeEvent(
        source="test", kind=kw.pop("kind", EventKind.DOCUMENT_PUBLISHED), key=key, title=title, **kw
    )


def save(store, *events, source="test"):
    payload = Payload(url="http://example/x", body=b"x", fetched_at=utcnow())
    return store.save_batch(
        Batch(
            source=source,
            payloads=[payload],
            changes=Changes(events=[(0, e) for e in events]),
            started_at=utcnow(),
        )
    )


def test_new_unchanged_and_revised(store):
    first = save(store, event("k1"), event("k2"))
    assert len(first.new_ids) == 2 and first.unchanged == 0
    same = save(store, event("k1"), event("k2"))
    assert (same.new_ids, same.revised_ids, same.unchanged) == ([], [], 2)
    changed = save(store, event("k1", title="A new title"), event("k2"))
    assert len(changed.revised_ids) == 1 and changed.unchanged == 1
    revision = store.event(changed.revised_ids[0])
    assert revision.revision == 2
    assert revision.previous_id == first.new_ids[0]
    assert revision.event.changes == {"title": ["A title", "A new title"]}
    assert [r.revision for r in store.revisions("k1")] == [1, 2]


def test_source_given_changes_are_kept(store):
    save(store, event("e", kind=EventKind.ENTITY_ADDED, entity=Entity("ACME", ("A1",))))
    result = save(
        store,
        event(
            "e",
            kind=EventKind.ENTITY_REVISED,
            entity=Entity("ACME", ("A2",)),
            changes={"aliases": [["A1"], ["A2"]]},
        ),
    )
    assert store.event(result.revised_ids[0]).event.changes == {"aliases": [["A1"], ["A2"]]}


def test_provisional_never_replaces_final(store):
    save(store, event("fr:1", title="filing", provisional=True))
    final = save(store, event("fr:1", title="published"))
    assert len(final.revised_ids) == 1
    again = save(store, event("fr:1", title="filing", provisional=True))
    assert (again.new_ids, again.revised_ids) == ([], [])
    # in one batch, the final version wins whatever the order
    both = save(
        store, event("fr:2", title="published 2"), event("fr:2", title="filing 2", provisional=True)
    )
    assert store.event(both.new_ids[0]).event.title == "published 2"


def test_a_crash_mid_batch_leaves_the_database_as_it_was(
    cli, tmp_path, http_server, shared_fixtures, monkeypatch
):
    fake = FakeFederalRegister(
        http_server,
        bis_documents(
            load_template_records(shared_fixtures), 8, utcnow().date() - timedelta(days=5)
        ),
    ).mount()
    (tmp_path / "sources.yaml").write_text(
        f"http: {{min_interval: 0}}\nfederal_register:\n  base_url: {fake.base_url}\n"
        "  public_inspection: false\n"
    )
    original = store_module.apply_intents

    def crash_after_writing(*args, **kwargs):
        original(*args, **kwargs)  # the event rows are written ...
        raise RuntimeError("injected crash")  # ... then the process "dies" before commit

    monkeypatch.setattr(store_module, "apply_intents", crash_after_writing)
    failed = cli("poll")
    assert failed.code == 1 and "injected crash" in failed.stderr
    db = f"sqlite:///{tmp_path / 'regwatch.db'}"
    with Store.open(db) as s:
        assert s.count_events() == 0
        assert s.source_state("federal_register").cursor == {}
        with s.read() as conn:
            assert conn.execute(text("SELECT count(*) FROM payload")).scalar() == 0
            assert conn.execute(text("SELECT count(*) FROM event_fts")).scalar() == 0
    monkeypatch.setattr(store_module, "apply_intents", original)
    assert "8 new" in cli("poll").stdout
    with Store.open(db) as s:
        assert s.count_events() == 8
        assert s.source_state("federal_register").cursor != {}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("改正", {"jp1"}),  # two characters inside a longer run
        ("法", {"jp1", "jp2"}),  # one character
        ("銀行法", {"jp1"}),
        ("行法施", {"jp1"}),
        ("ｶﾞｲﾄﾞﾗｲﾝ", {"jp2"}),  # half-width katakana finds the normal form
        ("semiconductor", {"en1"}),
        ("SEMICONDUCTOR export", {"en1"}),
        ("semicond*", {"en1"}),
        ('"entity list"', {"en2"}),
        ("Regulation S-P", {"en2"}),
        ("AND", set()),  # FTS syntax in user input is just a word
        ("huawei", {"en3"}),  # entity names and aliases are searchable
        ("华为", {"en3"}),
    ],
)
def test_full_text_search(store, query, expected):
    save(
        store,
        event("jp1", title="銀行法施行規則の改正について"),
        event("jp2", title="外為法のガイドライン"),
        event("en1", title="Export controls on semiconductor manufacturing items"),
        event("en2", title="Additions to the Entity List", summary="See Regulation S-P."),
        event(
            "en3",
            title="Entity added",
            kind=EventKind.ENTITY_ADDED,
            entity=Entity("Huawei Technologies Co., Ltd.", ("华为技术有限公司",)),
        ),
    )
    assert {e.event.key for e in store.events(EventQuery(q=query))} == expected


def test_filters_combine(store):
    save(
        store,
        event(
            "a",
            kind=EventKind.ENTITY_ADDED,
            list_code="EL",
            country="CN",
            published_on=date(2024, 5, 1),
        ),
        event(
            "b",
            kind=EventKind.ENTITY_ADDED,
            list_code="EL",
            country="RU",
            published_on=date(2024, 5, 2),
        ),
        event(
            "c",
            kind=EventKind.ENTITY_REMOVED,
            list_code="MEU",
            country="CN",
            published_on=date(2024, 6, 1),
        ),
    )
    keys = lambda q: [e.event.key for e in store.events(q)]  # noqa: E731
    assert keys(EventQuery(kinds=("entity.added",), lists=("el",), countries=("cn",))) == ["a"]
    assert keys(EventQuery(since=date(2024, 5, 2))) == ["c", "b"]
    assert keys(EventQuery(until=date(2024, 5, 1))) == ["a"]
    assert keys(EventQuery(limit=1)) == ["c"]
    assert keys(EventQuery(countries=("CN",))) == ["c", "a"]


def test_a_reader_is_not_blocked_by_an_open_write_transaction(store):
    save(store, event("k1"))
    holding = threading.Event()
    release = threading.Event()

    def writer():
        with store.write() as conn:
            conn.execute(text("UPDATE source_state SET consecutive_failures = 0"))
            holding.set()
            release.wait(5)

    thread = threading.Thread(target=writer)
    thread.start()
    assert holding.wait(5)
    started = time.monotonic()
    assert [e.event.key for e in store.events()] == ["k1"]
    waited = time.monotonic() - started
    release.set()
    thread.join()
    assert waited < 2  # a reader never waits for the writer's busy timeout (30 s)


def test_concurrent_writers_wait_instead_of_failing(store):
    errors = []

    def write(n):
        try:
            save(store, event(f"k{n}"), source=f"s{n % 3}")
        except Exception as exc:  # pragma: no cover - the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert store.count_events() == 10


def test_opening_a_missing_or_empty_database_says_run_init(tmp_path):
    with pytest.raises(StoreError, match="regwatch init"):
        Store.open(f"sqlite:///{tmp_path / 'missing.db'}")
    (tmp_path / "empty.db").touch()
    with pytest.raises(SchemaOutOfDate, match="regwatch init"):
        Store.open(f"sqlite:///{tmp_path / 'empty.db'}")


def test_an_older_schema_is_refused_until_init(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    with Store.open(url, create=True) as s, s.write() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffffffff_future'"))
    with pytest.raises(StoreError, match="newer regwatch"):
        Store.open(url)


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(store):
    if store.dialect != "sqlite":
        pytest.skip("SQLite only")
    with store.read() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_an_older_schema_is_refused_until_init_upgrades_it(db_url):
    from alembic import command

    from regwatch.store import _migrate

    with Store.open(db_url, create=True) as s, s.engine.connect() as conn, conn.begin():
        command.downgrade(_migrate._config(conn), "0001_initial")
    with pytest.raises(SchemaOutOfDate, match="back it up, then run `regwatch init`"):
        Store.open(db_url)
    with Store(db_url) as s:
        before, after = s.init()
    assert before == "0001_initial" and after == _migrate.head_revision()
    Store.open(db_url).close()
