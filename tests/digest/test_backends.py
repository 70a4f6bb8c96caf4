"""The outbox on both backends, SQLite and PostgreSQL: the migration, the constraints, a planner
racing another, and a delivery with a retry (the daemon's store may be either)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from regwatch.digest import _outbox, list_deliveries, send_due
from regwatch.store import Store
from regwatch.store._delivery import Delivery, DeliveryMatch
from tests.digest.conftest import NOW, smtp_mail
from tests.support.digestdata import add_recipient, seed_sample
from tests.support.smtpserver import free_port


@pytest.fixture
def db_store(db_url):
    """A fresh database: SQLite, then PostgreSQL (marked ``postgres``)."""
    with Store.open(db_url, create=True) as store:
        yield store


def test_delivery_with_a_retry(db_store, config, mail_server, tmp_path):
    seeded = seed_sample(db_store)
    add_recipient(
        db_store, seeded["company_id"], "legal@acme.example", cadence="daily", timezone="Asia/Tokyo"
    )
    port = free_port()
    server = mail_server(port=port, start=False)
    mail = smtp_mail(port, tmp_path)
    first = send_due(db_store, config.general.digest, NOW, mail=mail)
    assert [o.status for o in first.outcomes] == ["failed"]
    server.start()
    second = send_due(db_store, config.general.digest, NOW + timedelta(minutes=2), mail=mail)
    assert [(o.status, o.attempts) for o in second.outcomes] == [("sent", 2)]
    assert (
        send_due(db_store, config.general.digest, NOW + timedelta(hours=1), mail=mail).outcomes
        == []
    )
    assert len(server.received) == 1
    html = server.received[0].message.get_body(("html",)).get_content()
    # data.pdf_url is read with a JSON path on both backends
    assert 'href="https://www.govinfo.gov/content/pkg/FR-2023-02-01/pdf/2023-02130.pdf"' in html
    (record,) = list_deliveries(db_store)
    assert record["match_ids"] == sorted(seeded["matches"]) and record["status"] == "sent"


def test_constraints_and_a_concurrent_planner(db_store, config):
    seeded = seed_sample(db_store)
    add_recipient(db_store, seeded["company_id"], "legal@acme.example")
    with db_store.write() as conn:
        planned, _ = _outbox._plan(conn, config.general.digest, NOW, None)
    (plan,) = planned
    with db_store.write() as conn:
        assert len(_outbox._insert(conn, [plan], NOW, "example.org")) == 1
        # a second planner that saw the same state: its savepoint rolls back, nothing doubles
        assert _outbox._insert(conn, [plan], NOW, "example.org") == []
    with db_store.read() as conn:
        rows = conn.execute(select(Delivery.__table__)).all()
    assert len(rows) == 1
    values = {
        c: getattr(rows[0], c)
        for c in (
            "recipient_id",
            "company_id",
            "email",
            "period",
            "scheduled_for",
            "match_count",
            "created_at",
        )
    }
    with pytest.raises(IntegrityError), db_store.write() as conn:
        conn.execute(insert(Delivery.__table__).values(message_id="<x@y>", **values))


def test_a_batch_with_one_delivery_another_run_wrote_keeps_the_others(db_store, config):
    """The deliveries of a run are written in one statement; when a constraint refuses it
    (another run wrote one of them), the others are written one by one, that one left out."""
    seeded = seed_sample(db_store)
    for name in ("legal", "ops", "trade"):
        add_recipient(db_store, seeded["company_id"], f"{name}@acme.example")
    with db_store.write() as conn:
        planned, _ = _outbox._plan(conn, config.general.digest, NOW, None)
    assert len(planned) == 3
    taken = planned[1]
    with db_store.write() as conn:  # the other run
        assert len(_outbox._insert(conn, [taken], NOW, "example.org")) == 1
    with db_store.write() as conn:
        written = _outbox._insert(conn, planned, NOW, "example.org")
    assert [plan.person.email for _, plan in written] == [
        planned[0].person.email,
        planned[2].person.email,
    ]
    with db_store.read() as conn:
        rows = conn.execute(select(Delivery.__table__)).all()
        links = conn.execute(select(DeliveryMatch.__table__)).all()
    assert sorted(r.email for r in rows) == sorted(p.person.email for p in planned)
    # each delivery carries its own matches, once
    assert len(links) == sum(len(p.digest.match_ids) for p in planned)
    assert {(link.recipient_id, link.match_id) for link in links} == {
        (p.person.id, m) for p in planned for m in p.digest.match_ids
    }
