"""Faults, each through the real local server: retried where it makes sense, otherwise a clear
error in the source's health, no partial batch, and the other sources unaffected."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from regwatch.sources import SOURCES
from regwatch.timeutil import utcnow
from tests.support.fake_fr import FakeFederalRegister, bis_documents, load_template_records
from tests.support.feed_source import JsonFeed
from tests.support.httpserver import Reply

HTTP = "http:\n  min_interval: 0\n  backoff: 0.01\n  timeout: 0.5\n  connect_timeout: 0.5\n"


@pytest.fixture
def setup(cli, tmp_path, http_server, shared_fixtures, monkeypatch):
    monkeypatch.setitem(SOURCES, "json_feed", JsonFeed)
    start = utcnow().date() - timedelta(days=20)
    fake = FakeFederalRegister(
        http_server, bis_documents(load_template_records(shared_fixtures), 12, start)
    )
    fake.mount()
    http_server.route("/feed.json", Reply('[{"id": "a", "title": "Release A"}]'))
    (tmp_path / "sources.yaml").write_text(
        HTTP
        + f"federal_register:\n  base_url: {fake.base_url}\n  public_inspection: false\n"
        + "  backfill_days: 60\n  per_page: 5\n"
        + f"json_feed:\n  url: {http_server.url('/feed.json')}\n"
    )
    return fake


def health(cli):
    return {s["name"]: s for s in cli("sources", "--format", "json").json()}


def stored(cli, source):
    return cli("events", "--source", source, "--format", "json").json()


def assert_failed_cleanly(cli, result, expected_error):
    assert result.code == 1, result
    assert expected_error in result.stderr
    state = health(cli)
    assert state["federal_register"]["status"] == "failing"
    assert state["federal_register"]["consecutive_failures"] == 1
    assert expected_error in state["federal_register"]["last_error"]
    assert stored(cli, "federal_register") == []  # no partial batch
    assert state["json_feed"]["status"] == "ok"  # the other source is unaffected
    assert [e["title"] for e in stored(cli, "json_feed")] == ["Release A"]


def test_500_then_success_is_retried(cli, setup, http_server):
    http_server.route("/api/v1/documents.json", Reply("oops", 500), setup.documents_handler)
    result = cli("poll")
    assert result.code == 0, result
    assert "federal_register: 12 new" in result.stdout
    assert len(http_server.hits("/api/v1/documents.json")) == 2


def test_429_with_retry_after_is_honoured(cli, setup, http_server):
    http_server.route(
        "/api/v1/documents.json",
        Reply("slow down", 429, headers={"Retry-After": "1"}),
        setup.documents_handler,
    )
    result = cli("poll")
    assert result.code == 0, result
    hits = http_server.hits("/api/v1/documents.json")
    assert len(hits) == 2
    assert hits[1].received_at - hits[0].received_at >= 0.95


def test_timeout_is_recorded(cli, setup, http_server):
    http_server.route("/api/v1/documents.json", Reply("[]", delay=1.0))
    assert_failed_cleanly(cli, cli("poll"), "timed out")
    assert len(http_server.hits("/api/v1/documents.json")) == 4  # first try + 3 retries


def test_truncated_json_is_recorded(cli, setup, http_server):
    body = json.dumps({"count": 12, "results": setup.documents})
    http_server.route("/api/v1/documents.json", Reply(body[: len(body) // 2]))
    assert_failed_cleanly(cli, cli("poll"), "invalid JSON")


def test_html_page_instead_of_json_is_recorded(cli, setup, http_server):
    unblock = "<!DOCTYPE html><html><body><h1>Request Access</h1></body></html>"
    http_server.route("/api/v1/documents.json", Reply(unblock, content_type="text/html"))
    assert_failed_cleanly(cli, cli("poll"), "expected JSON, got an HTML page")


def test_failure_on_a_later_page_stores_nothing_of_the_first(cli, setup, http_server):
    http_server.route("/api/v1/documents", Reply("broken", 503))
    assert_failed_cleanly(cli, cli("poll"), "HTTP 503")
    assert len(http_server.hits("/api/v1/documents.json")) == 1


def test_pagination_cycle_is_refused(cli, setup, http_server):
    def same_page_forever(request):
        page = json.loads(setup.documents_handler(request).body)
        page["next_page_url"] = http_server.url("/api/v1/documents?page=2&format=json")
        return Reply(json.dumps(page))

    http_server.route("/api/v1/documents.json", same_page_forever)
    http_server.route("/api/v1/documents", same_page_forever)
    assert_failed_cleanly(cli, cli("poll"), "pagination cycle")
    assert len(http_server.hits("/api/v1/documents")) == 1


def test_failures_count_up_and_a_success_resets_them(cli, setup, http_server):
    http_server.route("/api/v1/documents.json", Reply("down", 500))
    cli("poll", "federal_register")
    cli("poll", "federal_register")
    state = health(cli)["federal_register"]
    assert (state["status"], state["consecutive_failures"]) == ("failing", 2)
    assert "HTTP 500" in state["last_error"]
    http_server.route("/api/v1/documents.json", setup.documents_handler)
    assert cli("poll", "federal_register").code == 0
    state = health(cli)["federal_register"]
    assert (state["status"], state["consecutive_failures"], state["last_error"]) == ("ok", 0, None)
    assert state["last_success_at"] is not None


def test_a_403_is_reported_as_blocked(cli, setup, http_server):
    http_server.route("/api/v1/documents.json", Reply("Forbidden", 403, content_type="text/plain"))
    result = cli("poll", "federal_register")
    assert result.code == 1
    assert health(cli)["federal_register"]["status"] == "blocked"
