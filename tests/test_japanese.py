"""Japanese text: era dates, encodings, normalization and links; table-driven, bad input too."""

from __future__ import annotations

import json
from datetime import date

import pytest

from regwatch.exceptions import JapaneseDateError, ParseError
from regwatch.japanese import (
    decode,
    find_dates,
    fold,
    join_wrapped,
    kanji_number,
    name_key,
    normalize,
    parse_date,
    resolve_link,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("令和7年11月14日", date(2025, 11, 14)),
        ("令和8年2月14日", date(2026, 2, 14)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("令和７年１０月９日", date(2025, 10, 9)),  # full-width digits
        ("令和七年十月九日", date(2025, 10, 9)),  # kanji numerals
        ("令和 7 年 10 月 9 日", date(2025, 10, 9)),
        ("令和7年10月9日(水曜日)", date(2025, 10, 9)),  # weekday suffix, as in METI releases
        ("令和7年10月9日（水）", date(2025, 10, 9)),
        ("平成30年12月19日(水曜日)", date(2018, 12, 19)),
        ("平成31年4月30日", date(2019, 4, 30)),
        ("平成元年1月8日", date(1989, 1, 8)),
        ("昭和24年12月1日", date(1949, 12, 1)),
        ("昭和六十四年一月七日", date(1989, 1, 7)),
        ("㍻31年4月1日", date(2019, 4, 1)),  # the era ligature, NFKC → 平成
        ("2025年9月29日", date(2025, 9, 29)),
        ("２０２５年９月２９日", date(2025, 9, 29)),
        ("二〇二五年九月二十九日", date(2025, 9, 29)),
        ("2025/9/29", date(2025, 9, 29)),
        ("2025.10.09", date(2025, 10, 9)),
        (" 2026年6月16日 ", date(2026, 6, 16)),
    ],
)
def test_dates(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("令和7年2月30日", "February 2025 has 28 days"),
        ("令和6年2月30日", "February 2024 has 29 days"),
        ("令和7年13月1日", "month 13"),
        ("令和7年0月1日", "month 0"),
        ("令和7年4月31日", "April 2025 has 30 days"),
        ("平成0年1月1日", "平成 has no year 0"),
        ("令和元年4月30日", "outside the 令和 era"),  # that day was still 平成31年
        ("平成31年5月1日", "outside the 平成 era"),  # that day was already 令和元年
        ("平成32年1月1日", "outside the 平成 era"),  # no such year: the era had ended
        ("昭和64年1月8日", "outside the 昭和 era"),
        ("2025年2月29日", "February 2025 has 28 days"),
        ("令和7年十十月1日", "is not a number"),
        ("令和7年", "is not a date"),
        ("2025年9月29日と2025年9月30日", "is not a date"),  # two dates are not one date
        ("最終更新日", "is not a date"),
        ("", "is not a date"),
    ],
)
def test_impossible_or_malformed_dates_are_errors_not_guesses(text, message):
    with pytest.raises(JapaneseDateError) as info:
        parse_date(text)
    assert message in str(info.value)
    assert isinstance(info.value, ValueError) and isinstance(info.value, ParseError)


def test_find_dates_in_release_text(shared_fixtures):
    text = (shared_fixtures / "meti" / "meti_press_20251111001_text_excerpt.txt").read_text()
    found = [d for d, _ in find_dates(text)]
    # the release date, then 公布 令和7年11月14日 (施行 令和8年2月14… is cut off in the excerpt)
    assert found[:2] == [date(2025, 11, 11), date(2025, 11, 14)]


def test_find_dates_keeps_era_text_and_does_not_read_digits_twice():
    assert find_dates("公布:令和7年11月14日施行:1.(1)令和8年2月14日") == [
        (date(2025, 11, 14), "令和7年11月14日"),
        (date(2026, 2, 14), "令和8年2月14日"),
    ]
    with pytest.raises(JapaneseDateError, match="no such date"):
        find_dates("施行日: 令和8年2月30日")


@pytest.mark.parametrize(
    ("text", "value"),
    [("23", 23), ("２３", 23), ("二十三", 23), ("十", 10), ("十月", None), ("百九十四", 194),
     ("三百七十八", 378), ("二〇二五", 2025), ("千九百四十九", 1949), ("元", None), ("", None),
     ("十十", None)],
)  # fmt: skip
def test_kanji_numbers(text, value):
    if value is None:
        with pytest.raises(ValueError):
            kanji_number(text)
    else:
        assert kanji_number(text) == value


# -- encodings ------------------------------------------------------------------------------

PAGE = "<p>最終更新日：2026年6月16日 ①㈱</p>"


def _html(charset: str | None, text: str = PAGE) -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    return f"<html><head>{meta}</head><body>{text}</body></html>"


@pytest.mark.parametrize(
    ("body", "content_type", "encoding", "declared_by"),
    [
        (_html(None).encode("utf-8"), "text/html", "utf-8", "sniffed"),  # UTF-8, nothing declared
        (_html(None).encode("utf-8"), None, "utf-8", "sniffed"),
        # the server's default latin-1 never overrides a UTF-8 page (the anpo mojibake case)
        (_html(None).encode("utf-8"), "text/html; charset=ISO-8859-1", "utf-8", "sniffed"),
        (_html("Shift_JIS").encode("cp932"), "text/html", "cp932", "meta"),
        (_html(None).encode("cp932"), "text/html; charset=Shift_JIS", "cp932", "http"),
        (_html(None).encode("cp932"), "text/html; charset=windows-31j", "cp932", "http"),
        (_html(None).encode("cp932"), None, "cp932", "sniffed"),  # Shift_JIS, nothing declared
        (_html("EUC-JP").encode("euc_jp", "replace"), None, "euc_jp", "meta"),
        (
            b'<meta http-equiv="Content-Type" content="text/html; charset=shift_jis">'
            + PAGE.encode("cp932"),
            None,
            "cp932",
            "meta",
        ),
        (
            '<?xml version="1.0" encoding="Shift_JIS"?><rdf:RDF>最終更新日</rdf:RDF>'.encode(
                "cp932"
            ),
            "application/xml",
            "cp932",
            "xml",
        ),
        # a BOM wins over a wrong meta tag
        (b"\xef\xbb\xbf" + _html("Shift_JIS").encode("utf-8"), None, "utf-8", "bom"),
        # a header that names the wrong charset: the bytes are tried as declared, then sniffed
        (_html(None).encode("cp932"), "text/html; charset=utf-8", "cp932", "sniffed"),
        # an unknown charset name is ignored
        (_html("x-no-such-charset").encode("utf-8"), None, "utf-8", "sniffed"),
        (b"", "text/html", "utf-8", "sniffed"),
    ],
)
def test_encodings(body, content_type, encoding, declared_by):
    decoded = decode(body, content_type)
    assert (decoded.encoding, decoded.declared_by) == (encoding, declared_by)
    if "最終更新日".encode(encoding) in body:
        assert "最終更新日" in decoded.text
    if "①".encode(encoding, "replace") in body and encoding == "cp932":
        assert "①㈱" in decoded.text  # CP932, not strict Shift_JIS


def test_undecodable_bytes_are_a_clear_error():
    with pytest.raises(ParseError, match=r"listing\.html: cannot decode 6 bytes"):
        decode(b"\x80\xff\xfe\x81\x00\xff", "text/html", where="listing.html")


def test_the_real_mojibake_decodes_when_the_bytes_are_read_ourselves(shared_fixtures):
    # xyna-registry stored requests' r.text of the anpo page: UTF-8 read as ISO-8859-1.  Its
    # bytes, read with the server's (default) header, come out right here.
    state = json.loads(
        (
            shared_fixtures / "meti" / "anpo_index_crawler_state_mojibake_xyna-registry.json"
        ).read_text(encoding="utf-8")
    )
    mojibake = state["jp_meti"]["last_modified_text"]
    assert mojibake.startswith("æ")
    original = mojibake.encode("latin-1")
    decoded = decode(original, "text/html; charset=ISO-8859-1")
    assert decoded.text == "最終更新日：2026年6月16日"
    assert parse_date(decoded.text.split("：")[1]) == date(2026, 6, 16)


# -- normalization and links ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("Delta Engineering Concern FZE （DEC）", "Delta Engineering Concern FZE (DEC)"),
        ("ＦＺＥ　Ｌｔｄ", "FZE Ltd"),
        ("JLT–PH2", "JLT-PH2"),  # en dash between ASCII
        ("Ｓ－Ｐ", "S-P"),
        ("ｶﾞｲﾄﾞﾗｲﾝ", "ガイドライン"),
        ("コンピューター", "コンピューター"),  # the long vowel mark is not a dash
        ("「外国ユーザーリスト」を改正しました", "「外国ユーザーリスト」を改正しました"),
        ("㈱日本", "(株)日本"),
        ("  a \n b  ", "a b"),
    ],
)
def test_normalize(text, normalized):
    assert normalize(text) == normalized


def test_fold_and_name_key():
    assert fold("ＥＮＤ ＵＳＥＲ List") == "end user list"
    assert name_key("DES INTERNATIONAL CO., LTD.") == name_key("Des International Co Ltd")
    assert name_key("Mahrous Trading FZE") != name_key("Mahrus Trading FZE")
    assert name_key("中国航天科学技術工業集団有限公司") == "中国航天科学技術工業集団有限公司"


def test_join_wrapped_lines():
    assert join_wrapped(["The World Islamic Front for Jihad against Jews and", "Crusaders"]) == (
        "The World Islamic Front for Jihad against Jews and Crusaders"
    )
    assert join_wrapped(["中国航天科学技術工業集団有限公司第二研究院第二十", "三研究所"]) == (
        "中国航天科学技術工業集団有限公司第二研究院第二十三研究所"
    )


@pytest.mark.parametrize(
    ("href", "resolved"),
    [
        ("/press/2025/09/20250929006/20250929006.html",
         "https://www.meti.go.jp/press/2025/09/20250929006/20250929006.html"),
        ("20250929_3.pdf", "https://www.meti.go.jp/policy/anpo/20250929_3.pdf"),
        ("./law09.html", "https://www.meti.go.jp/policy/anpo/law09.html"),
        ("../../press/index.html", "https://www.meti.go.jp/press/index.html"),
        ("https://www.meti.go.jp/english/", "https://www.meti.go.jp/english/"),
        ("https://evil.example/meti.go.jp/x.pdf", None),  # another host
        ("javascript:void(0)", None),
        ("mailto:a@b", None),
        ("#top", None),
        ("", None),
    ],
)  # fmt: skip
def test_relative_links(href, resolved):
    base = "https://www.meti.go.jp/policy/anpo/index.html"
    assert resolve_link(base, href) == resolved


def test_links_to_listed_sister_hosts():
    base = "http://127.0.0.1:8080/press/index.html"
    assert resolve_link(base, "https://www.meti.go.jp/a.html", hosts=("meti.go.jp",)) == (
        "https://www.meti.go.jp/a.html"
    )
    assert resolve_link(base, "https://notmeti.go.jp/a.html", hosts=("meti.go.jp",)) is None


def test_dates_in_the_real_russia_page_text(shared_fixtures):
    text = (shared_fixtures / "meti" / "meti_russia_export_page_text_opensanctions.txt").read_text()
    found = find_dates(text)
    assert found[0] == (date(2022, 3, 18), "2022年3月18日")  # written ２０２２年３月１８日
    updated = text[text.index("最終更新日") :].split("：", 1)[1].split()[0]
    assert parse_date(updated) == date(2026, 10, 9)
