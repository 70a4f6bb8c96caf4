"""Titles, error bodies and addresses from a hostile server never act on the terminal: no escape
sequence, control character or rich markup from outside reaches it through any command."""

from __future__ import annotations

import csv
import io
import json

import pytest

from regwatch._terminal import markup_safe, printable
from regwatch.timeutil import utcnow
from tests.support.fake_fr import bis_documents, load_template_records
from tests.support.httpserver import Reply

#: clear screen, window title, an OSC 8 hyperlink, an 8-bit CSI, a bidi override, rich markup
HOSTILE = (
    "Rule\x1b[2J\x1b]0;pwned\x07 [link=http://evil.example]click[/link] [/] [bold red]x"
    "\x1b]8;;http://evil.example\x07here\x1b]8;;\x07 \x9b31m\u202eevil\r\x00\x08 end"
)
FORMULA = '=HYPERLINK("http://evil.example","click")'
RAW = ("\x1b", "\x07", "\x9b", "\u202e", "\x00", "\x08", "\r")


def clean(text: str) -> bool:
    return not any(c in text for c in RAW)


def test_printable_and_markup_safe():
    assert printable(HOSTILE) == (
        "Rule [link=http://evil.example]click[/link] [/] [bold red]xhere evil  end"
    )
    assert printable("line one\n\tline two") == "line one\n\tline two"
    assert markup_safe("[/] [link=x]y") == "\\[/] \\[link=x]y"


@pytest.fixture
def hostile_db(cli, tmp_path, http_server, shared_fixtures):
    records = bis_documents(load_template_records(shared_fixtures), 2, utcnow().date())
    records[0]["title"] = HOSTILE
    records[0]["abstract"] = "abstract \x1b[31mred\x1b[0m"
    records[1]["title"] = FORMULA
    page = {"count": 2, "results": records}
    http_server.route("/api/v1/documents.json", Reply(json.dumps(page)))
    (tmp_path / "sources.yaml").write_text(
        "http:\n  min_interval: 0\n  retries: 0\n  timeout: 5\n"
        f"federal_register:\n  base_url: {http_server.url('/api/v1')}\n"
        "  public_inspection: false\n  backfill_days: 1\n"
    )
    assert cli("init").code == 0
    result = cli("poll", "federal_register")
    assert result.code == 0, result
    return http_server


def test_events_table_escapes_markup_and_strips_controls(cli, hostile_db):
    result = cli("events")
    assert result.code == 0, result  # a stray [/] used to crash rich
    assert clean(result.stdout + result.stderr)
    # the markup is shown as text, never applied (spaces aside, which the table may pad)
    shown = "".join(result.stdout.split())
    assert "Rule[link=http://evil.example]click[/link][/][boldred]xhereevil" in shown


def test_show_strips_controls(cli, hostile_db):
    [event] = [e for e in cli("events", "--format", "json").json() if e["title"] != FORMULA]
    result = cli("show", str(event["id"]))
    assert result.code == 0 and clean(result.stdout)
    assert "title: Rule [link=http://evil.example]click[/link]" in result.stdout


def test_json_keeps_the_value_but_escapes_every_control(cli, hostile_db):
    for fmt in ("json", "jsonl"):
        result = cli("events", "--format", fmt)
        assert clean(result.stdout)
        rows = (
            result.json() if fmt == "json" else [json.loads(x) for x in result.stdout.splitlines()]
        )
        # the stored title, escapes and all, once decoded
        assert any(r["title"].startswith("Rule\x1b[2J\x1b]0;pwned\x07 [link=") for r in rows)


def test_csv_neutralizes_formulas(cli, hostile_db):
    result = cli("events", "--format", "csv")
    assert clean(result.stdout.replace("\r", ""))
    titles = [row["title"] for row in csv.DictReader(io.StringIO(result.stdout))]
    assert "'" + FORMULA in titles
    assert not any(t.startswith(("=", "+", "-", "@")) for t in titles)


def test_error_bodies_in_sources_healthcheck_poll_and_logs(cli, tmp_path, http_server):
    http_server.route(
        "/api/v1/documents.json",
        Reply(
            "denied \x1b]0;pwned\x07\x1b[2J [/] [link=http://e]x", 404, content_type="text/plain"
        ),
    )
    (tmp_path / "sources.yaml").write_text(
        "http:\n  min_interval: 0\n  retries: 0\n"
        f"federal_register:\n  base_url: {http_server.url('/api/v1')}\n  public_inspection: false\n"
    )
    assert cli("init").code == 0
    poll = cli("--verbose", "poll", "federal_register")
    assert poll.code == 1 and "HTTP 404: denied" in poll.stderr
    assert clean(poll.stdout + poll.stderr)
    assert "poll federal_register failed" in poll.stderr  # the log line, cleaned too
    for args in (("sources",), ("healthcheck",), ("sources", "--format", "json")):
        result = cli(*args)
        assert result.code in (0, 1), result
        assert clean(result.stdout + result.stderr), args
    assert "denied" in cli("healthcheck").stderr
