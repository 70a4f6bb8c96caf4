"""End to end: a watch list imported, the Federal Register polled from a local server, matches
listed with their explanations; a bad watch list refused with line numbers."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from tests.support.httpserver import Reply

DATA = Path(__file__).parent / "data" / "matching"


def _fr_page(server, **changes: object) -> str:
    """The search page, dated today, its rule's full text served by the local server."""
    page = json.loads((DATA / "fr_entity_list_rule.json").read_text(encoding="utf-8"))
    for doc in page["results"]:
        doc["publication_date"] = date.today().isoformat()
        doc["full_text_xml_url"] = server.url(f"/full_text/{doc['document_number']}.xml")
        doc.update(changes.get(doc["document_number"], {}))  # type: ignore[call-overload]
    return json.dumps(page)


@pytest.fixture
def world(cli, http_server, tmp_path):
    """A database with Acme's watch list, and sources.yaml pointing at the local server."""
    (tmp_path / "sources.yaml").write_text(
        "federal_register:\n"
        f"  base_url: {http_server.url('/api/v1')}\n"
        "  public_inspection: false\n",
        encoding="utf-8",
    )
    shutil.copy(DATA / "acme.yaml", tmp_path / "acme.yaml")
    assert cli("init").code == 0
    imported = cli("watch", "import", "acme.yaml")
    assert imported.code == 0, imported
    assert "Acme Corp: 9 added" in imported.stdout
    http_server.route("/api/v1/documents.json", Reply(_fr_page(http_server)))
    xml = (DATA / "el_rule_2026_24001.xml").read_bytes()
    http_server.route("/full_text/2026-24001.xml", Reply(xml, content_type="application/xml"))
    return http_server


def _matches(cli, *args: str) -> list[dict]:
    result = cli("matches", "--format", "json", *args)
    assert result.code == 0, result
    return result.json()


def test_poll_then_matches_show_what_touched_acme_and_why(cli, world):
    polled = cli("poll", "federal_register")
    assert polled.code == 0, polled
    # Two documents, and the three parties the rule's full text adds to the Entity List.
    assert "5 new" in polled.stdout

    matches = _matches(cli)
    by_event: dict[str, dict[tuple[str, str], dict]] = {}
    for m in matches:
        by_event.setdefault(m["event_title"], {})[(m["item_kind"], m["item"])] = m
    haige_name = "Guangzhou Haige Communications Group Incorporated Company"
    assert set(by_event) == {
        "Additions to the Entity List",
        "Guangzhou Haige Comm Grp Co., Ltd.: added to the Entity List "
        "(CHINA, PEOPLE'S REPUBLIC OF)",
        "Shenzhen Lanyue Optics Technology Co., Ltd.: added to the Entity List "
        "(CHINA, PEOPLE'S REPUBLIC OF)",
    }, "the ENC proposal and the Russian party touch nothing Acme watches"

    # The party itself, added by the rule: a name match with its explanation.
    listing = next(v for k, v in by_event.items() if k.startswith("Guangzhou Haige"))
    party = listing[("entity", haige_name)]
    assert party["tier"] == "alert" and party["field"].startswith("entity.")
    assert party["explanation"]["qualifiers"] == [
        {"name": "country", "delta": 0.05, "detail": "CN = CN"}
    ]
    assert party["explanation"]["name"]["tokens"], "aligned tokens are stored"
    assert party["explanation"]["summary"] == party["reason"]  # the line a digest shows
    assert party["matcher_version"] == party["explanation"]["matcher_version"]
    assert listing[("country", "CN")]["tier"] == "alert"

    # The rule as a document: the name in its summary, its ECCN, CFR part, keyword, country.
    rule = by_event["Additions to the Entity List"]
    in_text = rule[("entity", haige_name)]
    assert (in_text["tier"], in_text["field"]) == ("alert", "summary")
    tokens = {(t["a"], t["b"]) for t in in_text["explanation"]["name"]["tokens"]}
    assert ("haige", "haige") in tokens
    assert ("communications", "comm") in tokens  # the abbreviation, expanded
    eccn = rule[("eccn", "3A090")]
    assert (eccn["tier"], eccn["explanation"]["matched"]) == ("alert", "3A090.a")
    assert "within the watched 3A090" in eccn["reason"]
    cfr = rule[("cfr", "15 CFR 744")]
    assert (cfr["tier"], cfr["field"]) == ("alert", "data.cfr_references")
    keyword = rule[("keyword", "semiconductor")]
    assert keyword["tier"] == "alert" and "semiconductor manufacturing" in keyword["reason"]
    assert rule[("country", "CN")]["tier"] == "review"  # China is only named in the text
    assert ("eccn", "4A003.*") not in rule  # 4A090 is not 4A003
    assert not any(kind == "topic" for kind, _ in rule)
    assert all(m["status"] == "new" for m in matches)

    # The change log filtered to Acme, and the event with its matches.
    events = cli("events", "--company", "Acme Corp", "--format", "json").json()
    assert {e["title"] for e in events} == set(by_event)
    rule_id = in_text["event_id"]
    shown = cli("show", str(rule_id), "--format", "json").json()
    assert {m["item"] for m in shown["matches"]} == {item for _, item in rule}


def test_matching_is_idempotent_and_a_dismissal_survives_a_cosmetic_revision(cli, world):
    assert cli("poll", "federal_register").code == 0
    first = _matches(cli)
    again = cli("poll", "federal_register")  # same payload: nothing new, nothing matched twice
    assert again.code == 0 and "0 new, 0 revised" in again.stdout
    assert len(_matches(cli)) == len(first)

    in_rule = [m for m in first if m["event_kind"] == "document.published"]
    haige = next(m for m in in_rule if m["item_kind"] == "entity")
    keyword = next(m for m in in_rule if m["item"] == "semiconductor")
    assert (
        cli("matches", "dismiss", str(haige["id"]), "--note", "our supplier is another Haige").code
        == 0
    )
    assert cli("matches", "ack", str(keyword["id"])).code == 0

    # The rule is republished with a corrected DATES line (not material to either match), and
    # with the keyword's sentence unchanged: both statuses carry over to the new revision.
    world.route(
        "/api/v1/documents.json",
        Reply(
            _fr_page(
                world, **{"2026-24001": {"dates": "This rule is effective November 30, 2026."}}
            )
        ),
    )
    revised = cli("poll", "federal_register")
    assert revised.code == 0 and "1 revised" in revised.stdout
    latest = _matches(cli)
    new_event = max(m["event_id"] for m in latest)
    assert new_event != haige["event_id"]
    on_revision = {m["item"]: m for m in latest if m["event_id"] == new_event}
    assert on_revision[haige["item"]]["status"] == "dismissed"
    assert on_revision[haige["item"]]["note"] == "our supplier is another Haige"
    assert on_revision["semiconductor"]["status"] == "acknowledged"
    assert cli("matches", "--status", "new", "--format", "json").json()

    # A material change (the party's name in the text) re-opens the dismissed match.
    world.route(
        "/api/v1/documents.json",
        Reply(
            _fr_page(
                world,
                **{
                    "2026-24001": {
                        "abstract": "BIS adds Guangzhou Haige Communications Group Inc. to the "
                        "Entity List under the destination of China."
                    }
                },
            )
        ),
    )
    assert cli("poll", "federal_register").code == 0
    newest = max(m["event_id"] for m in _matches(cli))
    reopened = [m for m in _matches(cli) if m["event_id"] == newest and m["item"] == haige["item"]]
    assert [m["status"] for m in reopened] == ["new"]


def test_status_changes_are_checked(cli, world):
    assert cli("poll", "federal_register").code == 0
    missing = cli("matches", "ack", "9999")
    assert missing.code == 2 and "no match with id 9999" in missing.stderr
    bad = cli("matches", "--status", "maybe")
    assert bad.code == 2
    unknown = cli("matches", "--company", "Nobody Inc", "--format", "json")
    assert unknown.code == 2 and "unknown company 'Nobody Inc'" in unknown.stderr


def test_a_bad_watch_list_is_refused_with_line_numbers_and_nothing_imported(cli, tmp_path):
    shutil.copy(DATA / "bad.yaml", tmp_path / "bad.yaml")
    assert cli("init").code == 0
    result = cli("watch", "import", "bad.yaml")
    assert result.code == 2
    lines = [line.removeprefix("error: ") for line in result.stderr.strip().splitlines()]
    expected = {
        "bad.yaml:4: recipients.0.email",
        "bad.yaml:5: recipients.0.cadence",
        "bad.yaml:6: recipients.0.sources",
        "bad.yaml:10: watch.entities.0.country",
        "bad.yaml:11: watch.eccns.0",
        "bad.yaml:12: watch.cfr.0",
        "bad.yaml:13: watch.topics.0",
        "bad.yaml:14: watch.colours",
    }
    found = {": ".join(line.split(": ", 2)[:2]) for line in lines}
    assert expected <= found, lines
    listed = cli("watch", "list", "--format", "json")
    assert listed.code == 0 and listed.json() == []


def test_a_bad_entity_csv_is_refused_whole(cli, tmp_path):
    shutil.copy(DATA / "bad_entities.csv", tmp_path / "bad_entities.csv")
    assert cli("init").code == 0
    result = cli("watch", "import", "bad_entities.csv", "--company", "Bad Co")
    assert result.code == 2
    assert "bad_entities.csv:3: name: missing" in result.stderr
    assert "bad_entities.csv:4: country:" in result.stderr and "Atlantis" in result.stderr
    assert cli("watch", "list", "--format", "json").json() == []
    no_company = cli("watch", "import", "bad_entities.csv")
    assert no_company.code == 2 and "--company" in no_company.stderr
