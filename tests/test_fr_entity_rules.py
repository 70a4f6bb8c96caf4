"""`regwatch poll federal_register` on BIS rules that amend the Entity List: entity events,
listed parties kept current, links between rules and CSL snapshots, `regwatch entity`."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from regwatch.entities import confirms, current_entries
from regwatch.events import Entity
from regwatch.sources._fr_entities import amends_entity_lists
from regwatch.store import Store
from regwatch.timeutil import utcnow
from tests.support.csl import CURRENT_CSV, csv_bytes, csv_rows
from tests.support.httpserver import Reply

DATA = Path(__file__).parent / "data" / "federal_register"
RECENT = (utcnow().date() - timedelta(days=3)).isoformat()


def _record(http_server, number: str, xml_name: str | None, **extra):
    """A documents.json record in the API's shape, for a rule written in tests/data."""
    year, month, day = RECENT.split("-")
    record = {
        "document_number": number,
        "type": "Rule",
        "title": "Additions and Revisions to the Entity List",
        "action": "Final rule.",
        "publication_date": RECENT,
        "effective_on": RECENT,
        "citation": "87 FR 77505",
        "volume": 87,
        "start_page": 77505,
        "end_page": 77515,
        "html_url": f"https://www.federalregister.gov/documents/{year}/{month}/{day}/{number}/x",
        "agencies": [
            {"slug": "industry-and-security-bureau", "name": "Industry and Security Bureau"}
        ],
        "cfr_references": [{"title": 15, "part": "744", "chapter": None, "citation_url": None}],
        "amendatory_instructions": {
            "instructions": ["Supplement No. 4 to part 744 is amended under CHINA."],
            "count": 1,
        },
    }
    if xml_name:
        path = f"/documents/full_text/xml/{year}/{month}/{day}/{number}.xml"
        http_server.route(path, Reply((DATA / xml_name).read_bytes(), content_type="text/xml"))
        record["full_text_xml_url"] = http_server.url(path)
    record.update(extra)
    return record


def _configure(tmp_path, http_server, csl: bool = False):
    text = (
        f"federal_register:\n  base_url: {http_server.url('/api/v1')}\n"
        "  public_inspection: false\n  xml_interval: 0\n"
        "http:\n  min_interval: 0\n  retries: 0\n  backoff: 0\n"
    )
    if csl:
        text += f"csl:\n  url: {http_server.url('/csl.csv')}\n"
    (tmp_path / "sources.yaml").write_text(text)


def _documents(http_server, *records):
    http_server.route(
        "/api/v1/documents.json",
        Reply(json.dumps({"count": len(records), "results": list(records)})),
    )


def _store(tmp_path) -> Store:
    return Store.open(f"sqlite:///{tmp_path / 'regwatch.db'}")


def test_which_documents_are_read():
    base = {
        "document_number": "2024-00001",
        "type": "Rule",
        "full_text_xml_url": "https://example/x.xml",
        "cfr_references": [{"title": 15, "part": "744"}],
        "amendatory_instructions": {
            "instructions": ["Supplement No. 4 to part 744 is amended by adding"]
        },
    }
    assert amends_entity_lists(base)
    # a title alone never decides; the CFR part and the instructions do
    assert not amends_entity_lists(base | {"cfr_references": [{"title": 15, "part": "734"}]})
    assert not amends_entity_lists(
        base | {"amendatory_instructions": {"instructions": ["Section 744.21 is revised"]}}
    )
    assert amends_entity_lists(base | {"amendatory_instructions": None})  # the XML decides
    assert not amends_entity_lists(base | {"type": "Proposed Rule"})
    assert not amends_entity_lists(base | {"full_text_xml_url": None})
    assert amends_entity_lists(
        base | {"amendatory_instructions": {"instructions": ["Add supplement no. 7 to part 744"]}}
    )


def test_poll_yields_entity_events_linked_to_their_document(cli, tmp_path, http_server):
    _documents(
        http_server,
        _record(http_server, "2019-90616", "el_additions_huawei_2019.xml", citation="84 FR 22961"),
        _record(http_server, "2024-00002", None, cfr_references=[{"title": 15, "part": "734"}]),
    )
    _configure(tmp_path, http_server)
    result = cli("poll", "federal_register")
    assert result.code == 0, result
    assert "8 new" in result.stdout  # two documents and six entities
    added = cli("events", "--kind", "entity.added", "--format", "json").json()
    assert len(added) == 6
    by_country = sorted((e["country"], e["entity"]["name"]) for e in added)
    assert by_country[0] == ("BE", "Huawei Technologies Research & Development Belgium NV")
    assert {e["related_key"] for e in added} == {"fr:2019-90616"}
    assert {e["document_number"] for e in added} == {"2019-90616"}
    assert {e["source"] for e in added} == {"federal_register"}
    huawei = next(e for e in added if e["entity"]["name"] == "Huawei Technologies Co., Ltd.")
    assert huawei["key"] == "fr:2019-90616#el:cn:huawei technologies co ltd"
    assert huawei["data"]["entity_key"] == "el:cn:huawei technologies co ltd"
    assert huawei["list"] == "EL" and huawei["published_on"] == RECENT
    assert huawei["entity"]["license_review_policy"] == "Presumption of denial."
    assert huawei["entity"]["federal_register_citations"] == ["84 FR 22964"]
    cn = cli(
        "events", "--kind", "entity.added", "--list", "EL", "--country", "CN", "--format", "json"
    )
    assert len(cn.json()) == 3
    # only the rule's XML was fetched, and only once: the next poll does not read it again
    xml_hits = [r for r in http_server.requests if r.path.endswith(".xml")]
    assert len(xml_hits) == 1 and "xml" in xml_hits[0].headers["accept"]
    again = cli("poll", "federal_register")
    assert again.code == 0 and "0 new" in again.stdout
    assert len([r for r in http_server.requests if r.path.endswith(".xml")]) == 1
    with _store(tmp_path) as store, store.read() as conn:
        listed = {e.key: e for e in current_entries(conn, lists=["EL"])}
    assert len(listed) == 6
    row = listed["el:gb:huawei technologies co ltd"]  # "(UK)" is a parenthetical
    assert row.source == "federal_register" and row.country == "GB"
    assert row.addresses == ("300 South Oak Way, Green Park, Reading, RG2 6UF, United Kingdom",)


def test_unreadable_rows_are_warnings_and_an_unreadable_rule_is_stored_and_marked(
    cli, tmp_path, http_server
):
    _documents(http_server, _record(http_server, "2019-90617", "el_malformed_rows.xml"))
    _configure(tmp_path, http_server)
    result = cli("poll", "federal_register")
    assert result.code == 0, result
    assert "2019-90617: Supplement No. 4 (Entity List) table row 2: 6 cells" in result.stderr
    assert "table row 3 (under JAPAN): no entity name" in result.stderr
    with _store(tmp_path) as store:
        (run,) = store.last_runs("federal_register", 1)
    assert any("table row 2" in w for w in run.warnings)
    # a rule with entry changes and not one readable entry never fails the poll: its document
    # is stored, marked as not read, and the poll says so
    broken = (
        (DATA / "el_malformed_rows.xml")
        .read_text()
        .replace('<ENT I="01">BELGIUM</ENT>', '<ENT I="01">BELGIUM</ENT><ENT>extra</ENT>')
    )
    year, month, day = RECENT.split("-")
    http_server.route(
        f"/documents/full_text/xml/{year}/{month}/{day}/2019-90618.xml",
        Reply(broken, content_type="application/xml"),
    )
    record = _record(http_server, "2019-90618", None)
    record["full_text_xml_url"] = http_server.url(
        f"/documents/full_text/xml/{year}/{month}/{day}/2019-90618.xml"
    )
    _documents(http_server, record)
    failed = cli("poll", "federal_register")
    assert failed.code == 0, failed
    assert "2019-90618" in failed.stderr and "no entry could be read" in failed.stderr
    (document,) = [
        e for e in cli("events", "--format", "json").json() if e["key"] == "fr:2019-90618"
    ]
    assert document["data"]["extraction"]["status"] == "failed"


def test_a_rule_revises_and_removes_parties_the_csl_baseline_listed(
    cli, tmp_path, http_server, shared_fixtures
):
    header, rows = csv_rows(shared_fixtures, CURRENT_CSV)
    # the CSL baseline: the real rows, plus the Institute of Forensic Science as an EL row
    ifs = [""] * len(header)
    for column, value in {
        "source": "Entity List (EL) - Bureau of Industry and Security",
        "name": "Institute of Forensic Science of China",
        "addresses": "Beijing, CN",
        "federal_register_notice": "85 FR 34495",
    }.items():
        ifs[header.index(column)] = value
    # the CETC 13 row as it read before the rule: the Entity List's standard review policy
    policy = header.index("license_policy")
    rows = [
        [*r[:policy], "Presumption of denial.", *r[policy + 1 :]] if "CETC 13" in r[5] else r
        for r in rows
    ]
    http_server.route("/csl.csv", Reply(csv_bytes(header, [*rows, ifs]), content_type="text/csv"))
    _configure(tmp_path, http_server, csl=True)
    assert cli("poll", "csl").code == 0
    _documents(
        http_server,
        _record(http_server, "2022-97505", "el_revision_addition_2022.xml"),
        _record(
            http_server,
            "2023-95684",
            "el_removal_2023.xml",
            citation="88 FR 81361",
            start_page=81361,
            end_page=81362,
        ),
    )
    result = cli("poll", "federal_register")
    assert result.code == 0, result
    assert "not currently listed" not in result.stderr
    events = cli("events", "--source", "federal_register", "--format", "json").json()
    kinds = sorted(
        (e["kind"], e["data"].get("entity_key")) for e in events if e["kind"].startswith("entity")
    )
    assert kinds == [
        ("entity.added", "el:cn:yangtze memory technologies co ltd"),
        ("entity.removed", "el:cn:institute of forensic science of china"),
        (
            "entity.revised",
            "el:cn:china electronics technology group corporation 13th research institute",
        ),
    ]
    revised = next(e for e in events if e["kind"] == "entity.revised")
    assert revised["changes"] == {
        "entity.license_review_policy": [
            "Presumption of denial.",
            "Policy of denial for all items subject to the EAR apart from food and medicine "
            "designated as EAR99, which will be reviewed on a case-by-case basis. See §§ 746.8(b) "
            "and 744.21(e).",
        ]
    }  # the aliases and addresses are the same, though the CSL writes them differently
    removed = next(e for e in events if e["kind"] == "entity.removed")
    assert removed["entity"]["addresses"] == ["Beijing, CN"]  # as the CSL listed it
    with _store(tmp_path) as store, store.read() as conn:
        listed = {e.key: e for e in current_entries(conn, lists=["EL"])}
    assert "el:cn:institute of forensic science of china" not in listed
    cetc = listed["el:cn:china electronics technology group corporation 13th research institute"]
    assert cetc.source == "federal_register" and cetc.listed_on.isoformat() == "2018-08-01"
    assert "HSRI" in cetc.aliases
    # read again by the same parser after the rule was applied to the listing: the same reading
    # (the removal keeps the party as it was listed, the revision its changes): nothing stored
    again = cli("reprocess", "federal_register")
    assert again.code == 0, again
    assert "read 2 stored payload(s) again: 0 new, 0 revised, 5 unchanged" in again.stdout
    assert "not currently listed" not in again.stderr


def test_the_csl_confirms_what_a_rule_announced(cli, tmp_path, http_server, shared_fixtures):
    header, rows = csv_rows(shared_fixtures, CURRENT_CSV)
    ymtc = [""] * len(header)
    for column, value in {
        "_id": "0000",
        "source": "Entity List (EL) - Bureau of Industry and Security",
        "name": "Yangtze Memory Technologies Co., Ltd.",
        "alt_names": "YMTC",
        "addresses": "No. 88 Weilai 3rd Road, East Lake High-tech Development Zone, Wuhan, "
        "Hubei, CN",
        "federal_register_notice": "87 FR 77510",
        "start_date": "2022-12-16",
    }.items():
        ymtc[header.index(column)] = value
    http_server.route(
        "/csl.csv",
        Reply(csv_bytes(header, rows), content_type="text/csv"),
        Reply(csv_bytes(header, [*rows, ymtc]), content_type="text/csv"),
    )
    _documents(http_server, _record(http_server, "2022-97505", "el_revision_addition_2022.xml"))
    _configure(tmp_path, http_server, csl=True)
    assert cli("poll", "csl").code == 0
    assert cli("poll", "federal_register").code == 0
    result = cli("poll", "csl")
    assert result.code == 0 and "1 new" in result.stdout, result
    (confirmation,) = cli(
        "events", "--source", "csl", "--kind", "entity.added", "--format", "json"
    ).json()
    assert confirmation["key"] == "el:cn:yangtze memory technologies co ltd"
    assert (
        confirmation["data"]["confirms"] == "fr:2022-97505#el:cn:yangtze memory technologies co ltd"
    )
    assert confirmation["related_key"] == "fr:2022-97505"
    assert confirmation["document_number"] == "2022-97505"
    assert confirmation["data"]["federal_register"] == [
        {"citation": "87 FR 77510", "document_number": "2022-97505"}
    ]
    with _store(tmp_path) as store:
        (stored,) = [
            e for e in store.events() if e.event.source == "csl" and e.event.kind == "entity.added"
        ]
        assert confirms(stored) == "fr:2022-97505#el:cn:yangtze memory technologies co ltd"
        with store.read() as conn:
            (row,) = current_entries(conn, keys=["el:cn:yangtze memory technologies co ltd"])
    assert row.source == "csl" and row.event_id == stored.id

    history = cli("entity", "Yangtze Memory", "--format", "json")
    assert history.code == 0, history
    (party,) = history.json()
    assert party["key"] == "el:cn:yangtze memory technologies co ltd" and party["listed"]
    assert [(e["source"], e["kind"]) for e in party["history"]] == [  # newest first
        ("csl", "entity.added"),
        ("federal_register", "entity.added"),
    ]
    table = cli("entity", "ymtc")
    assert table.code == 0
    assert "confirms fr:2022-97505" in table.stdout and "listed since 2022-12-16" in table.stdout
    cetc = cli("entity", "CETC 13", "--format", "json").json()
    assert [e["kind"] for e in cetc[0]["history"]] == ["entity.revised", "list.revised"]
    missing = cli("entity", "Nobody Such Co")
    assert missing.code == 1 and "no listed or formerly listed party" in missing.stderr
    assert cli("entity", "...").code == 2


def test_import_a_saved_rule_xml(cli, tmp_path):
    result = cli("import", "federal_register", str(DATA / "meu_additions_2020.xml"))
    assert result.code == 0, result
    (event,) = cli("events", "--format", "json").json()
    assert (event["kind"], event["list"], event["country"]) == ("entity.added", "MEU", "CN")
    assert event["key"] == "fr:2020-98308#meu:cn:academy of aerospace solid propulsion technology"
    with _store(tmp_path) as store, store.read() as conn:
        (row,) = current_entries(conn, lists=["MEU"])
    assert row.name == "Academy of Aerospace Solid Propulsion Technology (AASPT)"
    bad = tmp_path / "broken.xml"
    bad.write_text("<RULE><REGTEXT")
    failed = cli("import", "federal_register", str(bad))
    assert failed.code == 2 and "broken.xml" in failed.stderr and "not well-formed" in failed.stderr


def test_entity_type_roundtrip_for_removed_parties():
    entity = Entity(name="X", aliases=("Y",), details={"country_heading": "RUSSIA"})
    assert Entity.from_json(entity.to_json()) == entity


def test_a_rule_whose_xml_is_not_there_yet_is_read_on_a_later_poll(cli, tmp_path, http_server):
    record = _record(http_server, "2020-98308", None, title="MEU additions")
    year, month, day = RECENT.split("-")
    path = f"/documents/full_text/xml/{year}/{month}/{day}/2020-98308.xml"
    record["full_text_xml_url"] = http_server.url(path)
    _documents(http_server, record)
    _configure(tmp_path, http_server)
    first = cli("poll", "federal_register")
    assert first.code == 0, first
    assert "2020-98308: full-text XML not available yet" in first.stderr
    assert [e["kind"] for e in cli("events", "--format", "json").json()] == ["document.published"]
    http_server.route(
        path, Reply((DATA / "meu_additions_2020.xml").read_bytes(), content_type="text/xml")
    )
    second = cli("poll", "federal_register")
    assert second.code == 0 and "1 new" in second.stdout, second
    (meu,) = cli("events", "--list", "MEU", "--format", "json").json()
    assert meu["kind"] == "entity.added" and meu["related_key"] == "fr:2020-98308"
