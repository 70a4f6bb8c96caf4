"""METI's End User List: editions read from PDF, CSV and XLSX, diffed into exactly the expected
events, refused whole when rows are lost, and ``listed_entity`` kept current for ``JP-EUL``."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from sqlalchemy import select

from regwatch.events import ChangeEvent, EventKind
from regwatch.exceptions import IncompleteTable, InputError
from regwatch.model import Changes
from regwatch.sources._eul_table import read_table
from regwatch.store import Batch, EventQuery, Store
from regwatch.store._schema import ListedEntity
from regwatch.timeutil import utcnow
from tests.support.eul_pdf import draw_eul_pdf, fixture_rows, rows_to_csv

CSV_NAME = "eul_20250929_records_rows1-30_sanctions-watch.csv"
JSON_NAME = "eul_20250929_entities_xyna-registry.json"


@pytest.fixture
def rows(shared_fixtures):
    return fixture_rows(shared_fixtures)


@pytest.fixture
def csv_rows(shared_fixtures):
    body = (shared_fixtures / "meti" / CSV_NAME).read_bytes()
    return read_table(body, CSV_NAME)


def open_store(tmp_path):
    return Store.open(f"sqlite:///{tmp_path / 'regwatch.db'}")


def events_of(cli, *args):
    return cli("events", "--source", "meti_eul", "--format", "json", *args).json()


def listed(tmp_path):
    with open_store(tmp_path) as store, store.read() as conn:
        table = ListedEntity.__table__
        return {r.key: r for r in conn.execute(select(table).where(table.c.list_code == "JP-EUL"))}


# -- reading editions -----------------------------------------------------------------------


def test_the_real_csv_rows_read_as_the_pdf_states_them(csv_rows):
    assert [r.no for r in csv_rows] == list(range(1, 31))
    first = csv_rows[0]
    assert (first.country, first.country_ja, first.country_en) == (
        "AF",
        "アフガニスタン",
        "Islamic Republic of Afghanistan",
    )
    assert first.name == "Al Qa'ida/Islamic Army"
    assert first.aliases[0] == "Al Qaeda" and len(first.aliases) == 8
    assert first.concerns == ("B", "C", "M", "N", "CW")
    assert csv_rows[1].concerns == ("B", "C", "N")  # no CW column value
    assert csv_rows[4].name == "Delta Engineering Concern FZE （DEC）"  # original kept
    assert csv_rows[26].aliases == (
        "Safe Technical Supply Co., LLC",
        "Safe Technical Equipment Services LLC",
        "Safe Technical",
        "SafeTech",
    )
    assert {r.country for r in csv_rows} == {"AF", "AE"}


def test_a_pdf_in_metis_layout_reads_exactly_like_the_csv(rows, csv_rows):
    # No. 22 (Pegasus General Trading FZE, six aliases) breaks across pages 2 and 3
    pdf = draw_eul_pdf(rows, split={22: 2})
    assert read_table(pdf, "20250929_3.pdf") == csv_rows


def test_a_pdf_with_unreadable_rows_names_them_and_reads_nothing(rows):
    pdf = draw_eul_pdf(rows, blank={17: "company", 23: "no"})
    with pytest.raises(IncompleteTable) as info:
        read_table(pdf, "20250929_3.pdf")
    assert info.value.lost == [
        "No. 17 (page 2): no company name",
        "the row after No. 22 (page 2): no readable No. "
        "(company 'PHENOMENA INTERNATIONAL GENERAL TRADING LLC')",
    ]
    assert "nothing was imported" in str(info.value)


def test_a_pdf_missing_rows_reports_the_gap(rows):
    pdf = draw_eul_pdf([r for r in rows if r["no"] not in (11, 12)])
    with pytest.raises(IncompleteTable) as info:
        read_table(pdf, "x.pdf")
    assert info.value.lost == ["No. 11 to 12: missing (the numbers jump from 10 to 13)"]


def test_not_a_pdf_or_a_list_at_all():
    from regwatch.sources._eul_table import read_pdf

    with pytest.raises(InputError, match="not a PDF"):
        read_pdf(b"<html>blocked</html>", "x.pdf")
    with pytest.raises(InputError, match=r"x\.pdf: cannot read the PDF"):
        read_table(b"%PDF-1.4 garbage", "x.pdf")
    with pytest.raises(InputError, match="no header row"):
        read_table(b"a,b,c\n1,2,3\n", "x.csv")
    with pytest.raises(InputError, match=r"x\.csv line 1: the header has no country, wmd column"):
        read_table("No.,企業名、組織名\n1,X\n".encode(), "x.csv")
    with pytest.raises(InputError, match="old Excel"):
        read_table(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "x.xls")


def _xyna_csv(shared_fixtures, *, drop_broken: bool = False) -> bytes:
    """The xyna-registry parse of all 835 rows, written as a six-column CSV."""
    records = json.loads((shared_fixtures / "meti" / JSON_NAME).read_text(encoding="utf-8"))
    records.sort(key=lambda r: int(r["id"].rsplit("-", 1)[1]))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["No.", "Country or Region", "Company or Organization", "Also Known As",
                     "Type of WMD", "Conventional Weapons"])  # fmt: skip
    no = 0
    for r in records:
        if drop_broken and not r["entity_name"]:
            continue
        no = no + 1 if drop_broken else int(r["id"].rsplit("-", 1)[1])
        parts = dict(p.split(": ", 1) for p in r["reason"].split("; "))
        wmd, cw = parts.get("大量破壊兵器等の懸念", ""), parts.get("通常兵器の懸念", "")
        writer.writerow([no, r["addresses"][0], r["entity_name"], "\n".join(r["aliases"]), wmd, cw])
    return out.getvalue().encode()


def test_the_real_broken_parse_of_835_rows_is_refused_naming_its_37_lost_rows(shared_fixtures):
    body = _xyna_csv(shared_fixtures)
    with pytest.raises(IncompleteTable) as info:
        read_table(body, "jp.json.csv")
    lost = info.value.lost
    assert len(lost) == 37
    assert all(p.endswith("): no company name") for p in lost)
    numbers = [int(p.split()[1]) for p in lost]
    assert numbers[:3] == [478, 479, 486] and numbers[-1] == 598
    # each problem points at the CSV line where its row starts
    lines = body.decode().splitlines()
    line = int(lost[0].split("(line ")[1].split(")")[0])
    assert lines[line - 1].startswith("478,")


def test_the_readable_798_rows_of_the_real_parse_import(shared_fixtures):
    rows = read_table(_xyna_csv(shared_fixtures, drop_broken=True), "jp.csv")
    assert len(rows) == 798
    records = json.loads((shared_fixtures / "meti" / JSON_NAME).read_text(encoding="utf-8"))
    readable = [r for r in records if r["entity_name"]]
    assert sum(r.cw for r in rows) == sum("CW" in r["reason"] for r in readable) == 232
    by_country = {}
    for r in rows:
        by_country[r.country] = by_country.get(r.country, 0) + 1
    assert by_country["IR"] == 257 and by_country["KP"] == 154 and by_country["CN"] == 90
    assert None not in by_country  # every country of the 2025 edition is known


# -- editions through the CLI ---------------------------------------------------------------


def _derived(rows):
    """An edition derived from rows 1-30: No. 3 and 7 removed, two rows added, an alias
    added to No. 4, CW added to No. 8, the rest renumbered."""
    kept = [dict(r) for r in rows if r["no"] not in (3, 7)]
    for r in kept:
        if r["name"] == "Candid General Trading LLC":
            r["aliases"] = [*r["aliases"], "Candid General Trading Co."]
        if r["name"] == "E and I Systems FZE":
            r["cw"] = "通常兵器 CW"
    kept.insert(
        0,  # real entries 32 and 33 of the 2025 edition (Yemen), as a new country for this test
        {"no": 0, "country_ja": "イエメン", "country_en": "Republic of Yemen",
         "name": "Al-Swari Trading and Import Co",
         "aliases": ["Alswari Trading & Import Co", "Al-Swari Group for Rubber Manufacturing",
                     "Hashem Brothers for International Trading"],
         "wmd": "ミサイル M", "cw": ""},
    )  # fmt: skip
    kept.insert(
        1,
        {"no": 0, "country_ja": "イエメン", "country_en": "Republic of Yemen", "name": "Houthi",
         "aliases": [], "wmd": "ミサイル M", "cw": ""},
    )  # fmt: skip
    for no, r in enumerate(kept, 1):
        r["no"] = no
    return kept


def test_edition_diff_gives_exactly_the_expected_events(cli, tmp_path, rows):
    (tmp_path / "base.csv").write_bytes(rows_to_csv(rows))
    (tmp_path / "next.pdf").write_bytes(draw_eul_pdf(_derived(rows), split={10: 1}))
    first = cli("import", "meti_eul", tmp_path / "base.csv", "--edition", "2025-09-29")
    assert first.code == 0, first
    assert "31 new" in first.stdout  # 30 entity.added + list.revised
    baseline = events_of(cli, "--kind", "entity.added")
    assert len(baseline) == 30 and all(e["data"]["baseline"] for e in baseline)

    second = cli("import", "meti_eul", tmp_path / "next.pdf", "--edition", "2026-03-31")
    assert second.code == 0, second
    new = [e for e in events_of(cli) if e["published_on"] == "2026-03-31"]
    summary = sorted((e["kind"], e["entity"]["name"] if e["entity"] else None) for e in new)
    assert summary == [
        ("entity.added", "Al-Swari Trading and Import Co"),
        ("entity.added", "Houthi"),
        ("entity.removed", "Al-Bairaq for international land transport"),
        ("entity.removed", "DIAMOND CASTLE ELECTRONICS TRADING LLC"),
        ("entity.revised", "Candid General Trading LLC"),
        ("entity.revised", "E and I Systems FZE"),
        ("list.revised", None),
    ]
    by_name = {e["entity"]["name"]: e for e in new if e["entity"]}
    candid = by_name["Candid General Trading LLC"]
    assert candid["changes"] == {
        "entity.aliases": [
            ["Candid Trading LLC"],
            ["Candid Trading LLC", "Candid General Trading Co."],
        ]
    }
    assert candid["revision"] == 2 and candid["list"] == "JP-EUL" and candid["country"] == "AE"
    assert "aliases +Candid General Trading Co." in candid["summary"]
    assert by_name["E and I Systems FZE"]["changes"] == {
        "entity.type_of_concern": [["N"], ["N", "CW"]]
    }
    houthi = by_name["Houthi"]
    assert (houthi["country"], houthi["entity"]["type_of_concern"]) == ("YE", ["M"])
    assert houthi["entity"]["country_name_ja"] == "イエメン"
    assert "baseline" not in houthi["data"]
    removed = by_name["Al-Bairaq for international land transport"]
    assert removed["country"] == "AE" and removed["related_key"] == "jp-eul:edition:2026-03-31"
    edition = next(e for e in new if e["kind"] == "list.revised")
    assert edition["data"] == {
        "edition": "2026-03-31",
        "previous_edition": "2025-09-29",
        "entities": 30,
        "countries": 3,
        "added": 2,
        "removed": 2,
        "revised": 2,
    }
    assert edition["summary"] == (
        "Compared with the edition of 2025-09-29: 2 added, 2 removed, 2 revised."
    )

    now = listed(tmp_path)
    assert len(now) == 30
    assert "jp-eul:ae:albairaqforinternationallandtransport" not in now
    assert now["jp-eul:ye:houthi"].listed_on == date(2026, 3, 31)
    candid_row = now["jp-eul:ae:candidgeneraltradingllc"]
    assert candid_row.aliases == ["Candid Trading LLC", "Candid General Trading Co."]
    assert candid_row.listed_on == date(2025, 9, 29)
    assert candid_row.details["type_of_concern"] == ["M"]

    again = cli("import", "meti_eul", tmp_path / "next.pdf", "--edition", "2026-03-31")
    assert "0 new, 0 revised, 7 unchanged" in again.stdout

    older = cli("import", "meti_eul", tmp_path / "base.csv", "--edition", "2025-01-01")
    assert older.code == 2
    assert "older than the edition of 2026-03-31 already imported" in older.stderr


def test_a_pdf_with_lost_rows_is_refused_through_the_cli_and_stores_nothing(cli, tmp_path, rows):
    (tmp_path / "20250929_3.pdf").write_bytes(draw_eul_pdf(rows, blank={17: "company"}))
    result = cli("import", "meti_eul", tmp_path / "20250929_3.pdf")
    assert result.code == 2
    assert "No. 17 (page 2): no company name" in result.stderr
    assert "nothing was imported" in result.stderr
    assert events_of(cli) == []
    assert listed(tmp_path) == {}


def test_the_edition_date_comes_from_the_file_name_or_must_be_given(cli, tmp_path, rows):
    (tmp_path / "20250929_3.pdf").write_bytes(draw_eul_pdf(rows))
    ok = cli("import", "meti_eul", tmp_path / "20250929_3.pdf")
    assert ok.code == 0, ok
    assert {e["published_on"] for e in events_of(cli)} == {"2025-09-29"}

    (tmp_path / "list.csv").write_bytes(rows_to_csv(rows))
    undated = cli("import", "meti_eul", tmp_path / "list.csv")
    assert undated.code == 2 and "give --edition YYYY-MM-DD" in undated.stderr

    two = cli("import", "meti_eul", tmp_path / "list.csv", tmp_path / "list.csv", "--edition",
              "2026-01-01")  # fmt: skip
    assert two.code == 2 and "import meti_eul files one at a time" in two.stderr
    bad = cli("import", "meti_eul", tmp_path / "list.csv", "--edition", "令和8年1月1日")
    assert bad.code == 2 and "expected a date as YYYY-MM-DD" in bad.stderr
    other = cli("import", "federal_register", tmp_path / "list.csv", "--edition", "2026-01-01")
    assert (
        other.code == 2 and "--edition: not an option of `import federal_register`" in other.stderr
    )


def test_two_editions_in_one_import_are_diffed_in_date_order(cli, tmp_path, rows):
    (tmp_path / "eul-20260331.csv").write_bytes(rows_to_csv(_derived(rows)))
    (tmp_path / "eul-20250929.csv").write_bytes(rows_to_csv(rows, japanese_headers=True))
    result = cli("import", "meti_eul", tmp_path / "eul-20260331.csv", tmp_path / "eul-20250929.csv")
    assert result.code == 0, result
    kinds = sorted(e["kind"] for e in events_of(cli) if e["published_on"] == "2026-03-31")
    assert kinds == ["entity.added"] * 2 + ["entity.removed"] * 2 + ["entity.revised"] * 2 + [
        "list.revised"
    ]


def test_xlsx_with_japanese_headers(cli, tmp_path, rows):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["外国ユーザーリスト"])  # a title row above the header, as spreadsheets have
    sheet.append(["No.", "国名、地域名", "企業名、組織名", "別名", "懸念区分", "通常兵器"])
    for r in rows:
        sheet.append([r["no"], f"{r['country_ja']} {r['country_en']}", r["name"],
                      "; ".join(r["aliases"]), r["wmd"], r["cw"]])  # fmt: skip
    book.save(tmp_path / "eul_20250929.xlsx")
    result = cli("import", "meti_eul", tmp_path / "eul_20250929.xlsx")
    assert result.code == 0, result
    added = events_of(cli, "--kind", "entity.added")
    assert len(added) == 30
    qaida = next(e for e in added if e["entity"]["name"] == "Al Qa'ida/Islamic Army")
    assert qaida["entity"]["type_of_concern"] == ["B", "C", "M", "N", "CW"]
    assert len(qaida["entity"]["aliases"]) == 8


def test_a_shrunken_edition_is_refused(cli, tmp_path, rows):
    (tmp_path / "eul-20250929.csv").write_bytes(rows_to_csv(rows))
    assert cli("import", "meti_eul", tmp_path / "eul-20250929.csv").code == 0
    short = [dict(r, no=i) for i, r in enumerate(rows[:20], 1)]  # a third of the list gone
    (tmp_path / "eul-20260331.csv").write_bytes(rows_to_csv(short))
    result = cli("import", "meti_eul", tmp_path / "eul-20260331.csv")
    assert result.code == 2
    assert "would remove 10 of 30 entities (more than 20%)" in result.stderr
    assert len(listed(tmp_path)) == 30


def test_the_count_announced_by_metis_release_must_match(cli, tmp_path, rows):
    # what the meti poller stores when it finds the release of a new edition
    announced = ChangeEvent(
        source="meti",
        kind=EventKind.LIST_REVISED,
        key="jp-eul:edition:2025-09-29",
        title="METI End User List: edition 2025-09-29 announced",
        url="https://www.meti.go.jp/press/2025/09/20250929006/20250929006.html",
        published_on=date(2025, 9, 29),
        effective_on=date(2025, 10, 9),
        list_code="JP-EUL",
        data={"edition": "2025-09-29", "announced_total": 835, "release_url": "https://x/r"},
        provisional=True,
    )
    assert cli("init").code == 0
    with open_store(tmp_path) as store:
        store.save_batch(Batch("meti", [], Changes(events=[(None, announced)]), utcnow()))
    (tmp_path / "20250929_3.csv").write_bytes(rows_to_csv(rows))
    result = cli("import", "meti_eul", tmp_path / "20250929_3.csv")
    assert result.code == 2
    assert "announced 835 entities" in result.stderr and "the file has 30" in result.stderr

    with open_store(tmp_path) as store:  # the release said 30: the import inherits its facts
        store.save_batch(
            Batch(
                "meti",
                [],
                Changes(events=[(None, _replace(announced, announced_total=30))]),
                utcnow(),
            )
        )
    assert cli("import", "meti_eul", tmp_path / "20250929_3.csv").code == 0
    with open_store(tmp_path) as store:
        versions = store.revisions("jp-eul:edition:2025-09-29")
        entity = store.events(EventQuery(kinds=("entity.added",), limit=1))[0]
    final = versions[-1].event
    assert not final.provisional and final.source == "meti_eul"
    assert final.effective_on == date(2025, 10, 9)
    assert final.url == announced.url
    assert final.data["announced_total"] == 30 and final.data["entities"] == 30
    assert entity.event.effective_on == date(2025, 10, 9)


def _replace(event: ChangeEvent, **data):
    from dataclasses import replace

    return replace(event, data={**event.data, **data})


def test_reimporting_a_corrected_file_of_the_same_edition_corrects_the_list(cli, tmp_path, rows):
    houthi = {"no": 31, "country_ja": "イエメン", "country_en": "Republic of Yemen",
              "name": "Houthi", "aliases": [], "wmd": "ミサイル M", "cw": ""}  # fmt: skip
    spurious = [*rows, houthi]
    (tmp_path / "wrong.csv").write_bytes(rows_to_csv(spurious))
    (tmp_path / "right.csv").write_bytes(rows_to_csv(rows))
    assert cli("import", "meti_eul", tmp_path / "wrong.csv", "--edition", "2025-09-29").code == 0
    assert "jp-eul:ye:houthi" in listed(tmp_path)
    fixed = cli("import", "meti_eul", tmp_path / "right.csv", "--edition", "2025-09-29")
    assert fixed.code == 0, fixed
    removal = events_of(cli, "--kind", "entity.removed")
    assert [(e["entity"]["name"], e["data"].get("correction")) for e in removal] == [
        ("Houthi", True)
    ]
    assert "jp-eul:ye:houthi" not in listed(tmp_path)
    assert len(listed(tmp_path)) == 30


def test_two_rows_naming_one_entity_are_refused(tmp_path, rows):
    from regwatch.sources._eul_diff import target_state

    doubled = [*rows, dict(rows[3], no=31)]
    table = read_table(rows_to_csv(doubled), "d.csv")
    with pytest.raises(InputError, match=r"No\. 4 and No\. 31 both list 'Candid General"):
        target_state(table, "d.csv")


def test_editions_and_listed_entities_on_every_backend(db_url, tmp_path, rows):
    """The same diff and the same listed_entity rows on SQLite and on PostgreSQL."""
    from regwatch.pipeline import import_files
    from regwatch.sources.meti_eul import MetiEndUserList, MetiEndUserListSettings

    (tmp_path / "eul-20250929.csv").write_bytes(rows_to_csv(rows))
    (tmp_path / "eul-20260331.pdf").write_bytes(draw_eul_pdf(_derived(rows)))
    source = MetiEndUserList(MetiEndUserListSettings())
    with Store.open(db_url, create=True) as store:
        first = import_files(store, source, [tmp_path / "eul-20250929.csv"])
        second = import_files(store, source, [tmp_path / "eul-20260331.pdf"])
        again = import_files(store, source, [tmp_path / "eul-20260331.pdf"])
        kinds = sorted(
            e.event.kind.value
            for e in store.events(EventQuery(sources=("meti_eul",), since=date(2026, 3, 31)))
        )
        with store.read() as conn:
            table = ListedEntity.__table__
            names = {r.name for r in conn.execute(select(table.c.name))}
    assert (len(first.new_ids), len(second.stored_ids), again.unchanged) == (31, 7, 7)
    assert kinds == ["entity.added"] * 2 + ["entity.removed"] * 2 + ["entity.revised"] * 2 + [
        "list.revised"
    ]
    assert (
        len(names) == 30
        and "Houthi" in names
        and "Al-Bairaq for international land transport" not in names
    )
