"""The HTTP API through a real uvicorn server on 127.0.0.1, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import date, timedelta

import feedparser
import httpx
import pytest
from lxml import etree
from sqlalchemy import text

from regwatch import audit
from regwatch.events import ChangeEvent, EventKind
from regwatch.store import Store
from tests.support.apiserver import running_server
from tests.support.digestdata import add_events, sample_events
from tests.support.reviewdata import seed_review

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def api(db_url):
    """A seeded store behind a running server: ``(client factory, ids, tokens, store)``."""
    with Store.open(db_url, create=True) as store:
        ids = seed_review(store)
        add_events(store, sample_events())  # more sources, kinds, lists and countries
        tokens = {
            "admin": audit.create_token(store, "root", "admin", None, "test")[1],
            "reviewer": audit.create_token(store, "rita", "review", None, "test")[1],
            "reader": audit.create_token(store, "reed", "read", None, "test")[1],
            "acme": audit.create_token(store, "acme-analyst", "review", "Acme Corp", "test")[1],
            "globex": audit.create_token(store, "globex-bot", "read", "Globex GmbH", "test")[1],
        }
        with running_server(store) as base:

            def client(who: str | None = None) -> httpx.Client:
                headers = {"Authorization": f"Bearer {tokens[who]}"} if who else {}
                return httpx.Client(base_url=base, headers=headers, timeout=30)

            yield client, ids, tokens, store


def _ids(response: httpx.Response) -> list[int]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_event_filters(api):
    client, ids, _, _ = api
    c = client("reader")
    everything = _ids(c.get("/api/v1/events", params={"limit": 500}))
    assert len(everything) == 11
    meti = c.get("/api/v1/events", params={"source": "meti"}).json()["items"]
    assert [e["source"] for e in meti] == ["meti"]
    removed = _ids(c.get("/api/v1/events", params={"kind": "entity.removed"}))
    assert len(removed) == 1
    two_kinds = c.get("/api/v1/events", params=[("kind", "entity.removed"),
                                                ("kind", "release.published")])  # fmt: skip
    assert len(_ids(two_kinds)) == 2
    russia = c.get("/api/v1/events", params={"country": "ru"}).json()["items"]
    assert {e["country"] for e in russia} == {"RU"} and len(russia) == 3
    el = c.get("/api/v1/events", params={"list": "EL", "limit": 500}).json()["items"]
    assert {e["list"] for e in el} == {"EL"}
    window = c.get("/api/v1/events", params={"since": "2023-10-01", "until": "2023-12-31"})
    assert [e["published_on"] for e in window.json()["items"]] == [
        "2023-12-04", "2023-12-01", "2023-11-06", "2023-10-25",
    ]  # fmt: skip
    searched = c.get("/api/v1/events", params={"q": "semiconductor"}).json()["items"]
    assert {e["document_number"] for e in searched} == {"2023-05555", "2023-06666"}
    acme = _ids(c.get("/api/v1/events", params={"company": "Acme Corp"}))
    assert sorted(acme) == sorted([ids.avionics_v2, ids.rule])

    one = c.get(f"/api/v1/events/{ids.avionics_v2}").json()
    assert [r["revision"] for r in one["revisions"]] == [1, 2]
    assert one["revisions"][0]["entity"]["addresses"] == ["1 Old Example St., Moscow"]
    assert one["provenance"]["sha256"] == hashlib.sha256(b'{"results": ["second"]}').hexdigest()
    assert {m["company"] for m in one["matches"]} == {"Acme Corp"}
    assert c.get("/api/v1/events/99999").status_code == 404

    history = c.get("/api/v1/entities", params={"name": "avionics plant"}).json()
    assert [h["key"] for h in history] == ["el:ru:example avionics plant jsc"]
    assert ids.avionics_v1 in [e["id"] for e in history[0]["history"]]


def test_companies_matches_decisions_sources(api):
    client, ids, _, _ = api
    c = client("reviewer")
    companies = c.get("/api/v1/companies").json()
    assert [(x["name"], x["open_matches"]) for x in companies] == [
        ("Acme Corp", 2), ("Globex GmbH", 1),
    ]  # fmt: skip
    items = c.get("/api/v1/companies/Acme Corp/watch-items").json()
    assert {(i["kind"], i["value"]) for i in items} == {
        ("entity", "Example Avionics Plant JSC"), ("keyword", "avionics"),
    }  # fmt: skip
    assert c.get("/api/v1/companies/Nobody/watch-items").status_code == 404

    assert _ids(c.get("/api/v1/matches", params={"tier": "review"})) == [ids.acme_review]
    assert _ids(c.get("/api/v1/matches", params={"company": "Globex GmbH"})) == [ids.globex_alert]
    assert _ids(c.get("/api/v1/matches", params={"event_id": ids.rule})) == [ids.acme_review]
    assert _ids(c.get("/api/v1/matches", params={"list": "EL"})) == [
        ids.globex_alert, ids.acme_alert,
    ]  # fmt: skip

    made = c.post(f"/api/v1/matches/{ids.acme_alert}/dismiss", json={"note": "other firm"})
    assert made.status_code == 200, made.text
    assert made.json()["recorded"] == "match.dismiss"
    assert made.json()["match"]["status"] == "dismissed"
    assert _ids(c.get("/api/v1/matches", params={"status": "dismissed"})) == [ids.acme_alert]
    assert c.post(f"/api/v1/matches/{ids.acme_alert}/reopen").status_code == 200
    assert c.post(f"/api/v1/matches/{ids.acme_alert}/acknowledge", json={"note": "ok"}).is_success
    detail = c.get(f"/api/v1/matches/{ids.acme_alert}").json()
    assert detail["status"] == "acknowledged" and detail["note"] == "ok"
    assert [(e["action"], e["actor"], e["reason"]) for e in detail["trail"]] == [
        ("match.dismiss", "rita (token 2)", "other firm"),
        ("match.reopen", "rita (token 2)", None),
        ("match.acknowledge", "rita (token 2)", "ok"),
    ]
    assert c.post("/api/v1/matches/99999/acknowledge").status_code == 404

    sources = c.get("/api/v1/sources").json()
    assert "federal_register" in {s["name"] for s in sources}
    assert client().get("/healthz").json() == {"status": "ok"}
    schema = client().get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "regwatch"
    params = {p["name"] for p in schema["paths"]["/api/v1/events"]["get"]["parameters"]}
    assert {"since", "until", "source", "kind", "list", "country", "q", "company", "limit",
            "cursor"} <= params  # fmt: skip


def test_matches_carry_the_severity_a_digest_gives_them(api):
    client, ids, _, store = api
    c = client("reviewer")
    levels = {m["id"]: m["severity"] for m in c.get("/api/v1/matches").json()["items"]}
    # a watched party listed: critical; a keyword in a rule, matched for review: info
    assert levels == {ids.acme_alert: "critical", ids.acme_review: "info",
                      ids.globex_alert: "critical"}  # fmt: skip
    assert c.get(f"/api/v1/events/{ids.rule}").json()["severity"] == "info"
    assert c.get(f"/api/v1/events/{ids.avionics_v2}").json()["severity"] == "critical"
    assert c.get(f"/api/v1/events/{ids.avionics_v1}").json()["severity"] is None  # no match
    # the watch list may fix a keyword's level; the API follows it as the digest does
    with store.write() as conn:
        conn.execute(
            text("UPDATE watch_item SET spec = :spec WHERE value = 'avionics'"),
            {"spec": json.dumps({"severity": "high"})},
        )
    match = c.get(f"/api/v1/matches/{ids.acme_review}").json()
    assert (match["severity"], match["watch_item"]["severity"]) == ("high", "high")
    queue = client("acme").get("/api/v1/matches", params={"status": "new"}).json()["items"]
    assert [m["severity"] for m in queue] == ["high", "critical"]


def test_four_eyes_over_the_api(api):
    client, ids, _, store = api
    audit.set_four_eyes(store, "Acme Corp", True, "admin")
    first = client("acme").post(f"/api/v1/matches/{ids.acme_review}/dismiss", json={"note": "n"})
    assert first.json()["pending"] is True
    assert first.json()["match"]["status"] == "new"
    again = client("acme").post(f"/api/v1/matches/{ids.acme_review}/dismiss")
    assert again.status_code == 409
    second = client("reviewer").post(f"/api/v1/matches/{ids.acme_review}/dismiss")
    assert second.json()["match"]["status"] == "dismissed"


def test_pagination_is_exact_while_events_are_inserted(api):
    client, _, _, store = api
    start = date(2025, 1, 1)
    batch = [
        ChangeEvent(source="federal_register", kind=EventKind.DOCUMENT_PUBLISHED,
                    key=f"fr:2025-{n:05d}", title=f"Notice {n}",
                    published_on=start + timedelta(days=n % 40))
        for n in range(150)
    ]  # fmt: skip
    add_events(store, batch)
    c = client("reader")
    before = set(_ids(c.get("/api/v1/events", params={"limit": 500})))
    stop = threading.Event()
    inserted: list[int] = []

    def insert() -> None:
        n = 0
        while not stop.is_set() and n < 200:
            # newer, older and same-day events all land while the client pages
            day = start + timedelta(days=(n * 7) % 60 - 10)
            event = ChangeEvent(
                source="federal_register",
                kind=EventKind.DOCUMENT_PUBLISHED,
                key=f"fr:late-{n}",
                title=f"Late {n}",
                published_on=day,
            )
            inserted.extend(add_events(store, [event]))
            n += 1

    writer = threading.Thread(target=insert)
    writer.start()
    seen: list[int] = []
    cursor = None
    try:
        for _ in range(1000):
            params: dict[str, object] = {"limit": 7}
            if cursor:
                params["cursor"] = cursor
            page = c.get("/api/v1/events", params=params)
            seen.extend(_ids(page))
            cursor = page.json()["next_cursor"]
            if cursor is None:
                break
    finally:
        stop.set()
        writer.join()
    assert inserted, "the writer inserted nothing while the client paged"
    assert len(seen) == len(set(seen)), "an event was repeated"
    assert before <= set(seen), f"skipped: {sorted(before - set(seen))}"


def test_roles_and_scopes(api):
    client, ids, _, store = api
    nobody = client()
    for path in ("/api/v1/events", "/api/v1/matches", f"/api/v1/events/{ids.rule}"):
        refused = nobody.get(path)
        assert refused.status_code == 401
        assert refused.json() == {"error": "unauthorized"}
        assert refused.headers["www-authenticate"] == "Bearer"
    forged = nobody.get("/api/v1/events", headers={"Authorization": "Bearer rw_forged"})
    assert forged.status_code == 401 and forged.json() == {"error": "unauthorized"}

    reader = client("reader")
    denied = reader.post(f"/api/v1/matches/{ids.acme_alert}/acknowledge")
    assert denied.status_code == 403 and denied.json() == {"error": "forbidden"}
    assert reader.get("/api/v1/audit").status_code == 403
    assert client("reviewer").get("/api/v1/tokens").status_code == 403
    assert client("admin").get("/api/v1/audit/verify").json()["ok"] is True

    # a token scoped to Globex never sees Acme's matches, by any endpoint
    g = client("globex")
    assert _ids(g.get("/api/v1/matches")) == [ids.globex_alert]
    assert g.get("/api/v1/matches", params={"company": "Acme Corp"}).status_code == 403
    assert g.get("/api/v1/matches", params={"company": "No Such Co"}).status_code == 403
    assert g.get(f"/api/v1/matches/{ids.acme_alert}").json() == {"error": "not found"}
    assert g.get(f"/api/v1/events/{ids.avionics_v2}").json()["matches"] == []
    assert g.get("/api/v1/events", params={"company": "Acme Corp"}).status_code == 403
    assert [x["name"] for x in g.get("/api/v1/companies").json()] == ["Globex GmbH"]
    assert g.get("/api/v1/companies/Acme Corp/watch-items").status_code == 404
    assert g.get("/feeds/Acme Corp.atom").status_code == 404
    a = client("acme")
    assert a.post(f"/api/v1/matches/{ids.globex_alert}/dismiss").status_code == 404
    assert a.post(f"/api/v1/matches/{ids.acme_alert}/dismiss").status_code == 200
    client("reviewer").post(f"/api/v1/matches/{ids.globex_alert}/acknowledge")
    subjects = [e["subject"] for e in a.get("/api/v1/audit").json()]
    assert f"match:{ids.acme_alert}" in subjects
    assert f"match:{ids.globex_alert}" not in subjects
    assert "token:5" not in subjects  # the Globex token's creation

    listed = audit.list_tokens(store)
    revoked = next(t for t in listed if t.name == "reed")
    audit.revoke_token(store, revoked.id, "test")
    gone = reader.get("/api/v1/events")
    assert gone.status_code == 401 and gone.json() == {"error": "unauthorized"}


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/events", {"limit": "0"}, "limit"),
        ("/api/v1/events", {"limit": "many"}, "limit"),
        ("/api/v1/events", {"since": "yesterday"}, "since"),
        ("/api/v1/events", {"since": "2024-02-01", "until": "2024-01-01"}, "until"),
        ("/api/v1/events", {"kind": "entity.exploded"}, "kind"),
        ("/api/v1/events", {"cursor": "not-a-cursor"}, "cursor"),
        # a well-formed cursor with an id no event can have (ids fit in 32 bits)
        ("/api/v1/events", {"cursor": "WyIyMDI0LTAxLTAxIiwgOTk5OTk5OTk5OTk5XQ"}, "cursor"),
        ("/api/v1/events", {"company": "No Such Co"}, "company"),
        ("/api/v1/matches", {"status": "closed"}, "status"),
        ("/api/v1/matches", {"tier": "urgent"}, "tier"),
        ("/api/v1/matches", {"cursor": "abc"}, "cursor"),
        ("/api/v1/events/abc", {}, "event_id"),
    ],
)
def test_bad_input_is_400_naming_the_field(api, path, params, field):
    client, _, _, _ = api
    answer = client("reader").get(path, params=params)
    assert answer.status_code == 400, answer.text
    assert answer.json()["field"] == field
    assert answer.json()["error"] == "bad request"


def test_a_note_too_long_is_400_naming_it(api):
    client, ids, _, _ = api
    answer = client("reviewer").post(
        f"/api/v1/matches/{ids.acme_alert}/dismiss", json={"note": "x" * 5000}
    )
    assert answer.status_code == 400
    assert answer.json()["field"] == "note"


def _check_rfc4287(xml: bytes) -> etree._Element:
    root = etree.fromstring(xml)
    assert root.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{tag}") is not None, tag
    for entry in root.findall(f"{ATOM}entry"):
        for tag in ("id", "title", "updated"):
            assert entry.find(f"{ATOM}{tag}") is not None, tag
        date.fromisoformat(entry.findtext(f"{ATOM}updated")[:10])
    return root


def test_feeds_are_valid_atom(api):
    client, ids, tokens, _ = api
    answer = client("acme").get("/feeds/Acme Corp.atom")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/atom+xml")
    root = _check_rfc4287(answer.content)
    parsed = feedparser.parse(answer.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert {e.id for e in parsed.entries} == {
        f"urn:regwatch:match:{ids.acme_alert}", f"urn:regwatch:match:{ids.acme_review}",
    }  # fmt: skip
    assert " " not in root.findtext(f"{ATOM}id")
    by_list = client("acme").get("/feeds/Acme Corp/EL.atom")
    listed = feedparser.parse(by_list.content)
    assert [e.id for e in listed.entries] == [f"urn:regwatch:match:{ids.acme_alert}"]
    assert "Example Avionics Plant JSC" in listed.entries[0].title
    # feed readers that cannot send a header pass the token in the URL
    plain = client().get("/feeds/Acme Corp.atom", params={"token": tokens["acme"]})
    assert plain.status_code == 200
    assert client().get("/feeds/Acme Corp.atom").status_code == 401
    assert client().get("/api/v1/events", params={"token": tokens["admin"]}).status_code == 401
