"""The differ's state: pending events, re-screening on import, watch-list re-imports, screen."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from regwatch import pipeline
from regwatch.events import ChangeEvent, Entity, EventKind
from regwatch.matching import (
    import_and_rescreen,
    list_matches,
    match_pending,
    pending_count,
    rescreen,
)
from regwatch.model import Changes
from regwatch.store import Batch, Store
from regwatch.store._schema import ListedEntity, Recipient, WatchItem
from regwatch.timeutil import utcnow

DATA = Path(__file__).parent / "data" / "matching"


@pytest.fixture
def store(db_url):
    """A fresh store, on SQLite and on PostgreSQL (the differ writes dialect-specific SQL)."""
    with Store.open(db_url, create=True) as opened:
        yield opened


def _listing(name: str, key: str, *, aliases: tuple[str, ...] = (), country: str = "CN"):
    return ChangeEvent(
        source="csl",
        kind=EventKind.ENTITY_ADDED,
        key=key,
        title=f"{name} added to the Entity List",
        list_code="EL",
        country=country,
        entity=Entity(name, aliases=aliases, addresses=(f"Somewhere, {country}",)),
    )


def _store_events(store: Store, *events: ChangeEvent) -> list[int]:
    batch = Batch(
        source="csl",
        payloads=[],
        changes=Changes(events=[(None, e) for e in events]),
        started_at=utcnow(),
        imported=True,
    )
    return store.save_batch(batch).stored_ids


def _list_entities(store: Store, rows: list[tuple[str, str, int]]) -> None:
    table = ListedEntity.__table__  # type: ignore[attr-defined]
    with store.write() as conn:
        for name, key, event_id in rows:
            conn.execute(
                insert(table).values(
                    key=key,
                    source="csl",
                    list_code="EL",
                    name=name,
                    aliases=[],
                    addresses=[],
                    country="CN",
                    details={},
                    event_id=event_id,
                    updated_at=utcnow(),
                )
            )


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_adding_a_customer_already_on_a_list_alerts_at_once(store, tmp_path):
    ids = _store_events(
        store,
        _listing("GUANGZHOU HAIGE COMM GRP", "el:haige"),
        _listing("Nanjing Radar Works", "el:nrw"),
    )
    _list_entities(store, [("GUANGZHOU HAIGE COMM GRP", "el:haige", ids[0])])
    assert match_pending(store).events == 2  # no watch lists yet: matched, and nothing found
    assert pending_count(store) == 0
    path = _write(
        tmp_path,
        "beta.yaml",
        "company: Beta KK\nwatch:\n  entities:\n"
        "    - name: Guangzhou Haige Communications Group Co., Ltd.\n      country: CN\n",
    )
    imported, screened = import_and_rescreen(store, path)
    assert imported.changed_ids and screened.matches == 1
    [match] = list_matches(store)
    assert (match["company"], match["event_id"], match["tier"]) == ("Beta KK", ids[0], "alert")
    assert "country: CN = CN" in match["reason"]

    # Importing the same file again changes nothing and matches nothing twice.
    again, screened = import_and_rescreen(store, path)
    assert (again.unchanged, again.changed_ids, screened.matches) == (1, [], 0)
    assert rescreen(store).matches == 0  # a full re-screen is idempotent too
    assert len(list_matches(store)) == 1


def test_events_stored_but_not_matched_are_matched_by_the_next_run(store, tmp_path, monkeypatch):
    path = _write(tmp_path, "w.yaml", "company: W\nwatch:\n  keywords: [radar]\n")
    import_and_rescreen(store, path)

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("killed between storing and matching")

    monkeypatch.setattr("regwatch.matching.match_pending", crash)
    _store_events(store, _listing("Nanjing Radar Works", "el:nrw"))
    pipeline.match_stage(store)  # the failure is logged; the event stays pending
    assert pending_count(store) == 1 and list_matches(store) == []
    monkeypatch.undo()
    pipeline.match_stage(store)
    assert pending_count(store) == 0
    assert [m["item"] for m in list_matches(store)] == ["radar"]


def test_reimporting_deactivates_what_it_dropped_and_add_leaves_the_rest_alone(store, tmp_path):
    csv_path = tmp_path / "acme_entities.csv"
    shutil.copy(DATA / "acme_entities.csv", csv_path)
    first, _ = import_and_rescreen(store, csv_path, "Acme Corp")
    assert first.added == 3
    yaml_path = _write(
        tmp_path,
        "acme.yaml",
        "company: Acme Corp\nrecipients:\n  - email: a@acme.example\n  - email: b@acme.example\n"
        "watch:\n  keywords: [radar, lidar]\n",
    )
    import_and_rescreen(store, yaml_path, add=True)
    _write(
        tmp_path,
        "acme.yaml",
        "company: Acme Corp\nrecipients:\n  - email: b@acme.example\n    cadence: weekly\n"
        "watch:\n  keywords: [lidar]\n",
    )
    # a watch list is the company's: a re-import (under any file name) states all of it
    renamed = yaml_path.rename(tmp_path / "acme-2026.yaml")
    second, _ = import_and_rescreen(store, renamed)
    assert (second.deactivated, second.unchanged, second.recipients) == (4, 1, 1)
    items = WatchItem.__table__  # type: ignore[attr-defined]
    recipients = Recipient.__table__  # type: ignore[attr-defined]
    with store.read() as conn:
        active = {r.value for r in conn.execute(select(items).where(items.c.active.is_(True)))}
        people = {(r.email, r.cadence, r.active) for r in conn.execute(select(recipients))}
    assert active == {"lidar"}
    # --add only adds: the entity CSV comes back next to the YAML's keyword
    third, _ = import_and_rescreen(store, csv_path, "Acme Corp", add=True)
    assert (third.reactivated, third.deactivated) == (3, 0)
    with store.read() as conn:
        active = {r.value for r in conn.execute(select(items).where(items.c.active.is_(True)))}
    assert active == {
        "lidar",
        "Guangzhou Haige Communications Group Incorporated Company",
        "Tokyo Precision Optics K.K.",
        "Zeta Widgets GmbH",
    }
    assert people == {("a@acme.example", "daily", False), ("b@acme.example", "weekly", True)}
    with store.read() as conn:
        spec = conn.execute(select(items.c.spec).where(items.c.value == "Zeta Widgets GmbH")).one()
    assert spec.spec["country"] == "DE" and spec.spec["file"] == "acme_entities.csv"


def test_a_company_in_the_file_and_on_the_command_line_must_agree(store, tmp_path):
    from regwatch.exceptions import InputError

    path = _write(tmp_path, "x.yaml", "company: Acme Corp\nwatch:\n  keywords: [radar]\n")
    with pytest.raises(InputError, match="--company says 'Other'"):
        import_and_rescreen(store, path, "Other")
    with pytest.raises(InputError, match=r"x\.txt: unknown watch-list format"):
        import_and_rescreen(store, _write(tmp_path, "x.txt", "radar"))


def test_screen_scores_a_name_against_the_listed_entries(cli, tmp_path):
    assert cli("init").code == 0
    with Store.open(f"sqlite:///{tmp_path / 'regwatch.db'}") as opened:
        ids = _store_events(opened, _listing("GUANGZHOU HAIGE COMM GRP", "el:haige"))
        _list_entities(
            opened,
            [("GUANGZHOU HAIGE COMM GRP", "el:haige", ids[0]), ("Harbin Radar Co", "el:h", ids[0])],
        )
    result = cli(
        "screen", "Guangzhou Haige Communications Group", "--country", "CN", "--format", "json"
    )
    assert result.code == 0, result
    [report] = result.json()
    assert [s["list"] for s in report["searched"]] == ["EL"]
    [hit] = report["results"]
    assert (hit["name"], hit["tier"], hit["list"]) == ("GUANGZHOU HAIGE COMM GRP", "alert", "EL")
    assert "haige=haige" in hit["reason"]
    assert hit["explanation"]["qualifiers_entity"][0]["detail"] == "CN / CN"
    table = cli("screen", "Haige Communications")
    assert table.code == 0 and "GUANGZHOU HAIGE COMM GRP" in table.stdout
    nothing = cli("screen", "Technology")
    assert nothing.code == 0 and "no entry of EL scores at review level" in nothing.stdout
    assert cli("screen", "x", "--schema", "Ship").code == 2


def test_watch_list_shows_every_company_or_one(cli, tmp_path):
    shutil.copy(DATA / "acme.yaml", tmp_path / "acme.yaml")
    assert cli("watch", "import", "acme.yaml").code == 0
    _write(tmp_path, "b.yaml", "company: Beta KK\nwatch:\n  countries: [Japan]\n")
    assert cli("watch", "import", "b.yaml").code == 0
    everything = cli("watch", "list", "--format", "json").json()
    assert {r["company"] for r in everything} == {"Acme Corp", "Beta KK"}
    beta = cli("watch", "list", "--company", "Beta KK", "--format", "json").json()
    assert [(r["kind"], r["value"]) for r in beta] == [("country", "JP")]
    csv_out = cli("watch", "list", "--company", "Beta KK", "--format", "csv")
    assert csv_out.stdout.splitlines() == [
        "company,kind,value,aliases,country,identifiers,schema,active",
        "Beta KK,country,JP,,,,,true",
    ]
    # the CSV imports back: the whole of Acme's watch list, under another company's name
    acme = cli("watch", "list", "--company", "Acme Corp", "--format", "csv").stdout
    _write(tmp_path, "copy.csv", acme.replace("Acme Corp", "Copy Co"))
    assert cli("watch", "import", "copy.csv").code == 0
    copied = cli("watch", "list", "--company", "Copy Co", "--format", "csv").stdout
    assert copied == acme.replace("Acme Corp", "Copy Co")
    assert len(copied.splitlines()) > 5


def test_matching_resumes_above_the_settled_events_and_misses_none(store):
    """A daemon's matching scans from the newest settled matched event, not from the first
    event ever stored (the scan grew with the event log); events stored since are all found."""
    from datetime import timedelta

    from sqlalchemy import update

    from regwatch.matching import _differ
    from regwatch.store.tables import EVENT

    first = _store_events(store, *(_listing(f"Party {n}", f"el:cn:party {n}") for n in range(5)))
    match_pending(store)
    assert _differ._FLOORS.get(store.url, 0) == 0  # fresh events: nothing settled yet
    with store.write() as conn:  # the first events were stored an hour ago
        conn.execute(update(EVENT).values(detected_at=utcnow() - timedelta(hours=1)))
    later = _store_events(store, _listing("Party 9", "el:cn:party 9"))
    assert match_pending(store).events == 1
    assert _differ._FLOORS[store.url] == max(first)
    newer = _store_events(store, _listing("Party 10", "el:cn:party 10"))
    assert match_pending(store).events == 1 and newer[0] > later[0]
    assert pending_count(store) == 0


def test_fresh_matched_events_settle_at_once_only_where_ids_commit_in_order(store):
    """SQLite serializes writers, so no lower id can commit after a higher one was seen: the
    floor moves past fresh events.  On PostgreSQL it waits until they are a minute old."""
    from regwatch.matching import _differ

    first = _store_events(store, *(_listing(f"Party {n}", f"el:cn:party {n}") for n in range(3)))
    match_pending(store)
    _store_events(store, _listing("Party 9", "el:cn:party 9"))
    assert match_pending(store).events == 1
    settled = _differ._FLOORS.get(store.url, 0)
    assert settled == (max(first) if store.dialect == "sqlite" else 0)
    assert pending_count(store) == 0


def test_every_view_of_a_match_reads_the_same_record(store, tmp_path):
    """``regwatch matches``, the HTTP API's match pages and the evidence a review decision
    records are three renderings of one stored match: they agree on what they share."""
    from regwatch.matching import set_status
    from regwatch.store._api import MatchSelection, matches_page
    from regwatch.store._audit import AuditQuery, entries

    [event_id] = _store_events(store, _listing("Nanjing Radar Works", "el:nrw"))
    path = _write(tmp_path, "w.yaml", "company: W\nwatch:\n  keywords: [radar]\n")
    import_and_rescreen(store, path)
    [cli] = list_matches(store)
    with store.read() as conn:
        [api], after = matches_page(conn, MatchSelection(limit=5))
    assert after is None
    decided = set_status(store, cli["id"], "acknowledged", "seen", actor="alice")
    with store.read() as conn:
        [entry] = [e for e in entries(conn, AuditQuery()) if e.id == decided["audit_id"]]
    evidence = entry.context
    assert evidence is not None

    assert cli["id"] == api["id"] == evidence["match"]["id"]
    assert cli["event_id"] == event_id == api["event"]["id"] == evidence["event"]["id"]
    assert cli["company"] == api["company"] == evidence["company"] == "W"
    assert (cli["item_kind"], cli["item"]) == ("keyword", "radar")
    item = {"id": cli["watch_item_id"], "kind": "keyword", "value": "radar"}
    assert api["watch_item"] == {**item, "severity": None}  # the file fixes no severity
    assert evidence["match"]["watch_item"] == item
    assert cli["event_title"] == api["event"]["title"] == evidence["event"]["title"]
    assert cli["explanation"] == api["explanation"] == evidence["match"]["explanation"]
    assert (cli["score"], cli["tier"], cli["field"]) == (
        api["score"],
        api["tier"],
        api["field"],
    )
    assert evidence["event"]["key"] == api["event"]["key"] == "el:nrw"
    # the decision is what every view reads afterwards
    [after_cli] = list_matches(store)
    assert (after_cli["status"], after_cli["note"], decided["status"]) == (
        "acknowledged",
        "seen",
        "acknowledged",
    )
