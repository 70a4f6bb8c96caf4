"""The outbox when things go badly: a process killed mid-send, a disk that fills up."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import select

from regwatch.store._delivery import Delivery
from tests.digest.test_cli import PAST
from tests.support.digestdata import add_recipient, seed_sample
from tests.support.waiting import wait_for


@pytest.fixture
def acme(store):
    """A company with due matches and two recipients (as in test_cli)."""
    seeded = seed_sample(store, created_at=PAST)
    add_recipient(store, seeded["company_id"], "legal@acme.example", min_tier="alert")
    add_recipient(store, seeded["company_id"], "ops@acme.example")
    return seeded


def attempts(store) -> dict[str, tuple[str, int]]:
    with store.read() as conn:
        rows = conn.execute(select(Delivery.__table__)).all()
    return {r.email: (r.status, r.attempts) for r in rows}


def test_kill_9_mid_send_holds_only_the_recipient_in_flight(
    cli,
    store,
    acme,
    mail_server,
    tmp_path,
    monkeypatch,
):
    server = mail_server()
    server.handler.delay_rcpt = 120  # the first RCPT TO never gets its answer in time
    url = f"smtp://127.0.0.1:{server.port}"
    env = {**os.environ, "REGWATCH_DB": f"sqlite:///{tmp_path / 'regwatch.db'}"}
    sender = subprocess.Popen(
        [sys.executable, "-m", "regwatch", "digest", "send"],
        env={**env, "REGWATCH_SMTP_URL": url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_for(lambda: len(server.handler.rcpt_seen) >= 1, timeout=60)
    finally:
        sender.send_signal(signal.SIGKILL)
        sender.wait(timeout=30)
    [in_flight] = server.handler.rcpt_seen
    before = attempts(store)
    assert before[in_flight] == ("pending", 1)  # the cut-short attempt counts
    untried = next(e for e in before if e != in_flight)
    assert before[untried] == ("pending", 0)

    server.handler.delay_rcpt = 0
    monkeypatch.setenv("REGWATCH_SMTP_URL", url)
    again = cli("digest", "send")
    assert again.code == 0, again
    # the recipient the killed run never reached is sent now, not after the lease
    assert [r.rcpt_tos for r in server.received] == [[untried]]
    assert f"sent: {untried}" in again.stdout
    # the one in flight waits for its lease (it may have been accepted): said so, not hidden
    assert f"waiting: {in_flight}" in again.stderr and "tried 1 time(s)" in again.stderr
    third = cli("digest", "send")
    assert "nothing due" not in third.stdout and f"waiting: {in_flight}" in third.stderr
    assert attempts(store)[untried] == ("sent", 1)


_FULL_DISK = textwrap.dedent(
    """
    import resource, signal, sys
    from pathlib import Path
    from regwatch.digest import FileOutbox
    from regwatch.exceptions import DeliveryError
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
    try:
        FileOutbox(Path(sys.argv[1])).send(b"x" * 100_000, "<d1@example.org>", "a@b.c", ["d@e.f"])
    except DeliveryError as exc:
        print(exc)
    """
)


def test_a_full_disk_leaves_no_temporary_file(tmp_path):
    folder = tmp_path / "outbox"
    result = subprocess.run(
        [sys.executable, "-c", _FULL_DISK, str(folder)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "cannot write" in result.stdout and "d1.eml" in result.stdout
    assert list(folder.iterdir()) == []  # neither the message nor its .eml.tmp
