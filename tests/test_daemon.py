"""The daemon as ops run it: a subprocess on second-scale schedules against a local server."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest

from regwatch.schedule import MAX_BACKOFF, next_run
from regwatch.sources.federal_register import FederalRegisterSettings
from regwatch.store import Store
from regwatch.timeutil import utcnow
from tests.support.fake_fr import FakeFederalRegister, bis_documents, load_template_records
from tests.support.httpserver import Reply
from tests.support.waiting import wait_for

HTTP = "http:\n  min_interval: 0\n  backoff: 0.01\n  timeout: 5\n"


@pytest.fixture
def fake(http_server, shared_fixtures):
    docs = bis_documents(load_template_records(shared_fixtures), 6, utcnow().date() - timedelta(3))
    return FakeFederalRegister(http_server, docs).mount()


def write_config(tmp_path, fake, every="1s", extra=""):
    path = tmp_path / "sources.yaml"
    path.write_text(
        HTTP + f"federal_register:\n  base_url: {fake.base_url}\n  every: {every}\n"
        f"  jitter: 0s\n  public_inspection: false\n{extra}"
    )
    return path


class Daemon:
    """``regwatch run`` in a subprocess."""

    def __init__(self, db_url, config, *args):
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "regwatch",
                "--db",
                db_url,
                "--config",
                str(config),
                "--log-format",
                "json",
                "run",
                *args,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )

    def stop(self, sig=signal.SIGTERM, timeout=20):
        self.proc.send_signal(sig)
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out, err


def log_lines(err):
    return [json.loads(line) for line in err.splitlines() if line.startswith("{")]


def test_polls_on_schedule_and_exits_cleanly_on_sigterm(tmp_path, fake):
    db = f"sqlite:///{tmp_path / 'd.db'}"
    daemon = Daemon(db, write_config(tmp_path, fake))
    assert wait_for(lambda: len(fake.server.hits("/api/v1/documents.json")) >= 3)
    code, _, err = daemon.stop()
    assert code == 0, err
    polls = [r for r in log_lines(err) if r["message"] == "poll federal_register finished"]
    assert len(polls) >= 3
    assert polls[0]["new"] == 6 and all(p["new"] == 0 for p in polls[1:])
    assert all(p["outcome"] == "ok" and "seconds" in p and "requests" in p for p in polls)
    with Store.open(db) as store:
        assert store.count_events() == 6
        runs = list(reversed(store.last_runs("federal_register", limit=100)))
    # schedule: each poll starts about a second after the previous one ended
    for earlier, later in itertools.pairwise(runs):
        assert later.started_at >= earlier.finished_at + timedelta(seconds=0.9)


def test_sigterm_mid_poll_finishes_the_batch(tmp_path, fake, http_server):
    slow = []

    def slow_documents(request):
        slow.append(time.monotonic())
        time.sleep(1.5)
        return fake.documents_handler(request)

    http_server.route("/api/v1/documents.json", slow_documents)
    db = f"sqlite:///{tmp_path / 'd.db'}"
    daemon = Daemon(db, write_config(tmp_path, fake, every="1h"))
    assert wait_for(lambda: len(slow) >= 1)
    code, _, err = daemon.stop()  # the poll is in flight
    assert code == 0, err
    with Store.open(db) as store:
        assert store.count_events() == 6  # whole, not half
        assert [r.outcome for r in store.last_runs("federal_register")] == ["ok"]


def test_a_restart_neither_repolls_at_once_nor_skips_a_due_poll(tmp_path, fake):
    db = f"sqlite:///{tmp_path / 'd.db'}"
    config = write_config(tmp_path, fake, every="1h")
    first = Daemon(db, config)
    assert wait_for(lambda: len(fake.server.hits("/api/v1/documents.json")) == 1)
    assert wait_for(lambda: _next_run(db) is not None)
    first.stop()
    assert _next_run(db) > utcnow() + timedelta(minutes=55)
    second = Daemon(db, config)
    time.sleep(2.0)
    second.stop()
    assert len(fake.server.hits("/api/v1/documents.json")) == 1  # not re-polled at once
    with Store.open(db) as store:
        store.set_next_run("federal_register", utcnow() - timedelta(minutes=5))
    third = Daemon(db, config)
    assert wait_for(lambda: len(fake.server.hits("/api/v1/documents.json")) == 2)
    third.stop()


def _next_run(db):
    with Store.open(db) as store:
        row = store.source_state_row("federal_register")
        return row.next_run_at if row else None


def test_a_failing_source_backs_off_and_recovers(tmp_path, fake, http_server):
    http_server.route(
        "/api/v1/documents.json", Reply("down", 503), Reply("down", 503), fake.documents_handler
    )
    db = f"sqlite:///{tmp_path / 'd.db'}"
    config = write_config(tmp_path, fake, every="1s")
    config.write_text(config.read_text().replace("http:\n", "http:\n  retries: 0\n"))
    daemon = Daemon(db, config)
    assert wait_for(lambda: _events(db) == 6, timeout=30)
    assert daemon.stop()[0] == 0
    with Store.open(db) as store:
        runs = list(reversed(store.last_runs("federal_register", limit=100)))
    assert [r.outcome for r in runs[:3]] == ["error", "error", "ok"]
    # backoff: 1 s after the first failure, 2 s after the second
    assert runs[1].started_at - runs[0].finished_at >= timedelta(seconds=0.9)
    assert runs[2].started_at - runs[1].finished_at >= timedelta(seconds=1.9)


def _events(db):
    try:
        with Store.open(db) as store:
            return store.count_events()
    except Exception:
        return 0


def test_run_once_polls_everything_and_exits(cli, tmp_path, fake):
    write_config(tmp_path, fake, every="1h")
    result = cli("run", "--once")
    assert result.code == 0, result
    assert "federal_register: 6 new" in result.stdout
    again = cli("run", "--once")  # nothing happened: nothing printed, for cron
    assert (again.code, again.stdout, again.stderr) == (0, "", "")
    quiet = cli("--quiet", "poll", "federal_register")
    assert (quiet.code, quiet.stdout) == (0, "")


def test_backoff_grows_and_is_capped():
    settings = FederalRegisterSettings(every="1h", jitter="0s")
    now = utcnow()
    delays = [next_run(settings, "1h", now, failures) - now for failures in range(0, 8)]
    assert delays[0] == timedelta(hours=1)
    assert delays[1] == timedelta(minutes=15)
    assert delays[2] == timedelta(minutes=30) and delays[3] == timedelta(hours=1)
    assert max(delays[1:]) == MAX_BACKOFF
    cron = FederalRegisterSettings(cron="0 6 * * *", jitter="0s")
    assert next_run(cron, "1h", now).hour == 6


def test_two_daemons_on_one_database_never_poll_a_source_twice(tmp_path, fake, db_url):
    config = write_config(tmp_path, fake, every="1s")
    if db_url.startswith("sqlite"):
        Store.open(db_url, create=True).close()
    else:
        with Store(db_url) as store:
            store.init()
    a, b = Daemon(db_url, config), Daemon(db_url, config)
    assert wait_for(lambda: len(fake.server.hits("/api/v1/documents.json")) >= 5, timeout=30)
    assert a.stop()[0] == 0 and b.stop()[0] == 0
    with Store.open(db_url) as store:
        runs = sorted(store.last_runs("federal_register", limit=100), key=lambda r: r.started_at)
        assert store.count_events() == 6
    assert len(runs) >= 5
    for earlier, later in itertools.pairwise(runs):
        assert later.started_at >= earlier.finished_at  # never two polls at once
        assert later.started_at >= earlier.finished_at + timedelta(seconds=0.9)  # nor early


def test_kill_9_during_a_poll_then_restart_loses_and_duplicates_nothing(
    tmp_path, fake, http_server
):
    arrived = []

    def slow_then_normal(request):
        arrived.append(time.monotonic())
        if len(arrived) == 1:
            time.sleep(3)
        return fake.documents_handler(request)

    http_server.route("/api/v1/documents.json", slow_then_normal)
    db = f"sqlite:///{tmp_path / 'd.db'}"
    config = write_config(tmp_path, fake, every="1h")
    first = Daemon(db, config)
    assert wait_for(lambda: len(arrived) == 1)
    first.stop(sig=signal.SIGKILL)
    assert first.proc.returncode == -signal.SIGKILL
    with Store.open(db) as store:
        assert store.count_events() == 0  # the batch never committed
        assert store.source_state_row("federal_register").lease_owner.endswith(f":{first.proc.pid}")
    second = Daemon(db, config)  # takes over the dead daemon's lease and polls at once
    assert wait_for(lambda: _events(db) == 6)
    assert second.stop()[0] == 0
    with Store.open(db) as store:
        assert store.count_events() == 6
        assert [r.outcome for r in store.last_runs("federal_register")] == ["ok"]
