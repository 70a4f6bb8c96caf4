"""One hostile Federal Register record is skipped and reported; the rest of the page is stored,
on SQLite and PostgreSQL, and no SQL ever reaches the user."""

from __future__ import annotations

import json

import pytest

from regwatch.sources._fr_records import record_problem
from regwatch.timeutil import utcnow
from tests.support.fake_fr import bis_documents, load_template_records
from tests.support.httpserver import Reply

BAD = {
    "abstract is an object": ({"abstract": {"$ne": 1}}, "abstract is not text"),
    "citation is an object": ({"citation": {"a": [1]}}, "citation is not text"),
    "topics are numbers": ({"topics": [1, 2]}, "topics is not a list of text"),
    "docket_ids is a number": ({"docket_ids": 7}, "docket_ids is not a list of text"),
    "number is a number": ({"document_number": 2024}, "document_number is not a document number"),
    "number is an object": ({"document_number": {"x": 1}}, "not a document number (an object)"),
    "number is SQL": ({"document_number": "1'; DROP TABLE event;--"}, "not a document number"),
    "volume is NaN": ({"volume": float("nan")}, "volume is not a whole number"),
    "NaN deep inside": ({"agencies": [{"id": float("inf")}]}, "NaN or Infinity"),
}


@pytest.mark.parametrize("name", BAD)
def test_record_problem_names_the_field(name, shared_fixtures):
    change, expected = BAD[name]
    [record] = bis_documents(load_template_records(shared_fixtures), 1, utcnow().date())
    assert record_problem(record) is None
    assert expected in (record_problem({**record, **change}) or "")


def test_a_page_with_hostile_records_stores_the_good_ones(
    cli, tmp_path, http_server, shared_fixtures, db_url
):
    records = bis_documents(load_template_records(shared_fixtures), len(BAD) + 1, utcnow().date())
    good = records[0]
    hostile = [{**r, **change} for r, (change, _) in zip(records[1:], BAD.values(), strict=True)]
    # json.dumps writes NaN and Infinity as the bare words Python's json (and the API's) accept
    http_server.route(
        "/api/v1/documents.json",
        Reply(json.dumps({"count": len(records), "results": [good, *hostile]})),
    )
    (tmp_path / "sources.yaml").write_text(
        "http:\n  min_interval: 0\n  retries: 0\n"
        f"federal_register:\n  base_url: {http_server.url('/api/v1')}\n"
        "  public_inspection: false\n  backfill_days: 1\n"
    )
    assert cli("--db", db_url, "init").code == 0
    for _ in range(2):  # and again: a bad record never fails a later poll either
        poll = cli("--db", db_url, "poll", "federal_register")
        assert poll.code == 0, poll
        assert poll.stderr.count("skipped:") == len(BAD)
        assert "abstract is not text" in poll.stderr and "NaN or Infinity" in poll.stderr
    out = cli("--db", db_url, "events", "--format", "json").stdout
    events = json.loads(out, parse_constant=lambda c: pytest.fail(f"{c} in the JSON output"))
    assert [e["document_number"] for e in events] == [good["document_number"]]
    sources = cli("--db", db_url, "sources", "--format", "json").json()
    assert all(not s["last_error"] for s in sources)
    assert "INSERT" not in poll.stderr + poll.stdout
