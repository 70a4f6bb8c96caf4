"""The meti source: METI's feed, listings and security export control pages, parsed from the
real fixtures and from samples in the real shapes, and polled through a real local server,
including the ways METI refuses clients (403, an empty 202, a challenge page) and goes stale."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from regwatch.exceptions import ParseError
from regwatch.sources._base import Payload
from regwatch.sources._meti_pages import (
    parse_anpo_page,
    parse_eul_page,
    parse_listing,
    parse_release_page,
    release_id,
)
from regwatch.sources._meti_topics import classify
from regwatch.sources.meti import Meti, MetiSettings
from tests.support.httpserver import Reply

DATA = Path(__file__).parent / "data" / "meti"
METI = "https://www.meti.go.jp"


def sample(name: str) -> bytes:
    return (DATA / name).read_bytes()


def payload(name: str, url: str, role: str, content_type: str = "text/html") -> Payload:
    return Payload(url=url, body=sample(name), content_type=content_type, role=role)


def shift_jis(body: bytes) -> bytes:
    return body.decode("utf-8").replace('charset="UTF-8"', 'charset="Shift_JIS"').encode("cp932")


def parse(p: Payload, **settings):
    return Meti(MetiSettings(**settings)).parse_payload(p)


# -- the feed -------------------------------------------------------------------------------


def test_feed_entries_become_dated_classified_release_events():
    events = parse(payload("ml_index_release_atom.xml", f"{METI}/ml_index_release_atom.xml",
                           "feed", "application/atom+xml"))  # fmt: skip
    by_id = {e.document_number: e for e in events}
    assert len(events) == 8 and all(e.kind == "release.published" for e in events)
    eul = by_id["20250929006"]
    assert eul.key == "meti:release:20250929006"
    assert eul.published_on == date(2025, 9, 29)
    assert eul.url == f"{METI}/press/2025/09/20250929006/20250929006.html"
    assert eul.title.endswith("「外国ユーザーリスト」を改正しました")
    assert eul.summary.startswith("経済産業省では、大量破壊兵器関連貨物等に係るキャッチオール規制")
    assert eul.data["topics"] == ["end_user_list", "export_control"]
    assert eul.data["relevance"] == "high"
    order = by_id["20251111001"]
    assert order.data["topics"] == ["export_control"]
    assert order.data["keywords"][0] == "輸出貿易管理令"
    assert by_id["20181214002"].data["topics"] == ["export_control", "sanctions"]
    for unrelated in ("20160930001", "20160926003"):  # anti-dumping, a product recall
        assert "topics" not in by_id[unrelated].data and by_id[unrelated].summary is None
    # the date is the id's, never the <updated> timestamp's UTC day
    assert by_id["20250404001"].published_on == date(2025, 4, 4)


def test_classified_only_keeps_the_classified_releases():
    events = parse(payload("ml_index_release_atom.xml", f"{METI}/feed", "feed"),
                   classified_only=True)  # fmt: skip
    assert len(events) == 6 and all(e.data["topics"] for e in events)


def test_feedparser_never_opens_a_file_the_payload_names(tmp_path):
    secret = tmp_path / "feed.xml"
    secret.write_bytes(sample("ml_index_release_atom.xml"))
    hostile = Payload(url="https://x/feed", body=str(secret).encode(), role="feed")
    with pytest.raises(ParseError, match="not METI's Atom feed"):
        parse(hostile)


def test_an_html_page_is_not_a_feed():
    page = Payload(url="https://x/feed", body=b"<html><body>Request rejected</body></html>",
                   role="feed")  # fmt: skip
    with pytest.raises(ParseError, match="an HTML page, not METI's Atom feed"):
        parse(page)


# -- listings -------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "shift_jis"])
def test_listing_links_resolve_and_carry_their_ids_dates(encoding):
    body = sample("press_archive.html")
    if encoding == "shift_jis":
        body = shift_jis(body)
    page = Payload(f"{METI}/press/category_02.html", body, "text/html", role="listing")
    releases = parse_listing(page)
    assert [(r.id, r.published_on) for r in releases] == [
        ("20251111001", date(2025, 11, 11)),
        ("20250929006", date(2025, 9, 29)),
        ("20250404001", date(2025, 4, 4)),
    ]
    # `2025/09/…` and `./2025/04/…` are relative to /press/; the other host's link is ignored
    assert releases[1].url == f"{METI}/press/2025/09/20250929006/20250929006.html"
    assert releases[2].url == f"{METI}/press/2025/04/20250404001/20250404001.html"
    assert releases[0].title == "輸出貿易管理令の一部を改正する政令が閣議決定されました"


def test_a_listing_without_release_links_is_a_layout_change():
    page = Payload(f"{METI}/press/index.html", "<html><body>経済産業省</body></html>".encode(),
                   role="listing")  # fmt: skip
    with pytest.raises(ParseError, match="no links to press releases"):
        parse_listing(page)


def _category02_urls(shared_fixtures) -> list[str]:
    text = shared_fixtures / "meti" / "meti_press_category02_ids_excerpt_sanctions-watch.json.txt"
    return re.findall(r'"(https://www\.meti\.go\.jp/press/[^"]+\.html)"', text.read_text())


def test_the_real_category02_ids_are_dated_by_id_not_by_fiscal_year_path(shared_fixtures):
    urls = _category02_urls(shared_fixtures)
    assert len(urls) == 173
    links = "".join(f'<li><a href="{u.removeprefix(METI)}">release</a></li>' for u in urls)
    page = Payload(f"{METI}/press/category_02.html",
                   f"<html><body>経済産業省<ul>{links}</ul></body></html>".encode(),
                   role="listing")  # fmt: skip
    releases = parse_listing(page)
    assert [r.url for r in releases] == urls
    for release, url in zip(releases, urls, strict=True):
        fiscal_year = int(url.split("/press/")[1][:4])
        day = release.published_on
        assert fiscal_year == (day.year if day.month >= 4 else day.year - 1)
        assert release.id == url.rsplit("/", 1)[1][:11]
    march = next(r for r in releases if r.id == "20260331013")
    assert march.url.startswith(f"{METI}/press/2025/03/") and march.published_on == date(
        2026, 3, 31
    )
    event = Meti(MetiSettings()).parse_payload(page)[0]
    assert event.data["fiscal_year"] == 2026 and event.published_on == date(2026, 7, 3)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"{METI}/press/2025/03/20260331013/20260331013.html", ("20260331013", date(2026, 3, 31))),
        (
            f"{METI}/press/2018/05/20180502001/20180502001_01.html",
            ("20180502001", date(2018, 5, 2)),
        ),
        (f"{METI}/press/2025/09/20250929006/20250929006-1.pdf", None),
        (f"{METI}/press/2025/13/20251399001/20251399001.html", None),  # no such date
        (f"{METI}/english/press/2026/0515_003.html", None),
        (f"{METI}/press/index.html", None),
    ],
)
def test_release_ids(url, expected):
    assert release_id(url) == expected


# -- release texts (real) and the End User List release --------------------------------------


@pytest.mark.parametrize(
    ("name", "topics"),
    [
        ("meti_press_20251111001_text_excerpt.txt", ("export_control",)),
        ("meti_press_20180502001_eul_text_excerpt.txt", ("end_user_list", "export_control")),
        ("meti_press_20250929006_eul_text_excerpt_pubtio.txt", ("end_user_list", "export_control")),
    ],
)
def test_real_release_texts_classify(shared_fixtures, name, topics):
    text = (shared_fixtures / "meti" / name).read_text()
    found = classify(text)
    assert found.topics == topics and found.relevance == "high"


def test_the_real_eul_release_text_gives_the_announced_count_and_application_date(shared_fixtures):
    text = shared_fixtures / "meti" / "meti_press_20250929006_eul_text_excerpt_pubtio.txt"
    paragraphs = "".join(f"<p>{line}</p>" for line in text.read_text().splitlines())
    page = Payload(f"{METI}/press/2025/09/20250929006/20250929006.html",
                   f"<html><body>{paragraphs}</body></html>".encode(), role="release")  # fmt: skip
    info = parse_release_page(page)
    assert info.effective_on == date(2025, 10, 9)
    assert info.announced == {"announced_total": 835, "announced_countries": 15,
                              "announced_change": 87}  # fmt: skip
    older = (shared_fixtures / "meti" / "meti_press_20180502001_eul_text_excerpt.txt").read_text()
    old_page = Payload(
        f"{METI}/press/2018/05/20180502001/20180502001_01.html",
        f"<html><body><p>{older}</p></body></html>".encode(),
        role="release",
    )
    assert parse_release_page(old_page).announced["announced_total"] == 529


@pytest.mark.parametrize(
    ("title", "topics", "relevance"),
    [
        ("外国ユーザーリストを改正しました", ("end_user_list",), "high"),
        ("ＥＮＤ ＵＳＥＲ ＬＩＳＴ revised", ("end_user_list",), "high"),  # NFKC first
        ("対ロシア等制裁措置の対象品目を追加します", ("sanctions",), "high"),
        ("ロシアへの輸出禁止措置を拡大します", ("sanctions",), "high"),
        ("ロシア向け輸出に関する承認の運用を見直します", ("sanctions",), "review"),
        ("ロシア語版パンフレットを作成しました", (), None),  # Russia, but no measure
        ("大量破壊兵器関連の通達を改正しました", ("export_control",), "review"),
        ("大量破壊兵器の不拡散に関するセミナー", (), None),  # context without a change
        ("経済安全保障推進法に基づく特定重要物資の安定供給確保計画を認定しました",
         ("economic_security",), "high"),
        ("半導体のサプライチェーン強靱化に向けた支援", ("economic_security",), "review"),
        ("Amendment of the Export Trade Control Order", ("export_control",), "high"),
        ("Recall of Lighting Equipment with a Built-in Sensor", (), None),
    ],
)  # fmt: skip
def test_keyword_rules(title, topics, relevance):
    found = classify(title)
    assert (found.topics, found.relevance) == (topics, relevance)


# -- the anpo pages -------------------------------------------------------------------------


def test_anpo_news_table_and_last_updated():
    page = payload("anpo_index.html", f"{METI}/policy/anpo/index.html", "anpo", "text/html")
    info = parse_anpo_page(page)
    assert [(r.published_on, r.category) for r in info.rows] == [
        (date(2025, 11, 11), "法令改正"),
        (date(2025, 9, 29), "お知らせ"),  # written 令和７年９月２９日
        (date(2025, 4, 4), "法令改正"),
    ]
    assert info.rows[0].url == f"{METI}/press/2025/11/20251111001/20251111001.html"
    assert info.rows[1].url == f"{METI}/policy/anpo/law09.html"
    assert info.rows[2].url is None
    assert info.last_updated == date(2025, 11, 11)
    events = parse(page)
    assert events[0].related_key == "meti:release:20251111001"
    assert events[1].data["topics"] == ["end_user_list"]
    updated = events[-1]
    assert updated.key == "meti:anpo:updated:2025-11-11"
    assert updated.summary == "最終更新日：2025年11月11日"


def test_anpo_page_faults():
    no_table = Payload(f"{METI}/policy/anpo/", "<h1>安全保障貿易管理</h1>".encode(), role="anpo")
    with pytest.raises(ParseError, match="no 新着情報 table"):
        parse_anpo_page(no_table)
    bad_date = sample("anpo_index.html").replace("2025年4月4日".encode(), "2025年4月31日".encode())
    with pytest.raises(ParseError, match=r"新着情報 row 4: '2025年4月31日': no such date"):
        parse_anpo_page(Payload(f"{METI}/policy/anpo/", bad_date, role="anpo"))


def test_eul_page_gives_the_newest_edition():
    page = payload("anpo_law09.html", f"{METI}/policy/anpo/law09.html", "eul_page")
    info = parse_eul_page(page)
    assert info.edition == date(2025, 9, 29)
    assert info.pdf_urls == (f"{METI}/policy/anpo/20250929_3.pdf",)
    assert info.effective_on == date(2025, 10, 9)
    [event] = parse(page)
    assert (event.kind, event.key, event.provisional) == (
        "list.revised", "jp-eul:edition:2025-09-29", True,
    )  # fmt: skip
    assert "regwatch import meti_eul FILE.pdf --edition 2025-09-29" in event.summary


def test_the_release_page_of_an_edition():
    url = f"{METI}/press/2025/09/20250929006/20250929006.html"
    [event] = parse(payload("press_20250929006.html", url, "release"))
    assert event.data == {
        "release_url": url,
        "announced_total": 835,
        "announced_countries": 15,
        "announced_change": 87,
        "pdf_urls": [f"{METI}/press/2025/09/20250929006/20250929006-1.pdf"],
        "edition": "2025-09-29",
    }
    assert event.effective_on == date(2025, 10, 9)
    assert ": 835 entities in 15 countries/regions (+87)" in event.summary


def test_the_listing_urls_follow_the_month_in_japan(monkeypatch):
    import regwatch.sources.meti as module

    settings = MetiSettings(feed_url=None, anpo_url=None, eul_page_url=None)
    monkeypatch.setattr(module, "utcnow", lambda: datetime(2025, 11, 30, 16, 0, tzinfo=UTC))
    assert [u for _, u in Meti(settings)._targets()] == [  # already 1 December in Tokyo
        f"{METI}/press/archive_202512.html",
        f"{METI}/press/archive_202511.html",
        f"{METI}/press/category_02.html",
    ]
    monkeypatch.setattr(module, "utcnow", lambda: datetime(2025, 12, 15, tzinfo=UTC))
    assert next(u for _, u in Meti(settings)._targets()) == f"{METI}/press/archive_202512.html"
    assert len(list(Meti(settings)._targets())) == 2


# -- through the local server ---------------------------------------------------------------


def clock(monkeypatch, when: datetime) -> None:
    import regwatch.cli._sources as cli_sources
    import regwatch.sources.meti as module

    monkeypatch.setattr(module, "utcnow", lambda: when)
    monkeypatch.setattr(cli_sources, "utcnow", lambda: when)


@pytest.fixture
def meti_site(http_server, tmp_path, monkeypatch):
    """METI's pages on the local server, and a sources.yaml pointing at them."""
    base = http_server.base
    feed = sample("ml_index_release_atom.xml").replace(METI.encode(), base.encode())
    http_server.route(
        "/ml_index_release_atom.xml", Reply(feed, content_type="application/atom+xml")
    )
    # Shift_JIS, declared only in the page's <meta>, as older government pages do
    listing = shift_jis(sample("press_archive.html"))
    http_server.route("/press/category_02.html", Reply(listing, content_type="text/html"))
    for path, name in (
        ("/policy/anpo/index.html", "anpo_index.html"),
        ("/policy/anpo/law09.html", "anpo_law09.html"),
        ("/press/2025/09/20250929006/20250929006.html", "press_20250929006.html"),
    ):
        http_server.route(path, Reply(sample(name), content_type="text/html"))
    (tmp_path / "sources.yaml").write_text(
        "http:\n  min_interval: 0\n  retries: 0\n  timeout: 2\n"
        "meti:\n  enabled: true\n  min_interval: 0\n"
        f"  feed_url: {base}/ml_index_release_atom.xml\n"
        f"  listing_urls: [{base}/press/category_02.html]\n"
        f"  anpo_url: {base}/policy/anpo/index.html\n"
        f"  eul_page_url: {base}/policy/anpo/law09.html\n"
    )
    clock(monkeypatch, datetime(2025, 11, 12, 3, 0, tzinfo=UTC))
    return http_server


def health(cli) -> dict:
    return {s["name"]: s for s in cli("sources", "--format", "json").json()}["meti"]


def stored(cli, *args) -> list[dict]:
    return cli("events", "--source", "meti", "--format", "json", *args).json()


def test_a_poll_reads_feed_listing_and_anpo_pages_and_a_second_one_stores_nothing(cli, meti_site):
    result = cli("poll", "meti")
    assert result.code == 0, result
    events = stored(cli)
    releases = {e["document_number"]: e for e in events if e["key"].startswith("meti:release:")}
    assert len(releases) == 8  # the listing's three are the feed's too: merged, not doubled
    eul = releases["20250929006"]
    assert eul["summary"].startswith("経済産業省では")  # the feed's summary, not the listing's none
    assert eul["url"].startswith(meti_site.base)
    anpo = [e for e in events if e["key"].startswith("meti:anpo:")]
    assert len(anpo) == 4
    [edition] = [e for e in events if e["kind"] == "list.revised"]
    assert edition["key"] == "jp-eul:edition:2025-09-29"
    assert edition["effective_on"] == "2025-10-09"
    assert edition["data"]["announced_total"] == 835
    assert edition["data"]["pdf_urls"] == [
        f"{meti_site.base}/policy/anpo/20250929_3.pdf",
        f"{meti_site.base}/press/2025/09/20250929006/20250929006-1.pdf",
    ]
    state = health(cli)
    assert state["status"] == "ok" and state["newest_item_on"] == "2025-11-11"
    assert len(meti_site.hits("/press/2025/09/20250929006/20250929006.html")) == 1

    again = cli("poll", "meti")
    assert "meti: 0 new, 0 revised" in again.stdout, again
    # the release page was read once: the cursor remembers it
    assert len(meti_site.hits("/press/2025/09/20250929006/20250929006.html")) == 1


def test_with_the_feed_blocked_the_listing_carries_the_poll_without_revising(cli, meti_site):
    assert cli("poll", "meti").code == 0
    meti_site.route("/ml_index_release_atom.xml", Reply(b"Forbidden", 403, "text/plain"))
    result = cli("poll", "meti")
    assert result.code == 0, result
    assert "meti: warning: feed:" in result.stderr and "403" in result.stderr
    assert "0 new, 0 revised" in result.stdout
    eul = next(e for e in stored(cli) if e["document_number"] == "20250929006")
    assert eul["revision"] == 1 and eul["summary"].startswith("経済産業省では")
    assert health(cli)["status"] == "ok"


def _only_feed(tmp_path, base: str) -> None:
    (tmp_path / "sources.yaml").write_text(
        "http:\n  min_interval: 0\n  retries: 0\n  timeout: 2\n"
        f"meti:\n  enabled: true\n  min_interval: 0\n  feed_url: {base}/ml_index_release_atom.xml\n"
        f"  listing_urls: [{base}/press/category_02.html]\n  anpo_url: ''\n  eul_page_url: ''\n"
    )


@pytest.mark.parametrize(
    ("feed", "listing", "message"),
    [
        (Reply(b"Forbidden", 403, "text/plain"), Reply(b"Forbidden", 403, "text/plain"),
         "HTTP 403 Forbidden"),
        (Reply(b"", 202, "text/html"), Reply(b"", 202, "text/html"), "HTTP 202 with an empty body"),
        (Reply(b"<!DOCTYPE html><html><body>Please enable JavaScript</body></html>",
               content_type="text/html"),
         Reply(b"<html><body>Request Rejected</body></html>", content_type="text/html"),
         "a challenge"),
    ],
)  # fmt: skip
def test_refusals_are_blocked_never_no_change(cli, meti_site, tmp_path, feed, listing, message):
    _only_feed(tmp_path, meti_site.base)
    meti_site.route("/ml_index_release_atom.xml", feed)
    meti_site.route("/press/category_02.html", listing)
    result = cli("poll", "meti")
    assert result.code == 1
    assert "meti: FAILED" in result.stderr and message in result.stderr
    state = health(cli)
    assert state["status"] == "blocked"
    assert message in state["last_error"]
    assert stored(cli) == []


def test_a_listing_whose_layout_changed_fails_the_poll_as_an_error(cli, meti_site, tmp_path):
    _only_feed(tmp_path, meti_site.base)
    config = tmp_path / "sources.yaml"
    config.write_text(config.read_text().replace("  feed_url:", "  feed_url: ''\n  old_feed:"))
    config.write_text(re.sub(r"  old_feed:.*\n", "", config.read_text()))
    meti_site.route("/press/category_02.html",
                    Reply("<html><body>経済産業省 ニュースリリース</body></html>".encode(),
                          content_type="text/html; charset=utf-8"))  # fmt: skip
    result = cli("poll", "meti")
    assert result.code == 1 and "no links to press releases" in result.stderr
    state = health(cli)
    assert state["status"] == "failing"  # not blocked: the page is METI's, its layout is new
    assert "the page layout changed?" in state["last_error"]


def _stale_feed(shared_fixtures, base: str) -> bytes:
    """25 entries, the newest updated 2026-06-19T05:00:00Z: the feed as sanctions-watch found
    it on 2026-09-15 (meti_rss_state_sanctions-watch.json)."""
    state = json.loads(
        (shared_fixtures / "meti" / "meti_rss_state_sanctions-watch.json").read_text()
    )
    newest = datetime.fromisoformat(state["latest_entry_updated"].replace("Z", "+00:00"))
    entries = []
    for n in range(state["record_count"]):
        day = date.fromordinal(newest.date().toordinal() - n // 3)
        rid = f"{day:%Y%m%d}{n % 3 + 1:03d}"
        fiscal = day.year if day.month >= 4 else day.year - 1
        entries.append(
            f"<entry><title>輸出貿易管理令の一部を改正する政令が閣議決定されました</title>"
            f'<link rel="alternate" href="{base}/press/{fiscal}/{day:%m}/{rid}/{rid}.html"/>'
            f"<updated>{day}T05:00:00Z</updated><summary>…</summary></entry>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>経済産業省</title>{''.join(entries)}</feed>"
    ).encode()


def test_a_stale_feed_is_stale_even_while_it_answers(cli, meti_site, tmp_path, shared_fixtures,
                                                    monkeypatch):  # fmt: skip
    state = json.loads(
        (shared_fixtures / "meti" / "meti_rss_state_sanctions-watch.json").read_text()
    )
    _only_feed(tmp_path, meti_site.base)
    (tmp_path / "sources.yaml").write_text(
        (tmp_path / "sources.yaml")
        .read_text()
        .replace(
            f"  listing_urls: [{meti_site.base}/press/category_02.html]\n", "  listing_urls: []\n"
        )
    )
    headers = {"ETag": state["etag"], "Last-Modified": state["last_modified"]}
    feed = _stale_feed(shared_fixtures, meti_site.base)

    def answer(request):
        if request.headers.get("if-none-match") == state["etag"]:
            return Reply(b"", 304, None, headers)
        return Reply(feed, content_type="application/atom+xml", headers=headers)

    meti_site.route("/ml_index_release_atom.xml", answer)
    clock(monkeypatch, datetime(2026, 9, 15, 3, 23, tzinfo=UTC))  # when sanctions-watch saw it
    first = cli("poll", "meti")
    assert first.code == 0 and "25 new" in first.stdout, first
    second = cli("poll", "meti")
    assert second.code == 0 and "not modified" in second.stdout, second
    assert (
        meti_site.hits("/ml_index_release_atom.xml")[-1].headers["if-none-match"] == state["etag"]
    )
    status = health(cli)
    assert status["status"] == "stale"
    assert status["newest_item_on"] == "2026-06-19"
    assert status["consecutive_failures"] == 0
    # the same old entries answered with 200 (no conditional GET): still stale, not "no change"
    meti_site.route("/ml_index_release_atom.xml", Reply(feed, content_type="application/atom+xml"))
    third = cli("poll", "meti")
    assert "0 new, 0 revised, 25 unchanged" in third.stdout, third
    assert health(cli)["status"] == "stale"
    assert cli("healthcheck").code == 1
    # a week after the last entry it was still fine
    clock(monkeypatch, datetime(2026, 6, 25, tzinfo=UTC))
    assert health(cli)["status"] == "ok"


def test_an_announced_edition_checks_the_imported_file(cli, meti_site, tmp_path, shared_fixtures):
    assert cli("poll", "meti").code == 0
    body = shared_fixtures / "meti" / "eul_20250929_records_rows1-30_sanctions-watch.csv"
    (tmp_path / "20250929_3.csv").write_bytes(body.read_bytes())
    result = cli("import", "meti_eul", tmp_path / "20250929_3.csv")
    assert result.code == 2
    assert "METI's release announced 835 entities" in result.stderr


def test_with_only_the_anpo_page_configured_its_403_is_blocked(cli, meti_site, tmp_path):
    (tmp_path / "sources.yaml").write_text(
        "http:\n  min_interval: 0\n  retries: 0\n"
        "meti:\n  enabled: true\n  min_interval: 0\n  feed_url: ''\n  listing_urls: []\n"
        f"  anpo_url: {meti_site.base}/policy/anpo/index.html\n  eul_page_url: ''\n"
    )
    assert cli("poll", "meti").code == 0
    assert [e["title"] for e in stored(cli)][:1] == [
        "METI security export control page (安全保障貿易管理) updated on 2025-11-11"
    ]
    meti_site.route("/policy/anpo/index.html", Reply(b"Forbidden", 403, "text/plain"))
    assert cli("poll", "meti").code == 1
    assert health(cli)["status"] == "blocked"


def test_saved_pages_import_through_the_same_parser(cli, tmp_path):
    feed = DATA / "ml_index_release_atom.xml"
    anpo = DATA / "anpo_index.html"
    result = cli("import", "meti", feed, anpo)
    assert result.code == 0, result
    assert "12 new" in result.stdout  # 8 releases, 3 news rows, 1 page update
    row = next(e for e in stored(cli) if e["key"].startswith("meti:anpo:2025-09-29"))
    assert row["url"] == f"{METI}/policy/anpo/law09.html"  # resolved against METI's site
