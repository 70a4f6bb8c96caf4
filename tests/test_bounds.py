"""Bounds on stored text: a hostile source's 5 MB title is stored cut, with a mark, and the
payload it came from (kept with its SHA-256) still holds the whole text."""

from __future__ import annotations

import json

from regwatch._bounds import LIMITS, bound_event
from regwatch.events import ChangeEvent, Entity, EventKind
from regwatch.timeutil import utcnow
from tests.support.fake_fr import bis_documents, load_template_records
from tests.support.httpserver import Reply


def event(**fields):
    base = {"source": "s", "kind": EventKind.DOCUMENT_PUBLISHED, "key": "s:1", "title": "t"}
    return ChangeEvent(**{**base, **fields})


def test_an_event_within_bounds_is_left_alone():
    ordinary = event(summary="x" * 100, data={"a": ["b"] * 10, "n": 3})
    assert bound_event(ordinary) is ordinary


def test_every_long_field_is_cut_with_a_mark():
    huge = "é" * 3_000_000
    bounded = bound_event(
        event(
            title=huge,
            summary=huge,
            citation=huge,
            entity=Entity(name=huge, aliases=(huge,) * 5000, details={"x": huge}),
            data={"nested": {"deeper": [huge]}, "many": list(range(100_000))},
        )
    )
    assert len(bounded.title) < LIMITS["title"] + 100
    assert bounded.title.endswith(
        "[…cut: 3,000,000 characters in all; the source payload holds the whole text]"
    )
    assert len(bounded.summary) < LIMITS["summary"] + 100
    assert len(bounded.citation) < LIMITS["short"] + 100
    assert len(bounded.entity.name) < LIMITS["name"] + 100
    assert len(bounded.entity.aliases) == LIMITS["items"]
    assert len(bounded.entity.details["x"]) < LIMITS["value"] + 100
    assert len(bounded.data["nested"]["deeper"][0]) < LIMITS["value"] + 100
    assert len(bounded.data["many"]) == LIMITS["items"]


def test_a_poll_stores_a_huge_title_cut_and_keeps_the_payload(
    cli, tmp_path, http_server, shared_fixtures
):
    [record] = bis_documents(load_template_records(shared_fixtures), 1, utcnow().date())
    record["title"] = "Huge " + "A" * 5_000_000
    http_server.route(
        "/api/v1/documents.json", Reply(json.dumps({"count": 1, "results": [record]}))
    )
    (tmp_path / "sources.yaml").write_text(
        "http:\n  min_interval: 0\n  retries: 0\n"
        f"federal_register:\n  base_url: {http_server.url('/api/v1')}\n"
        "  public_inspection: false\n  backfill_days: 1\n"
    )
    assert cli("init").code == 0
    assert cli("poll", "federal_register").code == 0
    [stored] = cli("events", "--format", "json").json()
    assert stored["title"].startswith("Huge AAAA")
    assert stored["title"].endswith(
        "5,000,005 characters in all; the source payload holds the whole text]"
    )
    assert len(stored["title"]) < 2_200
    shown = cli("show", str(stored["id"]), "--format", "json").json()
    assert len(shown["provenance"]["sha256"]) == 64  # the whole title is in that payload
    assert cli("events").code == 0
