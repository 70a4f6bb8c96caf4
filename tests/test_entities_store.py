"""The listed-entity store API and a whole CSL and Federal Register cycle, on both databases."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from regwatch._entity_history import entity_history
from regwatch.entities import (
    ListedEntry,
    current_entries,
    entity_listing_changes,
    find_listed,
    replace_list,
    upsert_listed,
)
from regwatch.events import ChangeEvent, Entity, EventKind
from regwatch.http import Fetcher, HttpSettings
from regwatch.model import Changes, PriorRequest
from regwatch.pipeline import poll_source
from regwatch.sources import Payload
from regwatch.sources.csl import CSL, CslSettings
from regwatch.sources.federal_register import FederalRegister, FederalRegisterSettings
from regwatch.store import Batch, Store
from regwatch.timeutil import utcnow
from tests.support.csl import bulk_json, edit, legacy_records, without
from tests.support.httpserver import Reply

DATA = Path(__file__).parent / "data" / "federal_register"


@pytest.fixture
def store(db_url):
    with Store.open(db_url, create=True) as s:
        yield s


def _entity_event(kind, key, name, *, country="RU", data=None, source="meti"):
    return ChangeEvent(
        source=source,
        kind=kind,
        key=key,
        title=name,
        list_code="JP-EUL",
        country=country,
        entity=Entity(name=name, aliases=("Alias",), addresses=("Moscow",), details={"x": 1}),
        data=data or {},
    )


def _listed(store):
    return store.prior("meti", PriorRequest(lists=("JP-EUL",))).listed


def _save(store, *events):
    payload = Payload(url="http://example/x", body=b"x", fetched_at=utcnow())
    changes = Changes(
        events=[(0, e) for e in events], listed=entity_listing_changes(events, _listed(store))
    )
    return store.save_batch(
        Batch(source="meti", payloads=[payload], changes=changes, started_at=utcnow())
    )


def test_entity_events_keep_the_listed_parties_current(store):
    added = _entity_event(EventKind.ENTITY_ADDED, "jp-eul:ru:example plant", "Example Plant")
    result = _save(store, added)
    with store.read() as conn:
        (row,) = current_entries(conn, lists=["jp-eul"], countries=["ru"])
    assert (row.key, row.name, row.aliases, row.source) == (
        "jp-eul:ru:example plant", "Example Plant", ("Alias",), "meti",
    )  # fmt: skip
    assert row.event_id == result.new_ids[0] and row.details == {"x": 1}
    # a revision under the natural key of another spelling finds the row by name
    revised = _entity_event(
        EventKind.ENTITY_REVISED, "rev:1", "EXAMPLE PLANT", data={"entity_key": "nope"}
    )
    _save(store, revised)
    with store.read() as conn:
        (row,) = current_entries(conn)
    assert row.key == "jp-eul:ru:example plant" and row.name == "EXAMPLE PLANT"
    removed = _entity_event(EventKind.ENTITY_REMOVED, "jp-eul:ru:example plant", "Example Plant")
    _save(store, removed)
    with store.read() as conn:
        assert current_entries(conn) == []
    warnings: list[str] = []
    missing = entity_listing_changes([removed], _listed(store), warnings)
    assert missing.remove == [] and "no such party is currently listed" in warnings[0]


def test_replace_list_and_find_listed(store):
    now = utcnow()
    entries = [
        ListedEntry("el:cn:a b c", "EL", "A B C", ("ABC Co",), country="CN", source="csl"),
        ListedEntry("el:cn:d e f", "EL", "D E F", country="CN", source="csl"),
    ]
    with store.write() as conn:
        upsert_listed(conn, [ListedEntry("el:ru:x y", "EL", "X Y", source="federal_register")])
        assert replace_list(conn, "csl", "EL", entries, now=now) == (2, 0)
        assert replace_list(conn, "csl", "EL", entries[:1], now=now) == (1, 1)
        assert [e.key for e in current_entries(conn)] == ["el:cn:a b c", "el:ru:x y"]
        listed = {e.key: e for e in current_entries(conn)}
    assert find_listed(listed, "EL", "CN", "abc co").key == "el:cn:a b c"  # an alias
    assert find_listed(listed, "EL", "DE", "A.B.C.").key == "el:cn:a b c"  # another country
    assert find_listed(listed, "EL", "CN", "Nobody") is None


def test_a_whole_cycle_on_this_database(store, http_server, shared_fixtures):
    records = legacy_records(shared_fixtures, "el", "uvl")
    changed = edit(
        without(records, "Murat Peker"),
        "Brilliance Technology Ltd",
        name="Brilliance Tech Ltd",
        alt_names=["Brilliance Technology Ltd"],
    )
    http_server.route("/csl.json", Reply(bulk_json(records)), Reply(bulk_json(changed)))
    recent = (utcnow().date() - timedelta(days=2)).isoformat()
    y, m, d = recent.split("-")
    xml_path = f"/documents/full_text/xml/{y}/{m}/{d}/2022-97505.xml"
    http_server.route(
        xml_path,
        Reply((DATA / "el_revision_addition_2022.xml").read_bytes(), content_type="text/xml"),
    )
    record = {
        "document_number": "2022-97505", "type": "Rule", "title": "Additions and Revisions",
        "publication_date": recent, "citation": "87 FR 77505", "start_page": 77505,
        "end_page": 77515, "cfr_references": [{"title": 15, "part": "744"}],
        "full_text_xml_url": http_server.url(xml_path),
    }  # fmt: skip
    http_server.route(
        "/api/v1/documents.json", Reply(json.dumps({"count": 1, "results": [record]}))
    )
    settings = CslSettings(url=http_server.url("/csl.json"), lists=["EL", "UVL"])
    fr = FederalRegisterSettings(
        base_url=http_server.url("/api/v1"), public_inspection=False, xml_interval=0
    )
    with Fetcher(HttpSettings(min_interval=0, retries=0)) as fetcher:
        assert poll_source(store, CSL(settings), fetcher).ok
        result = poll_source(store, FederalRegister(fr), fetcher)
        assert result.ok and result.new == 3, result
        second = poll_source(store, CSL(settings), fetcher)
    assert second.ok and second.new == 2 and second.revised == 0, (
        second
    )  # first events of both keys
    events = {(e.event.kind, e.event.key) for e in store.events() if e.event.source == "csl"}
    assert (EventKind.ENTITY_REMOVED, "el:tr:murat peker") in events
    assert (EventKind.ENTITY_REVISED, "uvl:hk:brilliance technology ltd") in events
    with store.read() as conn:
        listed = {e.key: e for e in current_entries(conn)}
    assert listed["uvl:hk:brilliance technology ltd"].name == "Brilliance Tech Ltd"
    assert listed["el:cn:yangtze memory technologies co ltd"].source == "federal_register"
    assert "el:tr:murat peker" not in listed
    (ymtc,) = entity_history(store, "YMTC")
    assert [e.event.kind for e in ymtc.events] == [EventKind.ENTITY_ADDED]
    (peker,) = entity_history(store, "murat peker")
    assert peker.current is None
    assert [e.event.kind for e in peker.events] == [
        EventKind.LIST_REVISED,
        EventKind.ENTITY_REMOVED,
    ]
