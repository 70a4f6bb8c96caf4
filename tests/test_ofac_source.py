"""The ``ofac`` source through a real local server and store: history, delta files, full
exports (XML and the headerless CSV sets), the redirect to a signed URL, the shrink guard."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from regwatch.entities import current_entries
from regwatch.timeutil import utcnow
from tests.support.httpserver import LocalServer, Reply

HERE = Path(__file__).parent / "fixtures" / "ofac"
HTTP = "http:\n  min_interval: 0\n  backoff: 0.01\n  retries: 0\n  timeout: 5\n"
SIGNATURE = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=deadbeef"
HISTORY_801 = [{"publicationID": 801, "datePublished": "2026-01-15T09:58:41.5"}]
HISTORY_802 = [{"publicationID": 802, "datePublished": "2026-01-20T10:31:07.123"}, *HISTORY_801]
HISTORY_803 = [{"publicationID": 803, "datePublished": "2026-01-22T10:02:00"}, *HISTORY_802]


def _read(name: str) -> bytes:
    return (HERE / name).read_bytes()


def serve_signed(server: LocalServer, path: str, *bodies: bytes) -> None:
    """``path`` redirects to a signed storage URL that serves ``bodies`` in turn, as the
    Sanctions List Service does."""
    name = path.rsplit("/", 1)[1]
    signed = f"/signed/{name}"
    server.route(path, Reply(b"", 302, None, {"Location": f"{server.url(signed)}?{SIGNATURE}"}))
    server.route(signed, *(Reply(b, content_type="application/octet-stream") for b in bodies))


#: the source asks for the history of the years from its last publication's to this one
THIS_YEAR = utcnow().year


def serve_history(server: LocalServer, *answers: list[dict[str, object]]) -> None:
    """This year's history answers ``answers`` in turn (the fixtures' publications are of
    January 2026; in a later year, 2026's history is asked too and holds nothing new)."""
    server.route(f"/changes/history/{THIS_YEAR}", *(Reply(json.dumps(a)) for a in answers))
    for year in range(2026, THIS_YEAR):
        server.route(f"/changes/history/{year}", Reply("[]"))


def export(name: str) -> str:
    return f"/api/PublicationPreview/exports/{name}"


def configure(tmp_path: Path, server: LocalServer, extra: str = "") -> None:
    (tmp_path / "sources.yaml").write_text(
        HTTP + f"ofac:\n  enabled: true\n  base_url: {server.base}\n{extra}"
    )


def events(cli, *kinds: str) -> list[dict]:
    found = cli("events", "--source", "ofac", "--format", "json").json()
    return [e for e in found if not kinds or e["kind"] in kinds]


def entity_changes(cli) -> set[tuple[str, str]]:
    return {
        (e["kind"], e["key"])
        for e in events(cli, "entity.added", "entity.revised", "entity.removed")
    }


def health(cli) -> dict:
    return {s["name"]: s for s in cli("sources", "--format", "json").json()}["ofac"]


def reconciled_export() -> bytes:
    """SDN.XML as it stands after publications 802 and 803 (written from the first edition):
    90001 linked to a company (803), 90002 moved (802), 90005 removed and 90007 added (802)."""
    body = _read("sdn_2026-01-15.xml").decode()
    body = body.replace(
        "<sdnType>Individual</sdnType>\n    <programList>\n      <program>SDGT",
        "<sdnType>Individual</sdnType>\n    <remarks>Linked To: EXAMPLE SHIPPING LLC.</remarks>"
        "\n    <programList>\n      <program>SDGT",
        1,
    )
    body = body.replace(
        "<address1>Office 12, Example Tower</address1>",
        "<address1>Office 40, Example Marina Plaza</address1>",
    )
    start = body.index("  <sdnEntry>\n    <uid>90005</uid>")
    body = body[:start] + body[body.index("</sdnList>") :]
    added = """  <sdnEntry>
    <uid>90007</uid>
    <lastName>RED CRANE MICROELECTRONICS CO., LTD.</lastName>
    <sdnType>Entity</sdnType>
    <programList><program>RUSSIA-EO14024</program></programList>
    <idList>
      <id><uid>1</uid><idType>Website</idType><idNumber>www.redcrane.example</idNumber></id>
      <id><uid>2</uid><idType>Unified Social Credit Code (USCC)</idType>
        <idNumber>91310000EXAMPLE0007</idNumber><idCountry>China</idCountry></id>
    </idList>
    <akaList>
      <aka><uid>3</uid><type>a.k.a.</type><category>strong</category>
        <lastName>红鹤微电子有限公司</lastName></aka>
      <aka><uid>4</uid><type>a.k.a.</type><category>strong</category>
        <lastName>RED CRANE ME</lastName></aka>
    </akaList>
    <addressList>
      <address><uid>5</uid><address1>9 Example Road, Pudong</address1><city>Shanghai</city>
        <country>China</country></address>
    </addressList>
  </sdnEntry>
</sdnList>"""
    return body.replace("</sdnList>", added).encode()


@pytest.fixture
def sls(cli, tmp_path, http_server):
    configure(tmp_path, http_server)
    assert cli("init").code == 0
    return http_server


def test_baseline_then_delta_then_nothing_then_full_export_when_a_delta_cannot_be_applied(
    cli, sls, tmp_path
):
    serve_history(sls, HISTORY_801, HISTORY_802, HISTORY_802, HISTORY_803, HISTORY_803)
    serve_signed(sls, export("SDN.XML"), _read("sdn_2026-01-15.xml"), reconciled_export())
    serve_signed(sls, export("CONSOLIDATED.XML"), _read("consolidated_2026-01-15.xml"))
    serve_signed(sls, "/changes/802", _read("delta_802.xml"))
    serve_signed(sls, "/changes/803", _read("delta_803.xml"))

    # 1. the first read of every list is its baseline: no flood of entity.added
    assert cli("poll", "ofac").code == 0
    baselines = {e["list"]: e["data"]["entries"] for e in events(cli, "list.revised")}
    assert baselines == {
        "SDN": 5,
        "SSI": 1,
        "FSE": 1,
        "PLC": 1,
        "CAP": 0,
        "CMIC": 1,
        "MBS": 0,
    }
    assert entity_changes(cli) == set()

    # 2. a new publication: its delta file, not the 27 MB export
    assert cli("poll", "ofac").code == 0
    assert entity_changes(cli) == {
        ("entity.added", "ofac:sdn:90007"),
        ("entity.removed", "ofac:sdn:90005"),
        ("entity.revised", "ofac:sdn:90002"),
    }
    assert len(sls.hits("/signed/SDN.XML")) == 1
    added = events(cli, "entity.added")[0]
    assert added["entity"]["aliases"] == ["红鹤微电子有限公司", "RED CRANE ME"]
    assert added["country"] == "CN"
    assert added["data"]["via"] == "delta" and added["data"]["published"] == "2026-01-20"
    assert added["url"] == "https://sanctionssearch.ofac.treas.gov/Details.aspx?id=90007"
    revised = events(cli, "entity.revised")[0]
    assert revised["changes"]["entity.addresses"] == [
        ["Office 12, Example Tower, Dubai, United Arab Emirates"],
        ["Office 40, Example Marina Plaza, Dubai, United Arab Emirates"],
    ]

    # 3. no new publication: only the history is asked, nothing is stored
    before = len(sls.requests)
    assert cli("poll", "ofac").code == 0
    assert {r.path.rsplit("/", 1)[0] for r in sls.requests[before:]} == {"/changes/history"}
    assert len(events(cli)) == 7 + 3

    # 4. a delta with a change given only as field operations: nothing guessed, a warning
    result = cli("poll", "ofac")
    assert result.code == 0
    assert len(events(cli)) == 10
    assert "full export is read on the next poll" in result.stderr + result.stdout

    # 5. so the next poll reads the full export, which brings 90001 up to date; the entries
    #    the deltas already applied are the same in it and give no second event
    assert cli("poll", "ofac").code == 0
    assert len(sls.hits("/signed/SDN.XML")) == 2
    (reconciled,) = [e for e in events(cli, "entity.revised") if e["key"] == "ofac:sdn:90001"]
    assert reconciled["data"]["via"] == "export"
    assert reconciled["changes"] == {"entity.remarks": [None, "Linked To: EXAMPLE SHIPPING LLC."]}
    assert len(events(cli)) == 11

    with sqlite3.connect(tmp_path / "regwatch.db") as db:
        urls = [row[0] for row in db.execute("select url from payload")]
        state = " ".join(str(row) for row in db.execute("select * from source_state"))
    # the signed storage URL is followed, never stored
    assert urls and all("/signed/" not in u and "X-Amz" not in u for u in urls)
    assert "X-Amz" not in state and "/signed/" not in state
    from regwatch import open_store

    with open_store(f"sqlite:///{tmp_path / 'regwatch.db'}") as store, store.read() as conn:
        listed = {e.key: e for e in current_entries(conn, lists=["SDN"])}
    assert sorted(listed) == [f"ofac:sdn:{n}" for n in (90001, 90002, 90003, 90004, 90007)]
    assert listed["ofac:sdn:90007"].aliases == ("红鹤微电子有限公司", "RED CRANE ME")


def test_too_many_new_publications_read_the_full_export(cli, sls):
    many = [{"publicationID": n, "datePublished": "2026-01-16T10:00:00"} for n in range(802, 814)]
    serve_history(sls, HISTORY_801, [*many, *HISTORY_801])
    serve_signed(sls, export("SDN.XML"), _read("sdn_2026-01-15.xml"), _read("sdn_2026-01-16.xml"))
    serve_signed(sls, export("CONSOLIDATED.XML"), _read("consolidated_2026-01-15.xml"))
    assert cli("poll", "ofac").code == 0
    assert cli("poll", "ofac").code == 0
    assert not sls.hits("/changes/802")
    assert entity_changes(cli) == {
        ("entity.added", "ofac:sdn:90006"),
        ("entity.removed", "ofac:sdn:90003"),
        ("entity.revised", "ofac:sdn:90004"),
    }
    # the consolidated export did not change: read, not diffed again, nothing removed
    assert len(sls.hits("/signed/CONSOLIDATED.XML")) == 2


def test_shrunken_or_truncated_exports_are_refused_and_nothing_is_removed(cli, sls):
    v1 = _read("sdn_2026-01-15.xml").decode()
    two = v1.replace("<Record_Count>5</Record_Count>", "<Record_Count>2</Record_Count>")
    two = two[: two.index("  <sdnEntry>\n    <uid>90003</uid>")] + "</sdnList>\n"
    short = v1[: v1.index("  <sdnEntry>\n    <uid>90005</uid>")] + "</sdnList>\n"
    serve_history(sls, HISTORY_801)
    serve_signed(
        sls,
        export("SDN.XML"),
        v1.encode(),
        two.encode(),
        short.encode(),
        v1.encode()[:1500],
        v1.encode(),
    )
    serve_signed(sls, export("CONSOLIDATED.XML"), _read("consolidated_2026-01-15.xml"))
    (Path.cwd() / "sources.yaml").write_text(
        HTTP + f"ofac:\n  enabled: true\n  base_url: {sls.base}\n  deltas: false\n"
    )
    assert cli("poll", "ofac").code == 0
    for expected in (
        "SDN shrinks from 5 to 2 entries, more than the 20% allowed",
        "4 entries, but the file announces 5 (Record_Count)",
        "not well-formed XML",
    ):
        refused = cli("poll", "ofac")
        assert refused.code == 1, refused
        assert expected in refused.stderr
        assert expected in health(cli)["last_error"]
        assert entity_changes(cli) == set()
    assert cli("poll", "ofac").code == 0  # the whole list again: nothing changed
    assert entity_changes(cli) == set()
    assert health(cli)["status"] == "ok"


def test_headerless_csv_sets(cli, sls):
    (Path.cwd() / "sources.yaml").write_text(
        HTTP + f"ofac:\n  enabled: true\n  base_url: {sls.base}\n  format: csv\n"
        "  lists: [SDN]\n  deltas: false\n"
    )
    serve_history(sls, HISTORY_801)
    for kind in ("SDN", "ADD", "ALT", "SDN_COMMENTS"):
        first, second = (_read(f"{kind}_2026-01-{d}.CSV") for d in ("15", "16"))
        serve_signed(sls, export(f"{kind}.CSV"), first, second)
    assert cli("poll", "ofac").code == 0
    (baseline,) = events(cli, "list.revised")
    assert (baseline["list"], baseline["data"]["entries"]) == ("SDN", 5)
    assert cli("poll", "ofac").code == 0
    assert entity_changes(cli) == {
        ("entity.added", "ofac:sdn:90006"),
        ("entity.removed", "ofac:sdn:90003"),
        ("entity.revised", "ofac:sdn:90004"),
    }
    revised = events(cli, "entity.revised")[0]
    assert revised["changes"]["entity.addresses"][1][-1] == (
        "8 Example Science Park Road, Shenzhen, Guangdong, China"
    )
    # the remarks continued in SDN_COMMENTS are joined mid-word
    assert revised["entity"]["remarks"].endswith("26 Mar 2022; Tax ID No. 7700000001 (Russia).")
    assert cli("poll", "ofac").code == 0  # the same files again
    assert len(events(cli)) == 4
    assert not sls.hits(export("CONS_PRIM.CSV"))  # only the watched lists' files


def test_a_malformed_file_fails_this_source_alone(cli, sls, tmp_path, shared_fixtures):
    un = (shared_fixtures / "un" / "un_consolidated_2025-11-20.mkweli.xml").read_bytes()
    sls.route("/un.xml", Reply(un, content_type="application/xml"))
    serve_history(sls, HISTORY_801)
    serve_signed(sls, export("SDN.XML"), b"<html><body>Service maintenance</body></html>")
    serve_signed(sls, export("CONSOLIDATED.XML"), _read("consolidated_2026-01-15.xml"))
    (tmp_path / "sources.yaml").write_text(
        HTTP
        + f"ofac:\n  enabled: true\n  base_url: {sls.base}\n"
        + f"un:\n  enabled: true\n  url: {sls.url('/un.xml')}\n"
    )
    result = cli("poll")
    assert result.code == 1
    assert "expected an OFAC file, got an HTML page" in result.stderr
    assert health(cli)["status"] == "failing"
    assert events(cli) == []
    un_events = cli("events", "--source", "un", "--format", "json").json()
    assert [(e["kind"], e["data"]["entries"]) for e in un_events] == [("list.revised", 1000)]


def _csl_row(uid: str, name: str, country: str, programs: list[str]) -> dict[str, object]:
    """A row of the CSL's bulk JSON as it carries OFAC's lists: its id is OFAC's entry number."""
    return {
        "id": uid,
        "entity_number": uid,
        "source": "Specially Designated Nationals (SDN) - Treasury Department",
        "type": "Entity",
        "programs": programs,
        "name": name,
        "addresses": [{"address": "", "city": "", "country": country}],
        "alt_names": [],
        "source_list_url": "https://sanctionslist.ofac.treas.gov/Home/SdnList",
    }


def test_the_csl_sdn_rows_confirm_this_source_one_alert_per_listing(cli, sls, tmp_path):
    """OFAC's delta lists RED CRANE first; the CSL's SDN row days later is a record of it,
    not a second alert to the company that watches RED CRANE."""
    rows = [
        _csl_row("90002", "EXAMPLE SHIPPING LLC", "AE", ["IRAN", "SDGT"]),
        _csl_row("90004", "NORTHWIND TRADING CO., LTD.", "CN", ["RUSSIA-EO14024"]),
    ]
    red_crane = _csl_row("90007", "RED CRANE MICROELECTRONICS CO., LTD.", "CN", ["RUSSIA-EO14024"])
    sls.route(
        "/csl.json",
        Reply(json.dumps({"results": rows})),
        Reply(json.dumps({"results": [*rows, red_crane]})),
    )
    serve_history(sls, HISTORY_801, HISTORY_802)
    serve_signed(sls, export("SDN.XML"), _read("sdn_2026-01-15.xml"))
    serve_signed(sls, "/changes/802", _read("delta_802.xml"))
    (tmp_path / "sources.yaml").write_text(
        HTTP
        + f"ofac:\n  enabled: true\n  base_url: {sls.base}\n  lists: [SDN]\n"
        + f"csl:\n  enabled: true\n  url: {sls.url('/csl.json')}\n  lists: [SDN]\n"
    )
    (tmp_path / "buyer.yaml").write_text(
        "company: Buyer KK\nwatch:\n  entities:\n"
        "    - name: Red Crane Microelectronics Co., Ltd.\n      country: CN\n"
    )
    assert cli("watch", "import", "buyer.yaml").code == 0
    for source in ("csl", "ofac", "ofac", "csl"):
        polled = cli("poll", source)
        assert polled.code == 0, polled
    (from_csl,) = cli(
        "events", "--source", "csl", "--kind", "entity.added", "--format", "json"
    ).json()
    assert from_csl["entity"]["name"] == "RED CRANE MICROELECTRONICS CO., LTD."
    assert from_csl["data"]["confirms"] == "ofac:sdn:90007"
    matches = cli("matches", "--company", "Buyer KK", "--format", "json").json()
    assert [(m["source"], m["event_kind"]) for m in matches] == [("ofac", "entity.added")]


def test_import_saved_exports_and_delta_files(cli, tmp_path):
    (tmp_path / "sources.yaml").write_text("ofac:\n  lists: [SDN, SSI, CMIC]\n")
    for name in ("sdn_2026-01-15.xml", "delta_802.xml"):
        (tmp_path / name).write_bytes(_read(name))
    (tmp_path / "SDN.CSV").write_bytes(_read("SDN_2026-01-15.CSV"))
    assert cli("init").code == 0
    imported = cli("import", "ofac", "sdn_2026-01-15.xml")
    assert imported.code == 0, imported
    # the SDN export alone: the SDN list's baseline, no baseline for lists it does not hold
    assert [(e["list"], e["data"]["entries"]) for e in events(cli)] == [("SDN", 5)]
    assert cli("import", "ofac", "delta_802.xml").code == 0
    assert entity_changes(cli) == {
        ("entity.added", "ofac:sdn:90007"),
        ("entity.removed", "ofac:sdn:90005"),
        ("entity.revised", "ofac:sdn:90002"),
    }
    refused = cli("import", "ofac", "SDN.CSV")
    assert refused.code != 0
    assert "not an OFAC XML export or delta file" in refused.stderr


def test_switching_format_records_the_lists_again_as_a_baseline(cli, sls, tmp_path):
    serve_history(sls, HISTORY_801)
    serve_signed(sls, export("SDN.XML"), _read("sdn_2026-01-15.xml"))
    for kind in ("SDN", "ADD", "ALT", "SDN_COMMENTS"):
        serve_signed(sls, export(f"{kind}.CSV"), _read(f"{kind}_2026-01-15.CSV"))
    configure(tmp_path, sls, "  lists: [SDN]\n")
    assert cli("poll", "ofac").code == 0
    configure(tmp_path, sls, "  lists: [SDN]\n  format: csv\n")
    switched = cli("poll", "ofac")
    assert switched.code == 0, switched
    assert "recorded again as a baseline" in switched.stdout + switched.stderr
    assert [(e["kind"], e["data"]["entries"]) for e in events(cli)] == [
        ("list.revised", 5),
        ("list.revised", 5),
    ]
    assert entity_changes(cli) == set()


def test_an_unknown_list_code_is_a_configuration_error(cli, tmp_path):
    (tmp_path / "sources.yaml").write_text("ofac:\n  lists: [SDN, EL]\n")
    result = cli("sources")
    assert result.code == 2
    assert "unknown list code(s) EL" in result.stderr


def test_a_watched_identifier_finds_the_listed_entry_whatever_its_name(cli, sls, tmp_path):
    serve_history(sls, HISTORY_801, HISTORY_802)
    serve_signed(sls, export("SDN.XML"), _read("sdn_2026-01-15.xml"))
    serve_signed(sls, "/changes/802", _read("delta_802.xml"))
    configure(tmp_path, sls, "  lists: [SDN]\n")
    (tmp_path / "buyer.yaml").write_text(
        "company: Buyer KK\nwatch:\n  entities:\n"
        "    - name: Shanghai Crane Electronics\n      country: CN\n"
        "      identifiers: ['USCC: 91310000EXAMPLE0007']\n"
    )
    assert cli("init").code == 0
    assert cli("watch", "import", "buyer.yaml").code == 0
    assert cli("poll", "ofac").code == 0
    assert cli("poll", "ofac").code == 0
    matches = cli("matches", "--company", "Buyer KK", "--format", "json").json()
    assert [(m["source"], m["event_kind"], m["item"]) for m in matches] == [
        ("ofac", "entity.added", "Shanghai Crane Electronics")
    ]


def test_without_the_history_the_exports_are_fetched_conditionally(cli, sls):
    sls.route(f"/changes/history/{THIS_YEAR}", Reply(b'{"message": "Not Found"}', 404))
    for name, fixture in (("SDN.XML", "sdn_2026-01-15.xml"), ("CONSOLIDATED.XML", None)):
        body = _read(fixture) if fixture else _read("consolidated_2026-01-15.xml")
        serve_signed(sls, export(name), body)
        signed = f"/signed/{name}"
        etag = {"ETag": f'"{name}-1"'}
        sls.route(
            signed,
            Reply(body, content_type="application/octet-stream", headers=etag),
            Reply(b"", 304, None, etag),
        )
    first = cli("poll", "ofac")
    assert first.code == 0, first
    assert "publication history unavailable" in first.stdout + first.stderr
    second = cli("poll", "ofac")
    assert second.code == 0, second
    (_, again) = sls.hits("/signed/SDN.XML")
    assert again.headers.get("if-none-match") == '"SDN.XML-1"'
    assert len(events(cli)) == 7  # the baselines only
    assert health(cli)["status"] == "ok"
