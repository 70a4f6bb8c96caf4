"""The pure readers of Japan's MOF workbook, METI's Russia lists and MOFCOM's notices, and the
full-list diff: on files written here in the real formats and on the real recorded payloads."""

from __future__ import annotations

from pathlib import Path

import pytest

from regwatch.events import EventKind
from regwatch.exceptions import IncompleteTable, InputError
from regwatch.model import Prior, SnapshotEntry
from regwatch.sources._meti_ru_lists import read_list, read_text
from regwatch.sources._mof_workbook import read_workbook, split_stacked
from regwatch.sources._mofcom_notices import Action, Notice, notice_text, parse_notice, rebuild
from regwatch.sources._snapshot import ListRecord, diff_list
from tests.support.jp_lists import MOF_BASELINE, meti_ru_pdf, mof_update, mof_workbook, ru_entries

MOFCOM = Path(__file__).parent / "fixtures" / "mofcom"
RU_SHEET = "1.ロシア連邦(団体(特定銀行を除く))"


# -- MOF workbook --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
def test_mof_workbook_reads_every_programme_sheet(fmt: str) -> None:
    book = read_workbook(mof_workbook(MOF_BASELINE, fmt), f"list.{fmt}")
    keys = [p.key for p in book.parties]
    assert keys == [
        "jp-mof:ロシア連邦(団体(特定銀行を除く)):1",
        "jp-mof:ロシア連邦(団体(特定銀行を除く)):2",
        "jp-mof:ロシア連邦(団体(特定銀行を除く)):3",
        "jp-mof:ロシア連邦(団体(特定銀行を除く)):4",
        "jp-mof:北朝鮮(協調;個人):1",
        "jp-mof:北朝鮮(協調;個人):2",
        "jp-mof:テロリスト等:1",
    ]
    # the index and the lifted programme carry no table; removed parties stay as tombstones
    assert book.skipped_sheets == ["一覧", "3.【解除】リベリア"]
    assert book.tombstones == 2
    bank = book.parties[0]
    assert (bank.name, bank.aliases, bank.country) == (
        "Central Bank of the Russian Federation",
        ("ロシア連邦中央銀行",),
        "RU",
    )
    assert bank.listed_on is not None and bank.listed_on.isoformat() == "2022-03-01"


@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
def test_mof_stacked_cells_spaced_header_and_continued_rows(fmt: str) -> None:
    book = read_workbook(mof_workbook(MOF_BASELINE, fmt), f"list.{fmt}")
    kim = next(p for p in book.parties if p.key.endswith("北朝鮮(協調;個人):1"))
    # one cell holds the Japanese name over the English one: both are names of the party
    assert kim.name == "KIM Yong Chol"
    assert kim.details["name_ja"] == "キム・ヨンチョル"
    assert set(kim.aliases) == {
        "キム・ヨンチョル",
        "キム・ヨンチュル",
        "Kim Yong-chol",
        "Kim Yong Chul",
    }
    # the row below continued the 役職 cell (merged cells in MOF's sheet)
    assert "Former Director of the RGB" in kim.details["titles"]
    assert kim.details["birth_date"] == "1946-01-01"
    assert kim.details["notice_number"] == "1(#12)"
    choe = next(p for p in book.parties if p.key.endswith("北朝鮮(協調;個人):2"))
    assert choe.details["birth_date"] == "1962-08-24"  # an unformatted Excel serial date
    trust = next(p for p in book.parties if p.key.startswith("jp-mof:テロリスト等"))
    assert "Aid Organization of the Ulema, Pakistan" in trust.aliases
    assert "ウレマ援助組織(パキスタン)" in trust.aliases
    assert trust.addresses == (
        "Kitas Ghar, Nazimabad 4, Karachi, Pakistan",
        "Jamia Maajid, Lahore, Pakistan",
    )
    assert trust.details["notice_dates"] == ["2002.4.20", "2012.9.28改訂"]


def test_split_stacked_keeps_japanese_and_latin_lines_apart() -> None:
    assert split_stacked("ロシア連邦大統領\nPresident of the Russian Federation") == (
        "ロシア連邦大統領",
        "President of the Russian Federation",
    )


def test_mof_sheet_without_its_header_is_named_and_nothing_is_read() -> None:
    sheets = mof_update()
    sheets[RU_SHEET] = [row for row in sheets[RU_SHEET] if row[0] != "告示日付"]
    with pytest.raises(IncompleteTable) as caught:
        read_workbook(mof_workbook(sheets), "shisantouketsu.xlsx")
    assert "sheet '1.ロシア連邦(団体(特定銀行を除く))'" in str(caught.value)
    assert "告示日付" in str(caught.value)


def test_mof_row_without_a_name_is_named() -> None:
    sheets = mof_update()
    sheets[RU_SHEET][2] = ("2022.3.1", "1", None, None, None, "12 Neglinnaya Str., Moscow")
    with pytest.raises(IncompleteTable, match=r"row 3: notice 1: no name"):
        read_workbook(mof_workbook(sheets), "shisantouketsu.xlsx")


@pytest.mark.parametrize(
    ("body", "expected"),
    [(b"<!DOCTYPE html><html>Not Found</html>", "an HTML page"), (b"PK\x03\x04broken", "XLSX")],
)
def test_mof_not_a_workbook(body: bytes, expected: str) -> None:
    with pytest.raises(InputError, match=expected):
        read_workbook(body, "shisantouketsu20261201.xlsx")


@pytest.mark.slow
def test_real_mof_workbook(shared_fixtures: Path) -> None:
    path = shared_fixtures / "mof" / "mof_shisantouketsu20260305.ammitto.xlsx"
    book = read_workbook(path.read_bytes(), path.name)
    assert len(book.parties) == 2862
    assert len(book.programmes) == 41
    assert sorted(book.skipped_sheets) == sorted(
        ["一覧", "8.【解除】リベリア", "11.【解除】コートジボワール", "18.【解除】イラン"]
    )
    by_key = {p.key: p for p in book.parties}
    assert len(by_key) == len(book.parties)
    putin = by_key["jp-mof:ロシア連邦(個人):1"]
    assert (putin.name, putin.country) == ("Vladimir Putin", "RU")
    assert "ウラジーミル・プーチン" in putin.aliases
    assert putin.details["birth_date"] == "1952-10-07"
    # "1(*186)": number 1 of the programme, cross-listed as 186 under the Taliban programme
    trust = by_key["jp-mof:テロリスト等 (1):1"]
    assert trust.name == "AL RASHID TRUST"
    assert "Al-Rasheed Trust" in trust.aliases
    # a bank of North Korea: aliases stacked Japanese over English, split on ；/;
    ftb = by_key["jp-mof:北朝鮮(協調;団体):1"]
    assert {"FTB", "Mooyokbank", "Korea Trading Bank", "ムヨクバンク"} <= set(ftb.aliases)


# -- METI Russia lists ---------------------------------------------------------------------------


def test_meti_ru_pdf_drawn_here() -> None:
    result = read_list(meti_ru_pdf(ru_entries()), "list_russia_tokutei.pdf", expected="russia")
    assert result.list_name == "russia"
    assert result.updated_on is not None and result.updated_on.isoformat() == "2025-09-12"
    assert [p.details["number"] for p in result.parties] == list(range(1, 13))
    fsb = result.parties[5]
    assert fsb.name == "Federal Security Service (FSB)"
    assert fsb.aliases == ("連邦保安庁", "Federalnaya Sluzhba Bezopasnosti")
    assert fsb.addresses == (
        "Ulitsa Kuznetskiy Most, Dom 22, Moscow 107031, Russia",
        "Lubyanskaya Ploschad, Dom 2, Moscow 107031, Russia",
    )
    rqc = result.parties[11]
    assert set(rqc.aliases) == {
        "国際量子光学・量子技術センター",
        "ロシア量子センター",
        "RQC",
        "Russian Quantum Center",
    }
    assert rqc.country == "RU"


def test_meti_ru_entry_lost_is_named() -> None:
    entries = ru_entries()
    numbers = [1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12]  # entry 7 lost: 8 follows 6
    body = meti_ru_pdf(entries[:6] + entries[7:], numbers=numbers)
    with pytest.raises(IncompleteTable, match="entry numbered 7 is missing"):
        read_list(body, "list_russia_tokutei.pdf")


def test_meti_ru_wrong_list_and_not_a_pdf() -> None:
    body = meti_ru_pdf(ru_entries()[:3], list_name="third_country")
    with pytest.raises(InputError, match="third_country list, expected russia"):
        read_list(body, "list_russia_tokutei.pdf", expected="russia")
    with pytest.raises(InputError, match="an HTML page"):
        read_list(b"<html><body>403</body></html>", "list_russia_tokutei.pdf")


@pytest.mark.parametrize(
    ("name", "list_name", "count"),
    [
        ("meti_list_russia_tokutei_20250912_full.ammitto.pdf", "russia", 561),
        ("meti_list_daisangoku_tokutei_20250912_full.ammitto.pdf", "third_country", 56),
        ("meti_list_belarus_tokutei_20220705_full.ammitto.pdf", "belarus", 27),
    ],
)
def test_real_meti_ru_pdfs(shared_fixtures: Path, name: str, list_name: str, count: int) -> None:
    result = read_list((shared_fixtures / "meti" / name).read_bytes(), name, expected=list_name)
    assert len(result.parties) == count
    assert [p.details["number"] for p in result.parties] == list(range(1, count + 1))
    assert all(p.name and p.addresses and p.aliases for p in result.parties)


def test_real_meti_ru_quirks(shared_fixtures: Path) -> None:
    folder = shared_fixtures / "meti"
    third = read_text(
        (folder / "meti_list_daisangoku_tokutei_20250912_pdfplumber_opensanctions.txt").read_text(),
        "daisangoku.txt",
    )
    qisu = third.parties[52]
    # Japanese and English on one line, the Chinese name in brackets after the English one
    assert qisu.name == "Hong Kong Qisu Electronic Technology Co Ltd"
    assert {"香港旗速電子有限公司", "香港旗速電子科技有限公司"} <= set(qisu.aliases)
    assert qisu.country == "CN"  # its first address is in Shenzhen
    assert third.parties[11].country == "HK"  # "…, Hong Kong, China"
    # aliases given as 別称： lines (the newer entries), Japanese then English
    ele = third.parties[47]
    assert {
        "イーエルイー・テクノロジー・コーポレーション・リミテッド",
        "ELE Technology CO LTD",
    } <= set(ele.aliases)
    assert third.parties[0].country == "AM"


def test_real_meti_ru_revision_diff(shared_fixtures: Path) -> None:
    """2025-01-10 → 2025-09-12: entries 560 and 561 appended, nothing else changed."""
    folder = shared_fixtures / "meti"
    before = read_text(
        (folder / "meti_list_russia_tokutei_20250110_pdfplumber_opensanctions.txt").read_text(), "a"
    )
    after = read_text(
        (folder / "meti_list_russia_tokutei_20250912_pdfplumber_opensanctions.txt").read_text(), "b"
    )
    diff = diff_list(
        "meti_ru",
        _prior(before.parties),
        after.parties,
        lists=["JP-METI-RU"],
        titles={},
        max_shrink=0.2,
        payload_index=0,
    )
    assert [(e.kind, e.key) for _, e in diff.events] == [
        (EventKind.ENTITY_ADDED, "jp-meti-ru:russia:560"),
        (EventKind.ENTITY_ADDED, "jp-meti-ru:russia:561"),
    ]
    added = diff.events[0][1]
    assert added.entity is not None and added.entity.name == "Alfa Machinery Group"
    assert "アルファ・マシナリー・グループ" in added.entity.aliases


def test_real_meti_ru_additions_annex_is_not_the_list(shared_fixtures: Path) -> None:
    name = "meti_20250912list_russia_tokutei_additions.ammitto.pdf"
    with pytest.raises(IncompleteTable, match="first numbered entry is 560: an additions annex"):
        read_list((shared_fixtures / "meti" / name).read_bytes(), name)


# -- MOFCOM notices ------------------------------------------------------------------------------


def _notice(name: str, url: str | None = None) -> Notice:
    body = (MOFCOM / name).read_bytes()
    return parse_notice(notice_text(body, "text/html", name), url or name)


def test_mofcom_parties_named_inline_and_in_an_annex() -> None:
    inline = _notice("uel_2026_20.html")
    assert (inline.notice_id, inline.published_on.isoformat(), inline.country) == (
        "UEL-2026-20",
        "2026-06-09",
        "US",
    )
    (measure,) = inline.measures
    assert measure.action == Action.ADDED and measure.list_code == "CN-UEL"
    assert [(p.name_zh, p.name_en) for p in measure.parties] == [
        ("萨罗尼克科技公司", "Saronic Technologies, Inc."),
        ("爱尔康公司", "Aerkomm Inc."),
        ("国际海洋工程公司", "Oceaneering International, Inc."),
    ]
    annex = _notice("uel_2026_21.html").measures[0]
    assert [p.name_en for p in annex.parties] == [
        "Dedrone by Axon",
        "DZYNE Technologies",
        "TechInsights Inc.",
        "Halifax International Security Forum",
    ]
    assert annex.parties[2].branches == ("TechInsights Japan KK", "TechInsights Korea Co. Ltd.")
    ecl = _notice("ecl_2026_30.html")
    assert (ecl.notice_id, ecl.measures[0].list_code, ecl.country) == (
        "MOFCOM-2026-30",
        "CN-ECL",
        "JP",
    )


def test_mofcom_suspension_and_stop() -> None:
    answer = _notice("qa_2026_12_01.html")
    assert answer.notice_id.startswith("MOFCOM-QA-2026-12-01-")
    suspend, stop = answer.measures
    assert (suspend.action, suspend.targets, str(suspend.until)) == (
        Action.SUSPENDED,
        ("UEL-2026-20",),
        "2027-03-01",
    )
    assert (stop.action, stop.targets) == (Action.REMOVED, ("UEL-2026-21",))
    replay = rebuild(
        [_notice(n) for n in ("uel_2026_20.html", "uel_2026_21.html", "qa_2026_12_01.html")]
    )
    uel = {p.name: p.details for p in replay.lists["CN-UEL"]}
    assert set(uel) == {
        "Saronic Technologies, Inc.",
        "Aerkomm Inc.",
        "Oceaneering International, Inc.",
    }
    assert {d["status"] for d in uel.values()} == {"suspended"}
    assert {d["suspended_until"] for d in uel.values()} == {"2027-03-01"}
    assert replay.removed_by["cn-uel:dedronebyaxon"] == "商务部新闻发言人答记者问 2026-12-01"


def test_mofcom_one_notice_at_two_urls_is_one_notice() -> None:
    first = _notice(
        "uel_2026_20.html", "https://www.mofcom.gov.cn/zwgk/zcfb/art/2026/art_uel20.html"
    )
    again = _notice(
        "uel_2026_20.html", "https://www.mofcom.gov.cn/aqygzj/art/2026/art_uel20_copy.html"
    )
    assert first.notice_id == again.notice_id
    replay = rebuild([first, again])
    assert len(replay.lists["CN-UEL"]) == 3


def test_mofcom_truncated_notice_and_pages_that_are_no_notice() -> None:
    with pytest.raises(IncompleteTable, match="announces 5 parties but 3 could be read"):
        _notice("uel_2026_23_truncated.html")
    with pytest.raises(InputError, match="changes no list"):
        _notice("not_a_notice.html")
    with pytest.raises(InputError, match="no date"):
        parse_notice("商务部关于印发通知", "https://www.mofcom.gov.cn/x.html")


def test_real_mofcom_notices_rebuild_both_lists(shared_fixtures: Path) -> None:
    folder = shared_fixtures / "mofcom" / "notices_ammitto"
    notices = []
    for path in sorted(folder.glob("*/*.md")):
        if path.parent.name == "anti-sanction-list":  # MFA countermeasures: not these lists
            continue
        notices.append(parse_notice(notice_text(path.read_bytes(), None, str(path)), str(path)))
    assert len(notices) == 24
    by_id = {n.notice_id: n for n in notices}
    assert len(by_id) == 24
    assert [p.name_en for p in by_id["UEL-2024-2"].measures[0].parties] == [
        "Boeing Defense, Space & Security"
    ]
    # 〔2024〕1号 "takes measures against three companies" but lists two (the third is warned)
    assert len(by_id["UEL-2024-1"].measures[0].parties) == 2
    assert by_id["UEL-2024-3"].measures == ()  # an investigation lists nobody
    replay = rebuild(notices)
    assert replay.warnings == []
    assert {code: len(parties) for code, parties in replay.lists.items()} == {
        "CN-UEL": 55,
        "CN-ECL": 102,
    }
    uel = {p.key: p for p in replay.lists["CN-UEL"]}
    # 〔2025〕7号: suspended 90 days, then again, then one more year from 2025-11-10
    skydio = uel["cn-uel:skydioinc"]
    assert (skydio.details["status"], skydio.details["suspended_until"]) == (
        "suspended",
        "2026-11-10",
    )
    # 〔2025〕5号 and 8号: measures stopped, so off the list
    assert "cn-uel:tcomlimitedpartnership" not in uel
    assert "cn-uel:shieldaiinc" not in uel
    assert uel["cn-uel:dedronebyaxon"].aliases == ("反无人机技术公司",)


# -- helpers -------------------------------------------------------------------------------------


def _prior(records: list[ListRecord]) -> Prior:
    return Prior(
        entries={
            r.key: SnapshotEntry(r.key, r.list_code, r.fingerprint(), r.to_json()) for r in records
        }
    )


def test_mofcom_answer_in_a_page_with_menus_is_not_taken_for_the_notice_it_quotes() -> None:
    """A site page: a menu entry "通知公告" before the heading, other notices' numbers quoted."""
    answer = _notice("qa_in_site_page.html")
    assert answer.notice_id.startswith("MOFCOM-QA-2026-12-01-")
    assert answer.title == "商务部新闻发言人就暂停不可靠实体清单措施答记者问"
    (suspend,) = answer.measures
    assert (suspend.action, suspend.targets) == (Action.SUSPENDED, ("UEL-2026-20",))


def test_mofcom_listing_links_to_notices_on_mofcom_sites_only() -> None:
    from regwatch.model import Payload
    from regwatch.sources.mofcom import MofcomLists, MofcomSettings

    page = Payload(
        url="https://www.mofcom.gov.cn/zwgk/zcfb/index.html",
        content_type="text/html; charset=utf-8",
        body=(
            '<ul><li><a href="https://aqygzj.mofcom.gov.cn/flzc/art/2026/a.html">'
            "不可靠实体清单工作机制公告〔2026〕20号</a></li>"
            '<li><a href="./art/2026/b.html"><span>商务部公告2026年第30号 '
            "出口管制管控名单</span></a></li>"
            '<li><a href="https://elsewhere.example/c.html">不可靠实体清单 解读</a></li>'
            '<li><a href="/zwgk/zcfb/art/2026/d.html">对外贸易高质量发展行动方案</a></li></ul>'
        ).encode(),
    )
    source = MofcomLists(MofcomSettings())
    assert source.notice_links(page) == [
        "https://aqygzj.mofcom.gov.cn/flzc/art/2026/a.html",
        "https://www.mofcom.gov.cn/zwgk/zcfb/art/2026/b.html",
    ]
