"""The MOF, METI Russia and MOFCOM sources polled through a real local server into a real
SQLite store: baseline, an update with added, revised and removed parties, a repeated poll with
nothing, a shrunken or truncated list refused, the formats' quirks, a malformed file failing
that source alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from regwatch import open_store
from regwatch.entities import current_entries
from tests.support.httpserver import Reply
from tests.support.jp_lists import MOF_BASELINE, meti_ru_pdf, mof_update, mof_workbook, ru_entries

HTTP = "http:\n  min_interval: 0\n  backoff: 0.01\n  retries: 0\n  timeout: 5\n"
MOFCOM = Path(__file__).parent / "fixtures" / "mofcom"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def events(cli, source):
    return cli("events", "--source", source, "--format", "json").json()


def listed(tmp_path, lists):
    with open_store(f"sqlite:///{tmp_path / 'regwatch.db'}") as store, store.read() as conn:
        return {e.key: e for e in current_entries(conn, lists=lists)}


def changes_of(records):
    return sorted((e["kind"], e["entity"]["name"]) for e in records if e["kind"] != "list.revised")


def _page(*files: str) -> Reply:
    links = "".join(f'<li><a href="./{f}">{f}</a></li>' for f in files)
    return Reply(
        f"<html><head><meta charset='utf-8'></head><body><p>令和8年12月1日現在</p><ul>{links}"
        "</ul></body></html>",
        content_type="text/html; charset=utf-8",
    )


# -- MOF -----------------------------------------------------------------------------------------


@pytest.fixture
def mof(cli, tmp_path, http_server):
    (tmp_path / "sources.yaml").write_text(
        HTTP + f"mof:\n  enabled: true\n  page_url: {http_server.url('/mof/list.html')}\n"
    )
    assert cli("init").code == 0
    return http_server


def test_mof_baseline_update_and_nothing_new(cli, mof, tmp_path):
    mof.route(
        "/mof/list.html",
        _page("shisantouketsu20260601.csv", "shisantouketsu20260601.xlsx"),
        # the next revision comes as the old .xls
        _page("shisantouketsu20261201.xls"),
    )
    mof.route(
        "/mof/shisantouketsu20260601.xlsx", Reply(mof_workbook(MOF_BASELINE), content_type=XLSX)
    )
    mof.route(
        "/mof/shisantouketsu20261201.xls",
        Reply(mof_workbook(mof_update(), "xls"), content_type="application/vnd.ms-excel"),
    )
    assert cli("poll", "mof").code == 0
    (baseline,) = events(cli, "mof")
    assert baseline["kind"] == "list.revised" and baseline["list"] == "JP-MOF"
    assert baseline["data"]["entries"] == 7
    assert len(listed(tmp_path, ["JP-MOF"])) == 7  # screened from the first read on

    assert cli("poll", "mof").code == 0
    assert changes_of(events(cli, "mof")) == [
        ("entity.added", "Kalashnikov Concern JSC"),
        ("entity.removed", "JSC Kurganmashzavod"),
        ("entity.revised", "JSC Rosoboronexport"),
    ]
    revised = next(e for e in events(cli, "mof") if e["kind"] == "entity.revised")
    assert revised["changes"]["entity.aliases"][1] == [
        "株式会社ロスオボロンエクスポルト",
        "Rosoboronexport",
        "Rosoboron",
        "ロスオボロンエクスポルト",
        "ロソボロン",
    ]
    added = next(e for e in events(cli, "mof") if e["kind"] == "entity.added")
    assert added["country"] == "RU"
    assert added["entity"]["name_ja"] == "株式会社カラシニコフ・コンツェルン"
    assert added["url"] == mof.url("/mof/shisantouketsu20261201.xls")
    assert added["published_on"] == "2026-12-01"  # the revision date in the workbook's name
    now = listed(tmp_path, ["JP-MOF"])
    assert "jp-mof:ロシア連邦(団体(特定銀行を除く)):3" not in now
    assert (
        "株式会社カラシニコフ・コンツェルン"
        in now["jp-mof:ロシア連邦(団体(特定銀行を除く)):6"].aliases
    )

    assert cli("poll", "mof").code == 0  # the same workbook again
    assert len(events(cli, "mof")) == 4


def test_mof_shrunken_workbook_is_refused(cli, mof, tmp_path):
    shrunk = {k: v for k, v in MOF_BASELINE.items() if not k.startswith("1.")}
    mof.route("/mof/list.html", _page("a.xlsx"), _page("b.xlsx"))
    mof.route("/mof/a.xlsx", Reply(mof_workbook(MOF_BASELINE), content_type=XLSX))
    mof.route("/mof/b.xlsx", Reply(mof_workbook(shrunk), content_type=XLSX))
    assert cli("poll", "mof").code == 0
    refused = cli("poll", "mof")
    assert refused.code == 1
    assert "JP-MOF shrinks from 7 to 3 entries" in refused.stderr
    assert len(events(cli, "mof")) == 1
    assert len(listed(tmp_path, ["JP-MOF"])) == 7
    # the source's health says why, like every list source's
    (health,) = [r for r in cli("sources", "--format", "json").json() if r["name"] == "mof"]
    assert health["consecutive_failures"] == 1
    assert "JP-MOF shrinks from 7 to 3 entries" in health["last_error"]


# -- METI Russia lists ---------------------------------------------------------------------------


@pytest.fixture
def meti_ru(cli, tmp_path, http_server):
    (tmp_path / "sources.yaml").write_text(
        HTTP
        + "meti_ru:\n  enabled: true\n  min_interval: 0\n  belarus_url: null\n"
        + f"  russia_url: {http_server.url('/ru/list_russia_tokutei.pdf')}\n"
        + f"  third_country_url: {http_server.url('/ru/list_daisangoku_tokutei.pdf')}\n"
    )
    assert cli("init").code == 0
    return http_server


def _pdf(body: bytes) -> Reply:
    return Reply(body, content_type="application/pdf")


THIRD = [
    (["有限会社タコ"], ["Tako LLC, a.k.a. the following one alias:", "-Taco LLC."],
     ["17 Garegin Nzhdehi Street, Shengavit, Yerevan, 0026,", "Armenia."]),
    (["有限会社アルファ・ベータ・クリエイティブ"], ["Alfa Beta Creative LLC"],
     ["16A Navoi Street, Shaykhantakhur District, Tashkent,", "100011, Uzbekistan."]),
    (["トルダン・インダストリー有限会社"], ["Tordan Industry Limited"],
     ["Unit 617, 6/F, 131-132 Connaught Road West, Solo Workshops,", "Hong Kong, China."]),
    (["有限会社GFKロジスティック・アジア"], ["GFK Logistic Asia LLC"],
     ["16A Navoi Street, Shaykhantakhur District, Tashkent,", "100011, Uzbekistan."]),
]  # fmt: skip


def test_meti_ru_baseline_update_and_nothing_new(cli, meti_ru, tmp_path):
    russia = ru_entries()
    changed = list(russia[:11])
    ja, en, address = changed[5]
    changed[5] = (ja, [*en, "-FSB of Russia"], address)  # an alias more for entry 6
    meti_ru.route(
        "/ru/list_russia_tokutei.pdf",
        _pdf(meti_ru_pdf(russia)),
        _pdf(meti_ru_pdf(changed, updated="2026 年12 月01 日")),  # entry 12 gone
    )
    meti_ru.route(
        "/ru/list_daisangoku_tokutei.pdf",
        _pdf(meti_ru_pdf(THIRD[:3], list_name="third_country")),
        _pdf(meti_ru_pdf(THIRD, list_name="third_country")),  # entry 4 added
    )
    assert cli("poll", "meti_ru").code == 0
    (baseline,) = events(cli, "meti_ru")
    assert baseline["list"] == "JP-METI-RU" and baseline["data"]["entries"] == 15
    assert cli("poll", "meti_ru").code == 0
    assert changes_of(events(cli, "meti_ru")) == [
        ("entity.added", "GFK Logistic Asia LLC"),
        ("entity.removed", "International Center for Quantum Optics and Quantum Technologies LLS"),
        ("entity.revised", "Federal Security Service (FSB)"),
    ]
    revised = next(e for e in events(cli, "meti_ru") if e["kind"] == "entity.revised")
    assert revised["published_on"] == "2026-12-01"  # the list's 最終更新日
    added = next(e for e in events(cli, "meti_ru") if e["kind"] == "entity.added")
    assert (added["country"], added["entity"]["name_ja"]) == (
        "UZ",
        "有限会社GFKロジスティック・アジア",
    )
    assert added["url"] == meti_ru.url("/ru/list_daisangoku_tokutei.pdf")
    assert cli("poll", "meti_ru").code == 0
    assert len(events(cli, "meti_ru")) == 4
    now = listed(tmp_path, ["JP-METI-RU"])
    assert len(now) == 15  # 15 - 1 + 1
    assert "jp-meti-ru:russia:12" not in now and "jp-meti-ru:third_country:4" in now


def test_meti_ru_refuses_a_shrunken_list_and_an_additions_annex(cli, meti_ru, tmp_path):
    russia = ru_entries()
    meti_ru.route(
        "/ru/list_russia_tokutei.pdf",
        _pdf(meti_ru_pdf(russia)),
        _pdf(meti_ru_pdf(russia[:5])),
        _pdf(meti_ru_pdf(russia[10:], first_number=560)),
    )
    meti_ru.route(
        "/ru/list_daisangoku_tokutei.pdf", _pdf(meti_ru_pdf(THIRD[:3], list_name="third_country"))
    )
    assert cli("poll", "meti_ru").code == 0
    shrunk = cli("poll", "meti_ru")
    assert shrunk.code == 1
    assert "russia list would shrink from 12 to 5 entries" in shrunk.stderr
    annex = cli("poll", "meti_ru")
    assert annex.code == 1
    assert "the first numbered entry is 560: an additions annex" in annex.stderr
    assert len(events(cli, "meti_ru")) == 1
    assert len(listed(tmp_path, ["JP-METI-RU"])) == 15


# -- MOFCOM --------------------------------------------------------------------------------------

_NOTICE_PATHS = {
    "/zwgk/zcfb/art/2026/art_ecl30.html": "ecl_2026_30.html",
    "/zwgk/zcfb/art/2026/art_uel21.html": "uel_2026_21.html",
    "/zwgk/zcfb/art/2026/art_uel20.html": "uel_2026_20.html",
    "/aqygzj/art/2026/art_uel20_copy.html": "uel_2026_20.html",
    "/syxwfb/art/2026/art_qa1201.html": "qa_2026_12_01.html",
    "/zwgk/zcfb/art/2026/art_uel22.html": "uel_2026_22.html",
    "/syxwfb/art/2026/art_presser.html": "not_a_notice.html",
}


def _html(name: str) -> Reply:
    return Reply((MOFCOM / name).read_bytes(), content_type="text/html; charset=utf-8")


@pytest.fixture
def mofcom(cli, tmp_path, http_server):
    (tmp_path / "sources.yaml").write_text(
        HTTP
        + "mofcom:\n  enabled: true\n  min_interval: 0\n"
        + f"  listing_urls: [{http_server.url('/zwgk/zcfb/index.html')}]\n"
    )
    assert cli("init").code == 0
    for path, name in _NOTICE_PATHS.items():
        http_server.route(path, _html(name))
    return http_server


def test_mofcom_baseline_then_suspension_stop_and_additions(cli, mofcom, tmp_path):
    mofcom.route("/zwgk/zcfb/index.html", _html("listing.html"), _html("listing_update.html"))
    assert cli("poll", "mofcom").code == 0
    baselines = events(cli, "mofcom")
    assert sorted((e["list"], e["data"]["entries"]) for e in baselines) == [
        ("CN-ECL", 3),
        ("CN-UEL", 7),
    ]
    assert mofcom.hits("/zwgk/zcfb/art/2026/art_other.html") == []  # not a list notice link

    update = cli("poll", "mofcom")
    assert update.code == 0
    after = events(cli, "mofcom")
    assert changes_of(after) == [
        ("entity.added", "BRINC Drones,Inc."),
        ("entity.added", "Skydio Inc."),
        ("entity.removed", "DZYNE Technologies"),
        ("entity.removed", "Dedrone by Axon"),
        ("entity.removed", "Halifax International Security Forum"),
        ("entity.removed", "TechInsights Inc."),
        ("entity.revised", "Aerkomm Inc."),
        ("entity.revised", "Oceaneering International, Inc."),
        ("entity.revised", "Saronic Technologies, Inc."),
    ]
    suspended = next(e for e in after if e["entity"] and e["entity"]["name"] == "Aerkomm Inc.")
    assert suspended["changes"]["entity.status"] == ["in force", "suspended"]
    assert suspended["entity"]["suspended_until"] == "2027-03-01"
    assert suspended["url"] == mofcom.url("/syxwfb/art/2026/art_qa1201.html")
    stopped = next(e for e in after if e["kind"] == "entity.removed")
    assert stopped["document_number"] == "商务部新闻发言人答记者问 2026-12-01"
    skydio = next(e for e in after if e["entity"] and e["entity"]["name"] == "Skydio Inc.")
    assert skydio["entity"]["name_zh"] == "斯凯迪奥公司"
    assert skydio["published_on"] == "2026-12-01"
    # the second URL of notice 〔2026〕20号 is the same notice: no second listing
    assert len([e for e in after if "Saronic" in (e["entity"] or {}).get("name", "")]) == 1
    assert "not a list notice" in update.stderr + update.stdout
    now = listed(tmp_path, ["CN-UEL", "CN-ECL"])
    assert len(now) == 3 + 5
    assert "三菱造船株式会社" in now["cn-ecl:mitsubishiheavyindustriesshipbuildingco"].aliases

    assert cli("poll", "mofcom").code == 0  # nothing new on the listing
    assert len(events(cli, "mofcom")) == len(after)


def test_mofcom_truncated_notice_fails_the_poll_and_is_read_again(cli, mofcom, tmp_path):
    listing = (MOFCOM / "listing.html").read_text()
    truncated = listing.replace(
        '<ul class="txtList">',
        '<ul class="txtList"><li><a href="/zwgk/zcfb/art/2026/art_uel23.html">'
        "不可靠实体清单工作机制关于将特科姆公司等5家美国企业列入不可靠实体清单的公告</a></li>",
    )
    mofcom.route("/zwgk/zcfb/index.html", Reply(truncated, content_type="text/html"))
    mofcom.route("/zwgk/zcfb/art/2026/art_uel23.html", _html("uel_2026_23_truncated.html"))
    failed = cli("poll", "mofcom")
    assert failed.code == 1
    assert "announces 5 parties but 3 could be read" in failed.stderr
    assert events(cli, "mofcom") == []
    assert listed(tmp_path, ["CN-UEL", "CN-ECL"]) == {}
    # the next poll fetches the notice again (the cursor did not move)
    before = len(mofcom.hits("/zwgk/zcfb/art/2026/art_uel23.html"))
    cli("poll", "mofcom")
    assert len(mofcom.hits("/zwgk/zcfb/art/2026/art_uel23.html")) == before + 1


# -- one malformed file fails its source alone ---------------------------------------------------


def test_a_malformed_workbook_fails_mof_alone(cli, tmp_path, http_server):
    (tmp_path / "sources.yaml").write_text(
        HTTP
        + f"mof:\n  enabled: true\n  page_url: {http_server.url('/mof/list.html')}\n"
        + "mofcom:\n  enabled: true\n  min_interval: 0\n"
        + f"  listing_urls: [{http_server.url('/zwgk/zcfb/index.html')}]\n"
    )
    assert cli("init").code == 0
    http_server.route("/mof/list.html", _page("shisantouketsu20261201.xlsx"))
    http_server.route(
        "/mof/shisantouketsu20261201.xlsx", Reply(b"PK\x03\x04 not really a zip", content_type=XLSX)
    )
    http_server.route("/zwgk/zcfb/index.html", _html("listing.html"))
    for path, name in _NOTICE_PATHS.items():
        http_server.route(path, _html(name))
    result = cli("poll", "mof", "mofcom")
    assert result.code == 1
    assert "shisantouketsu20261201.xlsx: not a readable XLSX workbook" in result.stderr
    assert events(cli, "mof") == []
    assert len(events(cli, "mofcom")) == 2  # MOFCOM was read all the same


def test_sources_shows_every_list_size_newest_change_and_last_read(cli, tmp_path, http_server):
    (tmp_path / "sources.yaml").write_text(
        HTTP
        + f"mof:\n  enabled: true\n  page_url: {http_server.url('/mof/list.html')}\n"
        + "mofcom:\n  enabled: true\n  min_interval: 0\n"
        + f"  listing_urls: [{http_server.url('/zwgk/zcfb/index.html')}]\n"
    )
    assert cli("init").code == 0
    http_server.route("/mof/list.html", _page("a.xlsx"), _page("b.xls"))
    http_server.route("/mof/a.xlsx", Reply(mof_workbook(MOF_BASELINE), content_type=XLSX))
    http_server.route("/mof/b.xls", Reply(mof_workbook(mof_update(), "xls")))
    http_server.route("/zwgk/zcfb/index.html", _html("listing.html"))
    for path, name in _NOTICE_PATHS.items():
        http_server.route(path, _html(name))
    assert cli("poll", "mof", "mofcom").code == 0
    assert cli("poll", "mof").code == 0
    records = {r["name"]: r for r in cli("sources", "--format", "json").json()}
    (mof_list,) = records["mof"]["lists"]
    assert (mof_list["list"], mof_list["size"], mof_list["sources"]) == ("JP-MOF", 7, ["mof"])
    assert mof_list["newest_change_on"] == "2026-12-01"  # the added party's notice date
    assert mof_list["last_read_at"] == records["mof"]["last_success_at"]
    cn = {entry["list"]: entry["size"] for entry in records["mofcom"]["lists"]}
    assert cn == {"CN-ECL": 3, "CN-UEL": 7}
    table = cli("sources").stdout
    assert "JP-MOF" in table and "CN-UEL" in table and "listed now" in table


# -- across lists --------------------------------------------------------------------------------

KALASHNIKOV_RU = (
    ["株式会社カラシニコフ・コンツェルン"],
    ["Kalashnikov Concern JSC"],
    ["3 Deryabin Proyezd, Izhevsk, 426006, Russia."],
)


def test_one_party_two_lists_same_day_one_digest_item_and_one_history(cli, tmp_path, http_server):
    """MOF and METI list one party the same day: two listings, one digest item naming both;
    the watch item is written in Japanese and matches the lists' Japanese names; the party's
    history spans both lists, newest first."""
    (tmp_path / "sources.yaml").write_text(
        HTTP
        + f"mof:\n  enabled: true\n  page_url: {http_server.url('/mof/list.html')}\n"
        + "meti_ru:\n  enabled: true\n  min_interval: 0\n"
        + "  belarus_url: null\n  third_country_url: null\n"
        + f"  russia_url: {http_server.url('/ru/list_russia_tokutei.pdf')}\n"
        + "mofcom:\n  enabled: true\n  min_interval: 0\n"
        + f"  listing_urls: [{http_server.url('/zwgk/zcfb/index.html')}]\n"
    )
    assert cli("init").code == 0
    (tmp_path / "watch.csv").write_text(
        "name,aliases,country,identifiers\n株式会社カラシニコフ・コンツェルン,,RU,\n",
        encoding="utf-8",
    )
    assert cli("watch", "import", "watch.csv", "--company", "Acme").code == 0
    http_server.route("/mof/list.html", _page("a.xlsx"), _page("b.xlsx"))
    http_server.route("/mof/a.xlsx", Reply(mof_workbook(MOF_BASELINE), content_type=XLSX))
    http_server.route("/mof/b.xlsx", Reply(mof_workbook(mof_update()), content_type=XLSX))
    russia = ru_entries()
    http_server.route(
        "/ru/list_russia_tokutei.pdf",
        _pdf(meti_ru_pdf(russia)),
        # the same designation day as MOF's notice (2026.12.1): its 最終更新日
        _pdf(meti_ru_pdf([*russia, KALASHNIKOV_RU], updated="2026 年12 月01 日")),
    )
    http_server.route("/zwgk/zcfb/index.html", _html("listing.html"))
    for path, name in _NOTICE_PATHS.items():
        http_server.route(path, _html(name))
    assert cli("poll", "mof", "meti_ru", "mofcom").code == 0
    assert cli("poll", "mof", "meti_ru").code == 0

    found = cli("matches", "--company", "Acme", "--format", "json").json()
    # two listings: each list's event is its own match, both alerts on the Japanese alias
    assert sorted((m["list"], m["event_kind"], m["tier"]) for m in found) == [
        ("JP-METI-RU", "entity.added", "alert"),
        ("JP-MOF", "entity.added", "alert"),
    ]
    assert {m["explanation"]["matched"] for m in found} == {"株式会社カラシニコフ・コンツェルン"}
    preview = cli("digest", "preview", "--company", "Acme")
    assert preview.code == 0, preview
    text = preview.stdout
    assert "\n1. [CRITICAL]" in text and "\n2. [" not in text  # one item in the summary
    assert "Also: Added to" in text
    assert "JP-MOF" in text and "JP-METI-RU" in text

    history = cli("entity", "カラシニコフ").stdout  # part of the Japanese name
    assert "on 2 lists (JP-METI-RU, JP-MOF), newest first" in history
    records = cli("entity", "Kalashnikov Concern", "--format", "json").json()
    assert sorted(r["list"] for r in records) == ["JP-METI-RU", "JP-MOF"]
    assert all(len(r["same_party_as"]) == 1 for r in records)

    # a watched name in Chinese or Japanese screens against the entries written in it, and
    # the Latin form the same list pairs with it finds the same entry
    by_chinese = cli("screen", "三菱造船株式会社", "--format", "json").json()[0]["results"]
    by_latin = cli("screen", "Mitsubishi Heavy Industries Shipbuilding", "--format", "json")
    by_latin = by_latin.json()[0]["results"]
    assert (
        by_chinese[0]["key"]
        == by_latin[0]["key"]
        == ("cn-ecl:mitsubishiheavyindustriesshipbuildingco")
    )
    assert by_chinese[0]["matched_name"] == "三菱造船株式会社"
    assert by_chinese[0]["name"] == "Mitsubishi Heavy Industries Shipbuilding Co."


def test_files_downloaded_by_hand_are_imported(cli, tmp_path):
    """Where METI or MOF do not answer: the PDF or workbook saved by hand, imported."""
    (tmp_path / "sources.yaml").write_text(HTTP)
    assert cli("init").code == 0
    russia = ru_entries()
    (tmp_path / "list_russia_tokutei.pdf").write_bytes(meti_ru_pdf(russia[:11]))
    assert cli("import", "meti_ru", "list_russia_tokutei.pdf").code == 0
    (tmp_path / "list_russia_tokutei.pdf").write_bytes(meti_ru_pdf(russia))
    result = cli("import", "meti_ru", "list_russia_tokutei.pdf")
    assert result.code == 0, result
    assert changes_of(events(cli, "meti_ru")) == [
        ("entity.added", "International Center for Quantum Optics and Quantum Technologies LLS")
    ]
    (tmp_path / "shisantouketsu20261201.xls").write_bytes(mof_workbook(MOF_BASELINE, "xls"))
    assert cli("import", "mof", "shisantouketsu20261201.xls").code == 0
    (baseline,) = events(cli, "mof")
    assert baseline["data"]["entries"] == 7 and baseline["published_on"] == "2026-12-01"
    (tmp_path / "notice.html").write_bytes((MOFCOM / "uel_2026_23_truncated.html").read_bytes())
    refused = cli("import", "mofcom", "notice.html")
    assert refused.code != 0 and "announces 5 parties but 3 could be read" in refused.stderr


def test_one_party_added_by_ofac_and_mof_is_one_digest_item_naming_both(cli, tmp_path):
    """OFAC's export and MOF's workbook list one party in the same run: two listings (two
    events, two matches), one digest item naming both lists."""
    (tmp_path / "sources.yaml").write_text(HTTP)
    assert cli("init").code == 0
    (tmp_path / "watch.csv").write_text(
        "name,aliases,country,identifiers\nBlue Lotus Technology,,,\n", encoding="utf-8"
    )
    assert cli("watch", "import", "watch.csv", "--company", "Acme").code == 0
    ofac = Path(__file__).parent / "fixtures" / "ofac"
    assert cli("import", "ofac", ofac / "sdn_2026-01-15.xml").code == 0
    (tmp_path / "shisantouketsu20260115.xlsx").write_bytes(mof_workbook(MOF_BASELINE))
    assert cli("import", "mof", "shisantouketsu20260115.xlsx").code == 0
    # the next revisions: OFAC's adds BLUE LOTUS TECHNOLOGY CO., LTD., and so does MOF's
    update = mof_update()
    update["5.ロシア及びベラルーシ以外(団体)"] = [
        ("告示日付", "告示番号", "日本語表記", "英語表記", "別称", "所在地"),
        ("2026.1.16", "1", "ブルー・ロータス・テクノロジー", "BLUE LOTUS TECHNOLOGY CO., LTD.",
         "蓝莲花科技有限公司", "Shenzhen, China"),
    ]  # fmt: skip
    (tmp_path / "shisantouketsu20260116.xlsx").write_bytes(mof_workbook(update))
    assert cli("import", "ofac", ofac / "sdn_2026-01-16.xml").code == 0
    assert cli("import", "mof", "shisantouketsu20260116.xlsx").code == 0

    found = cli("matches", "--company", "Acme", "--format", "json").json()
    assert sorted((m["list"], m["event_kind"]) for m in found) == [
        ("JP-MOF", "entity.added"),
        ("SDN", "entity.added"),
    ]
    preview = cli("digest", "preview", "--company", "Acme")
    assert preview.code == 0, preview
    text = preview.stdout
    assert "Acme: 1 critical" in text
    assert "[CRITICAL] Added to Japan MOF's sanctions list (JP-MOF)" in text
    assert (
        "Also: Added to the SDN List (OFAC) (OFAC): BLUE LOTUS TECHNOLOGY CO., LTD. "
        "https://sanctionssearch.ofac.treas.gov/Details.aspx?id=90006" in text
    )
    assert text.count("(match ") == 2  # both matches, both delivered with the item
