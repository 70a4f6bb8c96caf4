"""`regwatch demo`: the whole pipeline offline on the shipped samples, through the real
collectors, store, matcher and digests; and the sample server it stands on."""

from __future__ import annotations

import email
import email.policy
import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import httpx

from regwatch.demo import SampleServer, samples_dir
from regwatch.entities import confirms
from regwatch.store import EventQuery, Store

HANGZHOU = "Hangzhou Lianxin Microelectronics Co., Ltd."
DALIAN = "Dalian Haixing Electronics Co., Ltd."
NEAR_MISS = "Shenzhen Guangda Photonics Co., Ltd."
RULE_PARTIES = {
    HANGZHOU: "CN",
    "Ningbo Xinyuan Semiconductor Materials Co., Ltd.": "CN",
    "Shenzhen Guangda Optoelectronics Co., Ltd.": "CN",
    "Arktika Radioelektronika OOO": "RU",
}
#: (watch item kind, item, event source, event kind, event title's start) of every match
EXPECTED_MATCHES = {
    ("entity", HANGZHOU, "federal_register", "document.published", "Additions to the Entity"),
    ("cfr", "15 CFR 744", "federal_register", "document.published", "Additions to the Entity"),
    ("country", "RU", "federal_register", "document.published", "Additions to the Entity"),
    ("eccn", "3A090", "federal_register", "document.published", "Export Administration"),
    (
        "topic",
        "advanced-computing",
        "federal_register",
        "document.published",
        "Export Administration",
    ),
    ("entity", HANGZHOU, "federal_register", "entity.added", HANGZHOU),
    ("keyword", "semiconductor", "federal_register", "entity.added", "Ningbo Xinyuan"),
    ("country", "RU", "federal_register", "entity.added", "Arktika"),
    ("keyword", "半導体", "meti", "release.published", "輸出貿易管理令"),
    ("keyword", "semiconductor", "meti", "release.published", "Results of the Japan-EU"),
    ("topic", "advanced-computing", "meti", "release.published", "Results of the Japan-EU"),
    # The CSL's listings of the rule's parties confirm the rule's events: a record, not a
    # second alert; its revision of a party listed before is news.
    ("entity", DALIAN, "csl", "entity.revised", DALIAN),
    # After cycle 1 the CSL lagged the rule: an alert of its own for the parties Acme watches;
    # its resolution in cycle 2 is a record, not a second alert.
    ("entity", HANGZHOU, "reconcile", "listing.lagging", HANGZHOU),
    ("keyword", "semiconductor", "reconcile", "listing.lagging", "Ningbo Xinyuan"),
    ("country", "RU", "reconcile", "listing.lagging", "Arktika"),
}


def _matches(cli, db: str) -> list[dict]:
    result = cli("--db", db, "matches", "--company", "Acme Corp", "--format", "json")
    assert result.code == 0, result
    return result.json()


def _assert_matches(records: list[dict]) -> None:
    """Each expected match exactly once, and nothing else."""
    for kind, item, source, event_kind, title in EXPECTED_MATCHES:
        hits = [
            m
            for m in records
            if (m["item_kind"], m["item"], m["source"], m["event_kind"])
            == (kind, item, source, event_kind)
            and m["event_title"].startswith(title)
        ]
        assert len(hits) == 1, (kind, item, source, event_kind, title, hits)
    assert len(records) == len(EXPECTED_MATCHES), [
        (m["item_kind"], m["item"], m["event_title"]) for m in records
    ]


def _eml(path: Path) -> email.message.EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, email.message.EmailMessage)
    return message


def test_demo_finds_the_entities_matches_and_writes_the_digests(cli, tmp_path):
    folder = tmp_path / "demo"
    result = cli("demo", "--dir", folder)
    assert result.code == 0, result
    out = result.stdout
    assert f"working folder: {folder}" in out
    db = f"sqlite:///{folder / 'regwatch.db'}"
    assert not (tmp_path / "regwatch.db").exists(), "the user's own database is left alone"

    # Cycle 1: the CSL baseline, the rule's page and XML, the feed; cycle 2: the second
    # snapshot, the same Federal Register page (its rule not read again), the feed unchanged.
    cycle1, cycle2 = out.split("\ncycle 1 (CSL snapshot 1):\n")[1].split(
        "\ncycle 2 (CSL snapshot 2):\n"
    )
    assert "csl: 4 new" in cycle1 and "federal_register: 7 new" in cycle1
    assert "(3 requests" in cycle1.split("federal_register:")[1].splitlines()[0]
    assert "meti: 4 new" in cycle1 and "digests: 1 sent, 0 failed" in cycle1
    assert "csl: 6 new" in cycle2
    assert "federal_register: 0 new, 0 revised, 3 unchanged (2 requests" in cycle2
    assert "meti: not modified" in cycle2 and "digests: 1 sent, 0 failed" in cycle2

    with Store.open(db) as store:
        events = store.events(EventQuery())
    by = {}
    for stored in events:
        by.setdefault((stored.event.source, str(stored.event.kind)), []).append(stored.event)
    assert {k: len(v) for k, v in by.items()} == {
        ("federal_register", "document.published"): 3,
        ("federal_register", "entity.added"): 4,
        ("csl", "list.revised"): 4,
        ("csl", "entity.added"): 4,
        ("csl", "entity.revised"): 1,
        ("csl", "entity.removed"): 1,
        ("meti", "release.published"): 4,
        # the CSL lagged the rule's four parties after cycle 1 and showed them in cycle 2; it
        # removed a party no rule removed (reconciliation, docs/reconcile.md)
        ("reconcile", "listing.lagging"): 4,
        ("reconcile", "listing.resolved"): 4,
        ("reconcile", "listing.unannounced"): 1,
    }
    (unannounced,) = by[("reconcile", "listing.unannounced")]
    assert unannounced.entity.name == "Al Noor Aviation Supplies FZE"
    assert {e.entity.name for e in by[("reconcile", "listing.lagging")]} == set(RULE_PARTIES)
    # The rule's parties, read from its GPO XML, and the CSL confirming each of them.
    from_rule = {e.entity.name: e for e in by[("federal_register", "entity.added")]}
    assert {n: e.country for n, e in from_rule.items()} == RULE_PARTIES
    hangzhou = from_rule[HANGZHOU]
    assert (hangzhou.list_code, hangzhou.related_key) == ("EL", "fr:2026-90101")
    assert hangzhou.entity.aliases == ("Hangzhou LX Microelectronics", "Lianxin Micro")
    assert hangzhou.effective_on == date(2026, 11, 13) and hangzhou.citation == "91 FR 80101"
    from_csl = {e.entity.name: e for e in by[("csl", "entity.added")]}
    assert set(from_csl) == set(RULE_PARTIES)
    assert all(confirms(e) == f"fr:2026-90101#{e.key}" for e in from_csl.values())
    (revised,) = by[("csl", "entity.revised")]
    assert revised.entity.name == DALIAN
    assert revised.changes["entity.license_review_policy"] == [
        "Presumption of denial.",
        "Policy of denial.",
    ]
    assert len(revised.changes["entity.addresses"][1]) == 2
    (removed,) = by[("csl", "entity.removed")]
    assert (removed.entity.name, removed.country) == ("Al Noor Aviation Supplies FZE", "AE")
    releases = {e.document_number: e for e in by[("meti", "release.published")]}
    assert releases["20261113002"].data["topics"] == ["end_user_list", "export_control"]

    # Every expected match, nothing else, and the near miss absent.
    matches = _matches(cli, db)
    _assert_matches(matches)
    assert not [m for m in matches if m["item"] == NEAR_MISS]
    party = next(m for m in matches if m["item"] == HANGZHOU and m["event_kind"] == "entity.added")
    assert party["tier"] == "alert" and party["score"] == 1.0
    assert party["explanation"]["qualifiers"] == [
        {"name": "country", "delta": 0.05, "detail": "CN = CN"}
    ]
    assert f"entity '{HANGZHOU}'" in out and party["reason"] in out
    assert (
        f"not matched: entity '{NEAR_MISS}': the closest name in the events, "
        "'Shenzhen Guangda Optoelectronics Co., Ltd.' scores 0.53" in out
    )

    # Two digests, one per cycle, each a real multipart e-mail; the first names the party the
    # rule added, the second only the revision (the CSL's confirmation is not a second alert).
    emls = sorted((folder / "outbox").glob("*.eml"), key=lambda p: out.index(str(p)))
    assert len(emls) == 2
    for path, party_name in zip(emls, (HANGZHOU, DALIAN), strict=True):
        message = _eml(path)
        assert message.get_content_type() == "multipart/alternative"
        assert message["To"] == "compliance@acme.example"
        assert party_name in message["Subject"]
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert party_name in text and party_name in html
        assert NEAR_MISS not in text
    first, second = (_eml(p).get_body(("plain",)).get_content() for p in emls)
    assert "15 CFR 744" in first and "3A090" in first and "半導体" in first
    assert DALIAN in second and "Al Noor" not in second and HANGZHOU not in second

    # The folder holds what the demo says: its configuration points at 127.0.0.1 only.
    config = (folder / "sources.yaml").read_text(encoding="utf-8")
    urls = [w for w in config.split() if w.startswith("http://")]
    assert urls and all(u.startswith("http://127.0.0.1:") for u in urls)
    assert (folder / "watchlist.yaml").read_bytes() == (
        samples_dir() / "watchlist.yaml"
    ).read_bytes()


def test_demo_needs_a_new_or_empty_folder(cli, tmp_path):
    used = tmp_path / "used"
    used.mkdir()
    (used / "regwatch.db").write_text("not ours")
    result = cli("demo", "--dir", used)
    assert result.code == 2
    assert f"--dir {used}: not an empty folder" in result.stderr
    assert (used / "regwatch.db").read_text() == "not ours"
    a_file = tmp_path / "file"
    a_file.write_text("x")
    assert cli("demo", "--dir", a_file).code == 2


#: installed as sitecustomize in the subprocess: any connection or name lookup that is not the
#: loopback is refused and written down, so the demo provably stays offline
OFFLINE = """
import os, sys

_LOCAL = {"127.0.0.1", "::1", "localhost", None}

def _offline(event, args):
    if event in ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname",
                 "socket.gethostbyaddr"):
        target = args[1] if event == "socket.connect" else args[0]
        host = target[0] if isinstance(target, tuple) else target
        if host not in _LOCAL and not (isinstance(host, str) and host.startswith("/")):
            with open(os.environ["DEMO_NETWORK_LOG"], "a") as log:
                log.write(f"{event} {target!r}\\n")
            raise OSError(f"offline test: {event} {target!r} refused")

sys.addaudithook(_offline)
"""


def test_demo_runs_offline_as_the_installed_command(tmp_path):
    command = Path(sys.executable).with_name("regwatch")
    assert command.is_file(), f"no `regwatch` command next to {sys.executable}"
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(OFFLINE, encoding="utf-8")
    log = tmp_path / "network.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REGWATCH_", "PYTHON"))}
    env.update(
        PYTHONPATH=str(hooks),
        DEMO_NETWORK_LOG=str(log),
        REGWATCH_SHARED=str(tmp_path / "no-shared-fixtures"),
        # a proxy in the environment must not take the demo's local requests elsewhere
        HTTP_PROXY="http://192.0.2.1:3128",
        HTTPS_PROXY="http://192.0.2.1:3128",
        ALL_PROXY="http://192.0.2.1:3128",
    )
    run = subprocess.run(
        [str(command), "demo"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert not log.exists(), log.read_text()
    folder = Path(run.stdout.split("working folder: ")[1].split(" (kept")[0])
    try:
        assert folder.name.startswith("regwatch-demo-") and folder.is_dir()
        emls = list((folder / "outbox").glob("*.eml"))
        assert len(emls) == 2 and all(str(p) in run.stdout for p in emls)
        assert any(HANGZHOU in _eml(p)["Subject"] for p in emls)
        assert f"not matched: entity '{NEAR_MISS}'" in run.stdout
        # the demo leaves a healthy state: `regwatch healthcheck` in its folder says ok
        health = subprocess.run(
            [str(command), "healthcheck"],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert (health.returncode, health.stdout, health.stderr) == (0, "ok\n", "")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# -- the sample server --------------------------------------------------------------------------


def test_sample_server_answers_as_the_real_sources():
    with SampleServer() as server, httpx.Client(base_url=server.base) as client:
        search = "/federal_register/api/v1/documents.json"
        page = client.get(
            search,
            params={
                "conditions[publication_date][gte]": "2026-11-18",
                "conditions[publication_date][lte]": "2026-11-30",
                "conditions[agencies][]": "industry-and-security-bureau",
            },
        ).json()
        assert [d["document_number"] for d in page["results"]] == ["2026-90102", "2026-90103"]
        everything = client.get(search).json()
        rule = everything["results"][0]
        assert rule["full_text_xml_url"] == server.url(
            "/federal_register/documents/full_text/xml/2026/11/17/2026-90101.xml"
        )
        xml = client.get(rule["full_text_xml_url"].removeprefix(server.base))
        assert xml.headers["content-type"] == "application/xml" and b"<RULE>" in xml.content
        none = client.get(
            search, params={"conditions[agencies][]": "foreign-assets-control-office"}
        )
        assert none.json() == {"description": "Documents (regwatch demo)", "count": 0}

        csl = client.get("/csl/consolidated.json")
        etag, modified = csl.headers["etag"], csl.headers["last-modified"]
        assert len(json.loads(csl.content)["results"]) == 14
        assert (
            client.get("/csl/consolidated.json", headers={"If-None-Match": etag}).status_code == 304
        )
        server.csl_snapshot = 2
        second = client.get("/csl/consolidated.json", headers={"If-None-Match": etag})
        assert second.status_code == 200 and second.headers["etag"] != etag
        assert second.headers["last-modified"] != modified
        feed = client.get("/meti/ml_index_release_atom.xml")
        assert feed.headers["content-type"].startswith("application/atom+xml")
        again = client.get(
            "/meti/ml_index_release_atom.xml",
            headers={"If-Modified-Since": feed.headers["last-modified"]},
        )
        assert again.status_code == 304 and again.content == b""
        assert client.get("/nowhere").status_code == 404
    assert server.hits[("/csl/consolidated.json", 304)] == 1


def test_sources_yaml_reaches_back_to_the_samples():
    with SampleServer() as server:
        near = server.sources_yaml(date(2026, 11, 28))
        later = server.sources_yaml(date(2028, 1, 1))
    assert "backfill_days: 30\n" in near
    assert f"backfill_days: {(date(2028, 1, 1) - date(2026, 11, 17)).days + 1}\n" in later


# -- what the soak benchmark found --------------------------------------------------------------


def test_sending_digests_leaves_the_young_garbage_to_the_collector(tmp_path):
    """A daemon grew by every cycle's garbage: send_due froze the young objects (the cycle's
    garbage with them) and thawed them into the oldest generation, which is hardly ever
    collected.  A cyclic object made before sending must go with a young collection."""
    import gc
    import weakref

    from regwatch.config import Config
    from regwatch.digest import MailSettings, parse_address, send_due

    class Node:
        pass

    mail = MailSettings(None, parse_address("soak@localhost", "sender"), tmp_path / "outbox")
    with Store.open(f"sqlite:///{tmp_path / 'regwatch.db'}", create=True) as store:
        collecting = gc.isenabled()
        gc.disable()  # only the collections asked for below
        try:
            node = Node()
            node.cycle = node
            garbage = weakref.ref(node)
            del node
            send_due(store, Config(path=None).general.digest, mail=mail)
            gc.collect(1)
        finally:
            if collecting:
                gc.enable()
    assert garbage() is None
