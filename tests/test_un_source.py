"""The ``un`` source through a real local server and store: the fixtures written here and the
two real editions."""

from __future__ import annotations

from pathlib import Path

import pytest

from regwatch.entities import current_entries
from tests.support.httpserver import Reply

HERE = Path(__file__).parent / "fixtures" / "un"
HTTP = "http:\n  min_interval: 0\n  backoff: 0.01\n  retries: 0\n  timeout: 5\n"


def _read(name: str) -> bytes:
    return (HERE / name).read_bytes()


def xml(body: bytes, etag: str | None = None) -> Reply:
    return Reply(body, content_type="application/xml", headers={"ETag": etag} if etag else {})


@pytest.fixture
def un(cli, tmp_path, http_server):
    (tmp_path / "sources.yaml").write_text(
        HTTP + f"un:\n  enabled: true\n  url: {http_server.url('/consolidated.xml')}\n"
    )
    assert cli("init").code == 0
    return http_server


def events(cli, *kinds: str) -> list[dict]:
    found = cli("events", "--source", "un", "--format", "json").json()
    return [e for e in found if not kinds or e["kind"] in kinds]


def changes(cli) -> set[tuple[str, str]]:
    return {
        (e["kind"], e["key"])
        for e in events(cli, "entity.added", "entity.revised", "entity.removed")
    }


def health(cli) -> dict:
    return {s["name"]: s for s in cli("sources", "--format", "json").json()}["un"]


def test_baseline_update_and_a_repeated_poll(cli, un, tmp_path):
    first, second = _read("consolidated_2026-01-15.xml"), _read("consolidated_2026-01-22.xml")
    un.route(
        "/consolidated.xml",
        xml(first, '"v1"'),
        xml(second, '"v2"'),
        Reply(b"", 304, None),
    )
    assert cli("poll", "un").code == 0
    (baseline,) = events(cli)
    assert (baseline["kind"], baseline["list"], baseline["data"]["entries"]) == (
        "list.revised",
        "UN",
        5,
    )
    assert cli("poll", "un").code == 0
    assert changes(cli) == {
        ("entity.added", "un:sdi.901"),
        ("entity.removed", "un:cdi.901"),
        ("entity.revised", "un:kpe.901"),
    }
    added = events(cli, "entity.added")[0]
    assert added["entity"]["aliases"] == ["مثال حسن"]
    assert added["entity"]["programmes"] == ["Sudan"]
    assert added["effective_on"] == "2026-01-21"
    assert added["country"] == "SD"
    revised = events(cli, "entity.revised")[0]
    assert revised["changes"]["entity.aliases"] == [
        ["조선예시광업무역회사", "EXAMPLE MINING CORP"],
        ["조선예시광업무역회사", "EXAMPLE MINING CORP", "EXAMPLE GENERAL TRADING"],
    ]
    # the third poll sends the ETag and gets 304: nothing new
    assert cli("poll", "un").code == 0
    assert un.requests[-1].headers.get("if-none-match") == '"v2"'
    assert len(events(cli)) == 4
    from regwatch import open_store

    with open_store(f"sqlite:///{tmp_path / 'regwatch.db'}") as store, store.read() as conn:
        listed = {e.key for e in current_entries(conn, lists=["UN"])}
    assert listed == {"un:qdi.901", "un:kpi.901", "un:sdi.901", "un:kpe.901", "un:cde.901"}


def test_two_real_editions(cli, un, shared_fixtures):
    folder = shared_fixtures / "un"
    un.route(
        "/consolidated.xml",
        xml((folder / "un_consolidated_2025-11-20.mkweli.xml").read_bytes()),
        xml((folder / "un_consolidated_2026-02-27.watchman.xml").read_bytes()),
    )
    assert cli("poll", "un").code == 0
    assert [e["data"]["entries"] for e in events(cli)] == [1000]
    assert cli("poll", "un").code == 0
    assert changes(cli) == {
        *{("entity.added", f"un:sdi.{n:03d}") for n in range(7, 11)},
        ("entity.removed", "un:iqi.074"),
        ("entity.revised", "un:hti.006"),
        ("entity.revised", "un:soi.022"),
    }
    assert all(e["list"] == "UN" for e in events(cli, "entity.added"))


def test_shrunken_truncated_and_malformed_lists_are_refused(cli, un):
    first = _read("consolidated_2026-01-15.xml").decode()
    # two individuals gone: 5 -> 3 entries, 40% of the list
    start = first.index("    <INDIVIDUAL>\n      <DATAID>7900002")
    shrunk = first[:start] + first[first.index("  </INDIVIDUALS>") :]
    un.route(
        "/consolidated.xml",
        xml(first.encode()),
        xml(shrunk.encode()),
        xml(first.encode()[:2000]),
        Reply(b"<html><body>Service unavailable</body></html>", content_type="text/html"),
        xml(b"<CONSOLIDATED_LIST><INDIVIDUALS/></CONSOLIDATED_LIST>"),
        xml(first.encode()),
    )
    assert cli("poll", "un").code == 0
    for expected in (
        "UN shrinks from 5 to 3 entries, more than the 20% allowed",
        "not well-formed XML",
        "expected XML, got an HTML page",
        "no ENTITIES section",
    ):
        refused = cli("poll", "un")
        assert refused.code == 1, refused
        assert expected in refused.stderr
        assert expected in health(cli)["last_error"]
        assert changes(cli) == set()
    assert cli("poll", "un").code == 0
    assert changes(cli) == set() and health(cli)["status"] == "ok"
