"""The HTTP layer against a real local server: validators, caps, content types, politeness."""

from __future__ import annotations

import time

import pytest

from regwatch.exceptions import (
    BlockedError,
    FetchError,
    HTTPStatusError,
    ResponseTooLarge,
    TransportError,
    UnexpectedContent,
)
from regwatch.http import Fetcher, HttpSettings
from tests.support.httpserver import Reply


class Sleeps(list):
    """Records the delays asked for; sleeps for real only when ``real``."""

    def __init__(self, real: bool = False) -> None:
        super().__init__()
        self.real = real

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
        if self.real:
            time.sleep(seconds)


def fetcher(sleeps=None, **settings):
    base = {"min_interval": 0, "backoff": 0.01, "timeout": 2, "connect_timeout": 1}
    return Fetcher(
        HttpSettings(**{**base, **settings}), sleep=sleeps if sleeps is not None else Sleeps()
    )


def test_conditional_get_sends_validators_and_reports_304(http_server):
    def answer(request):
        if request.headers.get("if-none-match") == '"v1"':
            return Reply(b"", 304)
        return Reply(
            '{"a": 1}', headers={"ETag": '"v1"', "Last-Modified": "Wed, 01 Jan 2025 00:00:00 GMT"}
        )

    http_server.route("/list.json", answer)
    with fetcher() as f:
        first = f.get(http_server.url("/list.json"))
        assert first.status == 200 and first.etag == '"v1"'
        assert first.last_modified == "Wed, 01 Jan 2025 00:00:00 GMT"
        second = f.get(
            http_server.url("/list.json"),
            validators={"etag": first.etag, "last_modified": first.last_modified},
        )
    assert second.status == 304 and second.body == b""
    assert http_server.requests[1].headers["if-modified-since"] == first.last_modified


def test_retry_after_seconds_and_dates_are_honoured(http_server):
    http_server.route(
        "/x.json",
        Reply("", 503, headers={"Retry-After": "7"}),
        Reply("", 429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}),
        Reply("{}"),
    )
    sleeps = Sleeps()
    with fetcher(sleeps) as f:
        assert f.get(http_server.url("/x.json")).json() == {}
    assert sleeps == [7.0, 0.0]  # a date in the past means "now"


def test_retry_after_beyond_the_cap_fails_instead_of_sleeping(http_server):
    http_server.route("/x.json", Reply("", 429, headers={"Retry-After": "86400"}))
    sleeps = Sleeps()
    with fetcher(sleeps, max_retry_after=300) as f, pytest.raises(FetchError, match="exceeds"):
        f.get(http_server.url("/x.json"))
    assert sleeps == []


def test_retries_run_out_with_the_last_status(http_server):
    http_server.route("/x.json", Reply("down", 502))
    sleeps = Sleeps()
    with fetcher(sleeps, retries=2) as f, pytest.raises(HTTPStatusError) as info:
        f.get(http_server.url("/x.json"))
    assert info.value.status == 502
    assert len(http_server.requests) == 3
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0]  # exponential backoff


def test_client_errors_are_not_retried(http_server):
    http_server.route("/x.json", Reply('{"status":404,"message":"Record Not Found"}', 404))
    with fetcher() as f, pytest.raises(HTTPStatusError, match="Record Not Found"):
        f.get(http_server.url("/x.json"))
    assert len(http_server.requests) == 1


def test_size_cap(http_server):
    http_server.route("/big.json", Reply("[" + "1," * 5000 + "1]"))
    with fetcher(max_bytes=1000) as f, pytest.raises(ResponseTooLarge):
        f.get(http_server.url("/big.json"))


@pytest.mark.parametrize(
    ("reply", "expect", "error"),
    [
        (
            Reply("<!DOCTYPE html><html></html>", content_type="text/html"),
            "json",
            UnexpectedContent,
        ),
        (Reply("<html><body>hi</body></html>", content_type=None), "xml", UnexpectedContent),
        (Reply("%PDF-1.4", content_type="application/pdf"), "json", UnexpectedContent),
        (Reply("", 202), "json", BlockedError),
        (Reply("Forbidden", 403, content_type="text/plain"), "html", BlockedError),
    ],
)
def test_bodies_that_are_not_data_are_errors(http_server, reply, expect, error):
    http_server.route("/x", reply)
    with fetcher() as f, pytest.raises(error):
        f.get(http_server.url("/x"), expect=expect)


def test_json_served_as_text_plain_is_accepted(http_server):
    http_server.route("/x", Reply('{"ok": true}', content_type="text/plain; charset=utf-8"))
    with fetcher() as f:
        assert f.get(http_server.url("/x")).json() == {"ok": True}


def test_redirects_are_followed_and_the_final_url_kept(http_server):
    http_server.route("/old", Reply("", 301, headers={"Location": "/new.json"}))
    http_server.route("/new.json", Reply('{"moved": true}'))
    with fetcher() as f:
        payload = f.get(http_server.url("/old"))
    assert payload.url == http_server.url("/new.json")


def test_per_host_minimum_interval(http_server):
    http_server.route("/x.json", Reply("{}"))
    sleeps = Sleeps(real=True)
    with fetcher(sleeps, min_interval=0.3) as f:
        f.get(http_server.url("/x.json"))
        f.get(http_server.url("/x.json"))
        f.get(http_server.url("/x.json"), min_interval=0)
    # one wait, for what is left of the interval after the first request (how much is left
    # depends on how long that request took on a busy machine)
    assert len(sleeps) == 1 and 0 < sleeps[0] <= 0.3
    first, second, _ = http_server.requests
    assert second.received_at - first.received_at >= 0.25


def test_connection_refused_is_a_transport_error():
    with fetcher(retries=1) as f, pytest.raises(TransportError):
        f.get("http://127.0.0.1:9/nothing.json")


def test_user_agent_is_descriptive(http_server):
    http_server.route("/x.json", Reply("{}"))
    with fetcher(user_agent="regwatch-test (+mailto:ops@example.com)") as f:
        f.get(http_server.url("/x.json"))
    assert (
        http_server.requests[0].headers["user-agent"] == "regwatch-test (+mailto:ops@example.com)"
    )
