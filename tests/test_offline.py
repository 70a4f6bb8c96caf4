"""Offline or unreachable: a name that does not resolve or a refused connection fails at once
(no retry), said once, with a hint; an unreachable PostgreSQL is one line, not a traceback."""

from __future__ import annotations

import time

import httpx
import pytest

from regwatch.exceptions import TransportError
from regwatch.http import Fetcher, HttpSettings
from tests.support.smtpserver import free_port

#: retries that would take at least a minute if any happened
PATIENT = HttpSettings(retries=3, backoff=30.0, min_interval=0.0)


def test_a_refused_connection_is_not_retried():
    port = free_port()  # nothing listens there
    slept: list[float] = []
    with Fetcher(PATIENT, sleep=slept.append) as fetcher:
        started = time.monotonic()
        with pytest.raises(TransportError) as caught:
            fetcher.get(f"http://127.0.0.1:{port}/documents.json")
        elapsed = time.monotonic() - started
        assert fetcher.requests == 1
    assert [s for s in slept if s > 0] == []  # no backoff was waited for
    assert elapsed < PATIENT.backoff  # no retry happened (the first would wait 30 s)
    message = str(caught.value)
    assert message == (
        "cannot reach 127.0.0.1 (connection refused) — offline? `regwatch demo` runs without "
        "network"
    )


def test_a_name_that_does_not_resolve_is_not_retried():
    """DNS failure cannot be produced by a local server: the transport raises what httpx
    raises when getaddrinfo fails."""
    calls = []

    def no_dns(request: httpx.Request) -> httpx.Response:
        calls.append(request.url)
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)

    with Fetcher(PATIENT, transport=httpx.MockTransport(no_dns)) as fetcher:
        with pytest.raises(TransportError, match=r"cannot reach www\.federalregister\.gov \(the "
                           r"name does not resolve\) — offline\? `regwatch demo`"):  # fmt: skip
            fetcher.get("https://www.federalregister.gov/api/v1/documents.json")
        assert len(calls) == 1 and fetcher.requests == 1


def test_a_timeout_is_still_retried():
    calls = []

    def slow(request: httpx.Request) -> httpx.Response:
        calls.append(request.url)
        raise httpx.ConnectTimeout("timed out", request=request)

    settings = HttpSettings(retries=2, backoff=0.0, min_interval=0.0)
    fetcher = Fetcher(settings, transport=httpx.MockTransport(slow), sleep=lambda s: None)
    with fetcher, pytest.raises(TransportError, match="timed out"):
        fetcher.get("https://example.org/x.json")
    assert len(calls) == 3


def test_poll_offline_says_it_once_with_the_hint(cli, tmp_path):
    port = free_port()
    (tmp_path / "sources.yaml").write_text(
        f"http:\n  backoff: 30\n  min_interval: 0\nfederal_register:\n"
        f"  base_url: http://127.0.0.1:{port}/api/v1\n"
    )
    assert cli("init").code == 0
    started = time.monotonic()
    result = cli("poll", "federal_register")
    assert time.monotonic() - started < 30  # no retry happened
    assert result.code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert "federal_register: FAILED" in lines[0]
    assert "cannot reach 127.0.0.1 (connection refused)" in lines[0]
    assert "`regwatch demo` runs without network" in lines[0]
    once = cli("run", "--once")
    assert once.code == 1 and len(once.stderr.splitlines()) == 1


def test_an_unreachable_postgresql_is_one_line(cli):
    port = free_port()
    url = f"postgresql+psycopg://regwatch:s3cret@127.0.0.1:{port}/regwatch"
    result = cli("--db", url, "events")
    assert result.code == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(
        f"error: cannot reach the database postgresql+psycopg://regwatch:***@127.0.0.1:{port}/"
    )
    assert "Connection refused" in result.stderr
    assert "s3cret" not in result.stderr and "Traceback" not in result.stderr
