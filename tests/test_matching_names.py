"""The name matcher on Entity List style names, near misses, and the public benchmark."""

from __future__ import annotations

import csv

import pytest

from regwatch.matching import (
    ALERT_THRESHOLD,
    MATCHER_VERSION,
    REVIEW_THRESHOLD,
    explain_names,
    name_score,
)

SAME = [
    # abbreviations the Entity List uses (nomenklatura #274, #245)
    ("Guangzhou Haige Communications Group Co., Ltd.", "GUANGZHOU HAIGE COMM GRP"),
    ("CNOOC Energy Technology & Services Limited", "CNOOC ENERGY TECH & SRVCES LTD"),
    ("LUKOIL Oil Company", "LUKOIL OIL COMP"),
    ("Beijing Institute of Technology International", "Beijing Inst. of Tech. Intl"),
    # a place moved, dropped, or a suffix added by the list
    ("GUANGZHOU HAIGE", "HAIGE GUANGZHOU"),
    ("Haige Communications Group", "Guangzhou Haige Communications Group Incorporated Company"),
    ("Hikvision", "Hangzhou Hikvision Digital Technology Co., Ltd."),
    # legal forms as classes, in any script and position
    ("株式会社東芝", "東芝株式会社"),
    ("Toshiba Kabushiki Kaisha", "TOSHIBA K.K."),
    ("深圳市大疆创新科技有限公司", "大疆创新科技有限公司"),
    ("OOO Rostec", "Rostec LLC"),
    ("ООО Ростех", "Rostekh LLC"),
    ("ＨＵＡＷＥＩ　ＴＥＣＨＮＯＬＯＧＩＥＳ ＣＯ．，ＬＴＤ．", "Huawei Technologies Co., Ltd."),
    ("Sinobright Import and Export Company", "Sinobright Import & Export Co"),
    # typos within the edit budget, joined words, acronyms
    ("Samsung Electronics Co., Ltd.", "Samsong Electronics Co., Ltd."),
    ("Good Will Trading", "Goodwill Trading"),
    ("People's Liberation Army", "PLA"),
]

DIFFERENT = [
    ("13th Research Institute of CETC", "14th Research Institute of CETC"),
    ("China Electronics Technology Group Corporation 13th Research Institute",
     "China Electronics Technology Group Corporation 14th Research Institute"),
    ("Technology", "Huawei Technology Co., Ltd."),
    ("Acme Technology Co., Ltd.", "Zeta Technology Co., Ltd."),
    ("Shenzhen Trading Co", "Beijing Trading Co"),
    ("International Bank", "International Trading Company"),
    ("Deutsche Bank AG", "Deutsche Bank GmbH"),
    ("China National Pipeline Corporation", "China National Petroleum Corporation"),
    ("习近朋", "习近平"),
]  # fmt: skip


@pytest.mark.parametrize(("a", "b"), SAME)
def test_entity_list_style_variants_are_alerts(a, b):
    score = name_score(a, b)
    assert score >= ALERT_THRESHOLD, explain_names(a, b).to_json()
    assert name_score(b, a) >= ALERT_THRESHOLD  # the order of the arguments does not matter


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_near_misses_are_not_alerts(a, b):
    assert name_score(a, b) < ALERT_THRESHOLD, explain_names(a, b).to_json()


def test_a_shared_generic_word_alone_is_not_even_worth_review():
    for a, b in [
        ("Technology", "Huawei Technology Co., Ltd."),
        ("Management Company", "Westminster Management Company"),
        ("Global Trading Limited", "Global Trading Limited Partnership Hikvision"),
    ]:
        explanation = explain_names(a, b)
        assert explanation.score < REVIEW_THRESHOLD, explanation.to_json()
        assert any(q[0] == "no_distinctive_word" for q in explanation.qualifiers)


def test_numbers_that_differ_are_said_to_differ():
    explanation = explain_names("13th Research Institute", "14th Research Institute")
    assert explanation.score < REVIEW_THRESHOLD
    assert [q[0] for q in explanation.qualifiers] == ["number_mismatch"]
    assert name_score("13th Research Institute", "Thirteenth Research Institute") == 1.0


def test_the_explanation_shows_aligned_tokens_scores_and_qualifiers():
    e = explain_names("Guangzhou Haige Communications Group Co., Ltd.", "GUANGZHOU HAIGE COMM GRP")
    pairs = {(p.a, p.b): p for p in e.pairs}
    assert pairs[("haige", "haige")].score == 1.0
    assert pairs[("communications", "comm")].how == "abbreviation"
    assert pairs[("group", "grp")].kind == "legal_form"
    assert e.unmatched_a == ("co ltd",)  # kept as a class token, not deleted: it just weighs little
    data = e.to_json()
    assert data["schema"] == "Company" and data["score"] == e.score
    assert "haige=haige" in e.summary()
    moved = explain_names("Alpha Beta Gamma Delta", "Gamma Alpha Delta Beta")
    assert any(q[0] == "word_order" for q in moved.qualifiers)


def test_people_names_and_schemas():
    assert name_score("Putin, Vladimir", "Vladimir Putin", "Person") == 1.0
    assert name_score("Vladimir Vladimirovich Putin", "Vladimir Putin", "Person") >= ALERT_THRESHOLD
    assert name_score("Sergey Prigozhin", "Yevgeny Prigozhin", "Person") < REVIEW_THRESHOLD
    assert name_score("SALMAN BIN MUHAMMAD AL-RAWI", "MUHAMMAD BIN SALMAN AL-RAWI", "Person") < (
        ALERT_THRESHOLD
    )
    assert name_score("Barack Obama", "バラク・オバマ", "Person") >= ALERT_THRESHOLD
    with pytest.raises(ValueError, match="unknown schema"):
        name_score("a", "b", "Ship")


def test_thresholds_are_declared_once_and_ordered():
    assert 0 < REVIEW_THRESHOLD < ALERT_THRESHOLD < 1
    assert MATCHER_VERSION
    assert name_score("", "Huawei") == 0.0


def _f1_at_alert(rows):
    tp = fp = fn = 0
    for row in rows:
        truth = row["is_match"].strip().lower() == "true"
        predicted = name_score(row["name1"], row["name2"], row["schema"]) >= ALERT_THRESHOLD
        tp += truth and predicted
        fp += predicted and not truth
        fn += truth and not predicted
    precision = tp / (tp + fp)
    recall = tp / (tp + fn)
    return precision, recall, 2 * precision * recall / (precision + recall)


def test_name_benchmark_beats_the_target(shared_fixtures):
    """The issue's bar on the public benchmark half: F1 >= 0.82 with precision >= 0.80 at the
    pre-declared ALERT_THRESHOLD (logic-v2 gets F1 0.782 at 0.70 on these pairs)."""
    path = shared_fixtures / "matching" / "name_bench_dev.csv"
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 435
    precision, recall, f1 = _f1_at_alert(rows)
    assert precision >= 0.80 and f1 >= 0.82, (precision, recall, f1)


def test_the_name_index_finds_one_edit_variants_and_skips_lone_common_words():
    from regwatch.matching import NameIndex
    from regwatch.matching._analyze import analyze

    index: NameIndex[str] = NameIndex()
    index.add("haige", "Haige Communications Group")
    for variant in ("Haigee Comm", "Halge Group", "Hiage Ltd", "Aige Group", "Good Haige"):
        assert index.candidates(analyze(variant)), variant
    assert not index.candidates(analyze("Hxyge Group"))  # two edits: not blocked together
    found = index.search("GUANGZHOU HAIGE COMM GRP", threshold=0.8)
    assert [ref for ref, _ in found] == ["haige"]
    assert found[0][1].pairs  # the explanation is filled in for what is returned

    # A word in most names is not a key when the query has rarer words of its own.
    common: NameIndex[int] = NameIndex()
    for n in range(200):
        common.add(n, f"Zorblat{n:03d} Semiconductor")
    assert len(common.candidates(analyze("Quixotic Semiconductor"))) == 0
    assert len(common.candidates(analyze("Semiconductor"))) == 200


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("أحمد حسن", "Ahmed Hassan"),  # Arabic: consonants only, compared as consonants
        ("בנימין נתניהו", "Benjamin Netanyahu"),  # Hebrew
        ("Владимир Путин", "Vladimir Putin"),  # Cyrillic: transliterated
        ("习近平", "Xi Jinping"),  # Chinese: Pinyin, the syllables run together
    ],
)
def test_names_across_scripts(a, b):
    explanation = explain_names(a, b, "Person")
    assert explanation.score >= ALERT_THRESHOLD, explanation.to_json()
    assert explanation.score < 1.0  # a transliteration is never quite certain


def test_a_lone_consonant_across_scripts_is_only_worth_review():
    assert REVIEW_THRESHOLD <= name_score("علي", "Lee", "Person") < ALERT_THRESHOLD
