"""`regwatch poll csl` through a real local HTTP server: baseline, diffs, refusals, history."""

from __future__ import annotations

import json

import pytest

from regwatch.entities import current_entries
from regwatch.sources.csl import snapshot_entries
from regwatch.store import Store
from tests.support.csl import (
    CSV_2018,
    bulk_json,
    csv_bytes,
    csv_rows,
    edit,
    legacy_records,
    without,
)
from tests.support.httpserver import Reply


@pytest.fixture
def configure(tmp_path, http_server):
    def write(path: str = "/csl.json", **extra: str) -> None:
        lines = [f"csl:\n  enabled: true\n  url: {http_server.url(path)}"]
        lines += [f"  {k}: {v}" for k, v in extra.items()]
        lines.append("http:\n  min_interval: 0\n  retries: 0\n  backoff: 0")
        (tmp_path / "sources.yaml").write_text("\n".join(lines) + "\n")

    return write


def _store(tmp_path) -> Store:
    return Store.open(f"sqlite:///{tmp_path / 'regwatch.db'}")


def _events(cli, *args):
    result = cli("events", "--format", "json", "--source", "csl", *args)
    assert result.code == 0, result
    return result.json()


def test_baseline_then_diff_then_nothing(cli, tmp_path, http_server, configure, shared_fixtures):
    records = legacy_records(shared_fixtures, "el", "uvl", "dpl")
    changed = edit(
        without(records, "Murat Peker", "Lion Chip Electronics Ltd"),
        "Fazel Khalil Construction Company",
        license_policy="Policy of denial.",
    )
    isn = legacy_records(shared_fixtures, "isn")  # an unwatched list: never an event
    http_server.route(
        "/csl.json",
        Reply(bulk_json(records + isn), headers={"ETag": '"v1"'}),
        Reply(b"", status=304, headers={"ETag": '"v1"'}),
        Reply(bulk_json(changed + isn), headers={"ETag": '"v2"'}),
        Reply(bulk_json(changed + isn)),  # no validators this time: same bytes
    )
    configure()

    first = cli("poll", "csl")
    assert first.code == 0, first
    baseline = _events(cli)
    assert sorted(e["key"] for e in baseline) == [
        "csl:baseline:dpl", "csl:baseline:el", "csl:baseline:meu", "csl:baseline:uvl",
    ]  # fmt: skip
    assert {e["list"]: e["data"]["entries"] for e in baseline} == {
        "EL": 7, "UVL": 13, "DPL": 9, "MEU": 0,
    }  # fmt: skip
    with _store(tmp_path) as store, store.read() as conn:
        listed = current_entries(conn)
    assert len(listed) == 29 and {e.source for e in listed} == {"csl"}
    baseline_ids = {e["id"] for e in baseline}
    assert all(e.event_id in baseline_ids for e in listed)

    second = cli("poll", "csl")
    assert "not modified" in second.stdout
    assert http_server.hits("/csl.json")[1].headers["if-none-match"] == '"v1"'

    third = cli("poll", "csl")
    assert third.code == 0 and "3 new" in third.stdout, third
    changes = [e for e in _events(cli) if e["kind"].startswith("entity.")]
    assert sorted((e["kind"], e["key"]) for e in changes) == [
        ("entity.removed", "el:tr:murat peker"),
        ("entity.removed", "uvl:hk:lion chip electronics ltd"),
        ("entity.revised", "el:af:fazel khalil construction company"),
    ]
    revised = next(e for e in changes if e["kind"] == "entity.revised")
    assert revised["changes"] == {
        "entity.license_review_policy": ["Presumption of denial.", "Policy of denial."]
    }
    assert revised["country"] == "AF" and revised["list"] == "EL"
    removed = next(e for e in changes if e["key"] == "el:tr:murat peker")
    assert removed["entity"]["addresses"] == [
        "Mah. Idris Kosku Caddesi Kutu, Sokak No:1 Pierreloti/Eyup, Istanbul, TR"
    ]
    # every event traces to the snapshot it came from, whose body is kept
    snapshot_payload = revised["payload_id"]
    assert all(e["payload_id"] == snapshot_payload for e in changes)
    with _store(tmp_path) as store:
        assert store.payload_info(snapshot_payload)["body_kept"]
        rebuilt = snapshot_entries(*store.payload_body(snapshot_payload), ["EL"])
        old = snapshot_entries(*store.payload_body(baseline[0]["payload_id"]), ["EL"])
        with store.read() as conn:
            listed = {e.key: e for e in current_entries(conn)}
    assert len(old.entries) == 7 and len(rebuilt.entries) == 6
    assert "el:tr:murat peker" not in listed
    fazel = listed["el:af:fazel khalil construction company"]
    assert fazel.details["license_review_policy"] == "Policy of denial."
    assert fazel.event_id == revised["id"]

    fourth = cli("poll", "csl")
    assert "not modified" in fourth.stdout
    assert len(_events(cli)) == len(baseline) + 3


def test_events_filters_by_kind_list_and_country(cli, http_server, configure, shared_fixtures):
    records = legacy_records(shared_fixtures, "el", "uvl")
    header, rows = csv_rows(shared_fixtures, CSV_2018)
    # the 2018 CSV's Entity List rows, in the current CSV shape's JSON form, as additions
    http_server.route(
        "/csl.json",
        Reply(bulk_json(records)),
        Reply(bulk_json(records + [_record(header, r) for r in rows if r[0].startswith("Entity")])),
    )
    configure()
    assert cli("poll", "csl").code == 0
    assert cli("poll", "csl").code == 0
    result = cli(
        "events", "--kind", "entity.added", "--list", "EL", "--country", "CN", "--format", "json"
    )
    assert result.code == 0, result
    names = sorted(e["entity"]["name"] for e in result.json())
    assert names == [
        "54th Research Institute of China",
        "A.C. International",
        "Gui’an New District Huawei Investment Co., Ltd., Guiyang, Guizhou",
    ]
    assert all(e["kind"] == "entity.added" and e["country"] == "CN" for e in result.json())
    table = cli("events", "--kind", "entity.added", "--list", "EL", "--country", "CN")
    assert "A.C. International" in table.stdout


def _record(header, row):
    record = dict(zip(header, row, strict=True))
    record["alt_names"] = record["alt_names"].split("; ") if record["alt_names"] else []
    return record


@pytest.mark.parametrize("damage", ["half", "truncated", "html"])
def test_a_bad_snapshot_is_refused_with_no_removals(
    cli, tmp_path, http_server, configure, shared_fixtures, damage
):
    records = legacy_records(shared_fixtures, "el", "uvl", "dpl")
    good = bulk_json(records)
    bad = {
        "half": bulk_json(records[: len(records) // 2]),
        "truncated": good[: len(good) * 2 // 3],
        "html": b"<!DOCTYPE html><html><body>Request Access</body></html>",
    }[damage]
    http_server.route(
        "/csl.json",
        Reply(good),
        Reply(bad, content_type="text/html" if damage == "html" else "application/json"),
        Reply(good),
    )
    configure()
    assert cli("poll", "csl").code == 0
    refused = cli("poll", "csl")
    assert refused.code == 1
    expected = {
        "half": "SnapshotRefused",
        "truncated": "SnapshotRefused",
        "html": "UnexpectedContent",
    }[damage]
    assert expected in refused.stderr
    if damage == "half":
        assert "DPL shrinks from 9 to 0 entries" in refused.stderr
        assert "max_shrink" in refused.stderr
    health = {s["name"]: s for s in cli("sources", "--format", "json").json()}["csl"]
    assert health["status"] == "failing" and expected in health["last_error"]
    assert not [e for e in _events(cli) if e["kind"] == "entity.removed"]
    with _store(tmp_path) as store, store.read() as conn:
        assert len(current_entries(conn)) == len(records)
    # the next good file is accepted again and changes nothing
    recovered = cli("poll", "csl")
    assert recovered.code == 0, recovered
    assert not [e for e in _events(cli) if e["kind"].startswith("entity.")]
    health = {s["name"]: s for s in cli("sources", "--format", "json").json()}["csl"]
    assert health["status"] == "ok"


def test_a_real_mass_removal_passes_with_a_higher_max_shrink(
    cli, http_server, configure, shared_fixtures
):
    records = legacy_records(shared_fixtures, "uvl")
    http_server.route("/csl.json", Reply(bulk_json(records)), Reply(bulk_json(records[:6])))
    configure(max_shrink="0.6", lists="[UVL]")
    assert cli("poll", "csl").code == 0
    result = cli("poll", "csl")
    assert result.code == 0, result
    assert len([e for e in _events(cli) if e["kind"] == "entity.removed"]) == 7


def test_csv_snapshots(cli, http_server, configure, shared_fixtures):
    header, rows = csv_rows(shared_fixtures, CSV_2018)
    name = header.index("name")
    edited = [list(r) for r in rows if r[name] != "Gulf Gate Spedition GmbH"]
    for row in edited:
        if row[name] == "Gryphon Aerospace":
            row[header.index("addresses")] = (
                "36 Lorong N Telok Kurau Unit #03-04, Singapore, 425160, SG"
            )
    http_server.route(
        "/csl.csv",
        Reply(csv_bytes(header, rows), content_type="text/csv"),
        Reply(csv_bytes(header, edited), content_type="text/csv"),
    )
    configure("/csl.csv", lists="[EL, UVL, DPL, SDN]")
    assert cli("poll", "csl").code == 0
    assert cli("poll", "csl").code == 0
    changes = sorted((e["kind"], e["key"]) for e in _events(cli) if e["kind"].startswith("entity."))
    assert changes == [
        ("entity.removed", "el:at:gulf gate spedition gmbh"),
        ("entity.revised", "el:sg:gryphon aerospace"),
    ]


def test_imported_snapshots_are_diffed_like_polled_ones(cli, tmp_path, shared_fixtures):
    header, rows = csv_rows(shared_fixtures, CSV_2018)
    name = header.index("name")
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_bytes(csv_bytes(header, rows))
    second.write_bytes(csv_bytes(header, [r for r in rows if r[name] != "GBNTT"]))
    assert cli("import", "csl", str(first)).code == 0
    result = cli("import", "csl", str(second))
    assert result.code == 0, result
    changes = [(e["kind"], e["key"]) for e in _events(cli) if e["kind"].startswith("entity.")]
    assert changes == [("entity.removed", "el:ir:gbntt")]
    assert "0 new, 0 revised" in cli("import", "csl", str(second)).stdout


def test_bad_list_code_is_a_configuration_error(cli, tmp_path):
    (tmp_path / "sources.yaml").write_text("csl:\n  lists: [EL, XYZ]\n")
    result = cli("poll", "csl")
    assert result.code == 2
    assert "sources.yaml" in result.stderr and "XYZ" in result.stderr


def test_a_list_dropped_and_added_again_starts_over(cli, http_server, configure, shared_fixtures):
    records = legacy_records(shared_fixtures, "el", "uvl")
    http_server.route(
        "/csl.json",
        Reply(bulk_json(records)),
        Reply(bulk_json(without(records, "Murat Peker"))),
        Reply(bulk_json(without(records, "Murat Peker", "S2BA"))),
    )
    configure(lists="[EL, UVL]")
    assert cli("poll", "csl").code == 0
    configure(lists="[UVL]")
    assert cli("poll", "csl").code == 0  # EL dropped: its removal is not reported
    configure(lists="[EL, UVL]")
    assert cli("poll", "csl").code == 0
    changes = [(e["kind"], e["key"]) for e in _events(cli) if e["kind"].startswith("entity.")]
    assert changes == [("entity.removed", "uvl:ru:s2ba")]
    baselines = [e for e in _events(cli) if e["key"] == "csl:baseline:el"]
    assert [e["data"]["entries"] for e in baselines] == [6, 7]  # a new baseline, newest first


def test_adding_a_list_later_is_a_baseline_for_that_list(
    cli, http_server, configure, shared_fixtures
):
    records = legacy_records(shared_fixtures, "el", "dtc")
    reformatted = json.dumps({"results": records}, indent=1).encode()  # same records, new bytes
    http_server.route("/csl.json", Reply(bulk_json(records)), Reply(reformatted))
    configure(lists="[EL]")
    assert cli("poll", "csl").code == 0
    configure(lists="[EL, DTC]")
    result = cli("poll", "csl")
    assert result.code == 0, result
    events = _events(cli)
    assert not [e for e in events if e["kind"] == "entity.added"]
    assert {e["key"]: e["data"]["entries"] for e in events if e["list"] == "DTC"} == {
        "csl:baseline:dtc": 4
    }
