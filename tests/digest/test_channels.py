"""Webhooks and chat through real receivers on 127.0.0.1, from the same outbox as e-mail.

The receiver verifies signatures with the Standard Webhooks library's own verifier
(tests/support/receiver.py); the chat channel goes through Apprise's ``json://`` service pointed
at the local receiver, standing in for Slack or Teams.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import text

from regwatch.digest import list_deliveries, send_due
from regwatch.timeutil import utcnow
from tests.digest.conftest import NOW
from tests.support.digestdata import add_recipient, seed_sample
from tests.support.receiver import Receiver
from tests.support.waiting import wait_for

SECRET = "whsec_" + base64.b64encode(b"regwatch-test-secret-0123456789").decode()


@pytest.fixture
def secret(monkeypatch):
    monkeypatch.setenv("ACME_HOOK_SECRET", SECRET)
    return SECRET


def add_webhook(store, company_id, url, body="digest", **settings):
    return add_recipient(
        store,
        company_id,
        "compliance@acme.example",
        channel="webhook",
        target=url,
        options={"secret_env": "ACME_HOOK_SECRET", "body": body},
        **settings,
    )


def rows(store):
    with store.read() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT status, attempts, last_error, channel, email FROM delivery ORDER BY id"
                )
            )
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_digest_webhook_is_signed_and_verified_by_the_receiver(store, config, secret):
    seeded = seed_sample(store)
    with Receiver(secret) as receiver:
        add_webhook(store, seeded["company_id"], receiver.url("/hook?token=s3cret"))
        report = send_due(store, config.general.digest, NOW)
    assert [o.status for o in report.outcomes] == ["sent"], report.outcomes
    (post,) = receiver.posts
    assert post.status == 200 and post.verified is not None  # the library's verifier agreed
    assert post.webhook_id == "regwatch-1"
    assert post.headers["content-type"] == "application/json"
    document = post.verified
    assert document["type"] == "regwatch.digest"
    data = document["data"]
    assert data["counts"] == {"critical": 2, "high": 1, "info": 4}
    assert [i["severity"] for i in data["items"]] == ["critical"] * 2 + ["high"] + ["info"] * 4
    first = data["items"][0]
    assert first["sentence"].startswith("Your customer Example Cloud Computing Co. (CN)")
    assert (
        first["link"] == "https://www.federalregister.gov/documents/2023/02/01/2023-02130/example"
    )
    assert {m["match_id"] for i in data["items"] for m in i["matches"]} == set(range(1, 9))
    (row,) = rows(store)
    assert (row.status, row.attempts, row.channel) == ("sent", 1, "webhook")
    # the listing never shows the URL's query (webhook URLs often carry a token there)
    assert row.email == f"http://127.0.0.1:{receiver.port}/hook"
    assert list_deliveries(store)[0]["channel"] == "webhook"
    # nothing twice: a later run sends nothing more
    assert send_due(store, config.general.digest, NOW + timedelta(hours=1)).outcomes == []


def test_one_body_per_match_each_with_its_own_id(store, config, secret):
    seeded = seed_sample(store)
    with Receiver(secret) as receiver:
        add_webhook(store, seeded["company_id"], receiver.url(), body="match")
        assert send_due(store, config.general.digest, NOW).ok
    ids = [p.webhook_id for p in receiver.posts]
    assert sorted(ids) == sorted(f"regwatch-1-{m}" for m in seeded["matches"])
    assert all(p.verified["type"] == "regwatch.match" for p in receiver.posts)
    by_id = {p.webhook_id: p.verified["data"] for p in receiver.posts}
    assert by_id["regwatch-1-1"]["match"]["severity"] == "critical"
    assert by_id["regwatch-1-1"]["event"]["entity"]["name"].startswith("Example Cloud")


def test_receiver_down_then_up_delivers_exactly_once(store, config, secret):
    seeded = seed_sample(store)
    port = free_port()
    add_webhook(store, seeded["company_id"], f"http://127.0.0.1:{port}/hook")
    down = send_due(store, config.general.digest, NOW)
    (failed,) = down.outcomes
    assert failed.status == "failed" and "ConnectError" in failed.detail
    assert failed.next_attempt_at == NOW + timedelta(seconds=60)
    with Receiver(secret, port=port) as receiver:
        # not due yet: the backoff is respected
        assert send_due(store, config.general.digest, NOW + timedelta(seconds=30)).outcomes == []
        up = send_due(store, config.general.digest, NOW + timedelta(seconds=61))
        assert [o.status for o in up.outcomes] == ["sent"]
        assert send_due(store, config.general.digest, NOW + timedelta(hours=2)).outcomes == []
    assert [p.webhook_id for p in receiver.posts] == ["regwatch-1"]
    assert receiver.processed == ["regwatch-1"]
    (row,) = rows(store)
    assert (row.status, row.attempts) == ("sent", 2)


def test_a_4xx_that_means_never_stops_the_retries_and_is_reported(store, config, secret, cli):
    seeded = seed_sample(store)
    with Receiver(secret, statuses=[410]) as receiver:
        add_webhook(store, seeded["company_id"], receiver.url())
        sent = cli("digest", "send")
        assert sent.code == 1, sent  # reported as a failure
        assert (
            f"REJECTED (not retried): http://127.0.0.1:{receiver.port}/hook (Acme Corp, "
            f"immediate:1): webhook http://127.0.0.1:{receiver.port}/hook refused for good: "
            "HTTP 410"
        ) in sent.stderr
        for hours in (1, 5, 30):
            assert (
                send_due(store, config.general.digest, NOW + timedelta(hours=hours)).outcomes == []
            )
    assert len(receiver.posts) == 1
    (row,) = rows(store)
    assert row.status == "rejected" and "HTTP 410" in row.last_error
    listing = cli("deliveries", "--format", "json")
    (record,) = json.loads(listing.stdout)
    assert record["status"] == "rejected" and record["channel"] == "webhook"


def test_a_receiver_with_another_secret_refuses_the_signature(store, config, secret):
    seeded = seed_sample(store)
    other = "whsec_" + base64.b64encode(b"another-secret-another-secret!!").decode()
    with Receiver(other) as receiver:
        add_webhook(store, seeded["company_id"], receiver.url())
        (outcome,) = send_due(store, config.general.digest, NOW).outcomes
    assert receiver.posts[0].status == 401 and receiver.processed == []
    assert outcome.status == "rejected" and "HTTP 401" in outcome.detail


def test_throttled_is_retried_then_given_up_after_24_hours(store, config, secret):
    seeded = seed_sample(store)
    with Receiver(secret, statuses=[429]) as receiver:
        add_webhook(store, seeded["company_id"], receiver.url())
        moment = NOW
        statuses = []
        for _ in range(40):  # bounded: the backoff doubles from 60 s to the 6 h cap
            report = send_due(store, config.general.digest, moment)
            statuses += [o.status for o in report.outcomes]
            if "expired" in statuses:
                break
            moment += timedelta(hours=7)
    assert statuses[:-1] == ["failed"] * (len(statuses) - 1) and statuses[-1] == "expired"
    assert 3 <= len(receiver.posts) <= 6  # retried within the day, then given up
    (row,) = rows(store)
    assert row.status == "expired" and "given up: still failing after 24 h" in row.last_error
    assert send_due(store, config.general.digest, moment + timedelta(days=2)).outcomes == []


def test_an_unset_secret_is_reported_and_nothing_is_sent_unsigned(store, config, monkeypatch):
    monkeypatch.delenv("ACME_HOOK_SECRET", raising=False)
    seeded = seed_sample(store)
    with Receiver() as receiver:
        add_webhook(store, seeded["company_id"], receiver.url())
        (outcome,) = send_due(store, config.general.digest, NOW).outcomes
    assert receiver.posts == []
    assert outcome.status == "failed"
    assert "the environment variable ACME_HOOK_SECRET is unset" in outcome.detail


def test_chat_through_apprise_to_a_local_endpoint(store, config):
    seeded = seed_sample(store)
    with Receiver() as receiver:
        add_recipient(
            store,
            seeded["company_id"],
            "compliance@acme.example",
            channel="chat",
            target=f"json://127.0.0.1:{receiver.port}/chat",
        )
        report = send_due(store, config.general.digest, NOW)
    assert [o.status for o in report.outcomes] == ["sent"], report.outcomes
    (post,) = receiver.posts
    assert post.path == "/chat"
    message = post.json()
    assert message["title"].startswith("[regwatch] Acme Corp: 2 critical, 1 high, 4 info — ")
    lines = message["message"].splitlines()
    # shortened: five items, each one line with its link, then how many more
    assert len(lines) == 6 and lines[-1] == "… and 2 more"
    assert lines[0].startswith("[CRITICAL] Your customer Example Cloud Computing Co. (CN)")
    assert lines[0].endswith(
        "<https://www.federalregister.gov/documents/2023/02/01/2023-02130/example>"
    )
    assert all(len(line) < 320 for line in lines)
    (row,) = rows(store)
    assert row.channel == "chat" and row.email == f"json://127.0.0.1:{receiver.port}/…"


def test_chat_links_go_to_the_web_page_when_configured(store, config):
    config.general.digest.web_url = "https://regwatch.example.org/app"
    seeded = seed_sample(store)
    with Receiver() as receiver:
        add_recipient(
            store,
            seeded["company_id"],
            "compliance@acme.example",
            channel="chat",
            target=f"json://127.0.0.1:{receiver.port}/chat",
        )
        send_due(store, config.general.digest, NOW)
    lines = receiver.posts[0].json()["message"].splitlines()
    assert lines[0].endswith("<https://regwatch.example.org/app/review/events/1>")
    assert lines[-1] == "… and 2 more: https://regwatch.example.org/app/"


def test_a_chat_service_that_fails_is_retried(store, config):
    seeded = seed_sample(store)
    with Receiver(statuses=[500, 200]) as receiver:
        add_recipient(
            store,
            seeded["company_id"],
            "compliance@acme.example",
            channel="chat",
            target=f"json://127.0.0.1:{receiver.port}/chat",
        )
        (first,) = send_due(store, config.general.digest, NOW).outcomes
        assert first.status == "failed" and "not delivered" in first.detail
        (second,) = send_due(store, config.general.digest, NOW + timedelta(minutes=2)).outcomes
        assert second.status == "sent"
    assert len(receiver.posts) == 2


def test_each_channel_has_its_own_cadence(store, config, secret):
    seeded = seed_sample(store)
    with Receiver(secret) as receiver:
        # the person's e-mail is daily at 08:00 Tokyo (not due before 23:00 UTC); the webhook
        # is immediate
        add_recipient(
            store,
            seeded["company_id"],
            "compliance@acme.example",
            cadence="daily",
            timezone="Asia/Tokyo",
            at="08:00",
        )
        add_webhook(store, seeded["company_id"], receiver.url(), cadence="immediate")
        early = NOW.replace(hour=22, minute=0) - timedelta(days=1)
        report = send_due(store, config.general.digest, early, mail=None)
        assert [(o.status, o.period.split(":")[0]) for o in report.outcomes] == [
            ("sent", "immediate")
        ]
    assert [p.webhook_id for p in receiver.posts] == ["regwatch-1"]


def test_kill_9_during_a_webhook_delivery_repeats_it_at_most_once_with_the_same_id(
    tmp_path, secret
):
    db = f"sqlite:///{tmp_path / 'regwatch.db'}"
    config_file = tmp_path / "sources.yaml"
    # a lease of 10 × 2 s: a delivery whose sender died is taken over after 20 s
    config_file.write_text("digest: {smtp_timeout: 0.5, webhook_timeout: 2}\n")
    from regwatch.config import load_config
    from regwatch.store import Store

    with Store.open(db, create=True) as store, Receiver(secret, delay=30) as receiver:
        seeded = seed_sample(store, created_at=utcnow() - timedelta(minutes=1))
        add_webhook(store, seeded["company_id"], receiver.url())
        env = {**os.environ, "REGWATCH_OUTBOX": str(tmp_path / "out")}
        command = [sys.executable, "-m", "regwatch", "--db", db, "--config", str(config_file)]
        sender = subprocess.Popen(
            [*command, "digest", "send"], env=env, stderr=subprocess.PIPE, text=True
        )
        assert wait_for(lambda: receiver.posts, timeout=30), sender.stderr
        sender.send_signal(signal.SIGKILL)
        sender.communicate(timeout=30)
        assert sender.returncode == -signal.SIGKILL
        receiver.delay = 0
        # the dead run's lease holds the delivery: a run now leaves it alone
        settings = load_config(str(config_file)).general.digest
        assert send_due(store, settings, utcnow()).outcomes == []
        report = send_due(store, settings, utcnow() + timedelta(seconds=21))
        assert [o.status for o in report.outcomes] == ["sent"]
    ids = [p.webhook_id for p in receiver.posts]
    assert ids == ["regwatch-1", "regwatch-1"]  # the documented repeat, same delivery id
    assert receiver.processed == ["regwatch-1"]  # which the receiver drops
    (row,) = rows(store)
    # two attempts: the one the kill cut short (counted when it was claimed) and the repeat
    assert (row.status, row.attempts) == ("sent", 2)


def test_test_notify_checks_every_channel_of_a_recipient(cli, store, secret, tmp_path, monkeypatch):
    monkeypatch.delenv("REGWATCH_SMTP_URL", raising=False)
    monkeypatch.setenv("REGWATCH_OUTBOX", str(tmp_path / "out"))
    seeded = seed_sample(store)
    with Receiver(secret) as hook, Receiver(statuses=[500]) as chat:
        add_recipient(store, seeded["company_id"], "compliance@acme.example")
        add_webhook(store, seeded["company_id"], hook.url("/hook?token=abc"))
        add_recipient(
            store,
            seeded["company_id"],
            "compliance@acme.example",
            channel="chat",
            target=f"json://127.0.0.1:{chat.port}/chat",
        )
        result = cli("test-notify", "compliance@acme.example")
    assert result.code == 1, result  # the chat service refused
    lines = (result.stdout + result.stderr).splitlines()
    assert any(line.startswith("OK: email compliance@acme.example (Acme Corp): ") for line in lines)
    assert f"OK: webhook http://127.0.0.1:{hook.port}/hook (Acme Corp): HTTP 200, signed" in (
        result.stdout
    )
    assert f"FAILED: chat json://127.0.0.1:{chat.port}/… (Acme Corp): chat " in result.stderr
    (post,) = hook.posts
    assert post.verified["type"] == "regwatch.test"  # verified by the receiver's library
    assert "abc" not in result.stdout + result.stderr  # the URL's token is never printed
    missing = cli("test-notify", "nobody@acme.example")
    assert missing.code == 2 and "no active recipient 'nobody@acme.example'" in missing.stderr


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://hooks.acme.example/regwatch?token=abc", "https://hooks.acme.example/regwatch"),
        ("https://user:pw@hooks.acme.example:8443/x", "https://hooks.acme.example:8443/x"),
        ("slack://TokenA/TokenB/TokenC/#export-control", "slack://…"),
        ("discord://123456/webhooktoken", "discord://…"),
        ("json://127.0.0.1:8080/chat?secret=1", "json://127.0.0.1:8080/…"),
    ],
)
def test_urls_are_shown_without_their_secrets(url, shown):
    from regwatch.digest._channels import redact

    assert redact(url) == shown


def test_a_webhook_delivery_on_both_databases(db_url, config, secret):
    from regwatch.store import Store

    with Store.open(db_url, create=True) as store, Receiver(secret) as receiver:
        seeded = seed_sample(store)
        add_webhook(store, seeded["company_id"], receiver.url(), body="match")
        assert [o.status for o in send_due(store, config.general.digest, NOW).outcomes] == ["sent"]
        assert send_due(store, config.general.digest, NOW + timedelta(hours=1)).outcomes == []
        (row,) = rows(store)
    assert (row.status, row.channel) == ("sent", "webhook")
    assert len(receiver.processed) == len(seeded["matches"]) == len(receiver.posts)
