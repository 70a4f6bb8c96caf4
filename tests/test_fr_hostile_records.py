"""One hostile Federal Register record is skipped and reported; the rest of the page is stored,
on SQLite and PostgreSQL, and no SQL ever reaches the user."""

from __future__ import annotations

import json

import pytest

from regwatch.sources import _fr_records
from regwatch.sources._fr_records import MAX_DEPTH, readable_records, record_problem
from regwatch.timeutil import utcnow
from tests.support.fake_fr import FakeFederalRegister, bis_documents, load_template_records
from tests.support.httpserver import Reply


def nested(levels: int) -> list:
    """``levels`` lists, one inside the other, as ``json.loads`` builds them."""
    return json.loads("[" * levels + "]" * levels)


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
    "a number too big for a float": (
        {"regulations_dot_gov_info": {"x": [json.loads("1e999")]}},
        "NaN or Infinity",
    ),
    "runaway nesting": ({"images": {"a": nested(500)}}, f"nested more than {MAX_DEPTH} levels"),
}


@pytest.mark.parametrize("name", BAD)
def test_record_problem_names_the_field(name, shared_fixtures):
    change, expected = BAD[name]
    [record] = bis_documents(load_template_records(shared_fixtures), 1, utcnow().date())
    assert record_problem(record) is None
    assert expected in (record_problem({**record, **change}) or "")


def test_nesting_up_to_the_bound_is_read(shared_fixtures):
    [record] = bis_documents(load_template_records(shared_fixtures), 1, utcnow().date())
    assert record_problem({**record, "images": nested(MAX_DEPTH)}) is None
    assert "nested more than" in (record_problem({**record, "images": nested(MAX_DEPTH + 1)}) or "")


def test_a_text_subclass_or_a_tuple_is_read_like_text_and_a_list(shared_fixtures):
    class Text(str):
        pass

    [record] = bis_documents(load_template_records(shared_fixtures), 1, utcnow().date())
    odd = {**record, "title": Text("A title"), "topics": [Text("Exports")], "x": (1, [2.5])}
    assert record_problem(odd) is None
    assert "NaN or Infinity" in (record_problem({**odd, "x": (1, [float("nan")])}) or "")


def test_readable_records_splits_a_page_by_index(shared_fixtures):
    good, other = bis_documents(load_template_records(shared_fixtures), 2, utcnow().date())
    readable, problems = readable_records([good, "text", {**other, "volume": "89"}, other])
    assert readable == [good, other]
    assert [i for i, _ in problems] == [1, 2]
    assert "expected an object, got str" in problems[0][1]
    assert "volume is not a whole number" in problems[1][1]


def test_a_poll_checks_each_record_once_collecting_and_once_parsing(
    cli, tmp_path, http_server, shared_fixtures, monkeypatch
):
    start = utcnow().date()
    records = bis_documents(load_template_records(shared_fixtures), 30, start, per_day=30)
    fake = FakeFederalRegister(http_server, records).mount()
    (tmp_path / "sources.yaml").write_text(
        "http:\n  min_interval: 0\n  retries: 0\n"
        f"federal_register:\n  base_url: {fake.base_url}\n"
        "  public_inspection: false\n  backfill_days: 1\n  per_page: 7\n"
    )
    # every record that passes the field checks is walked once per check, however it is called
    walks: list[object] = []
    real = _fr_records._depth_or_non_finite

    def counting(values):
        walks.append(values)
        return real(values)

    monkeypatch.setattr(_fr_records, "_depth_or_non_finite", counting)
    assert cli("init").code == 0
    poll = cli("poll", "federal_register")
    assert poll.code == 0, poll
    assert "30 new" in poll.stdout
    assert len(walks) == 2 * len(records)


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
