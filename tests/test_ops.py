"""Ops notices: one when a source breaks or goes stale, one when it recovers, never one per
failure; sent through a real SMTP server by the daemon."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta

import pytest

from regwatch.health import SourceHealth
from regwatch.ops import decide_notice
from tests.support.fake_fr import FakeFederalRegister, bis_documents, load_template_records
from tests.support.httpserver import Reply
from tests.support.smtpserver import MailServer


def health(status, failures=0, error=None, newest=None):
    return SourceHealth(
        name="federal_register",
        status=status,
        enabled=True,
        schedule="every 1h",
        last_success_at=datetime(2026, 11, 1, tzinfo=UTC),
        last_attempt_at=None,
        last_error=error,
        last_error_at=None,
        consecutive_failures=failures,
        newest_item_on=newest,
        next_run_at=None,
    )


def test_failing_is_reported_once_at_the_threshold():
    assert decide_notice(health("failing", 2, "HTTP 503"), None, 3) is None
    notice = decide_notice(health("failing", 3, "HTTP 503"), None, 3)
    assert notice.in_force == "failing" and "3 polls in a row" in notice.subject
    assert "HTTP 503" in notice.body
    assert decide_notice(health("failing", 4, "HTTP 503"), "failing", 3) is None


def test_blocked_stale_and_recovery():
    blocked = decide_notice(health("blocked", 3, "HTTP 403"), None, 3)
    assert blocked.in_force == "blocked" and "blocked" in blocked.subject
    stale = decide_notice(health("stale", newest=date(2026, 1, 5)), None, 3)
    assert stale.in_force == "stale" and "2026-01-05" in stale.body
    assert decide_notice(health("stale"), "stale", 3) is None
    recovered = decide_notice(health("ok"), "failing", 3)
    assert recovered.in_force is None and "recovered" in recovered.subject
    assert decide_notice(health("ok"), None, 3) is None


@pytest.fixture
def fake(http_server, shared_fixtures):
    docs = bis_documents(
        load_template_records(shared_fixtures), 4, datetime.now(UTC).date() - timedelta(days=2)
    )
    return FakeFederalRegister(http_server, docs).mount()


def test_daemon_sends_one_failure_notice_and_one_recovery(tmp_path, fake, http_server):
    http_server.route(
        "/api/v1/documents.json",
        Reply("down", 503),
        Reply("down", 503),
        Reply("down", 503),
        fake.documents_handler,
    )
    config = tmp_path / "sources.yaml"
    config.write_text(
        "http: {min_interval: 0, retries: 0, timeout: 5}\n"
        "ops: {email: ops@acme.example, failure_threshold: 3}\n"
        "digest: {check_every: 3600}\n"
        f"federal_register:\n  base_url: {fake.base_url}\n  every: 1s\n  jitter: 0s\n"
        "  public_inspection: false\n"
    )
    with MailServer() as mail:
        env = {
            **os.environ,
            "REGWATCH_SMTP_URL": f"smtp://127.0.0.1:{mail.port}",
            "REGWATCH_MAIL_FROM": "regwatch@acme.example",
        }
        daemon = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "regwatch",
                "--db",
                f"sqlite:///{tmp_path / 'd.db'}",
                "--config",
                str(config),
                "run",
            ],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and len(mail.received) < 2:
            time.sleep(0.1)
        time.sleep(1.5)  # a few more healthy polls: no further messages
        daemon.send_signal(signal.SIGTERM)
        _, err = daemon.communicate(timeout=20)
        assert daemon.returncode == 0, err
        subjects = [m.message["Subject"] for m in mail.received]
    assert subjects == [
        "[regwatch] source federal_register is failing (3 polls in a row)",
        "[regwatch] source federal_register recovered",
    ]
    assert all(m.rcpt_tos == ["ops@acme.example"] for m in mail.received)


def _rule(extraction, revision=1):
    from regwatch.model import ChangeEvent, EventKind, StoredEvent

    event = ChangeEvent(
        source="federal_register",
        kind=EventKind.DOCUMENT_PUBLISHED,
        key="fr:2024-91500",
        title="Additions to the Entity List",
        url="https://www.federalregister.gov/documents/2024/09/03/2024-91500/x",
        document_number="2024-91500",
        data={"extraction": extraction} if extraction else {},
    )
    return StoredEvent(revision, event, "h", revision, None, datetime(2026, 11, 1, tzinfo=UTC))


PARTIAL = {"status": "partial", "read": {"added": 11}, "announced": {"added": 13}}


def test_a_rule_not_fully_read_is_told_when_its_reading_first_changes():
    from regwatch.ops import extraction_notice

    notice = extraction_notice("federal_register", [(_rule(PARTIAL), None)])
    assert notice is not None
    assert notice.subject == "[regwatch] federal_register: 1 rule not fully read"
    assert "regwatch read 11 of the 13 entries this rule announces: read the rule: https://" in (
        notice.body
    )
    # revised for another reason, the same reading: not told again
    assert extraction_notice("federal_register", [(_rule(PARTIAL, 2), _rule(PARTIAL))]) is None
    # complete, or still waiting for its full text: nothing to tell
    complete = {"status": "complete", "read": {"added": 13}, "announced": {"added": 13}}
    assert extraction_notice("federal_register", [(_rule(complete), None)]) is None
    pending = {"status": "pending", "read": {}, "announced": {}}
    assert extraction_notice("federal_register", [(_rule(pending), None)]) is None
    # a pending rule whose full text then fails is told
    failed = {"status": "failed", "read": {}, "announced": {}, "problems": ["HTTP 500"]}
    later = extraction_notice("federal_register", [(_rule(failed, 2), _rule(pending))])
    assert later is not None and "could not read the entries of this rule" in later.body
