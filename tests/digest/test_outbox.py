"""The durable outbox, end to end through a real SMTP server on 127.0.0.1: what is due, what is
sent, exactly once, retried on failure, never blocked by another recipient."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from regwatch.digest import list_deliveries, send_due
from regwatch.digest._smtp import SmtpTransport
from regwatch.events import ChangeEvent, Entity, EventKind
from regwatch.exceptions import ConfigError
from regwatch.store import Store
from regwatch.store._delivery import Delivery, DeliveryMatch
from regwatch.store._schema import Recipient, WatchItem
from tests.digest.conftest import NOW, smtp_mail
from tests.support.digestdata import (
    add_company,
    add_events,
    add_match,
    add_recipient,
    add_watch_item,
    seed_sample,
)
from tests.support.smtpserver import free_port

DAILY = {"cadence": "daily", "at": "08:00", "timezone": "Asia/Tokyo"}


def deliveries(store: Store) -> list:
    with store.read() as conn:
        return list(conn.execute(select(Delivery.__table__).order_by(Delivery.__table__.c.id)))


def events(n: int, prefix: str = "x") -> list[ChangeEvent]:
    return [
        ChangeEvent(
            source="federal_register",
            kind=EventKind.ENTITY_ADDED,
            key=f"el:{prefix}{i}",
            title="Additions to the Entity List",
            list_code="EL",
            country="CN",
            entity=Entity(f"Example {prefix.upper()}{i} Co., Ltd."),
        )
        for i in range(n)
    ]


@pytest.fixture
def acme(store):
    """Acme Corp with the seven sample events and eight matches, and two daily recipients."""
    seeded = seed_sample(store)
    company = seeded["company_id"]
    seeded["legal"] = add_recipient(store, company, "legal@acme.example", **DAILY)
    seeded["ops"] = add_recipient(store, company, "ops@acme.example", **DAILY)
    return seeded


def test_a_digest_is_delivered_with_both_parts_and_the_expected_items(
    store, config, acme, mail_server, tmp_path
):
    server = mail_server()
    report = send_due(store, config.general.digest, NOW, mail=smtp_mail(server.port, tmp_path))
    assert [o.status for o in report.outcomes] == ["sent", "sent"]
    assert len(server.received) == 2
    by_rcpt = {r.rcpt_tos[0]: r for r in server.received}
    assert set(by_rcpt) == {"legal@acme.example", "ops@acme.example"}
    message = by_rcpt["legal@acme.example"].message
    assert message.get_content_type() == "multipart/alternative"
    plain, html = message.iter_parts()
    assert (plain.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    text = plain.get_content()
    for expected in [
        "Example Cloud Computing Technologies Co., Ltd.",
        "Example Avionics JSC",
        "Example Trading FZE",
        "Export Controls on Semiconductor Manufacturing Items",
        "外国ユーザーリストを改正しました",
        "Notice of Inquiry on Example Items; Withdrawal",
    ]:
        assert expected in text and expected in html.get_content()
    assert message["Subject"] == (
        "[regwatch] Acme Corp: 2 critical, 1 high, 4 info — Your customer Example Cloud Computing "
        "Co. (CN) was added to the Entity List by 88 FR 6621…"
    )
    assert message["From"] == "regwatch <regwatch@example.org>"
    assert message["To"] == "legal@acme.example"
    rows = deliveries(store)
    assert [r.status for r in rows] == ["sent", "sent"]
    row = next(r for r in rows if r.email == "legal@acme.example")
    assert message["Message-ID"] == row.message_id
    assert message["X-Regwatch-Delivery"] == str(row.id)
    assert row.period == "daily:2026-11-28" and row.attempts == 1
    assert row.subject == message["Subject"] and row.match_count == 8
    assert row.transport == f"smtp://127.0.0.1:{server.port}"
    audit = {d["recipient"]: d for d in list_deliveries(store)}
    assert audit["legal@acme.example"]["match_ids"] == sorted(acme["matches"])


def test_nothing_twice_in_the_same_period_even_after_a_restart(
    store, config, acme, mail_server, tmp_path
):
    server = mail_server()
    mail = smtp_mail(server.port, tmp_path)
    send_due(store, config.general.digest, NOW, mail=mail)
    assert len(server.received) == 2
    # a new match later the same day waits for tomorrow's digest
    company = acme["company_id"]
    (extra,) = add_events(store, events(1, "late"))
    item = add_watch_item(store, company, "keyword", "late")
    add_match(store, extra, company, item, created_at=NOW)
    with Store.open(store.url) as restarted:  # a new process: nothing is remembered in memory
        again = send_due(restarted, config.general.digest, NOW + timedelta(hours=5), mail=mail)
        assert again.outcomes == [] and len(server.received) == 2
        tomorrow = send_due(restarted, config.general.digest, NOW + timedelta(days=1), mail=mail)
    assert [o.period for o in tomorrow.outcomes] == ["daily:2026-11-29"] * 2
    assert [o.matches for o in tomorrow.outcomes] == [1, 1]
    assert len(server.received) == 4
    late = [r for r in server.received[2:]]
    assert all(
        "Example LATE0 Co., Ltd." in r.message.get_body(("plain",)).get_content() for r in late
    )


def test_empty_periods_send_and_write_nothing(store, config, mail_server, tmp_path):
    server = mail_server()
    company = add_company(store, "Quiet Co")
    add_recipient(store, company, "q@quiet.example", **DAILY)
    report = send_due(store, config.general.digest, NOW, mail=smtp_mail(server.port, tmp_path))
    assert report.outcomes == [] and report.ok
    assert deliveries(store) == [] and server.received == []


def test_not_due_before_the_local_time(store, config, acme, mail_server, tmp_path):
    server = mail_server()
    mail = smtp_mail(server.port, tmp_path)
    # 15:30 in Tokyo on the 27th: the matches were made at 21:00 Tokyo time, after the 27th's
    # 08:00 digest was due, so they wait for the 28th's
    early = send_due(store, config.general.digest, NOW - timedelta(hours=18), mail=mail)
    assert early.outcomes == [] and server.received == []


def test_the_server_down_then_up_delivers_exactly_once(store, config, acme, mail_server, tmp_path):
    port = free_port()
    server = mail_server(port=port, start=False)
    mail = smtp_mail(port, tmp_path)
    first = send_due(store, config.general.digest, NOW, mail=mail)
    assert [o.status for o in first.outcomes] == ["failed", "failed"]
    assert not first.ok
    assert all(f"cannot connect to 127.0.0.1:{port}" in o.detail for o in first.outcomes)
    rows = deliveries(store)
    assert [(r.status, r.attempts) for r in rows] == [("failed", 1), ("failed", 1)]
    assert all(r.next_attempt_at == NOW + timedelta(seconds=60) for r in rows)
    # before the backoff is over: nothing is tried, the failures are reported as waiting
    server.start()
    waiting = send_due(store, config.general.digest, NOW + timedelta(seconds=30), mail=mail)
    assert waiting.outcomes == [] and len(waiting.waiting) == 2
    assert server.received == []
    with Store.open(store.url) as restarted:
        retry = send_due(restarted, config.general.digest, NOW + timedelta(seconds=61), mail=mail)
        assert [o.status for o in retry.outcomes] == ["sent", "sent"]
        assert [o.attempts for o in retry.outcomes] == [2, 2]
        later = send_due(restarted, config.general.digest, NOW + timedelta(hours=3), mail=mail)
    assert later.outcomes == []
    assert sorted(r.rcpt_tos[0] for r in server.received) == [
        "legal@acme.example",
        "ops@acme.example",
    ]
    rows = deliveries(store)
    assert [(r.status, r.attempts, r.last_error) for r in rows] == [("sent", 2, None)] * 2


def test_a_refused_recipient_never_blocks_the_others_and_is_retried(
    store, config, acme, mail_server, tmp_path
):
    company = acme["company_id"]
    add_recipient(store, company, "gone@acme.example", **DAILY)
    server = mail_server(refuse={"gone@acme.example"})
    mail = smtp_mail(server.port, tmp_path)
    first = send_due(store, config.general.digest, NOW, mail=mail)
    status = {o.email: o for o in first.outcomes}
    assert status["legal@acme.example"].status == "sent"
    assert status["ops@acme.example"].status == "sent"
    gone = status["gone@acme.example"]
    assert gone.status == "failed" and "550 5.1.1" in gone.detail
    assert sorted(r.rcpt_tos[0] for r in server.received) == [
        "legal@acme.example",
        "ops@acme.example",
    ]
    second = send_due(store, config.general.digest, NOW + timedelta(seconds=61), mail=mail)
    (retried,) = second.outcomes
    assert (retried.email, retried.status, retried.attempts) == ("gone@acme.example", "failed", 2)
    assert retried.next_attempt_at == NOW + timedelta(seconds=61 + 120)  # the delay doubled
    audit = {d["recipient"]: d for d in list_deliveries(store, "Acme Corp")}
    assert audit["gone@acme.example"]["status"] == "failed"
    assert (
        "recipient refused: <gone@acme.example> 550 5.1.1"
        in audit["gone@acme.example"]["last_error"]
    )
    server.refuse.clear()  # the mailbox is back
    third = send_due(store, config.general.digest, NOW + timedelta(seconds=61 + 121), mail=mail)
    assert [(o.email, o.status, o.attempts) for o in third.outcomes] == [
        ("gone@acme.example", "sent", 3)
    ]
    assert len(server.received) == 3  # the others got theirs once


def test_backoff_doubles_and_is_capped(store, config, acme, tmp_path):
    config.general.digest.retry_delay = 10
    config.general.digest.max_retry_delay = 35
    mail = smtp_mail(free_port(), tmp_path)  # nothing listens there
    now = NOW
    waits = []
    for _ in range(4):
        report = send_due(store, config.general.digest, now, mail=mail, company="Acme Corp")
        nxt = report.outcomes[0].next_attempt_at
        waits.append((nxt - now).total_seconds())
        now = nxt
    assert waits == [10, 20, 35, 35]


def test_the_row_is_written_before_the_smtp_call(
    store, config, acme, mail_server, tmp_path, monkeypatch
):
    server = mail_server()
    seen: list[tuple[str, int]] = []

    class Watching(SmtpTransport):
        def send(self, message, message_id, sender, recipients, progress=None):
            with store.read() as conn:
                row = conn.execute(
                    select(Delivery.__table__).where(Delivery.__table__.c.message_id == message_id)
                ).one()
                links = conn.execute(
                    select(DeliveryMatch.__table__).where(
                        DeliveryMatch.__table__.c.delivery_id == row.id
                    )
                ).all()
            seen.append((row.status, len(links)))
            return super().send(message, message_id, sender, recipients, progress)

    import regwatch.digest._settings as settings_module

    monkeypatch.setattr(settings_module, "SmtpTransport", Watching)
    send_due(store, config.general.digest, NOW, mail=smtp_mail(server.port, tmp_path))
    assert seen == [("pending", 8), ("pending", 8)]
    assert [r.status for r in deliveries(store)] == ["sent", "sent"]


def test_accepted_but_not_recorded_is_sent_again_with_the_same_message_id(
    store, config, acme, mail_server, tmp_path, monkeypatch
):
    """The one duplicate SMTP allows: the process dies after the server accepted the message,
    before the row says so.  The lease runs out, the digest goes again, with the same
    Message-ID (mail clients fold such copies).  Losing it would be worse."""
    server = mail_server()
    mail = smtp_mail(server.port, tmp_path)

    class Crash(BaseException):
        pass

    import regwatch.digest._outbox as outbox

    def dying_record(*args, **kwargs):
        raise Crash  # the process "dies" right after the SMTP server accepted

    monkeypatch.setattr(outbox, "_record", dying_record)
    with pytest.raises(Crash):
        send_due(store, config.general.digest, NOW, mail=mail, company="Acme Corp")
    monkeypatch.undo()
    assert len(server.received) == 1
    row = deliveries(store)[0]
    assert row.status == "pending" and row.next_attempt_at > NOW  # leased
    # another run during the lease leaves it alone; after it, the digest goes again
    during = send_due(store, config.general.digest, NOW + timedelta(minutes=1), mail=mail)
    assert row.id not in [o.delivery_id for o in during.outcomes]
    assert len([r for r in server.received if r.rcpt_tos == [row.email]]) == 1
    after = send_due(store, config.general.digest, row.next_attempt_at, mail=mail)
    assert any(o.delivery_id == row.id and o.status == "sent" for o in after.outcomes)
    copies = [r for r in server.received if r.rcpt_tos == [row.email]]
    assert len(copies) == 2
    assert copies[0].message["Message-ID"] == copies[1].message["Message-ID"] == row.message_id


def test_one_recipient_is_never_delivered_the_same_period_or_match_twice(store, acme):
    with store.write() as conn:
        values = {
            "recipient_id": acme["legal"],
            "company_id": acme["company_id"],
            "email": "legal@acme.example",
            "period": "daily:2026-11-28",
            "scheduled_for": NOW,
            "message_id": "<a@b>",
            "match_count": 0,
            "created_at": NOW,
        }
        conn.execute(insert(Delivery.__table__).values(**values))
    with pytest.raises(IntegrityError), store.write() as conn:
        conn.execute(insert(Delivery.__table__).values(**{**values, "message_id": "<c@d>"}))
    with store.write() as conn:
        first = conn.execute(
            insert(Delivery.__table__)
            .values(**{**values, "period": "daily:2026-11-29"})
            .returning(Delivery.__table__.c.id)
        ).scalar_one()
        conn.execute(
            insert(DeliveryMatch.__table__).values(
                delivery_id=first, match_id=acme["matches"][0], recipient_id=acme["legal"]
            )
        )
        second = conn.execute(
            insert(Delivery.__table__)
            .values(**{**values, "period": "daily:2026-11-30"})
            .returning(Delivery.__table__.c.id)
        ).scalar_one()
    with pytest.raises(IntegrityError), store.write() as conn:
        conn.execute(
            insert(DeliveryMatch.__table__).values(
                delivery_id=second, match_id=acme["matches"][0], recipient_id=acme["legal"]
            )
        )


def test_a_second_run_skips_a_delivery_another_run_is_sending(
    store, config, acme, mail_server, tmp_path
):
    server = mail_server()
    mail = smtp_mail(server.port, tmp_path)
    report = send_due(store, config.general.digest, NOW, mail=mail, dry_run=True)
    assert {o.status for o in report.outcomes} == {"would send"}
    assert deliveries(store) == []  # a dry run writes nothing
    # another process planned and claimed the rows (pending, next attempt pushed out)
    from regwatch.digest import _outbox

    with store.write() as conn:
        planned, _ = _outbox._plan(conn, config.general.digest, NOW, None)
        written = [row for row, _ in _outbox._insert(conn, planned, NOW, "example.org")]
    assert len(written) == len(planned) > 1
    for row in written:
        assert _outbox._claim(store, row.delivery_id, NOW, NOW + timedelta(minutes=5))
    second = send_due(store, config.general.digest, NOW, mail=mail)
    assert second.outcomes == [] and server.received == []


def test_tier_sources_status_and_active_filters(store, config, mail_server, tmp_path):
    server = mail_server()
    company = add_company(store, "Filter Co")
    item = add_watch_item(store, company, "entity", "Example")
    retired = add_watch_item(store, company, "keyword", "retired")
    fr = add_events(store, events(4, "f"))
    (meti,) = add_events(
        store,
        [
            ChangeEvent(
                source="meti",
                kind=EventKind.RELEASE_PUBLISHED,
                key="meti:1",
                title="安全保障貿易管理",
            )
        ],
    )
    alert = add_match(store, fr[0], company, item, tier="alert")
    review = add_match(store, fr[1], company, item, tier="review")
    add_match(store, fr[2], company, item, tier="alert", status="dismissed")
    acked = add_match(store, fr[3], company, item, tier="review", status="acknowledged")
    meti_match = add_match(store, meti, company, item, tier="alert", field="title")
    add_match(store, fr[0], company, retired, tier="alert", field="title")
    with store.write() as conn:
        table = WatchItem.__table__
        conn.execute(update(table).where(table.c.id == retired).values(active=False))
    add_recipient(store, company, "alerts@filter.example", min_tier="alert")
    add_recipient(store, company, "fr@filter.example", sources=["federal_register"])
    add_recipient(store, company, "meti@filter.example", sources=["meti"])
    off = add_recipient(store, company, "off@filter.example")
    with store.write() as conn:
        table = Recipient.__table__
        conn.execute(update(table).where(table.c.id == off).values(active=False))
    send_due(store, config.general.digest, NOW, mail=smtp_mail(server.port, tmp_path))
    got = {d["recipient"]: d["match_ids"] for d in list_deliveries(store)}
    assert got == {
        "alerts@filter.example": sorted([alert, meti_match]),
        "fr@filter.example": sorted([alert, review, acked]),
        "meti@filter.example": [meti_match],
    }
    assert sorted(r.rcpt_tos[0] for r in server.received) == sorted(got)


def test_immediate_recipients_get_each_new_batch_once(store, config, mail_server, tmp_path):
    server = mail_server()
    mail = smtp_mail(server.port, tmp_path)
    company = add_company(store, "Fast Co")
    item = add_watch_item(store, company, "entity", "Example")
    add_recipient(store, company, "now@fast.example", cadence="immediate")
    first = add_events(store, events(2, "a"))
    m1 = [add_match(store, e, company, item) for e in first]
    send_due(store, config.general.digest, NOW, mail=mail)
    send_due(store, config.general.digest, NOW + timedelta(minutes=1), mail=mail)
    second = add_events(store, events(1, "b"))
    m2 = [add_match(store, e, company, item, created_at=NOW) for e in second]
    send_due(store, config.general.digest, NOW + timedelta(minutes=2), mail=mail)
    got = [(d["period"], d["match_ids"]) for d in reversed(list_deliveries(store))]
    assert got == [(f"immediate:{m1[0]}", m1), (f"immediate:{m2[0]}", m2)]
    assert len(server.received) == 2


def test_weekly_recipients(store, config, mail_server, tmp_path):
    server = mail_server()
    mail = smtp_mail(server.port, tmp_path)
    company = add_company(store, "Weekly Co")
    item = add_watch_item(store, company, "entity", "Example")
    add_recipient(
        store,
        company,
        "w@weekly.example",
        cadence="weekly",
        weekday="mon",
        at="09:00",
        timezone="Europe/Berlin",
    )
    (event,) = add_events(store, events(1, "w"))
    add_match(store, event, company, item)
    # NOW is Saturday: the period due last Monday (23 Nov) predates the match
    assert send_due(store, config.general.digest, NOW, mail=mail).outcomes == []
    monday = send_due(store, config.general.digest, NOW + timedelta(days=2, hours=8), mail=mail)
    assert [o.period for o in monday.outcomes] == ["weekly:2026-11-30"]
    assert len(server.received) == 1


def test_broken_recipients_are_reported_and_do_not_block_the_others(
    store, config, mail_server, tmp_path
):
    server = mail_server()
    company = add_company(store, "Mixed Co")
    item = add_watch_item(store, company, "entity", "Example")
    (event,) = add_events(store, events(1, "m"))
    add_match(store, event, company, item)
    add_recipient(store, company, "zone@mixed.example", timezone="Mars/Olympus", cadence="daily")
    add_recipient(store, company, "not an address")
    add_recipient(store, company, "fine@mixed.example")
    report = send_due(store, config.general.digest, NOW, mail=smtp_mail(server.port, tmp_path))
    by = {o.email: o for o in report.outcomes}
    assert by["fine@mixed.example"].status == "sent"
    assert by["zone@mixed.example"].status == "error"
    assert "unknown time zone 'Mars/Olympus'" in by["zone@mixed.example"].detail
    assert by["not an address"].status == "failed"
    assert "is not one e-mail address" in by["not an address"].detail
    assert [r.rcpt_tos for r in server.received] == [["fine@mixed.example"]]
    assert not report.ok


def test_a_deactivated_recipient_keeps_its_pending_delivery(store, config, acme, tmp_path):
    mail = smtp_mail(free_port(), tmp_path)
    send_due(store, config.general.digest, NOW, mail=mail, company="Acme Corp")
    with store.write() as conn:
        table = Recipient.__table__
        conn.execute(update(table).where(table.c.id == acme["legal"]).values(active=False))
    later = send_due(store, config.general.digest, NOW + timedelta(hours=1), mail=mail)
    assert [o.email for o in later.outcomes] == ["ops@acme.example"]
    assert {d["recipient"]: d["status"] for d in list_deliveries(store)} == {
        "legal@acme.example": "failed",
        "ops@acme.example": "failed",
    }


def test_unknown_company_is_a_config_error(store, config, tmp_path):
    add_company(store, "Acme Corp")
    with pytest.raises(ConfigError, match="no company named 'Nope'; known companies: 'Acme Corp'"):
        send_due(store, config.general.digest, NOW, mail=smtp_mail(1, tmp_path), company="Nope")


def test_the_file_outbox_when_no_smtp_is_configured(store, config, acme, tmp_path, monkeypatch):
    monkeypatch.delenv("REGWATCH_SMTP_URL", raising=False)
    monkeypatch.setenv("REGWATCH_OUTBOX", str(tmp_path / "out"))
    report = send_due(store, config.general.digest, NOW)
    assert [o.status for o in report.outcomes] == ["sent", "sent"]
    files = sorted((tmp_path / "out").glob("*.eml"))
    assert len(files) == 2
    assert {o.detail for o in report.outcomes} == {str(f) for f in files}
    assert sorted(r.transport for r in deliveries(store)) == sorted(str(f) for f in files)


def test_hostile_titles_arrive_safely_through_smtp(store, config, mail_server, tmp_path):
    server = mail_server()
    company = add_company(store, "Safe Co")
    item = add_watch_item(store, company, "keyword", "export")
    hostile = [
        ChangeEvent(
            source="federal_register",
            kind=EventKind.DOCUMENT_PUBLISHED,
            key="fr:hostile-1",
            title="<script>alert('export')</script> rule",
        ),
        ChangeEvent(
            source="federal_register",
            kind=EventKind.ENTITY_ADDED,
            key="el:hostile-2",
            title="export\r\nBcc: victim@example.org\r\nSubject: you won",
            entity=Entity("Evil\r\nX-Injected: yes"),
        ),
        ChangeEvent(
            source="federal_register",
            kind=EventKind.DOCUMENT_PUBLISHED,
            key="fr:hostile-3",
            title="export " + "x" * 10_000,
        ),
    ]
    for event in add_events(store, hostile):
        add_match(store, event, company, item, tier="alert", field="title")
    add_recipient(store, company, "safe@safe.example")
    report = send_due(store, config.general.digest, NOW, mail=smtp_mail(server.port, tmp_path))
    assert [o.status for o in report.outcomes] == ["sent"]
    (received,) = server.received
    assert received.rcpt_tos == ["safe@safe.example"]  # no smuggled Bcc recipient
    message = received.message
    assert message["Bcc"] is None and message["X-Injected"] is None
    assert len(message.get_all("Subject")) == 1
    assert message["Subject"].startswith(
        "[regwatch] Safe Co: 3 info — “export” appears in the listing of Evil X-Injected: yes"
    )
    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;alert('export')&lt;/script&gt; rule" in html
    text = message.get_body(("plain",)).get_content()
    assert "  export " + "x" * 992 + "…\n" in text  # 1,000 characters, then an ellipsis
    assert max(len(line) for line in received.raw.split(b"\n")) <= 998


def test_a_long_batch_renews_its_leases_and_skips_what_another_run_took(
    store, config, mail_server, tmp_path, monkeypatch
):
    """A batch that outlasts half a lease renews each lease before sending; a delivery whose
    lease another run has taken in the meantime is left to that run."""
    import regwatch.digest._outbox as outbox

    server = mail_server()
    company = add_company(store, "Slow Co")
    item = add_watch_item(store, company, "entity", "Example")
    (event,) = add_events(store, events(1, "s"))
    add_match(store, event, company, item)
    for name in ("a", "b", "c"):
        add_recipient(store, company, f"{name}@slow.example")
    clock = iter(range(0, 10_000, 1000))  # every look at the clock: 1,000 s later
    monkeypatch.setattr(outbox, "monotonic", lambda: next(clock))

    class Stealing(SmtpTransport):
        def send(self, message, message_id, sender, recipients, progress=None):
            if recipients == ["a@slow.example"]:  # meanwhile, another run claims c's delivery
                with store.write() as conn:
                    table = Delivery.__table__
                    conn.execute(
                        update(table)
                        .where(table.c.email == "c@slow.example")
                        .values(next_attempt_at=NOW + timedelta(days=1))
                    )
            return super().send(message, message_id, sender, recipients, progress)

    import regwatch.digest._settings as settings_module

    monkeypatch.setattr(settings_module, "SmtpTransport", Stealing)
    report = send_due(store, config.general.digest, NOW, mail=smtp_mail(server.port, tmp_path))
    assert [(o.email, o.status) for o in report.outcomes] == [
        ("a@slow.example", "sent"),
        ("b@slow.example", "sent"),
    ]
    assert sorted(r.rcpt_tos[0] for r in server.received) == ["a@slow.example", "b@slow.example"]
    status = {d["recipient"]: d["status"] for d in list_deliveries(store)}
    assert status == {
        "a@slow.example": "sent",
        "b@slow.example": "sent",
        "c@slow.example": "pending",
    }


def test_no_password_in_logs_errors_or_the_audit_trail(
    store, config, acme, mail_server, certificate, trust, tmp_path, caplog
):
    import logging

    from regwatch.digest import MailSettings, parse_smtp_url

    secret = "pa55-w0rd!"
    server = mail_server(tls="starttls", certificate=certificate, users={"bot": secret})
    url = f"smtp+starttls://bot:{secret}@localhost:{server.port}"
    good = MailSettings(parse_smtp_url(url), smtp_mail(1, tmp_path).sender, tmp_path)
    wrong = MailSettings(
        parse_smtp_url(url.replace(secret, "not-" + secret)), good.sender, tmp_path
    )
    caplog.set_level(logging.DEBUG)
    failed = send_due(store, config.general.digest, NOW, mail=wrong)
    assert all("authentication as 'bot' failed: 535" in o.detail for o in failed.outcomes)
    sent = send_due(store, config.general.digest, NOW + timedelta(minutes=2), mail=good)
    assert [o.status for o in sent.outcomes] == ["sent", "sent"]
    records = list_deliveries(store)
    assert {r["transport"] for r in records} == {f"smtp+starttls://bot:***@localhost:{server.port}"}
    everything = caplog.text + repr(records) + repr(failed) + repr(sent)
    assert "authentication as 'bot' failed" in caplog.text  # the failure was logged...
    assert secret not in everything  # ...without the password


def test_planning_pauses_the_cycle_collector_and_leaves_it_as_it_was(
    store, config, acme, monkeypatch
):
    import gc

    from regwatch.digest import _outbox

    seen = []
    plan = _outbox._plan_unpaused

    def watched(*args, **kwargs):
        seen.append(gc.isenabled())
        return plan(*args, **kwargs)

    monkeypatch.setattr(_outbox, "_plan_unpaused", watched)
    assert gc.isenabled()
    with store.read() as conn:
        planned, _ = _outbox._plan(conn, config.general.digest, NOW, None)
    assert planned and seen == [False] and gc.isenabled()

    def broken(*args, **kwargs):
        raise RuntimeError("planning failed")

    monkeypatch.setattr(_outbox, "_plan_unpaused", broken)
    with pytest.raises(RuntimeError), store.read() as conn:
        _outbox._plan(conn, config.general.digest, NOW, None)
    assert gc.isenabled()  # resumed after a failure too
    gc.disable()
    try:
        monkeypatch.setattr(_outbox, "_plan_unpaused", watched)
        with store.read() as conn:
            _outbox._plan(conn, config.general.digest, NOW, None)
        assert not gc.isenabled()  # a caller that had paused it keeps it paused
    finally:
        gc.enable()
