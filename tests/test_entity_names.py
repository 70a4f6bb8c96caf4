"""Keys, names, citations and country headings shared by the CSL and Federal Register sides."""

from __future__ import annotations

import pytest

from regwatch._entity_names import country_at
from regwatch.entities import (
    Citation,
    country_from_heading,
    disambiguate,
    entity_key,
    normalize_name,
    parse_citations,
    repair_text,
    same_party_name,
)


def test_key_is_list_country_and_normalized_name():
    assert entity_key("EL", "CN", "Huawei Technologies Co., Ltd.") == (
        "el:cn:huawei technologies co ltd"
    )
    assert entity_key("MEU", None, "X") == "meu:-:x"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # the CSL's \x92 (a Windows-1252 apostrophe read as Latin-1), the FR's ' and a lost ?
        (
            "Gui\x92an New District Huawei Investment Co., Ltd.",
            "guian new district huawei investment co ltd",
        ),
        (
            "Gui'an New District Huawei Investment Co., Ltd.",
            "guian new district huawei investment co ltd",
        ),
        (
            "Gui?an New District Huawei Investment Co., Ltd.",
            "guian new district huawei investment co ltd",
        ),
        # parenthetical acronyms come and go between revisions of one entry
        (
            "China Electronics Technology Group Corporation 13th Research Institute (CETC 13)",
            "china electronics technology group corporation 13th research institute",
        ),
        (
            "Huawei Technologies Research & Development Belgium NV",
            "huawei technologies research and development belgium nv",
        ),
        ("Société Générale  d’Études", "societe generale detudes"),
        ("ＳＺ ＤＪＩ Technology", "sz dji technology"),
    ],
)
def test_normalize_name(raw, expected):
    assert normalize_name(raw) == expected


def test_repair_text_fixes_mojibake_but_keeps_unknown_question_marks():
    assert repair_text("HA\x92Assif 19") == "HA’Assif 19"
    assert repair_text("Iran?s  Ministry") == "Iran's Ministry"
    assert repair_text("Soci?t?") == "Soci?t?"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("85 FR 83799", [(85, 83799)]),
        ("83 FR 37423; 87 FR 77505", [(83, 37423), (87, 77505)]),
        (
            "67 F.R. 56530 9/4/02 67 F.R. 10890 3/11/02 71 F.R. 38843 7/10/06",
            [(67, 56530), (67, 10890), (71, 38843)],
        ),
        (
            "82 F.R. 61745 12/29/2017,  83F.R. 28801 6/21/2018, 84 F.R. 27233 6/12/2019",
            [(82, 61745), (83, 28801), (84, 27233)],
        ),
        (
            "66 FR 24266, 77 FR 58006 (no. 182), 81 FR 64694",
            [(66, 24266), (77, 58006), (81, 64694)],
        ),
        ("76 FR 50407 (8/15/2011)", [(76, 50407)]),
        ("84 FR [INSERT FR PAGE NUMBER], 5/21/19.", []),
        ("", []),
    ],
)
def test_parse_citations_reads_every_real_form(text, expected):
    assert [(c.volume, c.page) for c in parse_citations(text)] == expected


def test_state_citations_have_an_issue_but_no_page():
    (citation,) = parse_citations("Vol. 88, No. 151, 08/08/2023")
    assert citation == Citation(88, None, 151)
    assert str(citation) == "Vol. 88, No. 151"


def test_country_headings():
    assert country_from_heading("CHINA, PEOPLE'S REPUBLIC OF") == "CN"
    assert country_from_heading("China, People’s Republic of") == "CN"
    assert country_from_heading("KOREA, NORTH") == "KP"
    assert country_from_heading("Türkiye") == "TR"
    assert country_from_heading("Atlantis") is None
    assert country_at("CHINA, PEOPLE'S REPUBLIC OF, in alphabetical order") == (
        "CHINA, PEOPLE'S REPUBLIC OF",
        "CN",
    )
    assert country_at("Chinatown, the entity") is None


def test_disambiguate_uses_citation_then_date_then_addresses():
    base = "el:af:qazi abdallah"
    taken = {base}
    first = disambiguate(base, taken, citations=[Citation(76, 71867)], start_date="2011-11-21")
    assert first == base + "#76fr71867"
    taken.add(first)
    second = disambiguate(base, taken, citations=[Citation(76, 71867)], start_date="2011-11-22")
    assert second == base + "#76fr71867~2011-11-22"
    taken.add(second)
    third = disambiguate(
        base, taken, citations=[Citation(76, 71867)], start_date="2011-11-22", addresses=["A"]
    )
    assert third.startswith(second + "~") and third not in taken
    assert disambiguate("el:cn:x", set()) == "el:cn:x"


def test_same_party_name_needs_two_words_for_a_prefix():
    assert same_party_name(
        "Gui'an New District Huawei Investment Co., Ltd.",
        "Gui’an New District Huawei Investment Co., Ltd., Guiyang, Guizhou",
    )
    assert not same_party_name("Huawei", "Huawei Technologies Co., Ltd.")
    assert not same_party_name("", "x")
