"""The daemon against hostile servers and settings: a byte-dribbling server cannot hold a poll
or a shutdown, and broken mail settings stop the daemon at start rather than at every check."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from regwatch.store import Store
from tests.support.rawserver import DribbleServer
from tests.support.waiting import wait_for

_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"


def start_daemon(tmp_path, config_text, *args, env=None):
    config = tmp_path / "sources.yaml"
    config.write_text(config_text)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "regwatch",
            "--db",
            f"sqlite:///{tmp_path / 'd.db'}",
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
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )


def test_sigterm_during_a_dribbling_poll_stops_within_the_grace(tmp_path):
    # one byte every 0.5 s: every read meets the timeout, the poll would last 14 hours
    with DribbleServer(_HEAD, b"[" * 99999, interval=0.5, dribble_from=len(_HEAD)) as server:
        daemon = start_daemon(
            tmp_path,
            "http:\n  min_interval: 0\n  timeout: 2\n  retries: 0\n  shutdown_grace: 1\n"
            f"federal_register:\n  base_url: {server.url}/api/v1\n  public_inspection: false\n",
        )
        assert wait_for(lambda: server.connections >= 1)
        time.sleep(0.5)  # the poll is reading the dribble
        started = time.monotonic()
        daemon.send_signal(signal.SIGTERM)
        _, err = daemon.communicate(timeout=60)
        stopped_after = time.monotonic() - started
    assert daemon.returncode == 0, err
    assert "abandoning the requests in flight" in err
    assert stopped_after < 1 + 5  # the grace, plus the time to record the failure and exit
    with Store.open(f"sqlite:///{tmp_path / 'd.db'}") as store:
        [run] = store.last_runs("federal_register")
        assert run.outcome == "error" and "shutting down" in (run.error or "")
        assert store.count_events() == 0
