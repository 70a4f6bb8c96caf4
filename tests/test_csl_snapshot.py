"""The CSL parser and differ on the real recorded rows (current and older shapes)."""

from __future__ import annotations

import json

import pytest

from regwatch.entities import LIST_CODES
from regwatch.exceptions import ParseError
from regwatch.sources._csl_snapshot import diff_snapshot, entry_from_json, list_code_of
from regwatch.sources.csl import parse_snapshot
from tests.support.csl import (
    CSV_2018,
    CURRENT_CSV,
    bulk_json,
    csv_bytes,
    csv_rows,
    edit,
    legacy_records,
    without,
)

ALL = list(LIST_CODES)


def test_list_codes_from_every_source_string():
    for code, source in LIST_CODES.items():
        assert list_code_of(source) == code
    assert list_code_of("Part 561 List (561) - Treasury Department") == "561"
    assert list_code_of("no code here") is None


def test_current_csv_shape(shared_fixtures):
    snapshot = parse_snapshot((shared_fixtures / CURRENT_CSV).read_bytes(), ALL)
    assert snapshot.format == "csv" and snapshot.records == 13
    assert snapshot.counts == {
        "ISN": 1, "UVL": 1, "MEU": 1, "PLC": 2, "SDN": 1, "DTC": 1, "DPL": 1, "SSI": 3,
        "FSE": 1, "EL": 1,
    }  # fmt: skip
    by_list = {e.list_code: e for e in snapshot.entries}
    cetc = by_list["EL"]
    assert (
        cetc.name
        == "China Electronics Technology Group Corporation 13th Research Institute (CETC 13)"
    )
    # the acronym becomes an alias; the "and " artefact before the last alias is gone
    assert "CETC 13" in cetc.aliases and "CETC Research Institute 13" in cetc.aliases
    assert not any(a.lower().startswith("and ") for a in cetc.aliases)
    assert len(cetc.aliases) == 7
    # three addresses packed into one string with "; and"
    assert cetc.addresses == (
        "113 Hezuo Road, Shijiazhuang, Hebei, China",
        "21 Changsheng Street, Shijiazhuang, Hebei, China",
        "21 Changsheng Road, Shijiazhuang, Hebei, China, Shijiazhuang, Hebei Province, CN",
    )
    assert cetc.country == "CN"
    assert [(c.volume, c.page) for c in cetc.citations] == [(83, 37423), (87, 77505)]
    details = cetc.details()
    assert details["license_review_policy"].startswith("Policy of denial")
    assert details["federal_register_citations"] == ["83 FR 37423", "87 FR 77505"]
    isn = by_list["ISN"]
    assert isn.name == "Sinobright Import and Export Company"
    assert dict(isn.fields)["includes"] == "any successor, sub-unit, or subsidiary thereof"
    assert [str(c) for c in isn.citations] == ["Vol. 88, No. 151"]
    sdn = by_list["SDN"]
    assert sdn.addresses == ("Shenyang, CN", "Pyongyang, KP") and sdn.country == "CN"
    assert "Passport, 836238033, KP" in dict(sdn.fields)["ids"]


def test_only_watched_lists_are_kept(shared_fixtures):
    snapshot = parse_snapshot((shared_fixtures / CURRENT_CSV).read_bytes(), ["EL", "MEU"])
    assert sorted(e.list_code for e in snapshot.entries) == ["EL", "MEU"]
    assert snapshot.counts["SDN"] == 1  # still counted


def test_2018_csv_shape_and_mojibake(shared_fixtures):
    snapshot = parse_snapshot((shared_fixtures / CSV_2018).read_bytes(), ["EL", "UVL", "DPL"])
    assert snapshot.records == 115 and len(snapshot.entries) == 34
    names = [e.name for e in snapshot.entries]
    assert "Gui’an New District Huawei Investment Co., Ltd., Guiyang, Guizhou" in names
    leib = next(e for e in snapshot.entries if e.name == "A. Leib Ltd.")
    assert leib.addresses == ("HA’Assif 19, Binyamina, IL",)
    assert names.count("Gunther Migeotte") == 5
    dpl = next(e for e in snapshot.entries if e.name == "ADRIAN MANUEL HERNANDEZ")
    assert dpl.list_code == "DPL" and dpl.country is None  # the 2018 row has no country code


def test_legacy_json_records_and_names_with_aliases(shared_fixtures):
    records = legacy_records(shared_fixtures, "el", "uvl", "dpl", "isn", "dtc")
    snapshot = parse_snapshot(json.dumps(records).encode(), ALL)  # the older API: a bare list
    assert snapshot.format == "json" and len(snapshot.entries) == len(records)
    t2ba = next(e for e in snapshot.entries if e.name == "Training 2 Business Academy")
    assert t2ba.aliases == ("Academy of Business Training", "T2BA")
    farid = next(e for e in snapshot.entries if e.name == "Fazal Rahim Farid")
    assert farid.addresses[0] == "Microrayan 3rd Apt. 45, block #21, Kabul, AF"
    isn = next(e for e in snapshot.entries if e.name == "Abdul Qadeer Khan")
    assert isn.country == "PK"  # ISN records carry a top-level country
    dtc = next(e for e in snapshot.entries if e.name == "Bajro Hukic")
    assert dtc.aliases == ("Bab Hucici", "Bob Hukic") and dtc.country is None


def test_same_named_entries_get_distinct_stable_keys(shared_fixtures):
    snapshot = parse_snapshot((shared_fixtures / CSV_2018).read_bytes(), ["EL"])
    first = diff_snapshot({}, snapshot.entries, baseline_lists=["EL"])
    keys = [k for k, e in first.baseline if e.name == "Gunther Migeotte"]
    assert len(keys) == 5 == len(set(keys))
    assert "el:za:gunther migeotte" in keys
    # the same file again, shuffled: every entry keeps its key, nothing changes
    previous = {k: e for k, e in first.baseline}
    again = diff_snapshot(previous, list(reversed(snapshot.entries)))
    assert (again.added, again.removed, again.revised) == ([], [], [])
    assert again.unchanged == len(snapshot.entries)


def _keys(pairs):
    return sorted(k for k, *_ in pairs)


def test_two_snapshots_of_real_rows_give_exactly_the_expected_changes(shared_fixtures):
    records = legacy_records(shared_fixtures, "el", "uvl", "dpl")
    lists = ["EL", "UVL", "DPL"]
    first = parse_snapshot(bulk_json(records), lists)
    base = diff_snapshot({}, first.entries, baseline_lists=lists)
    assert len(base.baseline) == len(records) and not base.added
    previous = dict(base.baseline)
    # second snapshot: two parties delisted, two listed (real CSV rows, CSV shape), one edit
    header, rows = csv_rows(shared_fixtures, CURRENT_CSV)
    changed = edit(
        without(records, "Murat Peker", "Lion Chip Electronics Ltd"),
        "Fazel Khalil Construction Company",
        license_policy="Policy of denial.",
    )
    added = [
        dict(zip(header, r, strict=True))
        for r in rows
        if r[1].startswith(("Entity List", "Denied"))
    ]
    for record in added:
        record["addresses"] = [
            {"address": record["addresses"].rsplit(", ", 1)[0], "country": record["addresses"][-2:]}
        ]
        record["alt_names"] = record["alt_names"].split("; ") if record["alt_names"] else []
    second = parse_snapshot(bulk_json(changed + added), lists)
    diff = diff_snapshot(previous, second.entries)
    assert _keys(diff.removed) == ["el:tr:murat peker", "uvl:hk:lion chip electronics ltd"]
    assert _keys(diff.added) == [
        "dpl:us:i ash",
        "el:cn:china electronics technology group corporation 13th research institute",
    ]
    assert [(k, new.name) for k, _, new in diff.revised] == [
        ("el:af:fazel khalil construction company", "Fazel Khalil Construction Company")
    ]
    from regwatch.sources._csl_snapshot import changed_fields

    (_, old, new) = diff.revised[0]
    assert changed_fields(old, new) == {
        "entity.license_review_policy": ["Presumption of denial.", "Policy of denial."]
    }
    assert diff.unchanged == len(records) - 3


def test_the_same_snapshot_twice_changes_nothing(shared_fixtures):
    body = (shared_fixtures / CSV_2018).read_bytes()
    lists = ["EL", "UVL", "DPL", "SDN", "SSI"]
    base = diff_snapshot({}, parse_snapshot(body, lists).entries, baseline_lists=lists)
    stored = {k: entry_from_json(json.loads(json.dumps(e.to_json()))) for k, e in base.baseline}
    again = diff_snapshot(stored, parse_snapshot(body, lists).entries)
    assert again.changes() == 0 and again.unchanged == len(stored)


def test_an_address_edit_is_a_revision_not_a_removal(shared_fixtures):
    records = legacy_records(shared_fixtures, "uvl")
    base = dict(
        diff_snapshot(
            {}, parse_snapshot(bulk_json(records), ["UVL"]).entries, baseline_lists=["UVL"]
        ).baseline
    )
    moved = edit(
        records,
        "Dynasense Photonics Co., Limited",
        addresses=[{"address": "Unit 9, 1/F, Example Street 1, Wanchai", "country": "HK"}],
    )
    diff = diff_snapshot(base, parse_snapshot(bulk_json(moved), ["UVL"]).entries)
    assert not diff.added and not diff.removed
    ((key, _, new),) = diff.revised
    assert key == "uvl:hk:dynasense photonics co limited"
    assert new.addresses == ("Unit 9, 1/F, Example Street 1, Wanchai, HK",)


def test_a_rename_keeps_the_key_when_the_old_name_becomes_an_alias(shared_fixtures):
    records = legacy_records(shared_fixtures, "el")
    base = dict(
        diff_snapshot(
            {}, parse_snapshot(bulk_json(records), ["EL"]).entries, baseline_lists=["EL"]
        ).baseline
    )
    renamed = edit(records, "Murat Peker", name="Murat Peker Trading", alt_names=["Murat Peker"])
    diff = diff_snapshot(base, parse_snapshot(bulk_json(renamed), ["EL"]).entries)
    assert not diff.added and not diff.removed
    ((key, _, new),) = diff.revised
    assert key == "el:tr:murat peker" and new.name == "Murat Peker Trading"


def test_fresh_entries_adopt_the_key_a_federal_register_rule_gave_them(shared_fixtures):
    header, rows = csv_rows(shared_fixtures, CSV_2018)
    snapshot = parse_snapshot(csv_bytes(header, rows), ["EL"])
    adoptable = {
        "EL": [
            (
                "el:cn:guian new district huawei investment co ltd",
                "Gui'an New District Huawei Investment Co., Ltd.",
                (),
                "CN",
            )
        ]
    }
    diff = diff_snapshot({}, snapshot.entries, adoptable=adoptable)
    keys = dict((e.name, k) for k, e in diff.added)
    assert keys["Gui’an New District Huawei Investment Co., Ltd., Guiyang, Guizhou"] == (
        "el:cn:guian new district huawei investment co ltd"
    )


def test_truncated_json_is_a_parse_error(shared_fixtures):
    body = bulk_json(legacy_records(shared_fixtures, "el", "uvl"))
    with pytest.raises(ParseError, match="invalid or truncated JSON"):
        parse_snapshot(body[: len(body) // 2], ["EL"])


@pytest.mark.parametrize("cut", [0.5, 0.73, 0.9])
def test_truncated_csv_is_a_parse_error(shared_fixtures, cut):
    body = (shared_fixtures / CSV_2018).read_bytes()
    with pytest.raises(ParseError, match="line"):
        parse_snapshot(body[: int(len(body) * cut)], ["EL"])


def test_a_watched_record_without_a_name_fails_the_whole_snapshot(shared_fixtures):
    records = edit(legacy_records(shared_fixtures, "el"), "Murat Peker", name="  ")
    with pytest.raises(ParseError, match="record 2 \\(EL\\) has no usable name"):
        parse_snapshot(bulk_json(records), ["EL"])
    # an unwatched list's odd record does not matter
    parse_snapshot(bulk_json(records), ["UVL"])


def test_not_a_csl_file(shared_fixtures):
    with pytest.raises(ParseError, match="not a CSL CSV header"):
        parse_snapshot(b"a,b\n1,2\n", ["EL"])
    with pytest.raises(ParseError, match="list of records"):
        parse_snapshot(b'{"results": 3}', ["EL"])
    with pytest.raises(ParseError, match="empty"):
        parse_snapshot(b"   ", ["EL"])
