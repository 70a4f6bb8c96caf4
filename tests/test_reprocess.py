"""`regwatch reprocess`: a database filled by the old parser, read again by today's.

The old parser read "by adding … an entry for “A” and by revising the entry for “B”" as two
additions, and marked no document with how its rule was read.  It is reproduced here by
wrapping today's instruction reader (every instruction of an AMDPAR that follows an addition
in it becomes an addition) and by leaving the documents unmarked, on a real poll through the
local Federal Register stand-in; digests go to a real SMTP server on 127.0.0.1.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from regwatch.entities import current_entries
from regwatch.sources import _fr_entities, _gpo_entities, _gpo_tables, federal_register
from regwatch.store import Store
from tests.support.smtpserver import MailServer
from tests.test_fr_entity_layouts_poll import _serve
from tests.test_fr_entity_rules import _configure, _documents

NUMBER = "2024-90412"
DEEPWAVE = "fr:2024-90412#el:cn:shanghai deepwave microsystems co ltd"


def _old_reader(real):
    def read(text, context):
        out, adding = [], False
        for instruction in real(text, context):
            if instruction.action == "added":
                adding = True
            elif adding and instruction.action == "revised":
                instruction = replace(instruction, action="added")  # the old misread
            out.append(instruction)
        return out

    return read


@pytest.fixture
def old_parser():
    """The old parser in place until ``.undo()`` (its own patcher: the CLI's setup stays)."""
    patch = pytest.MonkeyPatch()
    patch.setattr(_gpo_entities, "read_instructions", _old_reader(_gpo_entities.read_instructions))
    patch.setattr(_fr_entities, "mark_documents", lambda events, readings: events)
    patch.setattr(federal_register, "_with_readings", lambda cursor, readings: cursor)
    yield patch
    patch.undo()


def _heads(cli):
    latest = {}
    for event in cli("events", "--format", "json").json():
        if event["key"] not in latest or event["revision"] > latest[event["key"]]["revision"]:
            latest[event["key"]] = event
    return latest


def test_reprocess_turns_a_misread_addition_into_a_revision_once(
    cli, tmp_path, http_server, old_parser, monkeypatch, db_url
):
    monkeypatch.setenv("REGWATCH_DB", db_url)  # SQLite, then PostgreSQL
    _documents(http_server, _serve(http_server, NUMBER, "el_meu_combined_verbs_2024.xml"))
    _configure(tmp_path, http_server)
    assert cli("poll", "federal_register").code == 0
    misread = _heads(cli)[DEEPWAVE]
    assert misread["kind"] == "entity.added"  # what the old parser stored
    (tmp_path / "watch.yaml").write_text(
        "company: Acme Corp\nrecipients:\n  - email: compliance@acme.example\n"
        "    cadence: immediate\nwatch:\n  entities:\n"
        "    - name: Shanghai Deepwave Microsystems Co., Ltd.\n      country: CN\n"
        "  cfr: ['15 CFR 744']\n"
    )
    assert cli("watch", "import", "watch.yaml").code == 0
    with MailServer() as server:
        monkeypatch.setenv("REGWATCH_SMTP_URL", f"smtp://127.0.0.1:{server.port}")
        sent = cli("digest", "send")
        assert sent.code == 0, sent
        assert len(server.received) == 1
        first = server.received[0].message.get_body(("plain",)).get_content()
        assert "Shanghai Deepwave Microsystems" in first

        # the upgrade: today's parser
        old_parser.undo()
        init = cli("init")
        assert init.code == 0
        assert "1 stored rule was read by an older version" in init.stdout
        assert "regwatch reprocess federal_register" in init.stdout

        result = cli("reprocess", "federal_register")
        assert result.code == 0, result
        # the misread entry and the document's marking: two revisions, nothing new
        # the entity's match and the document's (cfr 15 CFR 744) were both in the digest sent
        assert result.stdout == (
            "federal_register: read 1 stored payload(s) again: 0 new, 2 revised, 4 unchanged; "
            "2 match(es) already sent, not sent again\n"
        )
        heads = _heads(cli)
        corrected = heads[DEEPWAVE]
        assert (corrected["kind"], corrected["revision"]) == ("entity.revised", 2)
        assert corrected["changes"]["kind"] == ["entity.added", "entity.revised"]
        document = heads[f"fr:{NUMBER}"]
        assert document["revision"] == 2
        assert document["data"]["extraction"]["status"] == "complete"
        assert document["data"]["extraction"]["read"] == {"added": 3, "revised": 1, "removed": 1}
        # no entry is duplicated: one head per key, and the same keys as before
        assert len([k for k in heads if k.startswith(f"fr:{NUMBER}#")]) == 5

        # no second e-mail for the matches already sent
        again = cli("digest", "send")
        assert again.code == 0 and again.stdout == "nothing due\n", again
        assert len(server.received) == 1

    # idempotent: a second run stores nothing
    twice = cli("reprocess", "federal_register")
    assert twice.code == 0
    assert "0 new, 0 revised, 6 unchanged" in twice.stdout, twice
    assert "older version" not in cli("init").stdout
    # and the next poll keeps the document's new marking (no flip back)
    polled = cli("poll", "federal_register")
    assert polled.code == 0 and "0 new, 0 revised" in polled.stdout, polled


def test_reprocess_one_document_since_a_date_and_bad_usage(cli, tmp_path, http_server):
    _documents(
        http_server,
        _serve(http_server, NUMBER, "el_meu_combined_verbs_2024.xml"),
        _serve(http_server, "2023-93927", "el_blank_heads_2023.xml"),
    )
    _configure(tmp_path, http_server)
    assert cli("poll", "federal_register").code == 0
    one = cli("reprocess", "federal_register", "--document", "2023-93927")
    assert one.code == 0, one
    assert "0 new, 0 revised, 8 unchanged" in one.stdout  # seven entries and the document
    later = cli("reprocess", "federal_register", "--since", "2999-01-01")
    assert later.code == 0 and "read 0 stored payload(s) again" in later.stdout
    bad_date = cli("reprocess", "federal_register", "--since", "yesterday")
    assert bad_date.code == 2 and "expected a date as YYYY-MM-DD" in bad_date.stderr
    unknown = cli("reprocess", "nonesuch")
    assert unknown.code == 2
    other = cli("reprocess", "csl")
    assert other.code == 2 and "has nothing to reprocess" in other.stderr


def test_reprocess_lists_what_a_misreading_invented_and_unlists_it(cli, tmp_path, http_server):
    """The old parser took a header row in the body for an entity named "Entity"."""
    _documents(http_server, _serve(http_server, "2023-93927", "el_blank_heads_2023.xml"))
    _configure(tmp_path, http_server)
    with pytest.MonkeyPatch.context() as old:
        old.setattr(_gpo_tables, "_header_roles", lambda texts: None)
        assert cli("poll", "federal_register").code == 0
    with Store.open(f"sqlite:///{tmp_path / 'regwatch.db'}") as store, store.read() as conn:
        assert "Entity" in {e.name for e in current_entries(conn, lists=["EL"])}
    result = cli("reprocess", "federal_register")
    assert result.code == 0, result
    # the document gets its marking; the seven real entries read the same
    assert "0 new, 1 revised, 7 unchanged" in result.stdout
    assert result.stdout.splitlines()[1] == (
        "federal_register: 1 event(s) of an earlier reading are not read any more (kept in the "
        "history as they are): fr:2023-93927#el:-:entity"
    )
    assert "fr:2023-93927#el:-:entity" in _heads(cli)  # the history is not rewritten
    with Store.open(f"sqlite:///{tmp_path / 'regwatch.db'}") as store, store.read() as conn:
        names = [e.name for e in current_entries(conn, lists=["EL"])]
    assert "Entity" not in names and len(names) == 7
