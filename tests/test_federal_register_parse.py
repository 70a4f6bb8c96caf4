"""The Federal Register parser on the real recorded API responses."""

from __future__ import annotations

import json

import pytest

from regwatch.events import EventKind, content_hash
from regwatch.exceptions import ParseError
from regwatch.sources import Payload
from regwatch.sources.federal_register import (
    FederalRegister,
    FederalRegisterSettings,
    document_event,
    normalize_document_number,
    parse_cfr_filter,
    public_inspection_event,
)


@pytest.fixture
def fr_dir(shared_fixtures):
    return shared_fixtures / "federal_register"


def parse_file(path, role="documents"):
    source = FederalRegister(FederalRegisterSettings())
    return source.parse_payload(Payload(url=f"file://{path}", body=path.read_bytes(), role=role))


def test_all_fields_search_page_gives_one_event_per_document(fr_dir):
    events = parse_file(fr_dir / "fr_api_documents_search_all_fields_epa_rules_2024.json")
    assert [e.document_number for e in events] == ["2024-31396", "2024-30747"]
    first = events[0]
    assert first.kind == EventKind.DOCUMENT_PUBLISHED
    assert first.key == "fr:2024-31396"
    assert (
        first.title
        == "Air Plan Revisions; California; Feather River Air Quality Management District"
    )
    assert first.published_on.isoformat() == "2024-12-31"
    assert first.effective_on.isoformat() == "2025-01-30"
    assert first.citation == "89 FR 107012"
    assert first.url.startswith("https://www.federalregister.gov/documents/2024/12/31/2024-31396/")
    assert first.data["cfr_references"] == [{"title": 40, "part": "52"}]
    assert (
        first.data["pdf_url"]
        == "https://www.govinfo.gov/content/pkg/FR-2024-12-31/pdf/2024-31396.pdf"
    )
    assert first.data["type"] == "Rule"
    # volatile fields never reach the event (they would make a revision on every poll)
    flat = json.dumps(first.hashed_fields(), default=str)
    assert "page_views" not in flat and "excerpts" not in flat and "1735566321" not in flat


def test_substantive_correction_without_correction_of_stays_a_publication(fr_dir):
    # 2024-30747 is an agency "Final action; correction." with correction_of null: it is a
    # document in its own right, not an OFR editorial correction.
    events = parse_file(fr_dir / "fr_api_documents_search_all_fields_epa_rules_2024.json")
    assert events[1].data["action"] == "Final action; correction."
    assert events[1].kind == EventKind.DOCUMENT_PUBLISHED
    assert events[1].related_key is None


def test_page_views_do_not_change_the_content_hash(fr_dir):
    record = json.loads(
        (fr_dir / "fr_api_documents_search_all_fields_epa_rules_2024.json").read_text()
    )["results"][0]
    before = content_hash(document_event(record))
    record["page_views"] = {"count": 99999, "last_updated": "2026-11-28 10:00:00 -0400"}
    record["public_inspection_pdf_url"] = "https://public-inspection.federalregister.gov/x.pdf?9"
    record["excerpts"] = "something else"
    assert content_hash(document_event(record)) == before
    record["abstract"] = record["abstract"] + " Amended."
    assert content_hash(document_event(record)) != before


def test_zero_hit_response_without_results_gives_no_events(fr_dir):
    body = json.loads((fr_dir / "fr_api_documents_search_zero_results.json").read_text())
    assert "results" not in body
    assert parse_file(fr_dir / "fr_api_documents_search_zero_results.json") == []


def test_default_field_pages_and_batch_responses_parse(fr_dir):
    page1 = parse_file(fr_dir / "fr_api_documents_search_page1_cursor.json")
    page2 = parse_file(fr_dir / "fr_api_documents_search_page2_cursor.json")
    assert [e.document_number for e in page1 + page2] == [
        "2026-19555",
        "2026-19554",
        "2026-19417",
        "2026-19416",
    ]
    batch = parse_file(fr_dir / "fr_api_documents_batch_with_missing_and_duplicate.json")
    assert [e.document_number for e in batch] == ["2024-31396"]


def test_public_inspection_filings_are_provisional_versions_of_the_document(fr_dir):
    single = parse_file(fr_dir / "fr_api_public_inspection_document_single.json")
    assert len(single) == 1
    filing = single[0]
    assert filing.provisional is True
    assert filing.key == "fr:2026-19958"
    assert filing.title == "Meetings; Sunshine Act"  # trailing spaces of the API trimmed
    assert filing.data["status"] == "public_inspection"
    assert filing.data["filing_type"] == "special"
    assert filing.data["scheduled_publication_date"] == "2026-09-30"
    search = parse_file(fr_dir / "fr_api_public_inspection_search.json", role="pi")
    assert {e.key for e in search} == {"fr:2026-19930", "fr:2026-19936"}
    assert all(e.provisional for e in search)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2012-7333", "2012-07333"),
        ("2012-07333", "2012-07333"),
        ("2024–02801", "2024-02801"),
        ("2024—02801", "2024-02801"),
        (" 2024-31396", "2024-31396"),
        ("E9-1777", "E9-01777"),
        ("c1-2026-16628", "C1-2026-16628"),
        ("93-32104", "93-32104"),
        # the shapes next to an already normalized number
        ("C1-2026-16628", "C1-2026-16628"),
        ("2024-012345", "2024-12345"),
        ("2024-123456", "2024-123456"),
        ("2024-00000", "2024-00000"),
        ("2024-01234\n", "2024-01234"),
        ("e4-12345", "E4-12345"),
        ("2024-\u0661\u0662\u0663\u0664\u0665", "2024-12345"),  # Arabic-Indic digits
        ("NO-SERIAL", "NO-SERIAL"),
    ],
)
def test_document_numbers_are_normalized(raw, expected):
    assert normalize_document_number(raw) == expected


def test_editorial_correction_is_linked_to_its_original():
    correction = document_event(
        {
            "document_number": "C1-2026-16628",
            "title": "Entity List Additions; Correction",
            "type": "Rule",
            "publication_date": "2026-08-28",
            "correction_of": "https://www.federalregister.gov/api/v1/documents/2026-16628",
        }
    )
    assert correction.kind == EventKind.DOCUMENT_CORRECTED
    assert correction.key == "fr:C1-2026-16628"
    assert correction.related_key == "fr:2026-16628"
    # an old-style correction named only by its number
    numbered = document_event(
        {"document_number": "C2-2024-1234", "title": "x", "publication_date": "2024-03-01"}
    )
    assert numbered.related_key == "fr:2024-01234"
    original = document_event(
        {
            "document_number": "2026-16628",
            "title": "Entity List Additions",
            "type": "Rule",
            "publication_date": "2026-08-14",
            "corrections": ["https://www.federalregister.gov/api/v1/documents/C1-2026-16628"],
        }
    )
    assert original.kind == EventKind.DOCUMENT_PUBLISHED
    assert original.data["corrections"] == ["C1-2026-16628"]


def test_withdrawal_needs_a_named_earlier_document():
    withdrawal = document_event(
        {
            "document_number": "2026-15582",
            "title": "Export Controls; Withdrawal",
            "action": "Proposed rule; withdrawal.",
            "publication_date": "2026-07-01",
            "related_documents": {
                "BIS-2025-0001": [
                    {"document_number": "2025-01000"},
                    {"document_number": "2026-15582"},
                ]
            },
        }
    )
    assert withdrawal.kind == EventKind.DOCUMENT_WITHDRAWN
    assert withdrawal.related_key == "fr:2025-01000"
    vague = document_event(
        {
            "document_number": "2026-15583",
            "title": "Withdrawal of something",
            "action": "Notice; withdrawal.",
            "publication_date": "2026-07-01",
        }
    )
    assert vague.kind == EventKind.DOCUMENT_PUBLISHED


def test_pi_correction_filing_is_linked_too():
    filing = public_inspection_event(
        {"document_number": "C1-2026-16628", "title": "x", "filing_type": "regular"}
    )
    assert filing.kind == EventKind.DOCUMENT_CORRECTED
    assert filing.related_key == "fr:2026-16628"


@pytest.mark.parametrize(
    "body",
    [
        b'{"results": [',
        b"not json",
        b'{"results": "x"}',
        b'{"results": [{"title": "no number"}]}',
        b"[1, 2]",
    ],
)
def test_malformed_responses_are_parse_errors(body):
    source = FederalRegister(FederalRegisterSettings())
    with pytest.raises(ParseError):
        source.parse_payload(Payload(url="http://x/documents.json", body=body))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15 CFR 744", (15, "744")),
        ("15 C.F.R. 730-774", (15, "730-774")),
        ("15 CFR part 744", (15, "744")),
    ],
)
def test_cfr_filters(text, expected):
    assert parse_cfr_filter(text) == expected


@pytest.mark.parametrize("text", ["CFR 744", "99 CFR 1", "15 CFR"])
def test_bad_cfr_filters_say_what_was_expected(text):
    with pytest.raises(ValueError, match="15 CFR 744"):
        parse_cfr_filter(text)
