"""Keywords, ECCNs, CFR references, countries and topics found in event text."""

from __future__ import annotations

import pytest

from regwatch.events import ChangeEvent, Entity, EventKind
from regwatch.matching import (
    TOPICS,
    CfrRef,
    KeywordMatcher,
    WatchItemSpec,
    WatchMatcher,
    eccn_matches,
    extract_cfr,
    extract_countries,
    extract_eccns,
    normalize_eccn,
    parse_cfr,
)


def test_keywords_respect_word_boundaries_in_latin_text_only():
    matcher = KeywordMatcher([("SEC", "sec"), ("semiconductor", "semi"), ("半導体", "ja")])
    text = "Secondary rules for SEMICONDUCTORS; 半導体製造装置の輸出; the ＳＥＣ said"
    found = {hit.payload: hit for hit in matcher.find(text)}
    assert set(found) == {"sec", "semi", "ja"}
    assert found["sec"].start == text.index("ＳＥＣ")  # full-width, found; "Secondary" was not
    assert "semiconductors" in found["semi"].context
    assert KeywordMatcher([("sec", 1)]).find("secondary sector") == []
    assert KeywordMatcher([("sanction", 1)]).find("sanctioned parties") == []


def test_dashes_are_unified_between_ascii_but_not_in_katakana():
    matcher = KeywordMatcher([("S-P", "sp"), ("データ", "data")])
    assert [h.payload for h in matcher.find("Regulation S\u2212P and データ")] == ["sp", "data"]
    assert KeywordMatcher([("テ-タ", 1)]).find("データ") == []


def test_eccns_are_extracted_and_compared_by_paragraph():
    text = "items in ECCNs 3A090.a, 4a090 and 5A992.c, EAR99 items; not order 2023A12345 or 3A09"
    assert extract_eccns(text) == ["3A090.a", "4A090", "5A992.c", "EAR99"]
    assert normalize_eccn("5a992.C") == "5A992.c"
    assert normalize_eccn("3A09") is None
    assert eccn_matches("3A090", "3A090.a") == "paragraph"
    assert eccn_matches("4A003.*", "4A003.b") == "paragraph"
    assert eccn_matches("4A003.*", "4A0031") is None
    assert eccn_matches("5A992.c", "5A992") == "parent"
    assert eccn_matches("3A090", "3A001") is None


def test_cfr_references_in_text_lists_and_instructions():
    text = "This rule amends 15 CFR parts 740, 744 and 746, and 15 C.F.R. § 734.9."
    assert extract_cfr(text) == [
        CfrRef(15, "740"),
        CfrRef(15, "744"),
        CfrRef(15, "746"),
        CfrRef(15, "734", "9"),
    ]
    assert parse_cfr("15 CFR 744.21") == CfrRef(15, "744", "21")
    with pytest.raises(ValueError, match="CFR reference"):
        parse_cfr("744")
    watched = parse_cfr("15 CFR 744")
    assert watched.covers(CfrRef(15, "744", "21")) and not watched.covers(CfrRef(15, "746"))


def test_countries_in_english_and_japanese():
    assert extract_countries("entities in China, the Russian Federation, Iran and 北朝鮮") == [
        "CN",
        "RU",
        "IR",
        "KP",
    ]
    assert extract_countries("IN US") == []  # codes are never guessed from running text


def test_every_topic_has_english_and_japanese_terms():
    ecra = [t for t in TOPICS.values() if "ECRA" in t.origin]
    assert len(ecra) == 14
    for topic in TOPICS.values():
        assert topic.terms_en and topic.terms_ja, topic.slug


def _event(**kw: object) -> ChangeEvent:
    base: dict[str, object] = {
        "source": "federal_register",
        "kind": EventKind.DOCUMENT_PUBLISHED,
        "key": "fr:2026-00001",
        "title": "Revisions to the EAR",
    }
    base.update(kw)
    return ChangeEvent(**base)  # type: ignore[arg-type]


def test_structural_items_match_without_keywords():
    matcher = WatchMatcher(
        [
            WatchItemSpec(1, 1, "cfr", "15 CFR 744.21"),
            WatchItemSpec(2, 1, "cfr", "15 CFR 746"),
            WatchItemSpec(3, 1, "country", "RU"),
            WatchItemSpec(4, 1, "topic", "quantum"),
            WatchItemSpec(5, 2, "eccn", "5A992.c"),
        ]
    )
    event = _event(
        summary="Controls on quantum computing items for Russia under ECCN 5A992.",
        data={
            "cfr_references": [{"title": 15, "part": "744"}],
            "amendatory_instructions": ["3. Section 744.21 is amended by revising paragraph (b)"],
        },
    )
    found = {f.watch_item_id: f for f in matcher.match(event)}
    assert set(found) == {1, 3, 4, 5}
    assert (found[1].tier, found[1].field) == ("alert", "data.amendatory_instructions")
    assert found[3].tier == "review"  # a country named in passing
    assert found[4].explanation["term"] == "quantum computing"
    assert found[5].tier == "review" and found[5].explanation["how"] == "parent"


def test_entity_events_use_names_aliases_and_country():
    matcher = WatchMatcher(
        [
            WatchItemSpec(1, 1, "entity", "Tokyo Precision Optics", {"country": "JP"}),
            WatchItemSpec(2, 1, "entity", "Nanjing Radar Works", {"aliases": ["NRW Co"]}),
            WatchItemSpec(
                3, 1, "entity", "Other Ltd", {"identifiers": ["LEI:5493001KJTIIGC8Y1R12"]}
            ),
        ]
    )
    event = _event(
        kind=EventKind.ENTITY_ADDED,
        key="el:x",
        title="Tokyo Precision Optics KK",
        country="CN",
        entity=Entity(
            "Tokyo Precision Optics K.K.",
            aliases=("NRW Company",),
            addresses=("1 Road, Shanghai, CN",),
            details={"ids": [{"type": "LEI", "number": "5493001KJTIIGC8Y1R12"}]},
        ),
    )
    found = {f.watch_item_id: f for f in matcher.match(event)}
    optics = found[1].explanation
    assert optics["qualifiers"] == [{"name": "country", "delta": -0.15, "detail": "JP ≠ CN"}]
    assert found[1].score == pytest.approx(optics["name_score"] - 0.15, abs=1e-3)
    assert found[2].field == "entity.aliases"
    assert found[3].score == 0.98 and found[3].explanation["qualifiers"][0]["name"] == "identifier"
