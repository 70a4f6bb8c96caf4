"""OFAC's files read into records: the real recorded CSVs, and fixtures written here in the
SDN.XML, CONSOLIDATED.XML, headerless CSV and delta formats."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from regwatch.exceptions import ParseError
from regwatch.sources._ofac_delta import apply_deltas
from regwatch.sources._ofac_parse import (
    CsvFile,
    consolidated_list,
    list_code_for_name,
    parse_csv_set,
    parse_delta,
    parse_export_xml,
)

HERE = Path(__file__).parent / "fixtures" / "ofac"


def _read(name: str) -> bytes:
    return (HERE / name).read_bytes()


def _csv(name: str) -> CsvFile:
    return CsvFile(_read(name), name)


def _sdn_csv(day: str) -> Any:
    return parse_csv_set(
        _csv(f"SDN_{day}.CSV"),
        _csv(f"ADD_{day}.CSV"),
        _csv(f"ALT_{day}.CSV"),
        _csv(f"SDN_COMMENTS_{day}.CSV"),
    )


# -- the real recorded files --------------------------------------------------------------------


def test_real_consolidated_csv_set_joins_on_the_entry_number(shared_fixtures: Path) -> None:
    folder = shared_fixtures / "ofac"

    def real(kind: str) -> CsvFile:
        name = f"ofac_cons_{kind}_2025-12.watchman.csv"
        return CsvFile((folder / name).read_bytes(), name)

    found = parse_csv_set(
        real("prim"), real("add"), real("alt"), real("comments"), consolidated=True
    )
    records = found.records
    assert len(records) == 442
    codes = {r.list_code for r in records.values()}
    assert codes == {"SSI", "PLC", "CMIC", "MBS", "CAP"}
    haniya = records["ofac:plc:9639"]
    assert haniya.name == "HANIYA, Ismail Abdul Salah"
    assert haniya.aliases == ("HANIYA, Ismail", "HANIYYA, Ismaeel")
    assert dict(haniya.fields)["dates_of_birth"] == ("1962",)
    assert dict(haniya.fields)["type"] == "Individual"
    # a COMMENTS row continues the remarks cut off mid-word in PRIM, with no separator
    gazprombank = records["ofac:ssi:17016"]
    remarks = dict(gazprombank.fields)["remarks"]
    assert "associated with this name are prohibited" in remarks
    assert "(EO 14024 Directive)' associated" in remarks
    assert ("Tax ID No.", "7744001497", "Russia") in gazprombank.identifiers
    assert ("SWIFT/BIC", "GAZPRUMM", "") in gazprombank.identifiers
    assert gazprombank.programmes == ("UKRAINE-EO13662", "RUSSIA-EO14024")
    assert gazprombank.country == "RU"
    assert any("Ulaanbaatar" in a for a in gazprombank.addresses)


def test_real_sdn_comments_rows_all_have_two_fields(shared_fixtures: Path) -> None:
    body = (shared_fixtures / "ofac" / "ofac_sdn_comments_2025-12.watchman.csv").read_bytes()
    # the comments alone cannot be joined (their SDN.CSV is not recorded): a set whose
    # primary file lacks the entries is refused, naming the file and line
    prim = CsvFile(b'1,"X",-0- ,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a', "SDN.CSV")
    with pytest.raises(ParseError, match=r"sdn_comments\.csv: line 1: entry '\d+' is not in"):
        parse_csv_set(prim, comments=CsvFile(body, "sdn_comments.csv"))


def test_real_2014_xml_excerpts_are_refused_as_truncated_and_read_when_asked(
    shared_fixtures: Path,
) -> None:
    folder = shared_fixtures / "csl" / "ofac_formats"
    body = (folder / "ofac_sdn_xml_2014_sample.govwizely.xml").read_bytes()
    with pytest.raises(ParseError, match=r"4 entries, but the file announces 5,704"):
        parse_export_xml(body, url="SDN.XML")
    found = parse_export_xml(body, url="SDN.XML", check_count=False)
    cuba = found.records["ofac:sdn:306"]
    assert cuba.name == "BANCO NACIONAL DE CUBA"
    assert cuba.aliases == ("NATIONAL BANK OF CUBA",)
    assert dict(cuba.fields)["weak_aliases"] == ("BNC",)
    assert cuba.country == "CH"  # the first address: Zurich
    assert found.published == "2014-07-16"
    cons = parse_export_xml(
        (folder / "ofac_consolidated_nonsdn_xml_2014_sample.govwizely.xml").read_bytes(),
        consolidated=True,
        check_count=False,
    )
    assert cons.records["ofac:ssi:17013"].name == "VTB BANK OAO"
    assert {r.list_code for r in cons.records.values()} >= {"SSI", "PLC", "FSE", "CAP"}


# -- fixtures written here ----------------------------------------------------------------------


def test_sdn_xml_names_in_every_script_strong_and_weak_aliases() -> None:
    found = parse_export_xml(_read("sdn_2026-01-15.xml"), url="SDN.XML")
    assert found.declared == 5 and found.published == "2026-01-15"
    zhang = found.records["ofac:sdn:90001"]
    assert zhang.name == "ZHANG, Wei"
    assert zhang.aliases == ("CHANG, Wei", "张伟")
    assert dict(zhang.fields)["weak_aliases"] == ("OLD WEI",)
    assert zhang.identifiers == (("Passport", "E12345678", "China"),)
    assert zhang.country == "CN"
    assert found.records["ofac:sdn:90005"].aliases == ("ПЕТРОВ, Иван",)
    vessel = dict(found.records["ofac:sdn:90003"].fields)
    assert vessel["type"] == "Vessel" and vessel["vessel_flag"] == "Panama"
    assert found.records["ofac:sdn:90002"].programmes == ("IRAN", "SDGT")


def test_consolidated_xml_entries_get_their_list_from_their_programmes() -> None:
    found = parse_export_xml(_read("consolidated_2026-01-15.xml"), consolidated=True)
    assert set(found.records) == {
        "ofac:ssi:91001",
        "ofac:cmic:91002",
        "ofac:plc:91003",
        "ofac:fse:91004",
    }
    assert consolidated_list(["SDGT", "NS-PLC"]) == "PLC"
    assert consolidated_list(["CAATSA - RUSSIA"]) == "MBS"
    assert consolidated_list(["561-Related"]) == "CAP"


def test_headerless_csv_set_quirks() -> None:
    found = _sdn_csv("2026-01-15").records
    assert set(found) == {f"ofac:sdn:9000{n}" for n in range(1, 6)}
    zhang = found["ofac:sdn:90001"]
    # the a.k.a. in the remarks and the ALT row are both aliases
    assert zhang.aliases == ("OLD WEI", "CHANG, Wei")
    assert zhang.identifiers == (("Passport", "E12345678", "China"),)
    assert zhang.country == "CN"
    northwind = found["ofac:sdn:90004"]
    assert dict(northwind.fields)["remarks"].endswith(
        "Effective Date (EO 14024 Directive 3): 26 Mar 2022; Tax ID No. 7700000001 (Russia)."
    )
    assert northwind.addresses == (
        "Room 1801, 18/F, Example Centre, 1 Example Road, Hong Kong, China",
    )
    assert dict(found["ofac:sdn:90002"].fields)["type"] == "Entity"  # "-0- " is an entity
    assert found["ofac:sdn:90002"].programmes == ("IRAN", "SDGT")


def test_csv_row_with_missing_fields_names_file_and_line() -> None:
    body = _read("SDN_2026-01-15.CSV").replace(b',"EXAMPLE SHIPPING LLC",-0- ,', b",", 1)
    with pytest.raises(ParseError, match=r"SDN\.CSV: line 2: 10 fields, expected 12"):
        parse_csv_set(CsvFile(body, "SDN.CSV"))


def test_csv_cut_mid_line_is_refused() -> None:
    body = _read("SDN_2026-01-15.CSV")
    cut = body[: body.index(b"90004") + 40]
    with pytest.raises(ParseError, match=r"truncated"):
        parse_csv_set(CsvFile(cut, "SDN.CSV"))


def test_csv_with_a_header_row_is_not_mistaken_for_data() -> None:
    header = (
        b"ent_num,SDN_Name,SDN_Type,Program,Title,Call_Sign,Vess_type,Tonnage,GRT,"
        b"Vess_flag,Vess_owner,Remarks\r\n"
    )
    with pytest.raises(ParseError, match=r"line 1: first field 'ent_num' is not an entry number"):
        parse_csv_set(CsvFile(header + _read("SDN_2026-01-15.CSV"), "SDN.CSV"))


def test_malformed_xml_names_the_file() -> None:
    body = _read("sdn_2026-01-15.xml")[:1500]
    with pytest.raises(ParseError, match=r"SDN\.XML: not well-formed XML"):
        parse_export_xml(body, url="SDN.XML")
    with pytest.raises(ParseError, match=r"expected OFAC's sdnList XML, found <html>"):
        parse_export_xml(b"<html><body>maintenance</body></html>", url="SDN.XML")


def test_delta_add_remove_and_restated_change() -> None:
    delta = parse_delta(_read("delta_802.xml"), url="delta")
    assert delta.published == "2026-01-20"
    assert [(e.uid, e.action) for e in delta.entities] == [
        ("90007", "add"),
        ("90005", "remove"),
        ("90002", "change"),
    ]
    added = delta.entities[0].record
    assert added is not None
    assert added.name == "RED CRANE MICROELECTRONICS CO., LTD."
    assert added.aliases == ("红鹤微电子有限公司", "RED CRANE ME")
    assert added.country == "CN"
    assert added.identifiers == (
        ("Website", "www.redcrane.example", ""),
        ("Unified Social Credit Code (USCC)", "91310000EXAMPLE0007", "China"),
    )
    assert added.details()["identifiers"][1] == {
        "type": "Unified Social Credit Code (USCC)",
        "number": "91310000EXAMPLE0007",
        "country": "China",
    }
    assert list_code_for_name("Non-SDN Palestinian Legislative Council List") == "PLC"
    assert list_code_for_name("SDN List") == "SDN"


def test_deltas_applied_to_the_stored_keys() -> None:
    stored = parse_export_xml(_read("sdn_2026-01-15.xml")).records
    result = apply_deltas(stored, [parse_delta(_read("delta_802.xml"))])
    assert sorted(result.records) == ["ofac:sdn:90002", "ofac:sdn:90007"]
    assert result.removed == {"ofac:sdn:90002", "ofac:sdn:90005"} - set(result.records)
    assert result.records["ofac:sdn:90002"].addresses == (
        "Office 40, Example Marina Plaza, Dubai, United Arab Emirates",
    )
    assert result.unresolved == []
    # an entry the deltas remove and add again is one record, not a removal
    again = apply_deltas(stored, [parse_delta(_read("delta_802.xml"))] * 2)
    assert sorted(again.records) == sorted(result.records) and again.removed == result.removed


def test_a_change_given_only_as_field_operations_is_left_for_the_full_export() -> None:
    stored = parse_export_xml(_read("sdn_2026-01-15.xml")).records
    result = apply_deltas(stored, [parse_delta(_read("delta_803.xml"))])
    assert not result.records and not result.removed
    assert result.unresolved == ["90001"]
    assert "full export" in result.warnings[0]


def test_delta_with_unknown_action_or_wrong_root_is_refused() -> None:
    body = _read("delta_802.xml").replace(b'action="add"', b'action="merge"', 1)
    with pytest.raises(ParseError, match=r"entity 90007: unknown action 'merge'"):
        parse_delta(body, url="delta")
    with pytest.raises(ParseError, match=r"expected OFAC's delta file"):
        parse_delta(_read("sdn_2026-01-15.xml"), url="delta")


def test_unchanged_entries_are_recognised_by_their_bytes_and_not_read_again() -> None:
    first = parse_export_xml(_read("sdn_2026-01-15.xml"))
    known = {key.rsplit(":", 1)[1]: (key, first.digests[key]) for key in first.records}
    second = parse_export_xml(_read("sdn_2026-01-16.xml"), known=known)
    assert second.same == {"ofac:sdn:90001", "ofac:sdn:90002", "ofac:sdn:90005"}
    assert set(second.records) == {"ofac:sdn:90004", "ofac:sdn:90006"}
    assert second.records["ofac:sdn:90004"].aliases == ("NORTHWIND HK LIMITED",)
    # the digest is of the entry's bytes: another layout of the same entry is read again
    relaid = parse_export_xml(_read("sdn_2026-01-15.xml").replace(b"    <", b"  <"), known=known)
    assert not relaid.same and len(relaid.records) == 5


def test_real_sdn_csv_extract_remarks_become_fields(shared_fixtures: Path) -> None:
    folder = shared_fixtures / "csl" / "ofac_formats"
    name = "ofac_sdn.watchman_sample.csv"
    found = parse_csv_set(CsvFile((folder / name).read_bytes(), name)).records
    logan = found["ofac:sdn:10278"]
    assert logan.name == "LOGAN MOREY, Elvis Angus"
    assert logan.aliases == ("BURTON BURGESS",)
    fields = dict(logan.fields)
    assert fields["dates_of_birth"] == ("28 Jul 1963",)
    assert fields["places_of_birth"] == ("Toledo District, Belize",)
    assert ("Passport", "P0017003", "Belize") in logan.identifiers
    assert ("SSN", "561-77-9011", "United States") in logan.identifiers
    assert found["ofac:sdn:11195"].programmes == ("NPWMD", "IFSR", "IRAN-CON-ARMS-EO")
    # the extracts of ADD.CSV are not of the same release: refused, naming file and line
    add = "ofac_add.watchman_sample.csv"
    with pytest.raises(ParseError, match=r"ofac_add\.watchman_sample\.csv: line \d+: entry"):
        parse_csv_set(
            CsvFile((folder / name).read_bytes(), name),
            CsvFile((folder / add).read_bytes(), add),
        )
