"""`regwatch serve` as a user runs it: its own process, listening on 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
import sys

import httpx

from regwatch import audit
from regwatch.store import Store
from tests.support.reviewdata import seed_review
from tests.support.waiting import wait_for


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_answers_with_a_token_and_keeps_sessions_with_the_key_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    with Store.open(url, create=True) as store:
        ids = seed_review(store)
        _, token = audit.create_token(store, "ops", "read", None, "test")
    key = tmp_path / "session.key"
    key.write_text("s" * 48)
    port = _free_port()
    command = [sys.executable, "-m", "regwatch", "--db", url, "serve", "--port", str(port),
               "--secret-key-file", str(key)]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{base}/healthz").status_code == 200
        except httpx.TransportError:
            return server.poll() is not None  # stop waiting if it died

    try:
        assert wait_for(up, timeout=60)
        assert server.poll() is None, server.communicate()
        answer = httpx.get(f"{base}/api/v1/events/{ids.rule}",
                           headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        assert answer.status_code == 200
        assert answer.json()["document_number"] == "2026-20001"
        assert httpx.get(f"{base}/api/v1/events").status_code == 401
    finally:
        server.terminate()
        _, err = server.communicate(timeout=30)
    assert f"regwatch serving on http://127.0.0.1:{port}/review" in err


def test_serve_refuses_a_short_secret_key(tmp_path, cli):
    key = tmp_path / "short.key"
    key.write_text("too short")
    Store.open(f"sqlite:///{tmp_path / 'regwatch.db'}", create=True).close()
    refused = cli("serve", "--secret-key-file", key)
    assert refused.code == 2
    assert "--secret-key-file" in refused.stderr and "at least 32 characters" in refused.stderr
