"""Every command, on SQLite and on PostgreSQL (REGWATCH_DB=postgresql+psycopg://…): the same
session a compliance team and an ops engineer would run."""

from __future__ import annotations

import email
import email.policy
import json
import shutil
from datetime import date
from pathlib import Path

from tests.support.httpserver import Reply

DATA = Path(__file__).parent / "data" / "matching"


def _page(server) -> str:
    page = json.loads((DATA / "fr_entity_list_rule.json").read_text(encoding="utf-8"))
    for doc in page["results"]:
        doc["publication_date"] = date.today().isoformat()
        doc["full_text_xml_url"] = server.url(f"/full_text/{doc['document_number']}.xml")
    return json.dumps(page)


def test_a_whole_session(cli, tmp_path, http_server, db_url, monkeypatch, shared_fixtures):
    monkeypatch.setenv("REGWATCH_DB", db_url)
    monkeypatch.setenv("REGWATCH_OUTBOX", str(tmp_path / "outbox"))
    monkeypatch.delenv("REGWATCH_SMTP_URL", raising=False)
    (tmp_path / "sources.yaml").write_text(
        "http: {min_interval: 0}\n"
        f"federal_register:\n  base_url: {http_server.url('/api/v1')}\n"
        "  public_inspection: false\n",
        encoding="utf-8",
    )
    http_server.route("/api/v1/documents.json", Reply(_page(http_server)))
    http_server.route(
        "/full_text/2026-24001.xml",
        Reply((DATA / "el_rule_2026_24001.xml").read_bytes(), content_type="application/xml"),
    )
    shutil.copy(DATA / "acme.yaml", tmp_path / "acme.yaml")

    def ok(*args):
        result = cli(*args)
        assert result.code == 0, (args, result)
        return result

    assert "created database" in ok("init").stdout
    assert "up to date" in ok("init").stdout
    ok("watch", "import", "acme.yaml")
    assert "Acme Corp" in ok("watch", "list").stdout
    assert "federal_register: 5 new" in ok("poll", "federal_register").stdout
    events = ok("events", "--format", "json").json()
    assert {e["kind"] for e in events} == {"document.published", "entity.added"}
    assert ok("events", "--q", "Haige", "--format", "json").json()
    assert ok("events", "--company", "Acme Corp", "--format", "json").json()
    added = [e for e in events if e["kind"] == "entity.added"]
    shown = ok("show", str(added[0]["id"]), "--format", "json").json()
    assert shown["provenance"]["url"].endswith("2026-24001.xml")
    matches = ok("matches", "--format", "json").json()
    haige = [m for m in matches if "Haige" in json.dumps(m, ensure_ascii=False)]
    assert haige
    ok("matches", "ack", str(haige[0]["id"]), "--note", "known; licence on file")
    trail = ok("matches", "show", str(haige[0]["id"]), "--format", "json").json()["trail"]
    assert [e["action"] for e in trail] == ["match.acknowledge"]
    assert trail[0]["context"]["payload"]["sha256"]  # the rule's payload, as fetched
    ok("review", "four-eyes", "Acme Corp", "--on", "--by", "lead")
    ok("matches", "reopen", str(haige[0]["id"]), "--by", "lead")
    token = ok("token", "create", "auditor", "--role", "read").stdout.strip()
    assert token.startswith("rw_")
    assert [t["name"] for t in ok("token", "list", "--format", "json").json()] == ["auditor"]
    ok("token", "revoke", "1")
    assert "audit trail intact" in ok("audit", "verify").stdout
    exported = ok("audit", "export", "--since", "2000-01-01", "--format", "json").json()
    assert [r["action"] for r in exported] == [
        "watchlist.import", "match.acknowledge", "review.policy", "match.reopen",
        "token.create", "token.revoke",
    ]  # fmt: skip
    assert "Haige" in ok("screen", "GUANGZHOU HAIGE COMM GRP").stdout
    assert ok("entity", "Haige", "--format", "json").json()
    assert "Acme Corp" in ok("digest", "preview", "--company", "Acme Corp").stdout
    ok("digest", "send")
    sent = list((tmp_path / "outbox").glob("*.eml"))
    assert sent
    message = email.message_from_bytes(sent[0].read_bytes(), policy=email.policy.default)
    assert message.get_content_type() == "multipart/alternative"
    assert ok("deliveries", "--format", "json").json()
    assert ok("sources", "--format", "json").json()
    assert ok("healthcheck").stdout.strip() == "ok"
    ok(
        "import",
        "federal_register",
        shared_fixtures
        / "federal_register"
        / "fr_api_documents_search_all_fields_epa_rules_2024.json",
    )
    assert ok("run", "--once").stdout == ""  # nothing new: nothing for cron to mail
