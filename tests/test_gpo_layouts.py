"""The layouts real BIS rules use, read by the GPO rule parser (fixtures written in
tests/fixtures/federal_register, modelled on real rule XML), the AMDPAR grammar and the
self-check against the totals a rule states."""

from __future__ import annotations

from pathlib import Path

import pytest

from regwatch._extraction import describe_extraction as describe
from regwatch.sources._gpo_amdpar import Context, read_instructions
from regwatch.sources._gpo_entities import parse_entity_rule, split_entity
from regwatch.sources._gpo_totals import read_announced

FIXTURES = Path(__file__).parent / "fixtures" / "federal_register"
EM = "\u2003"


def _parse(name: str):
    return parse_entity_rule((FIXTURES / name).read_bytes())


def test_blank_heads_a_header_row_in_the_body_and_one_entity_under_three_countries():
    rule = _parse("el_blank_heads_2023.xml")
    assert rule.document_number == "2023-93927" and rule.problems == []
    assert [(e.action, e.country, e.name) for e in rule.entries] == [
        ("added", "CN", "Beihai Lianda Precision Instruments Co., Ltd."),
        ("added", "CN", "Kestrel Photonics Co., Ltd."),
        ("added", "CN", "Tianjin Harbor Avionics Research Institute"),
        ("added", "FR", "Kestrel Photonics Co., Ltd."),
        ("added", "NL", "Kestrel Photonics Co., Ltd."),
        ("added", "RU", "Volga Component Trading LLC"),
        ("added", "RU", "Yenisei Machine Works JSC"),
    ]
    # the header row in the body is no entity
    assert not {"Entity", "Country"} & {e.name for e in rule.entries}
    kestrel_cn, kestrel_fr, kestrel_nl = (e for e in rule.entries if e.name.startswith("Kestrel"))
    aliases = ("Kestrel Photonics", "Shenzhen Kestrel Optoelectronics", "KPC")
    assert kestrel_cn.aliases == kestrel_fr.aliases == kestrel_nl.aliases == aliases
    # the entry continues on the next row, whose first cell is an em space
    assert kestrel_cn.addresses == (
        "Room 1203, Block B, Nanshan Science Park, Shenzhen, Guangdong, China",
        "No. 5 Keji Road, Dongguan, Guangdong, China",
    )
    assert kestrel_fr.addresses == ("12 Rue de la Paix, 75002 Paris, France",)
    assert kestrel_nl.country_heading == "NETHERLANDS"
    volga = rule.entries[5]
    assert volga.aliases == ("OOO Volga Komponent", "VCT")
    assert volga.license_review_policy == "Policy of denial. (See § 746.8(b) of the EAR)."
    assert volga.citation_text == "88 FR 12170, 2/27/23." and volga.page == 12174
    tianjin = rule.entries[2]
    assert tianjin.aliases == ("THARI",) and tianjin.addresses == (
        "66 Binhai Avenue, Tianjin, China",
    )
    # the totals the rule states, and the check against them
    assert rule.announced.entries == {("EL", "added"): 7}
    assert rule.announced.entities == {("EL", "added"): 5}
    assert rule.announced.destinations == {"EL": {"CN": 3, "FR": 1, "NL": 1, "RU": 2}}
    assert rule.extraction.status == "complete"
    assert rule.extraction.read == {"added": 7} and rule.extraction.announced == {"added": 7}


def test_combined_verbs_a_removal_in_the_instruction_only_and_meu_instructions():
    rule = _parse("el_meu_combined_verbs_2024.xml")
    assert rule.problems == [] and rule.lists == {"EL", "MEU"}
    assert [(e.action, e.list_code, e.country, e.name) for e in rule.entries] == [
        ("added", "EL", "CA", "Northern Lights Avionics Inc."),
        ("added", "EL", "CN", "Harbin Polar Sensor Co., Ltd."),
        # "by adding … an entry for “A” and by revising the entry for “B”": B is a revision
        ("revised", "EL", "CN", "Shanghai Deepwave Microsystems Co., Ltd."),
        ("added", "MEU", "RU", "Ural Aero Parts JSC"),
        ("removed", "EL", "RU", "Baltic Marine Supply LLC"),
    ]
    deepwave = rule.entries[2]
    assert deepwave.aliases == ("Deepwave Micro",)
    assert deepwave.citation_text == "85 FR 51596, 8/20/20. 89 FR 40012, 5/9/24."
    ural = rule.entries[3]
    # the MEU table has no heads: its three columns are told by their cells
    assert ural.aliases == ("UAP",) and ural.citation_text == "89 FR 40014, 5/9/24."
    assert ural.addresses == ("Ulitsa Mira 21, Yekaterinburg, 620002, Russia",)
    assert ural.license_requirement is None and ural.page == 40014
    assert rule.entries[4].row is None and rule.entries[4].country_heading == "RUSSIA"
    assert rule.extraction.status == "complete"
    assert rule.extraction.read == {"added": 3, "revised": 1, "removed": 1}
    assert rule.extraction.announced == {"added": 3, "revised": 1, "removed": 1}
    # "BIS added 103 entities" in the background is an earlier rule's total, not this one's
    assert rule.announced.entities[("MEU", "added")] == 1


def test_a_rule_whose_stated_totals_disagree_with_its_table_is_partial():
    rule = _parse("el_totals_disagree_2024.xml")
    assert len(rule.entries) == 11 and {e.action for e in rule.entries} == {"added"}
    assert [e.country for e in rule.entries].count("IR") == 3
    assert rule.entries[0].license_requirement == (
        "For all items subject to the EAR. (See § 744.11 of the EAR)."
    )
    extraction = rule.extraction
    assert extraction.status == "partial"
    assert extraction.read == {"added": 11} and extraction.announced == {"added": 13}
    assert extraction.disagreements == (
        "Entity List: the rule announces 13 added entities, regwatch read 11",
        "Entity List: the rule announces 9 added entries under CN, regwatch read 8",
        "Entity List: the rule announces 4 added entries under IR, regwatch read 3",
    )
    assert describe(extraction.to_json()) == (
        "regwatch read 11 of the 13 entries this rule announces: read the rule"
    )


def test_a_table_whose_columns_cannot_be_told_apart_fails_the_reading_not_the_parse():
    body = (FIXTURES / "el_totals_disagree_2024.xml").read_text()
    # two columns, no heads, no country or citation cells: nothing to tell them by
    start, end = body.index("<GPOTABLE"), body.index("</GPOTABLE>")
    table = '<GPOTABLE COLS="2"><ROW><ENT>x</ENT><ENT>y</ENT></ROW>'
    rule = parse_entity_rule((body[:start] + table + body[end:]).encode())
    assert rule.entries == []
    assert any("columns cannot be told apart" in p for p in rule.problems)
    assert rule.extraction.status == "failed"
    assert describe(rule.extraction.to_json()) == (
        "regwatch could not read the entries of this rule (it announces 13): read the rule"
    )


def test_a_header_row_is_never_an_entity_even_with_real_heads_and_repeated():
    body = (FIXTURES / "el_meu_combined_verbs_2024.xml").read_text()
    header = (
        '<ROW><ENT I="01">Country</ENT><ENT>Entity</ENT><ENT>License<LI>requirement</LI></ENT>'
        "<ENT>License<LI>review policy</LI></ENT><ENT>Federal Register citation</ENT></ROW>"
    )
    # a header row repeated after a page break, inside a table that has real heads
    body = body.replace("</BOXHD>", "</BOXHD>" + header, 1)
    rule = parse_entity_rule(body.encode())
    assert [e.name for e in rule.entries if e.list_code == "EL" and e.action != "removed"] == [
        "Northern Lights Avionics Inc.",
        "Harbin Polar Sensor Co., Ltd.",
        "Shanghai Deepwave Microsystems Co., Ltd.",
    ]


@pytest.mark.parametrize(
    ("paragraphs", "entries", "expected"),
    [
        (
            ["Under CHINA, PEOPLE'S REPUBLIC OF, by adding in alphabetical order an entry for "
             "“A Co.” and by revising the entry for “B Co.”"],
            [],
            [("added", "CN", ["A Co"]), ("revised", "CN", ["B Co"])],
        ),
        (
            ["3. Supplement No. 4 to part 744 is amended under CANADA:",
             "a. By adding in alphabetical order entries for “X” and “Y”;",
             "b. By removing the entry for “Z”; and",
             "c. By revising under RUSSIA, the entries for “R1” and “R2”."],
            [],
            [("added", "CA", ["X", "Y"]), ("removed", "CA", ["Z"]),
             ("revised", "RU", ["R1", "R2"])],
        ),
        (
            ["Supplement No. 4 to part 744 is amended by removing the entries for “A” under "
             "CHINA, PEOPLE'S REPUBLIC OF and “B” under the heading for RUSSIA."],
            [],
            [("removed", "CN", ["A"]), ("removed", "RU", ["B"])],
        ),
        (
            ["Supplement No. 4 to part 744 is amended by adding under BELGIUM, one Belgian "
             "entity, and under JAPAN, two Japanese entities."],
            [],
            [("added", "BE", []), ("added", "JP", [])],
        ),
        (
            ["Supplement No. 4 to part 744 is amended by adding under CANADA, entries for “X”; "
             "and Supplement No. 7 to part 744 is amended by adding under RUSSIA, an entry for "
             "“M”."],
            [],
            [("added", "CA", ["X"]), ("added", "RU", ["M"])],
        ),
        (
            ["The additions and revisions read as follows:"],
            [],
            [],
        ),
        (
            ["By revising under § 744.11 and under Supplement No. 4 to part 744 the entry for "
             "“Q” under CHINA, PEOPLE'S REPUBLIC OF."],
            [],
            [("revised", "CN", ["Q"])],
        ),
    ],
)  # fmt: skip
def test_every_verb_counts_for_the_names_after_it(paragraphs, entries, expected):
    context = Context(list_code="EL")
    read = [i for p in paragraphs for i in read_instructions(p, context)]
    assert [(i.action, i.country, i.names) for i in read] == expected
    assert context.unknown_places == []
    if len(expected) == 2 and expected[1][2] == ["M"]:
        assert [i.list_code for i in read] == ["EL", "MEU"]


@pytest.mark.parametrize(
    ("text", "entries", "entities", "destinations"),
    [
        (
            "BIS amends the EAR by adding 10 entities under 13 entries to the Entity List. "
            "These entries are under the destinations of Canada (2), China (5), France (1), "
            "Luxembourg (1), Netherlands (1), and Russia (3). This rule also revises two "
            "existing entries and removes one entity from the Entity List.",
            {("EL", "added"): 13, ("EL", "revised"): 2},
            {("EL", "added"): 10, ("EL", "removed"): 1},
            {"EL": {"CA": 2, "CN": 5, "FR": 1, "LU": 1, "NL": 1, "RU": 3}},
        ),
        (
            "This rule adds twenty-one entities to the Military End-User (MEU) List. In 2020 "
            "BIS added 103 entities.",
            {},
            {("MEU", "added"): 21},
            {},
        ),
        ("This rule revises the introductory text of the Entity List.", {}, {}, {}),
    ],
)
def test_the_totals_a_rule_states(text, entries, entities, destinations):
    announced = read_announced([text])
    assert announced.entries == entries
    assert announced.entities == entities
    assert announced.destinations == destinations


def test_em_space_cells_and_elision_rows_are_not_entries():
    row = f'<ROW><ENT I="22">{EM}</ENT>' + f"<ENT>{EM}</ENT>" * 4 + "</ROW>"
    body = (
        (FIXTURES / "el_blank_heads_2023.xml")
        .read_text()
        .replace("</GPOTABLE>", row + "</GPOTABLE>")
    )
    rule = parse_entity_rule(body.encode())
    assert len(rule.entries) == 7 and rule.problems == []


def test_list_punctuation_leaves_words_ending_in_and_alone():
    name, aliases, addresses = split_entity(
        "Rand Poland Sp. z o.o., a.k.a., the following two aliases:",
        ["—Rand Poland;", "—RPL; and", "ul. Marszalkowska 1, Warsaw, Poland; and"],
    )
    assert name == "Rand Poland Sp. z o.o."
    assert aliases == ("Rand Poland", "RPL")
    assert addresses == ("ul. Marszalkowska 1, Warsaw, Poland",)


def test_an_entry_split_over_a_page_break_with_its_citation_on_the_second_row():
    body = (FIXTURES / "el_blank_heads_2023.xml").read_text()
    # GPO splits the Tianjin entry: the address line and the citation go on the next row
    indent = "\n" + " " * 20
    first = (
        "<LI>—THARI.</LI><LI>66 Binhai Avenue, Tianjin, China.</LI></ENT>"
        f"{indent}<ENT>For all items subject to the EAR. (See § 744.11 of the EAR).</ENT>"
        f"{indent}<ENT>Presumption of denial.</ENT>"
        f"{indent}<ENT>88 FR 12170, 2/27/23.</ENT>"
    )
    split = (
        "<LI>—THARI.</LI></ENT>\n"
        "<ENT>For all items subject to the EAR. (See § 744.11 of the EAR).</ENT>\n"
        f'<ENT>Presumption of denial.</ENT><ENT>{EM}</ENT></ROW><PRTPAGE P="12175"/>'
        f'<ROW><ENT I="22">{EM}</ENT><ENT><LI>66 Binhai Avenue, Tianjin, China.</LI></ENT>'
        f"<ENT>{EM}</ENT><ENT>{EM}</ENT><ENT>88 FR 12170, 2/27/23.</ENT>"
    )
    assert first in body
    rule = parse_entity_rule(body.replace(first, split).encode())
    assert rule.problems == [] and rule.extraction.status == "complete"
    tianjin = next(e for e in rule.entries if e.name.startswith("Tianjin"))
    assert tianjin.aliases == ("THARI",)
    assert tianjin.addresses == ("66 Binhai Avenue, Tianjin, China",)
    assert tianjin.citation_text == "88 FR 12170, 2/27/23."
    assert tianjin.page == 12174  # the entry starts on the page before the break
