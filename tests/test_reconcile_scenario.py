"""The three views of a listing, reconciled end to end through real local servers, on SQLite and
PostgreSQL: a rule adds A and B; the eCFR shows both the next day; the CSL 30 hours after the
effective date shows only A → one `listing.lagging` for B, resolved when a later CSL shows B; a
CSL entry that no rule announced → `listing.unannounced`; the digest of a company watching B says
it; `regwatch sources` and one ops notice (real SMTP server) name the rule."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

import regwatch.reconcile as reconcile_module
from regwatch.timeutil import utcnow
from tests.support.csl import bulk_json, legacy_records
from tests.support.fake_ecfr import FIXTURES, PREFIX, FakeEcfr
from tests.support.httpserver import Reply
from tests.support.smtpserver import MailServer

#: the rule's publication and effective date: recent, so that the Federal Register source reads it
D = utcnow().date() - timedelta(days=3)
NUMBER = f"{D.year}-24001"


def at(day_offset: int, hour: int) -> datetime:
    return datetime.combine(D + timedelta(days=day_offset), time(hour), UTC)


def _rule_record(http_server) -> dict:
    path = f"/documents/full_text/xml/{D:%Y/%m/%d}/{NUMBER}.xml"
    http_server.route(
        path, Reply((FIXTURES / "rule_adds_two.xml").read_bytes(), content_type="text/xml")
    )
    return {
        "document_number": NUMBER,
        "type": "Rule",
        "title": "Additions to the Entity List",
        "action": "Final rule.",
        "publication_date": D.isoformat(),
        "effective_on": D.isoformat(),
        "citation": "91 FR 51000",
        "volume": 91,
        "start_page": 51000,
        "end_page": 51010,
        "html_url": f"https://www.federalregister.gov/documents/{D:%Y/%m/%d}/{NUMBER}/x",
        "full_text_xml_url": http_server.url(path),
        "agencies": [{"slug": "industry-and-security-bureau", "name": "Industry and Security"}],
        "cfr_references": [{"title": 15, "part": "744", "chapter": None, "citation_url": None}],
        "amendatory_instructions": {
            "instructions": ["Supplement No. 4 to part 744 is amended under CHINA."],
            "count": 1,
        },
    }


def _csl_record(name: str, address: str, citation: str) -> dict:
    return {
        "addresses": [
            {"address": address, "city": None, "state": None, "postal_code": None, "country": "CN"}
        ],
        "alt_names": [],
        "federal_register_notice": citation,
        "id": f"id-{name}",
        "license_requirement": "For all items subject to the EAR. (See §§ 734.9(b) and 744.11 "
        "of the EAR).",
        "license_policy": "Presumption of denial.",
        "name": name,
        "source": "Entity List (EL) - Bureau of Industry and Security",
        "source_list_url": "https://www.trade.gov/consolidated-screening-list",
        "start_date": D.isoformat(),
        "title": None,
    }


ZETA = _csl_record("Zeta Semiconductor Co., Ltd.", "21 Changsheng Street, Hefei", "91 FR 51000")
THETA = _csl_record("Theta Robotics Co., Ltd.", "9 Gongye Avenue, Suzhou", "91 FR 51000")
#: cites a page of the rule, which does not name it: what regwatch would see if it misread it
OMEGA = _csl_record("Omega Lasers Co., Ltd.", "3 Guangming Road, Xi'an", "91 FR 51005")


def _codified_with_a_and_b() -> bytes:
    """Version 1 of the codified list with the rule's two entries added under CHINA."""
    v1 = (FIXTURES / "supp4_v1.xml").read_text(encoding="utf-8")
    v3 = (FIXTURES / "supp4_v3.xml").read_text(encoding="utf-8")

    def row(name: str) -> str:
        start = v3.index(f"<ENT>{name}")
        return v3[v3.rindex("<ROW>", 0, start) : v3.index("</ROW>", start) + len("</ROW>\n")]

    russia = v1.index('<ROW>\n<ENT I="01">RUSSIA')
    added = (row("Theta Robotics") + row("Zeta Semiconductor")).replace(
        "91 FR 50001, 11/17/26.", "91 FR 51000, 11/24/26."
    )  # both cite the rule that adds them
    return (v1[:russia] + added + v1[russia:]).encode()


@pytest.fixture
def clock(monkeypatch):
    """The reconciliation's clock, moved by the test (the polls themselves use real time)."""
    now = {"t": at(-1, 12)}
    monkeypatch.setattr(reconcile_module, "utcnow", lambda: now["t"])
    return now


def _events(cli, source: str) -> list[dict]:
    result = cli("events", "--format", "json", "--source", source)
    assert result.code == 0, result
    return sorted(result.json(), key=lambda e: e["id"])


def test_rule_ecfr_csl_lag_resolution_unannounced_and_digest(
    cli, tmp_path, http_server, clock, monkeypatch, db_url
):
    monkeypatch.setenv("REGWATCH_DB", db_url)  # on SQLite and on PostgreSQL
    baseline_csl = legacy_records_el()
    http_server.route(
        "/csl.json",
        Reply(bulk_json(baseline_csl)),
        Reply(bulk_json([*baseline_csl, ZETA])),
        Reply(bulk_json([*baseline_csl, ZETA, THETA, OMEGA])),
    )
    http_server.route(
        "/api/v1/documents.json",
        Reply(json.dumps({"count": 1, "results": [_rule_record(http_server)]})),
    )
    ecfr = FakeEcfr(latest=D - timedelta(days=5))
    ecfr.add("EL", D - timedelta(days=10), "supp4_v1.xml")
    ecfr.install(http_server)
    (tmp_path / "sources.yaml").write_text(
        f"federal_register:\n  base_url: {http_server.url('/api/v1')}\n"
        "  public_inspection: false\n  xml_interval: 0\n"
        f"csl:\n  enabled: true\n  url: {http_server.url('/csl.json')}\n  lists: [EL]\n"
        f"ecfr:\n  enabled: true\n  lists: [EL]\n  base_url: {http_server.url(PREFIX)}\n"
        "reconcile:\n  csl_after: 24h\n  ecfr_business_days: 3\n"
        "ops:\n  email: ops@acme.example\n"
        "http:\n  min_interval: 0\n  retries: 0\n  backoff: 0\n"
        '  user_agent: "regwatch-test/1.0 (compliance@example.com)"\n'
    )
    (tmp_path / "watch.yaml").write_text(
        "company: Borealis Robotics\n"
        "recipients:\n  - email: trade@borealis.example\n"
        "watch:\n  entities:\n    - name: Theta Robotics Co., Ltd.\n      country: CN\n"
    )
    assert cli("init").code == 0
    assert cli("watch", "import", "watch.yaml").code == 0

    assert "nothing to reconcile yet" in cli("reconcile").stdout

    # the day before: baselines of the CSL and the eCFR; nothing to reconcile
    assert cli("poll", "csl").code == 0
    assert cli("poll", "ecfr").code == 0
    assert _events(cli, "reconcile") == []
    assert "every reconciled listing agrees across its views" in cli("reconcile").stdout

    # day D, 15:00 UTC: the rule adds A (Zeta) and B (Theta), effective today
    clock["t"] = at(0, 15)
    polled = cli("poll", "federal_register")
    assert polled.code == 0, polled
    rule_events = [e for e in _events(cli, "federal_register") if e["kind"] == "entity.added"]
    assert sorted(e["entity"]["name"] for e in rule_events) == [
        "Theta Robotics Co., Ltd.",
        "Zeta Semiconductor Co., Ltd.",
    ]
    assert _events(cli, "reconcile") == []  # no view is late yet

    # D+1, 02:00 UTC: the eCFR has codified both, as of the effective date
    ecfr.publish("EL", D, _codified_with_a_and_b())
    ecfr.latest = D
    clock["t"] = at(1, 2)
    assert cli("poll", "ecfr").code == 0
    added = [e for e in _events(cli, "ecfr") if e["kind"] == "entity.added"]
    assert sorted(e["key"] for e in added) == [
        "ecfr:el:cn:theta robotics co ltd",
        "ecfr:el:cn:zeta semiconductor co ltd",
    ]
    # each codified addition confirms the rule's event about the same listing
    assert {e["data"]["confirms"] for e in added} == {e["key"] for e in rule_events}
    assert {e["document_number"] for e in added} == {NUMBER}
    assert _events(cli, "reconcile") == []

    # D+1, 11:00 UTC, 30 hours after the effective date began (05:00 UTC): the CSL shows only A
    clock["t"] = at(1, 11)
    assert cli("poll", "csl").code == 0
    (lagging,) = _events(cli, "reconcile")
    assert lagging["kind"] == "listing.lagging"
    assert lagging["key"] == "reconcile:lagging:csl:el:cn:theta robotics co ltd"
    assert lagging["entity"]["name"] == "Theta Robotics Co., Ltd."
    assert lagging["document_number"] == NUMBER
    assert lagging["data"]["view"] == "csl" and lagging["list"] == "EL"
    summary = lagging["summary"]
    assert f"announced by {NUMBER} (effective {D.isoformat()})" in summary
    assert "in the eCFR since" in summary
    # "since" and "as of" are when regwatch saw each view (the polls ran on the real clock)
    assert re.search(r"in the eCFR since \d{4}-\d\d-\d\d \d\d:\d\d UTC", summary)
    assert re.search(r"not yet in the CSL \(as of \d{4}-\d\d-\d\d \d\d:\d\d UTC\)", summary)
    assert "the CSL does not show it 6 h past its deadline" in summary

    # the CLI lists it; a repeated poll reports nothing new
    listed = cli("reconcile", "--format", "json")
    assert listed.code == 0, listed
    assert [(r["finding"], r["view"], r["name"]) for r in listed.json()] == [
        ("lagging", "csl", "Theta Robotics Co., Ltd.")
    ]
    assert cli("poll", "ecfr").code == 0
    assert len(_events(cli, "reconcile")) == 1

    # the digest of the company watching B says it
    digest = cli("digest", "preview", "--company", "Borealis Robotics")
    assert digest.code == 0, digest
    assert "Theta Robotics Co., Ltd." in digest.stdout
    assert "not yet in the CSL (as of" in digest.stdout
    assert "in the eCFR since" in digest.stdout
    # two alerts: the rule's addition, and the lag; the eCFR's codification only confirms it
    assert "Borealis Robotics: 2 critical" in digest.stdout
    assert "[CRITICAL] A view lags the rule: the Entity List (EL) · CN" in digest.stdout
    assert "== eCFR" not in digest.stdout
    # the rule's own entity line says where the listing stands in every view
    rule_item = digest.stdout.split("[CRITICAL] Added to the Entity List (EL)")[1].split(
        "[CRITICAL]"
    )[0]
    assert re.search(
        rf"  Views: announced by {NUMBER} \(effective {D.isoformat()}\); in the eCFR since "
        r"[^;]+; not yet in the CSL \(as of [^)]+\)",
        rule_item,
    )

    if db_url.startswith("sqlite"):
        _digest_page_in_chromium(cli, tmp_path)

    # D+2: the CSL shows B, and an entry no rule announced; a daemon cycle (`run --once`)
    # polls every source and sends the ops notice, through a real SMTP server
    clock["t"] = at(2, 11)
    with MailServer() as mail:
        monkeypatch.setenv("REGWATCH_SMTP_URL", f"smtp://127.0.0.1:{mail.port}")
        monkeypatch.setenv("REGWATCH_MAIL_FROM", "regwatch@acme.example")
        assert cli("run", "--once").code == 0
        assert cli("run", "--once").code == 0  # nothing new: no second notice
        to_ops = [m for m in mail.received if m.rcpt_tos == ["ops@acme.example"]]
    (message,) = to_ops
    assert message.message["Subject"] == (
        "[regwatch] 1 listing change(s) no rule announced: possible extraction fault(s)"
    )
    body = message.message.get_content()
    assert "- Omega Lasers Co., Ltd. (EL, CN): the CSL added it" in body
    assert f"rule: FR Doc. {NUMBER}" in body
    found = _events(cli, "reconcile")
    assert sorted((e["kind"], e["key"]) for e in found[1:]) == [
        ("listing.resolved", "reconcile:lagging:csl:el:cn:theta robotics co ltd"),
        ("listing.unannounced", "reconcile:unannounced:csl:el:cn:omega lasers co ltd"),
    ]
    # the resolution is a record, not a second alert for the company that watches B
    matched = cli("matches", "--company", "Borealis Robotics", "--format", "json").json()
    assert sorted(m["event_kind"] for m in matched) == ["entity.added", "listing.lagging"]
    resolved = next(e for e in found if e["kind"] == "listing.resolved")
    assert resolved["revision"] == 2 and "in the CSL since" in resolved["summary"]
    unannounced = next(e for e in found if e["kind"] == "listing.unannounced")
    assert "citing 91 FR 51005" in unannounced["summary"]
    assert (
        f"regwatch read {NUMBER}, the rule at that page, but extracted no such entry"
        in (unannounced["summary"])
    )
    assert unannounced["data"]["rule_document"] == NUMBER
    now_open = cli("reconcile", "--format", "json").json()
    assert [(r["finding"], r["name"]) for r in now_open] == [
        ("unannounced", "Omega Lasers Co., Ltd.")
    ]
    assert cli("reconcile", "--list", "MEU", "--format", "json").json() == []
    assert cli("reconcile", "--list", "XX").code == 2
    table = cli("reconcile")
    assert table.code == 0 and "unannounced" in table.stdout and "Omega" in table.stdout

    # the ops view: `regwatch sources` and one ops notice name the rule
    sources = cli("sources")
    assert sources.code == 0, sources
    assert "1 listing change(s) that no rule regwatch read announces (possible extraction " in (
        sources.stdout
    )
    assert "Omega Lasers Co., Ltd. (EL, CN): the CSL added it" in sources.stdout
    assert f"; rule: FR Doc. {NUMBER}" in sources.stdout


def legacy_records_el() -> list[dict]:
    """A small CSL Entity List of other parties (written here in the CSL's record shape)."""
    return [
        _csl_record("Kestrel Trading Co., Ltd.", "1 Harbour Road, Shanghai", "85 FR 100"),
        _csl_record("Lynx Instruments Ltd.", "2 Park Road, Beijing", "86 FR 200"),
    ]


_ = legacy_records  # the real CSL records are used by the CSL's own tests


CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _digest_page_in_chromium(cli, tmp_path) -> None:
    """The HTML digest as a browser shows it: the Views line is there (DOM dumped by headless
    Chromium), and a screenshot is written (``$REGWATCH_SCREENSHOTS`` keeps a copy)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("headless Chromium is not installed (Debian package chromium)")
    page = tmp_path / "digest.html"
    result = cli(
        "digest", "preview", "--company", "Borealis Robotics", "--format", "html", "--output", page
    )
    assert result.code == 0, result
    common = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium'}"]
    dom = subprocess.run(
        [*common, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    text = re.sub(r"<[^>]+>", "", dom.stdout)
    assert "A view lags the rule" in text
    assert re.search(r"Views: announced by \S+ \(effective [\d-]+\); in the eCFR since", text)
    shot = tmp_path / "digest.png"
    taken = subprocess.run(
        [*common, f"--screenshot={shot}", "--window-size=1000,1800", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert taken.returncode == 0 and shot.stat().st_size > 10_000, taken.stderr[-2000:]
    keep = os.environ.get("REGWATCH_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / "reconcile_digest.png")
