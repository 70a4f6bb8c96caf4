"""The UN Security Council Consolidated List read into records: two real editions and
fixtures written here."""

from __future__ import annotations

from pathlib import Path

import pytest

from regwatch.exceptions import ParseError
from regwatch.sources._un_parse import parse_un_xml

HERE = Path(__file__).parent / "fixtures" / "un"


def test_two_real_editions_differ_by_what_their_readme_records(shared_fixtures: Path) -> None:
    folder = shared_fixtures / "un"
    old = parse_un_xml((folder / "un_consolidated_2025-11-20.mkweli.xml").read_bytes())
    new = parse_un_xml((folder / "un_consolidated_2026-02-27.watchman.xml").read_bytes())
    assert (len(old.records), len(new.records)) == (1000, 1003)
    assert (old.published, new.published) == ("2025-11-20", "2026-02-27")
    assert sorted(new.records.keys() - old.records.keys()) == [
        "un:sdi.007",
        "un:sdi.008",
        "un:sdi.009",
        "un:sdi.010",
    ]
    assert sorted(old.records.keys() - new.records.keys()) == ["un:iqi.074"]
    kept = old.records.keys() & new.records.keys()
    revised = sorted(k for k in kept if old.records[k] != new.records[k])
    # no VERSIONNUM changed, yet two comments lost their INTERPOL link: a real revision
    assert revised == ["un:hti.006", "un:soi.022"]
    before, after = old.records["un:hti.006"], new.records["un:hti.006"]
    assert before.details().keys() == after.details().keys()
    differ = {k for k, v in after.details().items() if before.details()[k] != v}
    assert differ == {"remarks"}
    kakolele = new.records["un:cdi.002"]
    assert kakolele.name == "FRANK KAKOLELE BWAMBALE"
    assert kakolele.programmes == ("DRC",)
    assert kakolele.listed_on == "2005-11-01"
    assert kakolele.aliases == ("FRANK KAKORERE", "FRANK KAKORERE BWAMBALE", "AIGLE BLANC")
    assert kakolele.addresses == ("Kinshasa, Democratic Republic of the Congo (as of June 2016)",)
    assert kakolele.country == "CD"
    # names in their original script are kept as aliases
    saddam = next(r for r in new.records.values() if "صدام حسين التكريتي" in r.aliases)
    assert saddam.list_code == "UN" and saddam.country == "IQ"


def test_written_fixture_aliases_documents_and_empty_blocks() -> None:
    found = parse_un_xml((HERE / "consolidated_2026-01-15.xml").read_bytes(), url="un.xml")
    assert found.published == "2026-01-15"
    mithal = found.records["un:qdi.901"]
    assert mithal.name == "EXAMPLE AHMAD AL-MITHAL"
    assert mithal.aliases == ("مثال أحمد المثال", "Abu Mithal")
    fields = dict(mithal.fields)
    assert fields["weak_aliases"] == ("Al-Mithali",)
    assert fields["dates_of_birth"] == ("circa 1975",)
    assert mithal.identifiers == (("Passport", "A0000001", "Iraq"),)
    kim = found.records["un:kpi.901"]
    assert kim.aliases == () and kim.addresses == () and kim.country == "KP"
    mining = found.records["un:kpe.901"]
    assert mining.aliases == ("조선예시광업무역회사", "EXAMPLE MINING CORP")
    assert dict(mining.fields)["type"] == "Entity"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", r"empty UN list file"),
        (b"<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL>", r"not well-formed XML"),
        (b"<html/>", r"expected the UN's CONSOLIDATED_LIST, found <html>"),
        (b"<CONSOLIDATED_LIST><INDIVIDUALS/></CONSOLIDATED_LIST>", r"no ENTITIES section"),
    ],
)
def test_bad_files_are_refused_with_a_clear_error(body: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_un_xml(body, url="un.xml")


def test_an_entry_without_reference_number_is_named() -> None:
    body = (HERE / "consolidated_2026-01-15.xml").read_bytes()
    body = body.replace(b"<REFERENCE_NUMBER>KPi.901</REFERENCE_NUMBER>", b"", 1)
    with pytest.raises(ParseError, match=r"INDIVIDUAL 2: no REFERENCE_NUMBER"):
        parse_un_xml(body, url="un.xml")
