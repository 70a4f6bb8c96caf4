"""The audit trail: decisions from the CLI, the hash chain, verify and export (both databases)."""

from __future__ import annotations

import json

import pytest
import sqlalchemy

from regwatch import audit
from regwatch.store import Store
from tests.support.reviewdata import seed_review


@pytest.fixture
def seeded(db_url):
    with Store.open(db_url, create=True) as store:
        ids = seed_review(store)
    return db_url, ids


def _sql(url: str, statement: str) -> None:
    engine = sqlalchemy.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(statement)
    engine.dispose()


def test_cli_decisions_write_the_trail(cli, seeded):
    url, ids = seeded
    ack = cli("--db", url, "matches", "ack", ids.acme_alert, ids.acme_review, "--by", "alice",
              "--note", "screened, not our supplier")  # fmt: skip
    assert ack.code == 0, ack
    assert f"match {ids.acme_alert}: acknowledged" in ack.stdout
    assert f"match {ids.acme_review}: acknowledged" in ack.stdout

    dismissed = cli("--db", url, "matches", "dismiss", ids.globex_alert, "--note", "other firm")
    assert dismissed.code == 0, dismissed
    # acknowledging a dismissed match clears the dismissal and its reason
    cleared = cli("--db", url, "matches", "ack", ids.globex_alert, "--by", "bob")
    assert cleared.code == 0, cleared

    shown = cli("--db", url, "matches", "show", ids.globex_alert, "--format", "json").json()
    assert shown["status"] == "acknowledged"
    assert shown["note"] is None
    trail = shown["trail"]
    assert [e["action"] for e in trail] == ["match.dismiss", "match.acknowledge"]
    assert trail[0]["before"]["status"] == "new"
    assert trail[0]["after"] == {"status": "dismissed", "note": "other firm"}
    assert trail[0]["reason"] == "other firm"
    assert trail[0]["actor"]  # the login name by default
    assert trail[1]["actor"] == "bob"
    assert trail[1]["before"] == {"status": "dismissed", "note": "other firm"}
    assert trail[1]["prev_hash"] == trail[0]["hash"]

    readable = cli("--db", url, "matches", "show", ids.acme_alert)
    assert "alice  match.acknowledge -> acknowledged — screened, not our supplier" in (
        readable.stdout
    )

    missing = cli("--db", url, "matches", "reopen", ids.acme_review, 9999)
    assert missing.code == 2
    assert "no match with id 9999" in missing.stderr and "nothing was changed" in missing.stderr
    still = cli("--db", url, "matches", "show", ids.acme_review, "--format", "json").json()
    assert still["status"] == "acknowledged"


def test_verify_detects_an_edited_and_a_deleted_entry(cli, seeded):
    url, ids = seeded
    for match_id in (ids.acme_alert, ids.acme_review, ids.globex_alert):
        assert cli("--db", url, "matches", "dismiss", match_id, "--note", "fp").code == 0
    intact = cli("--db", url, "audit", "verify")
    assert intact.code == 0, intact
    assert "audit trail intact: 3 entries" in intact.stdout

    _sql(url, "UPDATE audit_entry SET reason = 'true hit' WHERE id = 2")
    edited = cli("--db", url, "audit", "verify")
    assert edited.code == 1
    assert "entry 2: its content does not match its hash: it was edited" in edited.stderr
    assert "entry 1:" not in edited.stderr and "entry 3:" not in edited.stderr

    _sql(url, "UPDATE audit_entry SET reason = 'fp' WHERE id = 2")
    assert cli("--db", url, "audit", "verify").code == 0
    _sql(url, "DELETE FROM audit_entry WHERE id = 2")
    deleted = cli("--db", url, "audit", "verify")
    assert deleted.code == 1
    assert "entry 3: it does not chain onto the entry before it" in deleted.stderr


def test_verify_with_a_noted_head_detects_the_newest_entry_deleted(cli, seeded):
    url, ids = seeded
    cli("--db", url, "matches", "ack", ids.acme_alert)
    cli("--db", url, "matches", "ack", ids.acme_review)
    head = cli("--db", url, "audit", "verify").stdout.split("head ")[1].strip()
    _sql(url, "DELETE FROM audit_entry WHERE id = 2")
    assert cli("--db", url, "audit", "verify").code == 0  # a shorter chain is valid on its own
    noted = cli("--db", url, "audit", "verify", "--head", head)
    assert noted.code == 1
    assert f"the head {head} noted earlier is not in the chain" in noted.stderr


def test_deleting_the_first_entry_is_detected(cli, seeded):
    url, ids = seeded
    cli("--db", url, "matches", "ack", ids.acme_alert)
    cli("--db", url, "matches", "ack", ids.acme_review)
    _sql(url, "DELETE FROM audit_entry WHERE id = 1")
    broken = cli("--db", url, "audit", "verify")
    assert broken.code == 1
    assert "entry 2: it is the oldest entry left but does not start the chain" in broken.stderr


def test_export_has_what_an_examiner_asks_for(cli, seeded, tmp_path):
    url, ids = seeded
    cli("--db", url, "matches", "dismiss", ids.acme_alert, "--by", "alice", "--note", "fp")
    cli("--db", url, "matches", "ack", ids.globex_alert, "--by", "carol")
    out = tmp_path / "audit.jsonl"
    done = cli("--db", url, "audit", "export", "--since", "2020-01-01", "-o", out)
    assert done.code == 0, done
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["actor"] for r in records] == ["alice", "carol"]
    first = records[0]
    assert first["action"] == "match.dismiss"
    assert first["company"] == "Acme Corp"
    assert first["event"]["id"] == ids.avionics_v2
    assert first["event"]["revision"] == 2
    import hashlib

    assert first["payload_sha256"] == hashlib.sha256(b'{"results": ["second"]}').hexdigest()
    assert first["match"]["explanation"] == {
        "reason": "entity name matches 'Example Avionics Plant JSC'"
    }
    assert first["match"]["score"] == 0.97
    assert first["before"]["status"] == "new" and first["after"]["status"] == "dismissed"
    assert first["reason"] == "fp"

    acme_only = cli("--db", url, "audit", "export", "--since", "2020-01-01", "--company",
                    "Acme Corp", "--format", "json").json()  # fmt: skip
    assert [r["actor"] for r in acme_only] == ["alice"]
    future = cli("--db", url, "audit", "export", "--since", "2999-01-01", "--format", "json")
    assert future.json() == []
    bad = cli("--db", url, "audit", "export", "--since", "yesterday")
    assert bad.code == 2
    assert "--since" in bad.stderr


def test_tokens_and_watch_import_are_in_the_trail(cli, seeded, tmp_path):
    url, _ = seeded
    created = cli("--db", url, "token", "create", "siem", "--role", "read", "--company",
                  "Acme Corp", "--by", "admin")  # fmt: skip
    assert created.code == 0, created
    secret = created.stdout.strip()
    assert secret.startswith("rw_") and len(secret) > 40
    listed = cli("--db", url, "token", "list", "--format", "json").json()
    assert [(t["name"], t["role"], t["company"]) for t in listed] == [("siem", "read", "Acme Corp")]
    assert secret not in json.dumps(listed)  # never shown again
    with Store.open(url) as store:
        assert audit.authenticate(store, secret) is not None
        assert audit.authenticate(store, secret + "x") is None
    assert cli("--db", url, "token", "revoke", listed[0]["id"]).code == 0
    with Store.open(url) as store:
        assert audit.authenticate(store, secret) is None
    again = cli("--db", url, "token", "revoke", listed[0]["id"])
    assert again.code == 2 and "already revoked" in again.stderr
    assert cli("--db", url, "token", "create", "x", "--role", "owner").code == 2

    watchlist = tmp_path / "acme.yaml"
    watchlist.write_text("company: Acme Corp\nwatch:\n  keywords: [radar]\n")
    assert cli("--db", url, "watch", "import", watchlist).code == 0
    with Store.open(url) as store:
        entries = audit.read(store)
    assert [e.action for e in entries] == ["token.create", "token.revoke", "watchlist.import"]
    assert entries[0].actor == "admin"
    assert entries[2].subject == "company:Acme Corp"
    assert entries[2].after is not None and entries[2].after["added"] == 1
    assert cli("--db", url, "audit", "verify").code == 0


def test_four_eyes_dismissal_needs_a_second_reviewer(cli, seeded):
    url, ids = seeded
    assert cli("--db", url, "review", "four-eyes", "Acme Corp", "--on").code == 0
    asked = cli("--db", url, "matches", "dismiss", ids.acme_alert, "--by", "alice", "--note",
                "different company")  # fmt: skip
    assert "dismissal requested, waiting for a second reviewer" in asked.stdout
    shown = cli("--db", url, "matches", "show", ids.acme_alert, "--format", "json").json()
    assert shown["status"] == "new"
    own = cli("--db", url, "matches", "dismiss", ids.acme_alert, "--by", "alice")
    assert own.code == 2 and "needs another reviewer's approval" in own.stderr
    approved = cli("--db", url, "matches", "dismiss", ids.acme_alert, "--by", "bob")
    assert f"match {ids.acme_alert}: dismissed" in approved.stdout
    shown = cli("--db", url, "matches", "show", ids.acme_alert, "--format", "json").json()
    assert shown["status"] == "dismissed"
    assert shown["note"] == "different company"
    assert [(e["action"], e["actor"]) for e in shown["trail"]] == [
        ("match.dismiss_requested", "alice"),
        ("match.dismiss", "bob"),
    ]
    # Globex has no four-eyes rule: one reviewer is enough
    other = cli("--db", url, "matches", "dismiss", ids.globex_alert, "--by", "alice")
    assert f"match {ids.globex_alert}: dismissed" in other.stdout
