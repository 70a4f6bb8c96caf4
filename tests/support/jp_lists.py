# ruff: noqa: E501  (rows of real list data are kept one row a line)
"""Japanese list files written here for the tests, in the real formats (not the ministries' files).

- :func:`mof_workbook`: the MOF sanctions workbook as ``.xlsx`` (openpyxl) or the old ``.xls``
  (xlwt), modelled on ``shisantouketsu20260305.xlsx``: an index sheet, one sheet per programme
  with title rows before a header row that starts with 告示日付, headers that differ between
  sheets, Japanese stacked over English in one cell, enumerated aliases, tombstone rows of
  removed parties, a lifted programme kept as a ``【解除】`` sheet, and cells continued over the
  rows below them;
- :func:`meti_ru_pdf`: METI's Russia / Belarus / third-country party list PDF, drawn with
  reportlab: the header naming the list with 指定日 and 最終更新日, then numbered entries (the
  first nine in full-width digits), Japanese name, English name with ``a.k.a.`` lines, 所在地.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

__all__ = ["MOF_BASELINE", "meti_ru_pdf", "mof_update", "mof_workbook", "ru_entries"]

Rows = list[tuple[Any, ...]]

_RU_HEADER = ("告示日付", "告示番号", "日本語表記", "英語表記", "別称・旧称", "所在地")
_NOTE = (
    "資産凍結等の措置の対象となるロシア連邦の団体及び個人（団体（特定銀行を除く））\n"
    "（注）資産凍結等の措置は、下記に掲げる団体により50％以上を所有されている団体にも適用されます。"
)

#: sheet title → rows (title rows, header, data), the baseline edition
MOF_BASELINE: dict[str, Rows] = {
    "一覧": [
        (None, None),
        ("\u3000このファイルは、外為法に基づく資産凍結等の措置の情報をExcel形式にしたものです。", None),
        (1, "ロシア連邦(団体)"),
        (2, "北朝鮮(協調；個人)"),
    ],
    "1.ロシア連邦(団体(特定銀行を除く))": [
        (_NOTE, None, None, None, None, None),
        _RU_HEADER,
        ("2022.3.1", "1", "ロシア連邦中央銀行", "Central Bank of the Russian Federation", None,
         "12 Neglinnaya Str., Moscow, 107016, Russian Federation"),
        ("2022.3.18", "2", "株式会社ロスオボロンエクスポルト", "JSC Rosoboronexport",
         "ロスオボロンエクスポルト\nRosoboronexport",
         "Strada Strominka 27, Moscow, 107076, Russian Federation"),
        ("2022.3.18\n2023.1.27改訂", "3", "株式会社クルガンマシュザヴォド", "JSC Kurganmashzavod",
         None, "17 1J Mashinostroitely Ave., Kurgan, 640021, Russian Federation"),
        ("2022.5.10", "4", "株式会社ウラルヴァゴンザヴォド", "JSC Uralvagonzavod", None,
         "28 Vostochnoe Shosse, Nizhny Tagil, 622007, Russian Federation"),
        ("2022.3.8削除", "5", None, None, None, None),
    ],
    "2.北朝鮮(協調；個人) ": [
        ("国際平和のための国際的な努力に我が国として寄与するために講ずる資産凍結等の措置の対象となる",),
        ("北朝鮮の核その他の大量破壊兵器及び弾道ミサイル関連計画に関与する者（個人）",),
        ("告 示 日 付", "告示番号", "氏名\nName", "別称・別名", "役職", "生年月日"),
        ("2016.12.9", "1(#12)", "キム・ヨンチョル\nKIM Yong Chol", "キム・ヨンチョル；キム・ヨンチュル\nKim Yong-chol; Kim Yong Chul",
         "朝鮮労働党中央委員会副委員長\nVice-Chairman of the WPK Central Committee",
         datetime(1946, 1, 1)),
        (None, None, None, None, "偵察総局長（前職）\nFormer Director of the RGB", None),
        ("2017.8.25", "2", "チェ・チュンリョン\nCHOE Chun Yong", None, None, 22882),
    ],
    "3.【解除】リベリア": [
        ("リベリア前政権の高官又はその関係者等",),
        ("【2015年12月18日告示廃止】",),
    ],
    "4.テロリスト等": [
        ("テロリスト等", None, "先進主要７か国が協調して資産凍結の措置を実施する対象となるテロリスト等"),
        (None, None, "（注）*で標記した個人及び団体は、タリバーン関係者等にも重複して指定されている。"),
        ("告示日付", "告示番号", "日本語表記", "英語表記", "別名", "旧称", "住所・所在地"),
        ("2002.4.20\n2012.9.28改訂", "1(*186)", "アル・ラシード信託", "AL RASHID TRUST",
         "(a)アル・ラシード信託(b)ウレマ援助組織（パキスタン）\n(a.k.a.: (a)Al-Rasheed Trust (b)Aid Organization of the Ulema, Pakistan)",
         "不明", "(a)Kitas Ghar, Nazimabad 4, Karachi, Pakistan (b)Jamia Maajid, Lahore, Pakistan"),
        ("2008.3.26削除", "2", None, None, None, None, None),
    ],
}  # fmt: skip


def mof_update() -> dict[str, Rows]:
    """The next edition: No. 6 added, No. 2's aliases revised, No. 3 removed (a tombstone)."""
    book = {title: list(rows) for title, rows in MOF_BASELINE.items()}
    sheet = "1.ロシア連邦(団体(特定銀行を除く))"
    rows = book[sheet]
    rows[3] = (
        "2022.3.18\n2026.12.1改訂", "2", "株式会社ロスオボロンエクスポルト", "JSC Rosoboronexport",
        "ロスオボロンエクスポルト；ロソボロン\nRosoboronexport; Rosoboron",
        "Strada Strominka 27, Moscow, 107076, Russian Federation",
    )  # fmt: skip
    rows[4] = ("2026.12.1削除", "3", None, None, None, None)
    rows.append(
        ("2026.12.1", "6", "株式会社カラシニコフ・コンツェルン", "Kalashnikov Concern JSC", None,
         "3 Deryabin Proyezd, Izhevsk, 426006, Russian Federation")
    )  # fmt: skip
    return book


def mof_workbook(sheets: Mapping[str, Rows], fmt: str = "xlsx") -> bytes:
    """The workbook as bytes, ``xlsx`` or ``xls``."""
    if fmt == "xls":
        import xlwt

        xls = xlwt.Workbook(encoding="utf-8")
        date_style = xlwt.easyxf(num_format_str="yyyy/mm/dd")
        for title, rows in sheets.items():
            # .xls sheet names may not hold some characters and are at most 31 long
            sheet = xls.add_sheet(title.replace("：", ":")[:31])
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    if value is None:
                        continue
                    if isinstance(value, datetime):
                        sheet.write(r, c, value, date_style)
                    else:
                        sheet.write(r, c, value)
        out = io.BytesIO()
        xls.save(out)
        return out.getvalue()
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title[:31])
        for row in rows:
            sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- METI Russia lists ------------------------------------------------------------------------

_RU_TITLES = {
    "russia": "○ 国際平和のための国際的な努力に我が国として寄与するために講ずる輸出等に係る禁止措置\n"
    "の対象となるロシア連邦の団体（令和四年外務省告示第八十二号）",
    "third_country": "○ ウクライナをめぐる国際平和のための国際的な努力に我が国として寄与す\n"
    "るために講ずる輸出等に係る禁止措置の対象となるロシア連邦及びベラルーシ共和国以外の国の団体を"
    "指定する件（令和五年外務省告示第四百四十七号）",
}

#: (Japanese name lines, English lines (aliases as "-…" lines), address lines)
Entry = tuple[Sequence[str], Sequence[str], Sequence[str]]


def ru_entries() -> list[Entry]:
    """Entries 1-12 of the Russia list as METI prints them (from the 2025-09-12 list)."""
    return [
        (["株式会社アドミラルティ造船所"], ["Admiralty Shipyard JSC"],
         ["203, Fontanka Emb., 190121, St. Peterburg, Russia."]),
        (["アレクサンドロフ名称科学技術研究所"],
         ["Aleksandrov Scientific Research Technological Institute NITI"],
         ["Koporskoe Highway, House 72, Sosnovy Bor, Russia."]),
        (["有限責任会社アルグト"], ["Argut OOO"], ["6 Mnevniki str end 6 fl, Moscow 123308, Russia."]),
        (["国防省通信センター"], ["Communication center of the Ministry of Defence"],
         ["Bolshoi Znamenskiy per. 21, Moscow, Russia."]),
        (["ボレスコフ名称触媒研究センター"], ["Federal Research Center Boreskov Institute of Catalysis"],
         ["pr. Lavrentieva 5, Novosibirsk 630090, Russia."]),
        (["連邦保安庁"],
         ["Federal Security Service (FSB), a.k.a., the following one alias:",
          "-Federalnaya Sluzhba Bezopasnosti"],
         ["Ulitsa Kuznetskiy Most, Dom 22, Moscow 107031, Russia; and Lubyanskaya",
          "Ploschad, Dom 2, Moscow 107031, Russia."]),
        (["ロシア大統領府連邦国家予算機関"],
         ["Federal State Budgetary Enterprise of the Administration of the President of Russia"],
         ["1-ya Reysovaya Street, 1, Moscow 119027, Russia."]),
        (["ロシア大統領府連邦国家予算機関特別飛行部隊「Russia」"],
         ["Federal State Budgetary Enterprise Special Flight Unit Rossiya of the Administration",
          "of the President of Russia"],
         ["1-ya Reysovaya Street, 1, Moscow 119027, Russia."]),
        (["連邦国家単一企業ドゥホフ名称オートメーション研究所"],
         ["Federal State Unitary Enterprise Dukhov Automatics Research Institute (VNIIA)"],
         ["22, Sushchevskaya UI, Moscow 127055RU."]),
        (["対外諜報庁"], ["Foreign Intelligence Service (SVR)"], ["Yasenevo 11 Kolpachny, Moscow, 0101000."]),
        (["内務省ニジニ・ノヴゴロド本部専門法科学センター"],
         ["Forensic Center of Nizhniy Novgorod Region Main Directorate of the Ministry of",
          "Interior Affairs"],
         ["Gorkiy Street, 71, Nizhniy Novgorod 603950, Russia."]),
        (["国際量子光学・量子技術センター（別称、ロシア量子センター及び RQC）"],
         ["International Center for Quantum Optics and Quantum Technologies LLS, a.k.a. the",
          "following two aliases:", "-Russian Quantum Center; and", "-RQC"],
         ["Business-center “Ural,” 100 Novaya Street, Skolkovo, Moscow, 143025, Russia;",
          "and 30 Bolshoy Blvd, Bldg 1, Moscow, 121205, Russia."]),
    ]  # fmt: skip


_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def meti_ru_pdf(
    entries: Sequence[Entry],
    *,
    list_name: str = "russia",
    updated: str = "2025 年09 月12 日",
    first_number: int = 1,
    per_page: int = 5,
    numbers: Sequence[int] | None = None,
) -> bytes:
    """The list as METI's PDF lays it out: ``per_page`` entries a page (an entry can continue
    on the next page), numbers 1-9 in full-width digits."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    font = "HeiseiKakuGo-W5"
    pdfmetrics.registerFont(UnicodeCIDFont(font))
    lines: list[str] = [*_RU_TITLES[list_name].splitlines(), "指定日：2022 年03月01 日"]
    lines.append(f"最終更新日：{updated}")
    breaks: set[int] = set()
    for index, (ja, en, address) in enumerate(entries):
        number = numbers[index] if numbers else first_number + index
        label = str(number).translate(_FULL_WIDTH) if number < 10 else str(number)
        if index and index % per_page == 0:
            breaks.add(len(lines) + 2)  # a page break inside the entry, after its English name
        lines.append(f"{label} {ja[0]}")
        lines += list(ja[1:]) + list(en)
        lines.append(f"所在地：{address[0]}")
        lines += list(address[1:])
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    y = 800.0
    for index, line in enumerate(lines):
        if index in breaks or y < 60:
            pdf.showPage()
            y = 800.0
        pdf.setFont(font, 9)
        pdf.drawString(40, y, line)
        y -= 13
    pdf.showPage()
    pdf.save()
    return out.getvalue()
