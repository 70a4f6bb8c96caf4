"""The digest commands as a user runs them: digest preview, digest send, deliveries."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from regwatch.events import ChangeEvent, EventKind
from regwatch.store._delivery import Delivery
from tests.support.digestdata import (
    add_company,
    add_events,
    add_match,
    add_recipient,
    add_watch_item,
    seed_sample,
)
from tests.support.smtpserver import free_port

#: long before any clock this suite will run on: every match is old enough to be due
PAST = datetime(2020, 1, 1, tzinfo=UTC)


@pytest.fixture
def acme(store):
    seeded = seed_sample(store, created_at=PAST)
    add_recipient(store, seeded["company_id"], "legal@acme.example", min_tier="alert")
    add_recipient(store, seeded["company_id"], "ops@acme.example")
    return seeded


@pytest.fixture
def outbox(tmp_path, monkeypatch):
    monkeypatch.delenv("REGWATCH_SMTP_URL", raising=False)
    monkeypatch.setenv("REGWATCH_OUTBOX", str(tmp_path / "out"))
    return tmp_path / "out"


def _count_deliveries(store) -> int:
    with store.read() as conn:
        return len(conn.execute(select(Delivery.__table__)).all())


def test_preview_text_of_the_company_marks_nothing(cli, store, acme):
    result = cli("digest", "preview", "--company", "Acme Corp")
    assert result.code == 0, result
    assert result.stdout.startswith(
        "Subject: [regwatch] Acme Corp: 2 critical, 1 high, 4 info — Your customer Example Cloud "
    )
    assert "Preview: nothing was marked as delivered." in result.stdout
    assert "[CRITICAL] Added to the Entity List (EL) · CN · Federal Register" in result.stdout
    assert _count_deliveries(store) == 0


def test_preview_of_one_recipient_uses_its_settings(cli, store, acme):
    result = cli("digest", "preview", "--company", "Acme Corp", "--recipient", "legal@acme.example")
    assert result.code == 0, result
    assert "To: legal@acme.example" in result.stdout
    assert "[INFO]" not in result.stdout  # legal only gets alerts
    assert result.stdout.count("[CRITICAL] ") == 4  # in the summary and as items
    assert result.stdout.count("[HIGH] ") == 2
    assert "(immediately; alerts only, all sources)" in result.stdout


def test_preview_html_to_a_file(cli, store, acme, tmp_path):
    target = tmp_path / "preview.html"
    result = cli(
        "digest", "preview", "--company", "Acme Corp", "--format", "html", "--output", target
    )
    assert result.code == 0, result
    assert result.stdout == ""
    assert result.stderr.startswith(
        f"wrote {target}: [regwatch] Acme Corp: 2 critical, 1 high, 4 info"
    )
    html = target.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and 'style="' in html
    assert _count_deliveries(store) == 0


def test_preview_errors(cli, store, acme):
    unknown = cli("digest", "preview", "--company", "Nope")
    assert unknown.code == 2
    assert "no company named 'Nope'; known companies: 'Acme Corp'" in unknown.stderr
    stranger = cli("digest", "preview", "--company", "Acme Corp", "--recipient", "x@y.example")
    assert stranger.code == 2
    assert "'x@y.example' is not an active recipient of 'Acme Corp'" in stranger.stderr
    assert "legal@acme.example, ops@acme.example" in stranger.stderr
    bad_format = cli("digest", "preview", "--company", "Acme Corp", "--format", "pdf")
    assert bad_format.code == 2
    nowhere = cli("digest", "preview", "--company", "Acme Corp", "--output", "no/such/dir/x.txt")
    assert nowhere.code == 2
    assert "--output no/such/dir/x.txt: cannot write: No such file or directory" in nowhere.stderr


def test_preview_with_nothing_undelivered(cli, store):
    add_company(store, "Quiet Co")
    result = cli("digest", "preview", "--company", "Quiet Co")
    assert result.code == 0
    assert result.stdout == ""
    assert "nothing to send: no undelivered matches for Quiet Co" in result.stderr


def test_send_then_nothing_due(cli, store, acme, outbox):
    dry = cli("digest", "send", "--dry-run")
    assert dry.code == 0, dry
    assert dry.stdout.count("would send: ") == 2
    assert (
        "would send: legal@acme.example (Acme Corp, immediate:1): 3 matches: [regwatch]"
        in dry.stdout
    )
    assert _count_deliveries(store) == 0 and not outbox.exists()
    sent = cli("digest", "send")
    assert sent.code == 0, sent
    lines = sent.stdout.splitlines()
    # the file outbox: written, not sent (no mail server saw them)
    assert len(lines) == 2 and all(line.startswith("written: ") for line in lines)
    assert "ops@acme.example (Acme Corp, immediate:1): 7 items, 8 matches -> " in sent.stdout
    assert len(list(outbox.glob("*.eml"))) == 2
    again = cli("digest", "send")
    assert again.code == 0 and again.stdout == "nothing due\n"
    quiet = cli("--quiet", "digest", "send")
    assert (quiet.code, quiet.stdout) == (0, "")


def test_send_for_one_company(cli, store, acme, outbox):
    other = add_company(store, "Other Co")
    item = add_watch_item(store, other, "keyword", "rule")
    (event,) = add_events(
        store,
        [
            ChangeEvent(
                source="federal_register",
                kind=EventKind.DOCUMENT_PUBLISHED,
                key="fr:other",
                title="A rule",
            )
        ],
    )
    add_match(store, event, other, item, created_at=PAST)
    add_recipient(store, other, "x@other.example")
    result = cli("digest", "send", "--company", "Other Co")
    assert result.code == 0, result
    assert result.stdout.count("written: ") == 1 and "x@other.example" in result.stdout
    unknown = cli("digest", "send", "--company", "Nope")
    assert unknown.code == 2


def test_send_failure_exits_1_then_waits(cli, store, acme, monkeypatch):
    port = free_port()
    monkeypatch.setenv("REGWATCH_SMTP_URL", f"smtp://127.0.0.1:{port}")
    failed = cli("digest", "send")
    assert failed.code == 1
    assert failed.stderr.count("FAILED: ") == 2
    assert f"cannot connect to 127.0.0.1:{port}" in failed.stderr
    assert "(attempt 1; next try at " in failed.stderr
    waiting = cli("digest", "send")
    assert waiting.code == 0
    assert waiting.stderr.count("waiting: ") == 2 and "failed 1 time(s)" in waiting.stderr


def test_send_with_a_bad_smtp_url_exits_2(cli, store, acme, monkeypatch):
    monkeypatch.setenv("REGWATCH_SMTP_URL", "smtp://bob:hunter2@mail.example.org")
    result = cli("digest", "send")
    assert result.code == 2
    assert "hunter2" not in result.stderr
    assert _count_deliveries(store) == 0


def test_deliveries_audit_trail(cli, store, acme, outbox):
    cli("digest", "send")
    table = cli("deliveries")
    assert table.code == 0, table
    rows = [line for line in table.stdout.splitlines() if "@acme.example" in line]
    assert len(rows) == 2
    assert "legal@acme.example" in rows[1] and "immediate:1" in rows[1] and "written" in rows[1]
    records = json.loads(cli("deliveries", "--format", "json").stdout)
    assert [r["recipient"] for r in records] == ["ops@acme.example", "legal@acme.example"]
    legal = records[1]
    assert legal["status"] == "written" and legal["attempts"] == 1
    assert legal["match_ids"] == [1, 3, 4]  # the three alert matches
    assert legal["subject"].startswith("[regwatch] Acme Corp: 2 critical, 1 high — ")
    assert legal["transport"].endswith(".eml") and legal["sent_at"].endswith("Z")
    assert legal["message_id"].startswith("<regwatch.")
    only = json.loads(
        cli("deliveries", "--company", "Acme Corp", "--limit", "1", "--format", "json").stdout
    )
    assert [r["id"] for r in only] == [records[0]["id"]]
    csv = cli("deliveries", "--format", "csv").stdout.splitlines()
    assert csv[0] == (
        "id,created_at,company,recipient,channel,period,status,attempts,sent_at,match_ids,"
        "last_error,message_id,subject"
    )
    assert '"[1, 3, 4]"' in csv[2]
    assert cli("deliveries", "--company", "Nope").code == 2


def test_a_bad_digest_setting_names_the_line(cli, tmp_path):
    assert cli("init").code == 0
    (tmp_path / "sources.yaml").write_text("http:\n  timeout: 5\ndigest:\n  max_items: 0\n")
    result = cli("--config", "sources.yaml", "digest", "send")
    assert result.code == 2
    assert "sources.yaml:4" in result.stderr and "max_items" in result.stderr
