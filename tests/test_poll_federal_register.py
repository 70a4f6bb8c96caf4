"""Polling the Federal Register end to end, through a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from regwatch.store import EventQuery, Store
from regwatch.timeutil import utcnow
from tests.support.fake_fr import FakeFederalRegister, bis_documents, load_template_records

FAST_HTTP = "http:\n  min_interval: 0\n  backoff: 0.01\n  timeout: 5\n  connect_timeout: 2\n"


def write_config(tmp_path, base_url, extra=""):
    path = tmp_path / "sources.yaml"
    path.write_text(
        FAST_HTTP
        + f"federal_register:\n  base_url: {base_url}\n  backfill_days: 60\n"
        + "".join(f"  {line}\n" for line in extra.splitlines() if line)
    )
    return path


@pytest.fixture
def templates(shared_fixtures):
    return load_template_records(shared_fixtures)


@pytest.fixture
def fake(http_server, templates):
    start = utcnow().date() - timedelta(days=20)
    return FakeFederalRegister(http_server, bis_documents(templates, 12, start)).mount()


def test_poll_stores_documents_and_events_prints_design_fields(cli, tmp_path, fake):
    write_config(tmp_path, fake.base_url, "public_inspection: false")
    assert cli("init").code == 0
    result = cli("poll", "federal_register")
    assert result.code == 0, result
    assert "federal_register: 12 new, 0 revised, 0 unchanged" in result.stdout
    events = cli("events", "--format", "json").json()
    assert len(events) == 12
    for field in (
        "id",
        "source",
        "kind",
        "key",
        "title",
        "summary",
        "url",
        "published_on",
        "effective_on",
        "document_number",
        "citation",
        "list",
        "country",
        "entity",
        "changes",
        "detected_at",
    ):
        assert field in events[0], field
    newest = events[0]
    assert newest["source"] == "federal_register"
    assert newest["kind"] == "document.published"
    assert newest["key"] == f"fr:{newest['document_number']}"
    assert newest["detected_at"].endswith("Z")
    # newest first
    assert [e["published_on"] for e in events] == sorted(
        (e["published_on"] for e in events), reverse=True
    )
    # the API was asked as docs/sources/federal_register.md says
    first = fake.server.hits("/api/v1/documents.json")[0]
    assert first.param("order") == ["oldest"]
    assert first.param("per_page") == ["1000"]
    assert first.param("conditions[agencies][]") == ["industry-and-security-bureau"]
    assert "document_number" in first.param("fields[]")
    assert "page_views" not in first.param("fields[]")
    assert first.headers["user-agent"].startswith("regwatch/")


def test_second_poll_of_the_same_data_stores_nothing_and_a_changed_abstract_one_revision(
    cli, tmp_path, fake
):
    write_config(tmp_path, fake.base_url, "public_inspection: false")
    assert cli("poll").code == 0
    again = cli("poll")
    assert "0 new, 0 revised, 12 unchanged" in again.stdout
    fake.documents[3]["abstract"] = "A new abstract."
    fake.documents[3]["page_views"] = {"count": 5}
    third = cli("poll")
    assert "0 new, 1 revised, 11 unchanged" in third.stdout, third
    events = cli("events", "--format", "json").json()
    assert len(events) == 13
    revision = next(e for e in events if e["revision"] == 2)
    assert revision["key"] == f"fr:{fake.documents[3]['document_number']}"
    assert revision["changes"]["summary"][1] == "A new abstract."
    assert revision["previous_id"] is not None


def test_cursor_moves_and_the_next_poll_rereads_only_the_overlap_window(cli, tmp_path, fake):
    write_config(tmp_path, fake.base_url, "public_inspection: false\noverlap_days: 3")
    cli("poll")
    newest = max(d["publication_date"] for d in fake.documents)
    with Store.open(f"sqlite:///{tmp_path / 'regwatch.db'}") as store:
        assert store.source_state("federal_register").cursor == {"last_publication_date": newest}
    cli("poll")
    second = fake.server.hits("/api/v1/documents.json")[-1]
    expected = (date.fromisoformat(newest) - timedelta(days=3)).isoformat()
    assert second.param("conditions[publication_date][gte]") == [expected]


def test_next_page_url_is_followed_exactly_as_given(cli, tmp_path, fake):
    write_config(tmp_path, fake.base_url, "public_inspection: false\nper_page: 5")
    result = cli("poll")
    assert "12 new" in result.stdout, result
    follow_ups = fake.server.hits("/api/v1/documents")
    assert len(follow_ups) == 2  # pages 2 and 3 through next_page_url (no ".json")
    requested = [fake.server.url(f"{r.path}?{r.raw_query}") for r in follow_ups]
    assert requested == fake.next_page_urls


def test_a_range_over_the_slice_limit_is_split_by_date(cli, tmp_path, fake):
    write_config(tmp_path, fake.base_url, "public_inspection: false\nslice_max: 4")
    result = cli("poll")
    assert "12 new" in result.stdout, result
    ranges = {
        (
            r.param("conditions[publication_date][gte]")[0],
            r.param("conditions[publication_date][lte]")[0],
        )
        for r in fake.server.hits("/api/v1/documents.json")
    }
    assert len(ranges) > 3
    assert "warning" not in result.stderr


def test_public_inspection_then_publication_is_one_document_not_two(cli, tmp_path, fake):
    pi_record = json.loads(
        json.dumps(
            {
                "agencies": [
                    {"slug": "industry-and-security-bureau", "name": "Industry and Security Bureau"}
                ],
                "document_number": "2026-2001",
                "filed_at": "2026-09-29T12:45:00Z",
                "filing_type": "regular",
                "title": "Additions to the Entity List ",
                "publication_date": "2026-09-30",
                "type": "Rule",
                "html_url": "https://www.federalregister.gov/public-inspection/2026-02001/x",
                "pdf_url": "https://public-inspection.federalregister.gov/2026-02001.pdf?123",
                "page_views": {"count": 1},
            }
        )
    )
    fake.public_inspection = [pi_record]
    write_config(tmp_path, fake.base_url)
    first = cli("poll")
    assert "13 new" in first.stdout, first
    published = dict(fake.documents[0])
    published.update(
        document_number="2026-02001",
        publication_date=utcnow().date().isoformat(),
        title="Additions to the Entity List",
    )
    fake.documents.append(published)
    second = cli("poll")
    assert "0 new, 1 revised" in second.stdout, second
    # the filing is still on the desk the day the document is published: nothing happens
    third = cli("poll")
    assert "0 new, 0 revised" in third.stdout, third
    events = cli("events", "--q", "Entity List", "--format", "json").json()
    assert [(e["revision"], e["data"]["status"]) for e in events] == [
        (2, "published"),
        (1, "public_inspection"),
    ]
    assert events[0]["changes"]["data.status"] == ["public_inspection", "published"]


def test_unknown_agency_slug_fails_the_poll_with_the_api_message(cli, tmp_path, http_server):
    from tests.support.httpserver import Reply

    http_server.route(
        "/api/v1/documents.json",
        Reply('{"errors":{"agencies":"nonexistent-agency is not a valid agency"}}', status=400),
    )
    write_config(tmp_path, http_server.url("/api/v1"), "agencies: [nonexistent-agency]")
    result = cli("poll")
    assert result.code == 1
    assert "HTTP 400" in result.stderr and "not a valid agency" in result.stderr
    assert http_server.hits("/api/v1/documents.json")[0].param("conditions[agencies][]") == [
        "nonexistent-agency"
    ]


def test_import_of_saved_responses_goes_through_the_same_parser(cli, tmp_path, shared_fixtures):
    fr = shared_fixtures / "federal_register"
    result = cli(
        "import",
        "federal_register",
        fr / "fr_api_documents_search_all_fields_epa_rules_2024.json",
        fr / "fr_api_documents_search_zero_results.json",
    )
    assert result.code == 0, result
    assert "2 new" in result.stdout
    again = cli(
        "import", "federal_register", fr / "fr_api_documents_search_all_fields_epa_rules_2024.json"
    )
    assert "0 new, 0 revised, 2 unchanged" in again.stdout
    with Store.open(f"sqlite:///{tmp_path / 'regwatch.db'}") as store:
        assert {e.event.document_number for e in store.events(EventQuery())} == {
            "2024-31396",
            "2024-30747",
        }


def test_import_of_a_truncated_file_stores_nothing_and_exits_2(cli, tmp_path, shared_fixtures):
    good = (
        shared_fixtures
        / "federal_register"
        / "fr_api_documents_search_all_fields_epa_rules_2024.json"
    )
    bad = tmp_path / "truncated.json"
    bad.write_bytes(good.read_bytes()[:5000])
    result = cli("import", "federal_register", good, bad)
    assert result.code == 2
    assert "truncated.json" in result.stderr and "invalid JSON" in result.stderr
    assert cli("events", "--format", "json").json() == []
