"""The GPO rule parser on documents written in the real grammar (tests/data/federal_register)."""

from __future__ import annotations

from pathlib import Path

import pytest

from regwatch.exceptions import ParseError
from regwatch.sources._gpo_entities import parse_entity_rule, split_entity

DATA = Path(__file__).parent / "data" / "federal_register"


def _parse(name: str):
    return parse_entity_rule((DATA / name).read_bytes())


def test_additions_under_several_countries():
    rule = _parse("el_additions_huawei_2019.xml")
    assert rule.document_number == "2019-90616" and rule.lists == {"EL"}
    assert rule.problems == []
    assert [(e.action, e.country, e.name) for e in rule.entries] == [
        ("added", "BE", "Huawei Technologies Research & Development Belgium NV"),
        ("added", "CN", "Gui'an New District Huawei Investment Co., Ltd."),
        ("added", "CN", "Hangzhou Huawei Digital Technology Co., Ltd."),
        ("added", "CN", "Huawei Technologies Co., Ltd."),
        ("added", "JP", "Huawei Technologies Japan K.K."),
        ("added", "GB", "Huawei Technologies (UK) Co., Ltd."),
    ]
    huawei = rule.entries[3]
    # the row continues CHINA from the rows above, and sits after a page break
    assert huawei.country_heading == "CHINA, PEOPLE'S REPUBLIC OF" and huawei.page == 22964
    assert huawei.addresses == ("Bantian Huawei Base, Longgang District, Shenzhen, 518129, China",)
    assert (
        huawei.license_requirement == "For all items subject to the EAR. (See § 744.11 of the EAR)"
    )
    assert huawei.license_review_policy == "Presumption of denial."
    assert huawei.citation_text == "84 FR 22964, 5/21/19."
    assert huawei.instruction.startswith("b. By adding under CHINA")
    assert rule.entries[5].instruction.startswith("d. By adding under the UNITED KINGDOM")


def test_a_revision_with_aliases_and_several_addresses_and_an_addition():
    rule = _parse("el_revision_addition_2022.xml")
    assert rule.document_number == "2022-97505"  # the en dash of older GPO XML normalized
    assert rule.problems == []
    revised, added = rule.entries
    assert (revised.action, revised.country) == ("revised", "CN")
    assert revised.name == (
        "China Electronics Technology Group Corporation 13th Research Institute (CETC 13)"
    )
    assert revised.aliases == (
        "Hebei Semiconductor Research Institute",
        "HSRI",
        "Hebei Institute of Semiconductors",
        "Hebei Semiconductor Institute",
        "Hebei Semiconductor",
        "CETC Research Institute 13",
    )
    assert revised.addresses == (
        "113 Hezuo Road, Shijiazhuang, Hebei, China",
        "21 Changsheng Street, Shijiazhuang, Hebei, China",
        "21 Changsheng Road, Shijiazhuang, Hebei, China",
    )
    # the footnote mark stays glued as printed (and as the CSL has it)
    assert revised.license_requirement == (
        "For all items subject to the EAR. (See §§ 734.9(g),3 746.8(a)(3), and 744.21(b) "
        "of the EAR)"
    )
    assert (added.action, added.name, added.aliases) == (
        "added", "Yangtze Memory Technologies Co., Ltd.", ("YMTC",),
    )  # fmt: skip
    assert added.addresses == (
        "No. 88 Weilai 3rd Road, East Lake High-tech Development Zone, Wuhan, Hubei, China",
    )


def test_a_removal_is_read_from_the_instruction_alone():
    rule = _parse("el_removal_2023.xml")
    (removed,) = rule.entries
    assert (removed.action, removed.list_code, removed.country, removed.name) == (
        "removed", "EL", "CN", "Institute of Forensic Science of China",
    )  # fmt: skip
    assert removed.row is None and rule.problems == []


def test_the_military_end_user_list_supplement_no_7():
    rule = _parse("meu_additions_2020.xml")
    (entry,) = rule.entries
    assert (entry.action, entry.list_code, entry.country) == ("added", "MEU", "CN")
    assert entry.name == "Academy of Aerospace Solid Propulsion Technology (AASPT)"
    assert entry.addresses == ("Tian Wang te Zi #1, Baqiao District, Xian, China",)
    assert entry.license_requirement is None and entry.citation_text == "85 FR 83799, 12/23/2020."


def test_malformed_rows_are_reported_with_the_document_number():
    rule = _parse("el_malformed_rows.xml")
    assert [e.name for e in rule.entries] == [
        "Huawei Technologies Research & Development Belgium NV"
    ]
    assert len(rule.problems) == 2
    six, empty = rule.problems
    assert six.startswith("2019-90617: Supplement No. 4 (Entity List) table row 2: 6 cells")
    assert "Huawei Technologies Japan K.K." in six
    assert empty.startswith("2019-90617: Supplement No. 4 (Entity List) table row 3 (under JAPAN)")
    assert "no entity name" in empty


def test_an_instruction_naming_an_entry_the_table_lacks_is_reported():
    body = (DATA / "el_revision_addition_2022.xml").read_bytes()
    body = body.replace(
        "an entry for “Yangtze".encode(),
        "entries for “Example Missing Co., Ltd.” and “Yangtze".encode(),
    )
    rule = parse_entity_rule(body)
    assert any("'Example Missing Co., Ltd'" in p and "no table row" in p for p in rule.problems)
    assert len(rule.entries) == 2


def test_a_removal_without_a_name_is_reported():
    body = (
        (DATA / "el_removal_2023.xml")
        .read_bytes()
        .replace("the entity “Institute of Forensic Science of China”".encode(), b"one entity")
    )
    rule = parse_entity_rule(body)
    assert rule.entries == []
    assert rule.problems and "names no entry" in rule.problems[0]


def test_rules_without_entity_changes():
    rule = parse_entity_rule(
        b"<RULE><REGTEXT TITLE='15' PART='744'><AMDPAR>1. Section 744.11 is revised.</AMDPAR>"
        b"</REGTEXT></RULE>"
    )
    assert rule.lists == set() and rule.entries == [] and not rule.has_entry_changes


def test_broken_xml_is_a_parse_error():
    with pytest.raises(ParseError, match="2024-00001: the full-text XML is not well-formed"):
        parse_entity_rule(b"<RULE><REGTEXT>", document_number="2024-00001")


def test_entities_are_not_expanded_and_nothing_is_fetched(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    body = f"""<?xml version="1.0"?>
<!DOCTYPE RULE [<!ENTITY leak SYSTEM "file://{secret}"><!ENTITY lol "lol">]>
<RULE><REGTEXT TITLE="15" PART="744">
<AMDPAR>Supplement No. 4 to part 744 is amended by adding under IRAN, one Iranian entity.</AMDPAR>
<GPOTABLE COLS="5"><BOXHD><CHED H="1">Country</CHED><CHED H="1">Entity</CHED>
<CHED H="1">License requirement</CHED><CHED H="1">License review policy</CHED>
<CHED H="1">Federal Register citation</CHED></BOXHD>
<ROW><ENT I="01">IRAN</ENT><ENT>Example &leak; &lol; Company, 1 Example Street, Tehran, Iran.</ENT>
<ENT>For all items subject to the EAR.</ENT><ENT>Presumption of denial.</ENT>
<ENT>89 FR 1</ENT></ROW>
</GPOTABLE></REGTEXT></RULE>""".encode()
    rule = parse_entity_rule(body)
    text = repr(rule.entries)
    assert "TOP-SECRET" not in text and "lollol" not in text
    assert rule.entries[0].country == "IR"


@pytest.mark.parametrize(
    ("main", "items", "expected"),
    [
        (
            "SZ DJI Technology Co., Ltd., a.k.a., the following one alias: —Shenzhen Dajiang "
            "Innovation Technology. 6F, HKUST SZ IER Building, No. 9 Yuexing 1st Road, "
            "Shenzhen, China.",
            [],
            (
                "SZ DJI Technology Co., Ltd.",
                ("Shenzhen Dajiang Innovation Technology",),
                ("6F, HKUST SZ IER Building, No. 9 Yuexing 1st Road, Shenzhen, China",),
            ),
        ),
        (
            "Gunther Migeotte, 1 River Street, Rosebank, Cape Town, 7700, South Africa; and "
            "P.O. Box 36623, Menlo Park, 102, South Africa.",
            [],
            (
                "Gunther Migeotte",
                (),
                (
                    "1 River Street, Rosebank, Cape Town, 7700, South Africa",
                    "P.O. Box 36623, Menlo Park, 102, South Africa",
                ),
            ),
        ),
        (
            "Institute of Forensic Science of China",
            [],
            ("Institute of Forensic Science of China", (), ()),
        ),
    ],
)
def test_split_entity_running_text(main, items, expected):
    assert split_entity(main, items) == expected
