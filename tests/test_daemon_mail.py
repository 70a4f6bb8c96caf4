"""Digests from the daemon through a real SMTP server, across kill -9 and several daemons."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest

from regwatch.store import Store
from tests.support.fake_fr import FakeFederalRegister, bis_documents, load_template_records
from tests.support.smtpserver import MailServer
from tests.support.waiting import wait_for

WATCHLIST = """\
company: Acme Corp
recipients:
  - email: compliance@acme.example
    cadence: immediate
watch:
  keywords: [Air Plan]
"""


@pytest.fixture
def fake(http_server, shared_fixtures):
    docs = bis_documents(
        load_template_records(shared_fixtures), 4, datetime.now(UTC).date() - timedelta(days=2)
    )
    return FakeFederalRegister(http_server, docs).mount()


def setup(tmp_path, fake, db_url, cli=None):
    config = tmp_path / "sources.yaml"
    config.write_text(
        "http: {min_interval: 0, timeout: 5}\n"
        "digest: {check_every: 0.5, smtp_timeout: 1, retry_delay: 0.5}\n"
        f"federal_register:\n  base_url: {fake.base_url}\n  every: 1h\n  jitter: 0s\n"
        "  public_inspection: false\n"
    )
    (tmp_path / "acme.yaml").write_text(WATCHLIST)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "regwatch",
            "--db",
            db_url,
            "--config",
            str(config),
            "watch",
            "import",
            str(tmp_path / "acme.yaml"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return config


def start(db_url, config, mail):
    env = {
        **os.environ,
        "REGWATCH_SMTP_URL": f"smtp://127.0.0.1:{mail.port}",
        "REGWATCH_MAIL_FROM": "regwatch@acme.example",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "regwatch", "--db", db_url, "--config", str(config), "run"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop(proc, sig=signal.SIGTERM):
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    return proc.returncode, err


def deliveries(db_url):
    from sqlalchemy import text

    with Store.open(db_url) as store, store.read() as conn:
        return [
            tuple(r)
            for r in conn.execute(text("SELECT status, attempts FROM delivery ORDER BY id"))
        ]


def test_kill_9_during_a_digest_send_then_restart_delivers_exactly_once(tmp_path, fake):
    db_url = f"sqlite:///{tmp_path / 'd.db'}"
    config = setup(tmp_path, fake, db_url)
    with MailServer() as mail:
        mail.handler.delay_rcpt = 3.0  # the daemon is killed while the server thinks
        first = start(db_url, config, mail)
        assert wait_for(lambda: mail.handler.rcpt_seen)
        code, _ = stop(first, signal.SIGKILL)
        assert code == -signal.SIGKILL
        time.sleep(3.2)  # the server finishes its answer to a client that is gone
        assert mail.received == []
        assert [row[0] for row in deliveries(db_url)] != ["sent"]  # written, not sent
        mail.handler.delay_rcpt = 0.0
        second = start(db_url, config, mail)
        assert wait_for(lambda: len(mail.received) == 1)
        time.sleep(1.5)  # more digest checks: nothing more to send
        assert stop(second)[0] == 0
        assert len(mail.received) == 1
        message = mail.received[0].message
        assert "Acme Corp" in message["Subject"]
        assert [row[0] for row in deliveries(db_url)] == ["sent"]


def test_the_documented_window_a_kill_after_acceptance_resends_with_the_same_message_id(
    tmp_path, fake
):
    """SMTP cannot tell "accepted, then the process died" from "never sent": the one duplicate
    regwatch cannot rule out.  It carries the same Message-ID, so mail clients fold it."""
    db_url = f"sqlite:///{tmp_path / 'd.db'}"
    config = setup(tmp_path, fake, db_url)
    with MailServer() as mail:
        mail.handler.delay_data = 3.0
        first = start(db_url, config, mail)
        # the server has queued the message and not yet said so when the daemon dies
        assert wait_for(lambda: len(mail.received) == 1)
        stop(first, signal.SIGKILL)
        mail.handler.delay_data = 0.0
        second = start(db_url, config, mail)
        assert wait_for(lambda: len(mail.received) == 2)
        assert stop(second)[0] == 0
        ids = {m.message["Message-ID"] for m in mail.received}
        assert len(ids) == 1
        assert [row[0] for row in deliveries(db_url)] == ["sent"]


def test_two_daemons_on_one_database_deliver_each_digest_once(tmp_path, fake, db_url):
    if db_url.startswith("sqlite"):
        Store.open(db_url, create=True).close()
    else:
        with Store(db_url) as store:
            store.init()
    config = setup(tmp_path, fake, db_url)
    with MailServer() as mail:
        a, b = start(db_url, config, mail), start(db_url, config, mail)
        assert wait_for(lambda: len(mail.received) >= 1)
        time.sleep(3)  # several more digest checks on both daemons
        assert stop(a)[0] == 0 and stop(b)[0] == 0
        assert len(mail.received) == 1
        assert len(fake.server.hits("/api/v1/documents.json")) == 1  # one poll, not two
    assert [row[0] for row in deliveries(db_url)] == ["sent"]
