"""`regwatch events` and `regwatch show` in every output format."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from regwatch.events import ChangeEvent, Entity, EventKind
from regwatch.model import Changes
from regwatch.sources import Payload
from regwatch.store import Batch, Store
from regwatch.timeutil import utcnow


@pytest.fixture
def seeded(cli, tmp_path):
    cli("init")
    with Store.open(f"sqlite:///{tmp_path / 'regwatch.db'}") as store:
        payload = Payload(
            url="https://www.federalregister.gov/api/v1/documents.json",
            body=b'{"results": []}',
            fetched_at=utcnow(),
        )
        store.save_batch(
            Batch(
                source="federal_register",
                payloads=[payload],
                started_at=utcnow(),
                changes=Changes(
                    events=[
                        (
                            0,
                            ChangeEvent(
                                source="federal_register",
                                kind=EventKind.DOCUMENT_PUBLISHED,
                                key="fr:2023-02130",
                                title="Additions to the Entity List",
                                document_number="2023-02130",
                                citation="88 FR 6621",
                                published_on=date(2023, 2, 1),
                                effective_on=date(2023, 1, 31),
                                url="https://www.federalregister.gov/d/2023-02130",
                            ),
                        ),
                        (
                            0,
                            ChangeEvent(
                                source="federal_register",
                                kind=EventKind.ENTITY_ADDED,
                                key="el:ir:example",
                                title="Example Co. added",
                                list_code="EL",
                                country="IR",
                                published_on=date(2023, 2, 1),
                                related_key="fr:2023-02130",
                                entity=Entity("Example Co.", ("Ex Co",), ("Tehran, Iran",)),
                            ),
                        ),
                    ]
                ),
            )
        )


def test_json_has_every_design_field(cli, seeded):
    events = cli("events", "--format", "json").json()
    assert [e["kind"] for e in events] == ["entity.added", "document.published"]
    entity = events[0]
    assert entity["list"] == "EL" and entity["country"] == "IR"
    assert entity["entity"] == {
        "name": "Example Co.",
        "aliases": ["Ex Co"],
        "addresses": ["Tehran, Iran"],
    }
    assert events[1]["effective_on"] == "2023-01-31"
    assert events[1]["citation"] == "88 FR 6621"


def test_jsonl_csv_and_table(cli, seeded):
    lines = cli("events", "--format", "jsonl").stdout.splitlines()
    assert [json.loads(line)["key"] for line in lines] == ["el:ir:example", "fr:2023-02130"]
    rows = list(csv.DictReader(io.StringIO(cli("events", "--format", "csv").stdout)))
    assert rows[1]["document_number"] == "2023-02130" and rows[0]["country"] == "IR"
    table = cli("events").stdout
    assert "Additions to the Entity List" in table and "entity.added" in table


def test_filters(cli, seeded):
    only = cli(
        "events", "--kind", "entity.added", "--list", "EL", "--country", "IR", "--format", "json"
    ).json()
    assert [e["key"] for e in only] == ["el:ir:example"]
    assert cli("events", "--country", "CN", "--format", "json").json() == []
    assert len(cli("events", "--since", "2023-02-01", "--format", "json").json()) == 2
    assert cli("events", "--until", "2023-01-31", "--format", "json").json() == []
    assert [e["key"] for e in cli("events", "--q", "Ex Co", "--format", "json").json()] == [
        "el:ir:example"
    ]
    assert len(cli("events", "--limit", "1", "--format", "json").json()) == 1


def test_show_gives_provenance_and_revisions(cli, seeded):
    event_id = cli("events", "--kind", "document.published", "--format", "json").json()[0]["id"]
    shown = cli("show", str(event_id), "--format", "json").json()
    assert shown["document_number"] == "2023-02130"
    assert shown["provenance"]["url"] == "https://www.federalregister.gov/api/v1/documents.json"
    assert len(shown["provenance"]["sha256"]) == 64
    assert shown["revisions"] == [
        {
            "id": event_id,
            "revision": 1,
            "kind": "document.published",
            "detected_at": shown["detected_at"],
        }
    ]
    readable = cli("show", str(event_id)).stdout
    assert "citation: 88 FR 6621" in readable


def test_show_unknown_event_exits_1(cli, seeded):
    result = cli("show", "999")
    assert result.code == 1 and "no event with id 999" in result.stderr
