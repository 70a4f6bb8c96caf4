"""`regwatch poll federal_register` on the layouts real BIS rules use (fixtures written in
tests/fixtures/federal_register), served by the local Federal Register stand-in: the exact
events of each layout, the self-check on the document event, and fail-soft reading."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from regwatch.store import Store
from tests.support.httpserver import Reply
from tests.support.smtpserver import MailServer
from tests.test_fr_entity_rules import RECENT, _configure, _documents, _record

FIXTURES = Path(__file__).parent / "fixtures" / "federal_register"
DATA = Path(__file__).parent / "data" / "federal_register"


def _serve(http_server, number: str, name: str, **extra):
    """A documents.json record whose full text is one of the fixtures written here."""
    year, month, day = RECENT.split("-")
    path = f"/documents/full_text/xml/{year}/{month}/{day}/{number}.xml"
    http_server.route(path, Reply((FIXTURES / name).read_bytes(), content_type="text/xml"))
    record = _record(http_server, number, None, **extra)
    record["full_text_xml_url"] = http_server.url(path)
    return record


def _events(cli, *args):
    return cli("events", "--format", "json", *args).json()


def _id(event):
    return event["id"]


def _entities(events):
    return sorted(
        (
            e["kind"],
            e["list"],
            e["country"],
            e["entity"]["name"],
            tuple(e["entity"].get("aliases", [])),
            tuple(e["entity"].get("addresses", [])),
        )
        for e in events
        if e["kind"].startswith("entity.")
    )


KESTREL_ALIASES = ("Kestrel Photonics", "Shenzhen Kestrel Optoelectronics", "KPC")


def test_blank_heads_body_header_row_and_one_entity_under_three_countries(
    cli, tmp_path, http_server
):
    _documents(http_server, _serve(http_server, "2023-93927", "el_blank_heads_2023.xml"))
    _configure(tmp_path, http_server)
    result = cli("poll", "federal_register")
    assert result.code == 0, result
    assert "warning" not in result.stderr
    events = _events(cli)
    assert _entities(events) == [
        ("entity.added", "EL", "CN", "Beihai Lianda Precision Instruments Co., Ltd.", (),
         ("No. 18 Gongye Road, Beihai, Guangxi, China",)),
        ("entity.added", "EL", "CN", "Kestrel Photonics Co., Ltd.", KESTREL_ALIASES,
         ("Room 1203, Block B, Nanshan Science Park, Shenzhen, Guangdong, China",
          "No. 5 Keji Road, Dongguan, Guangdong, China")),
        ("entity.added", "EL", "CN", "Tianjin Harbor Avionics Research Institute", ("THARI",),
         ("66 Binhai Avenue, Tianjin, China",)),
        ("entity.added", "EL", "FR", "Kestrel Photonics Co., Ltd.", KESTREL_ALIASES,
         ("12 Rue de la Paix, 75002 Paris, France",)),
        ("entity.added", "EL", "NL", "Kestrel Photonics Co., Ltd.", KESTREL_ALIASES,
         ("Stationsplein 45, 3013 AK Rotterdam, Netherlands",)),
        ("entity.added", "EL", "RU", "Volga Component Trading LLC", ("OOO Volga Komponent", "VCT"),
         ("Ulitsa Lenina 10, office 4, Samara, 443010, Russia",)),
        ("entity.added", "EL", "RU", "Yenisei Machine Works JSC", (),
         ("Prospekt Mira 7, Krasnoyarsk, 660049, Russia",)),
    ]  # fmt: skip
    names = {e["entity"]["name"] for e in events if e.get("entity")}
    assert not names & {"Entity", "Country", "Country Entity"}
    # one entity under three countries: three listings, three keys
    kestrel = sorted(
        e["key"] for e in events if (e.get("entity") or {}).get("name", "").startswith("Kestrel")
    )
    assert kestrel == [
        "fr:2023-93927#el:cn:kestrel photonics co ltd",
        "fr:2023-93927#el:fr:kestrel photonics co ltd",
        "fr:2023-93927#el:nl:kestrel photonics co ltd",
    ]
    (document,) = [e for e in events if e["key"] == "fr:2023-93927"]
    assert document["data"]["extraction"] == {
        "status": "complete",
        "read": {"added": 7},
        "announced": {"added": 7},
        "parser": 2,
    }


def test_combined_verbs_meu_instructions_and_a_removal_only_in_the_instruction(
    cli, tmp_path, http_server
):
    _documents(http_server, _serve(http_server, "2024-90412", "el_meu_combined_verbs_2024.xml"))
    _configure(tmp_path, http_server)
    result = cli("poll", "federal_register")
    assert result.code == 0, result
    events = _events(cli)
    assert _entities(events) == [
        ("entity.added", "EL", "CA", "Northern Lights Avionics Inc.", (),
         ("400 Rue Sainte-Catherine, Montreal, Quebec, H3B 1A7, Canada",)),
        ("entity.added", "EL", "CN", "Harbin Polar Sensor Co., Ltd.", ("Polar Sensor", "HPS"),
         ("No. 9 Xuefu Road, Nangang District, Harbin, Heilongjiang, China",)),
        ("entity.added", "MEU", "RU", "Ural Aero Parts JSC", ("UAP",),
         ("Ulitsa Mira 21, Yekaterinburg, 620002, Russia",)),
        ("entity.removed", "EL", "RU", "Baltic Marine Supply LLC", (), ()),
        # "… an entry for “A” and by revising the entry for “B”": B is a revision, not an addition
        ("entity.revised", "EL", "CN", "Shanghai Deepwave Microsystems Co., Ltd.",
         ("Deepwave Micro",), ("Building 3, 1000 Zhangheng Road, Pudong, Shanghai, China",)),
    ]  # fmt: skip
    # neither the revised nor the removed party was listed in this fresh database: said, not lost
    assert "'Shanghai Deepwave Microsystems Co., Ltd.'" in result.stderr
    assert "which is not currently listed" in result.stderr
    (document,) = [e for e in events if e["key"] == "fr:2024-90412"]
    assert document["data"]["extraction"]["status"] == "complete"
    assert document["data"]["extraction"]["read"] == {"added": 3, "revised": 1, "removed": 1}


def test_a_rule_whose_totals_disagree_is_stored_marked_and_said_everywhere(
    cli, tmp_path, http_server, db_url, monkeypatch
):
    monkeypatch.setenv("REGWATCH_DB", db_url)  # SQLite, then PostgreSQL
    _documents(http_server, _serve(http_server, "2024-91500", "el_totals_disagree_2024.xml"))
    _configure(tmp_path, http_server)
    result = cli("poll", "federal_register")
    assert result.code == 0, result
    assert "2024-91500: Entity List: the rule announces 13 added entities, regwatch read 11" in (
        result.stderr
    )
    events = _events(cli)
    assert len([e for e in events if e["kind"] == "entity.added"]) == 11
    (document,) = [e for e in events if e["key"] == "fr:2024-91500"]
    extraction = document["data"]["extraction"]
    assert extraction["status"] == "partial"
    assert (extraction["read"], extraction["announced"]) == ({"added": 11}, {"added": 13})
    shown = cli("show", str(document["id"]))
    assert shown.code == 0
    assert shown.stdout.splitlines()[0] == (
        "not_fully_read: regwatch read 11 of the 13 entries this rule announces: read the rule"
    )
    # the digest line says it in words, with the link to the rule
    (tmp_path / "watch.yaml").write_text(
        "company: Acme Corp\nrecipients:\n  - email: compliance@acme.example\n"
        "watch:\n  cfr: ['15 CFR 744']\n"
    )
    assert cli("watch", "import", "watch.yaml").code == 0
    preview = cli("digest", "preview", "--company", "Acme Corp")
    assert preview.code == 0, preview
    line = next(x for x in preview.stdout.splitlines() if "Not fully read" in x)
    assert line.strip() == (
        "Not fully read: regwatch read 11 of the 13 entries this rule announces: read the rule "
        f"({document['url']})"
    )
    # the next poll is clean: nothing new, nothing revised, the marking kept
    again = cli("poll", "federal_register")
    assert again.code == 0 and "0 new, 0 revised" in again.stdout, again


def test_a_rule_that_cannot_be_read_never_fails_the_poll(cli, tmp_path, http_server):
    body = (FIXTURES / "el_totals_disagree_2024.xml").read_text()
    start, end = body.index("<GPOTABLE"), body.index("</GPOTABLE>")
    unreadable = (
        body[:start] + '<GPOTABLE COLS="2"><ROW><ENT>x</ENT><ENT>y</ENT></ROW>' + body[end:]
    )
    year, month, day = RECENT.split("-")
    path = f"/documents/full_text/xml/{year}/{month}/{day}/2024-91501.xml"
    http_server.route(path, Reply(unreadable, content_type="text/xml"))
    broken = _record(http_server, "2024-91501", None)
    broken["full_text_xml_url"] = http_server.url(path)
    good = _serve(http_server, "2023-93927", "el_blank_heads_2023.xml")
    _documents(http_server, broken, good)
    _configure(tmp_path, http_server)
    result = cli("poll", "federal_register")
    assert result.code == 0, result
    assert (
        "2024-91501: the rule amends Supplement No. 4/7 to part 744 but no entry could be read"
        in (result.stderr)
    )
    events = _events(cli)
    # the other rule of the same poll is read in full; the unreadable one keeps its document
    assert len([e for e in events if e["kind"] == "entity.added"]) == 7
    (document,) = [e for e in events if e["key"] == "fr:2024-91501"]
    assert document["data"]["extraction"]["status"] == "failed"
    assert "columns cannot be told apart" in document["data"]["extraction"]["problems"][0]
    shown = cli("show", str(document["id"]), "--format", "json").json()
    assert shown["not_fully_read"] == (
        "regwatch could not read the entries of this rule (it announces 13): read the rule"
    )
    (tmp_path / "watch.yaml").write_text(
        "company: Acme Corp\nrecipients:\n  - email: compliance@acme.example\n"
        "watch:\n  cfr: ['15 CFR 744']\n"
    )
    assert cli("watch", "import", "watch.yaml").code == 0
    preview = cli("digest", "preview", "--company", "Acme Corp").stdout
    assert (
        "Not fully read: regwatch could not read the entries of this rule (it announces 13): "
        f"read the rule ({document['url']})"
    ) in preview
    health = {s["name"]: s for s in cli("sources", "--format", "json").json()}
    assert health["federal_register"]["status"] == "ok", health["federal_register"]
    again = cli("poll", "federal_register")
    assert again.code == 0 and "0 new, 0 revised" in again.stdout, again
    assert "warning" not in again.stderr


def test_full_text_fetches_are_retried_a_bounded_number_of_times(cli, tmp_path, http_server):
    record = _record(http_server, "2024-91502", None)
    year, month, day = RECENT.split("-")
    path = f"/documents/full_text/xml/{year}/{month}/{day}/2024-91502.xml"
    http_server.route(path, Reply("upstream trouble", status=500, content_type="text/plain"))
    record["full_text_xml_url"] = http_server.url(path)
    _documents(http_server, record)
    _configure(tmp_path, http_server)

    def xml_requests() -> int:
        return len([r for r in http_server.requests if r.path == path])

    statuses = []
    for attempt in (1, 2, 3):
        polled = cli("poll", "federal_register")
        assert polled.code == 0, polled
        assert f"attempt {attempt} of 3" in polled.stderr or attempt == 3
        document = max((e for e in _events(cli) if e["key"] == "fr:2024-91502"), key=_id)
        statuses.append(document["data"]["extraction"]["status"])
        assert xml_requests() == attempt
    assert statuses == ["pending", "pending", "failed"]
    assert "could not be fetched after 3 attempts" in polled.stderr
    # given up: no fourth request, no change, no warning
    fourth = cli("poll", "federal_register")
    assert fourth.code == 0 and xml_requests() == 3 and "warning" not in fourth.stderr
    revisions = [e for e in _events(cli) if e["key"] == "fr:2024-91502"]
    # a retry is not a revision: the document was stored pending, then marked failed once
    assert [e["data"]["extraction"]["status"] for e in sorted(revisions, key=_id)] == [
        "pending",
        "failed",
    ]


def test_the_ops_notice_says_it_once(cli, tmp_path, http_server, monkeypatch):
    _documents(http_server, _serve(http_server, "2024-91500", "el_totals_disagree_2024.xml"))
    _configure(tmp_path, http_server)
    with (tmp_path / "sources.yaml").open("a") as config:
        config.write("ops:\n  email: ops@acme.example\n")
    with MailServer() as mail:
        monkeypatch.setenv("REGWATCH_SMTP_URL", f"smtp://127.0.0.1:{mail.port}")
        first = cli("run", "--once")
        assert first.code == 0, first
        assert [m.message["Subject"] for m in mail.received] == [
            "[regwatch] federal_register: 1 rule not fully read"
        ]
        body = mail.received[0].message.get_body(("plain",)).get_content()
        assert "- 2024-91500: Additions and Revisions to the Entity List" in body
        assert (
            "regwatch read 11 of the 13 entries this rule announces: read the rule: "
            "https://www.federalregister.gov/documents/" in body
        )
        assert "Entity List: the rule announces 13 added entities, regwatch read 11" in body
        assert mail.received[0].rcpt_tos == ["ops@acme.example"]
        again = cli("run", "--once")
        assert again.code == 0, again
        assert len(mail.received) == 1  # said once


CHROMIUM = shutil.which("chromium")


@pytest.mark.skipif(CHROMIUM is None, reason="the Debian chromium package is not installed")
def test_the_html_digest_shows_a_rule_not_fully_read_in_chromium(cli, tmp_path, http_server):
    _documents(http_server, _serve(http_server, "2024-91500", "el_totals_disagree_2024.xml"))
    _configure(tmp_path, http_server)
    assert cli("poll", "federal_register").code == 0
    (tmp_path / "watch.yaml").write_text(
        "company: Acme Corp\nrecipients:\n  - email: compliance@acme.example\n"
        "watch:\n  cfr: ['15 CFR 744']\n"
    )
    assert cli("watch", "import", "watch.yaml").code == 0
    page = tmp_path / "digest.html"
    preview = cli(
        "digest", "preview", "--company", "Acme Corp", "--format", "html", "--output", str(page)
    )
    assert preview.code == 0, preview
    screenshot = Path(__file__).parent / "screenshots" / "digest_rule_not_fully_read.png"
    screenshot.parent.mkdir(exist_ok=True)
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium-profile'}", "--window-size=900,700",
    ]  # fmt: skip
    dom = subprocess.run(
        [CHROMIUM, *flags, "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout  # fmt: skip
    subprocess.run(
        [CHROMIUM, *flags, f"--screenshot={screenshot}", page.as_uri()],
        capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    # what the browser renders: the note, in words, and the link to the rule
    assert "Not fully read:" in dom
    assert "regwatch read 11 of the 13 entries this rule announces: read the rule" in dom
    assert 'href="https://www.federalregister.gov/documents/' in dom
    assert screenshot.stat().st_size > 10_000


def test_a_full_text_not_there_yet_is_tried_longer_than_one_that_errors(cli, tmp_path, http_server):
    lagging = _record(http_server, "2024-91503", None)
    broken = _record(http_server, "2024-91504", None)
    year, month, day = RECENT.split("-")
    for record, reply in ((lagging, Reply("", 404)), (broken, Reply("oops", 500))):
        path = f"/documents/full_text/xml/{year}/{month}/{day}/{record['document_number']}.xml"
        http_server.route(path, reply)
        record["full_text_xml_url"] = http_server.url(path)
    _documents(http_server, lagging, broken)
    _configure(tmp_path, http_server)
    polled = cli("poll", "federal_register")
    assert polled.code == 0, polled
    assert "2024-91503: full-text XML not available yet" in polled.stderr
    assert "(attempt 1 of 24)" in polled.stderr and "(attempt 1 of 3)" in polled.stderr
    with Store.open(f"sqlite:///{tmp_path / 'regwatch.db'}") as store:
        attempts = store.source_state("federal_register").cursor["entity_rule_attempts"]
    assert {n: (a["attempts"], a["bound"]) for n, a in attempts.items()} == {
        "2024-91503": (1, 24),
        "2024-91504": (1, 3),
    }
