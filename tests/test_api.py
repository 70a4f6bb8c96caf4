"""The Python API, as the README shows it."""

from __future__ import annotations

from datetime import date

import pytest

import regwatch
from regwatch.model import Changes
from regwatch.sources import Payload
from regwatch.store import Batch
from regwatch.timeutil import utcnow


def test_open_store_and_query(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'api.db'}"
    with regwatch.Store.open(url, create=True) as store:
        store.save_batch(
            Batch(
                source="test",
                payloads=[Payload(url="http://x", body=b"x")],
                started_at=utcnow(),
                changes=Changes(
                    events=[
                        (
                            0,
                            regwatch.ChangeEvent(
                                source="test",
                                kind=regwatch.EventKind.ENTITY_ADDED,
                                key="el:cn:acme",
                                title="ACME added",
                                list_code="EL",
                                country="CN",
                                published_on=date(2024, 5, 1),
                                entity=regwatch.Entity("ACME", ("A.C.M.E.",)),
                            ),
                        )
                    ]
                ),
            )
        )
    monkeypatch.setenv("REGWATCH_DB", url)
    with regwatch.open_store() as store:
        events = list(
            store.iter_events(
                regwatch.EventQuery(kinds=("entity.added",), lists=("EL",), countries=("CN",))
            )
        )
    assert [e.event.title for e in events] == ["ACME added"]
    as_json = events[0].to_json()
    assert as_json["entity"] == {"name": "ACME", "aliases": ["A.C.M.E."], "addresses": []}
    assert as_json["list"] == "EL" and as_json["published_on"] == "2024-05-01"


def test_open_store_on_a_missing_database_raises_a_store_error(tmp_path):
    with pytest.raises(regwatch.StoreError, match="regwatch init"):
        regwatch.open_store(f"sqlite:///{tmp_path / 'nothing.db'}")


def test_public_names_are_exported():
    for name in regwatch.__all__:
        assert hasattr(regwatch, name), name
