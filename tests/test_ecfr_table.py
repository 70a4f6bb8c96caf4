"""The codified Supplement No. 4 / No. 7 reader, on the fixtures written here (every real layout)
and on GPO's real eCFR bulk XML (the rendered table grammar)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from regwatch.exceptions import ParseError
from regwatch.sources._ecfr_table import (
    parse_supplement,
    parse_supplements,
    table_rows,
)

FIXTURES = Path(__file__).parent / "fixtures" / "ecfr"


def _read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_a_plain_version_gives_every_field_of_every_entry():
    supplement = parse_supplement(_read("supp4_v1.xml"), "EL")
    assert supplement.heading == "Supplement No. 4 to Part 744—Entity List"
    assert supplement.problems == []
    assert list(supplement.entries) == [
        "el:cn:alpha photonics co ltd",
        "el:cn:beta microelectronics ltd",
        "el:cn:gamma aerospace institute",
        "el:ru:delta radio jsc",
        "el:ae:epsilon trading fze",
    ]
    alpha = supplement.entries["el:cn:alpha photonics co ltd"]
    assert alpha.name == "Alpha Photonics Co., Ltd."
    assert alpha.country == "CN" and alpha.country_heading == "CHINA, PEOPLE'S REPUBLIC OF"
    assert alpha.aliases == ("Alpha Optics", "AP Tech")
    assert alpha.addresses == ("12 Kexue Road, Donghu District, Wuhan, Hubei",)
    assert alpha.license_requirement == (
        "For all items subject to the EAR. (See §§ 734.9(b) and 744.11 of the EAR)."
    )
    assert alpha.license_review_policy == "Presumption of denial."
    assert [str(c) for c in alpha.citations] == ["88 FR 12345"]
    # the country is written once; the rows below inherit it
    assert supplement.entries["el:cn:gamma aerospace institute"].country == "CN"
    epsilon = supplement.entries["el:ae:epsilon trading fze"]
    assert epsilon.addresses == ("P.O. Box 1234, Jebel Ali, Dubai",)


def test_blank_heads_header_row_in_the_body_and_the_real_layouts():
    supplement = parse_supplement(_read("supp4_layouts.xml"), "EL")
    assert supplement.problems == []
    entries = supplement.entries
    # the header row in the body is not an entry; elisions, [Reserved] and the note are skipped
    assert list(entries) == [
        "el:cn:kappa precision machinery co ltd",
        "el:cn:lambda research institute",
        "el:cn:mu aviation trading limited",
        "el:ae:mu aviation trading limited",
        "el:ae:nu general trading l l c",
    ]
    kappa = entries["el:cn:kappa precision machinery co ltd"]
    assert kappa.aliases == ("Kappa Machinery", "KPM", "Kappa Precision (Suzhou)")
    assert kappa.addresses == (
        "88 Jinji Lake Road, Suzhou Industrial Park, Suzhou, Jiangsu",
        "No. 6 Xinghu Street, Suzhou",
    )
    assert [str(c) for c in kappa.citations] == ["86 FR 18437", "89 FR 2000"]
    # a cell split over two rows (the first stops mid-sentence) is one entry
    lam = entries["el:cn:lambda research institute"]
    assert lam.addresses == (
        "Room 1201, Building 3, 100 Zhongguancun Street, Haidian District, Beijing",
    )
    assert lam.license_review_policy.startswith("Case-by-case review for items listed on the CCL")
    assert lam.row == 2
    # one party under two destinations: two listings, each pointing to the other
    mu_cn = entries["el:cn:mu aviation trading limited"]
    mu_ae = entries["el:ae:mu aviation trading limited"]
    assert mu_cn.addresses == ("Flat 8, 12/F, Nathan Road, Kowloon, Hong Kong",)
    assert mu_cn.see_also == ("United Arab Emirates",)
    assert mu_ae.addresses == ("Office 305, Al Qusais Industrial Area, Dubai",)
    assert mu_ae.see_also == ("China",)
    assert entries["el:ae:nu general trading l l c"].aliases == ("Nu Trading",)


def test_the_rendered_table_form_with_line_breaks_and_footnotes():
    supplement = parse_supplement(_read("supp4_table_html.xml"), "EL")
    assert supplement.problems == []
    kappa = supplement.entries["el:cn:kappa precision machinery co ltd"]
    assert kappa.aliases == ("Kappa Machinery", "KPM")
    assert kappa.addresses == ("88 Jinji Lake Road, Suzhou",)
    xi = supplement.entries["el:cn:xi semiconductor co ltd"]  # <E> emphasis read as text
    assert xi.name == "Xi Semiconductor Co., Ltd." and xi.country == "CN"
    assert len(supplement.entries) == 2  # the TFOOT footnote is not an entry


def test_the_meu_list_has_three_columns():
    supplement = parse_supplement(_read("supp7_v1.xml"), "MEU")
    assert list(supplement.entries) == [
        "meu:mm:omicron heavy industries",
        "meu:cn:pi aircraft corporation",
    ]
    pi = supplement.entries["meu:cn:pi aircraft corporation"]
    assert pi.aliases == ("PAC",) and pi.license_review_policy is None
    assert [str(c) for c in pi.citations] == ["85 FR 83799"]
    # asking a file for the other supplement is a clear error
    with pytest.raises(ParseError, match=r"no Supplement No\. 4 to Part 744"):
        parse_supplement(_read("supp7_v1.xml"), "EL", where="supp7_v1.xml")


def test_real_ecfr_bulk_xml_table_is_read_by_its_heads_and_is_not_an_entity_table(
    shared_fixtures,
):
    body = (shared_fixtures / "federal_register" / "gpo_bulk_ECFR-title1.xml").read_bytes()
    root = etree.fromstring(body)
    tables = list(root.iter("TABLE"))
    assert len(tables) == 1
    roles, rows = table_rows(tables[0])
    # headed "Received before 2:00 p.m. / Filed for public inspection / Published": no Country
    # or Entity column, so it is not read as a list, whatever its width
    assert roles is None and rows == []
    assert parse_supplements(body, where="ECFR-title1.xml") == {}


def test_a_real_table_renamed_as_an_entity_table_is_read_by_its_heads(shared_fixtures):
    """The real rendered grammar (TR/TH/TD with class and scope attributes, trailing newlines
    inside cells) with its heads renamed: the reader finds columns by what the heads say."""
    body = (shared_fixtures / "federal_register" / "gpo_bulk_ECFR-title1.xml").read_bytes()
    table = next(etree.fromstring(body).iter("TABLE"))
    heads = list(table.iter("TH"))
    for th, text in zip(heads, ("Federal Register citation", "Country", "Entity"), strict=True):
        th.text = text
    roles, rows = table_rows(table)
    assert roles == ("citation", "country", "entity")
    assert [r.cells["entity"] for r in rows] == [
        "Thursday",
        "Friday",
        "Monday",
        "Tuesday",
        "Wednesday",
    ]
    assert rows[0].cells["citation"] == "Monday"


def _one_table(rows: str, heads: str | None = None) -> bytes:
    heads = heads or (
        "<CHED H='1'>Country</CHED><CHED H='1'>Entity</CHED><CHED H='1'>License requirement"
        "</CHED><CHED H='1'>License review policy</CHED><CHED H='1'>Federal Register citation"
        "</CHED>"
    )
    return (
        "<DIV9 N='Supplement No. 4 to Part 744' TYPE='APPENDIX'><HEAD>Supplement No. 4 to Part "
        f"744—Entity List</HEAD><GPOTABLE COLS='5'><BOXHD>{heads}</BOXHD>{rows}</GPOTABLE></DIV9>"
    ).encode()


def test_bad_rows_are_reported_with_row_country_and_text_and_the_rest_is_read():
    body = _one_table(
        "<ROW><ENT>NARNIA</ENT><ENT>Omega Ltd., 1 Main Road, Cair.</ENT><ENT>x</ENT><ENT>y</ENT>"
        "<ENT>90 FR 1</ENT></ROW>"
        "<ROW><ENT>RUSSIA</ENT><ENT>Rho LLC, 2 Tverskaya, Moscow.</ENT><ENT>x</ENT><ENT>y</ENT>"
        "<ENT>90 FR 2</ENT><ENT>stray</ENT></ROW>"
        "<ROW><ENT/><ENT>Sigma JSC, a.k.a., the following three aliases:<LI>—S1; and</LI>"
        "<LI>—S2.</LI><LI>3 Arbat, Moscow.</LI></ENT><ENT>x</ENT><ENT>y</ENT><ENT>90 FR 3</ENT>"
        "</ROW>"
        "<ROW><ENT/><ENT/><ENT>For all items</ENT><ENT>Denial.</ENT><ENT>90 FR 4</ENT></ROW>"
    )
    supplement = parse_supplement(body, "EL", where="v.xml")
    assert list(supplement.entries) == ["el:-:omega ltd", "el:ru:sigma jsc"]
    problems = supplement.problems
    assert len(problems) == 4, problems
    assert "table row 1: unknown country heading 'NARNIA'" in problems[0]
    assert "table row 2 (under RUSSIA): 1 cell(s) beyond the table's 5 columns" in problems[1]
    assert "Rho LLC" in problems[1]
    assert "no entity name, but 'For all items; Denial.; 90 FR 4'" in problems[2]
    assert "'Sigma JSC' announces 3 alias(es) but lists 2" in problems[3]
    assert all(p.startswith("v.xml: Supplement No. 4 to Part 744, table row") for p in problems)


def test_not_xml_and_no_table_are_parse_errors_naming_the_input():
    with pytest.raises(ParseError, match=r"v9\.xml: the eCFR XML is not well-formed"):
        parse_supplement(b"<DIV9 N='Supplement No. 4 to Part 744'><HEAD>", "EL", where="v9.xml")
    empty = b"<DIV9 N='Supplement No. 4 to Part 744' TYPE='APPENDIX'><P>None.</P></DIV9>"
    with pytest.raises(ParseError, match="no entity table"):
        parse_supplement(empty, "EL", where="v9.xml")


def test_two_entries_of_one_name_under_one_country_keep_two_keys():
    body = _one_table(
        "<ROW><ENT>IRAN</ENT><ENT>Tau Company, 1 Azadi Street, Tehran.</ENT><ENT>x</ENT>"
        "<ENT>y</ENT><ENT>80 FR 100</ENT></ROW>"
        "<ROW><ENT/><ENT>Tau Company, 9 Valiasr Street, Tehran.</ENT><ENT>x</ENT><ENT>y</ENT>"
        "<ENT>81 FR 200</ENT></ROW>"
    )
    keys = list(parse_supplement(body, "EL").entries)
    assert keys == ["el:ir:tau company", "el:ir:tau company#81fr200"]
