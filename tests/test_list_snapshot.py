"""Whole-list diffing (regwatch.sources._snapshot) through a real local server and store."""

from __future__ import annotations

import json

import pytest

from regwatch.entities import current_entries
from regwatch.sources import SOURCES
from tests.support.httpserver import Reply
from tests.support.list_source import JsonList

HTTP = "http:\n  min_interval: 0\n  backoff: 0.01\n  timeout: 2\n"

PEOPLE = [{"id": n, "name": f"Party {n}", "country": "CN"} for n in range(1, 11)]


@pytest.fixture
def served(cli, tmp_path, http_server, monkeypatch):
    monkeypatch.setitem(SOURCES, "json_list", JsonList)
    (tmp_path / "sources.yaml").write_text(
        HTTP + f"json_list:\n  url: {http_server.url('/list.json')}\n"
    )
    assert cli("init").code == 0
    return http_server


def serve(server, *lists):
    server.route("/list.json", *(Reply(json.dumps(items)) for items in lists))


def events(cli):
    return cli("events", "--source", "json_list", "--format", "json").json()


def test_baseline_then_changes_then_nothing(cli, served, tmp_path):
    later = [p for p in PEOPLE if p["id"] != 3] + [{"id": 11, "name": "Party 11", "country": "RU"}]
    later[0] = {**later[0], "aliases": ["P One"]}
    serve(served, PEOPLE, later, later)
    assert cli("poll", "json_list").code == 0
    (baseline,) = events(cli)
    assert baseline["kind"] == "list.revised" and baseline["data"]["entries"] == 10
    assert cli("poll", "json_list").code == 0
    changes = {(e["kind"], e["entity"]["name"]) for e in events(cli) if e["kind"] != "list.revised"}
    assert changes == {
        ("entity.added", "Party 11"),
        ("entity.removed", "Party 3"),
        ("entity.revised", "Party 1"),
    }
    revised = next(e for e in events(cli) if e["kind"] == "entity.revised")
    assert revised["changes"] == {"entity.aliases": [[], ["P One"]]}
    assert cli("poll", "json_list").code == 0
    assert len(events(cli)) == 4  # the same list again: nothing new
    from regwatch import open_store

    with open_store(f"sqlite:///{tmp_path / 'regwatch.db'}") as store, store.read() as conn:
        listed = {e.key: e for e in current_entries(conn, lists=["TEST"])}
    assert sorted(listed) == sorted(f"test:{n}" for n in (1, 2, 4, 5, 6, 7, 8, 9, 10, 11))
    assert listed["test:1"].aliases == ("P One",)


def test_a_shrunken_list_is_refused_and_nothing_is_removed(cli, served):
    serve(served, PEOPLE, PEOPLE[:5], PEOPLE)
    assert cli("poll", "json_list").code == 0
    refused = cli("poll", "json_list")
    assert refused.code == 1
    assert "TEST shrinks from 10 to 5 entries" in refused.stderr
    assert len(events(cli)) == 1  # only the baseline: no removal stored
    assert cli("poll", "json_list").code == 0  # the full list again: nothing changed
    assert len(events(cli)) == 1
