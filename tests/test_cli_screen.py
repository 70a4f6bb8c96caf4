"""`regwatch screen` never says "clear" when it could not have found anything: it names the lists
it searched (entries, as of when), fails with no list loaded, refuses an empty name, and screens
files of names, with --list and --fail-on-match."""

from __future__ import annotations

from pathlib import Path

import pytest

import regwatch
from regwatch.matching import Screener

SAMPLES = Path(regwatch.__file__).parent / "samples" / "csl"


@pytest.fixture
def loaded(cli):
    """A database with the sample CSL snapshot imported (EL, MEU, UVL, DPL kept; the file
    also has an SDN entry, outside the default lists)."""
    assert cli("init").code == 0
    result = cli("import", "csl", SAMPLES / "consolidated-1.json")
    assert result.code == 0, result
    return cli


def test_with_no_list_loaded_screening_fails_with_the_reason(cli):
    assert cli("init").code == 0
    result = cli("screen", "Huawei Technologies Co., Ltd.")
    assert result.code == 1
    assert "no restricted-party list is loaded" in result.stderr
    assert "regwatch poll csl" in result.stderr
    assert result.stdout == ""


def test_an_empty_name_is_bad_input(loaded):
    for name in ("", "   ", "..."):
        result = loaded("screen", name)
        assert result.code == 2, (name, result)
        assert "error:" in result.stderr


def test_every_answer_says_what_was_searched(loaded):
    result = loaded("screen", "Dalian Haixing Electronics", "--country", "CN")
    assert result.code == 0, result
    first = result.stdout.splitlines()[0]
    assert first.startswith("searched DPL (2 entries, as of ")
    assert "EL (7 entries" in first and "MEU (2 entries" in first and "UVL (2 entries" in first
    assert "not searched: " in result.stdout and "SDN" in result.stdout.splitlines()[1]
    assert "Dalian Haixing Electronics Co., Ltd." in result.stdout

    report = loaded("screen", "Dalian Haixing Electronics", "--format", "json").json()[0]
    assert [(s["list"], s["entries"]) for s in report["searched"]] == [
        ("DPL", 2), ("EL", 7), ("MEU", 2), ("UVL", 2)
    ]  # fmt: skip
    assert all(s["as_of"] for s in report["searched"])
    assert report["results"][0]["list"] == "EL"


def test_a_name_outside_the_searched_lists_is_not_called_clear(loaded):
    """The SDN entry is in the file but SDN is not among the lists kept: the answer names the
    lists searched, and asking for SDN says it is not loaded."""
    result = loaded("screen", "Oceanic Star Shipping Co Ltd")
    assert result.code == 0
    assert "no entry of DPL, EL, MEU, UVL scores at review level or above" in result.stdout
    sdn = loaded("screen", "Oceanic Star Shipping Co Ltd", "--list", "SDN")
    assert sdn.code == 1
    assert "list SDN is not loaded (loaded: DPL, EL, MEU, UVL)" in sdn.stderr


def test_list_restricts_the_search_and_unknown_lists_are_refused(loaded):
    only_uvl = loaded("screen", "Dalian Haixing Electronics", "--list", "uvl")
    assert only_uvl.code == 0
    assert only_uvl.stdout.startswith("searched UVL (2 entries")
    assert "no entry of UVL scores" in only_uvl.stdout
    unknown = loaded("screen", "x y", "--list", "ELL")
    assert unknown.code == 2
    assert "unknown list 'ELL'; did you mean 'EL'?" in unknown.stderr


def test_fail_on_match_exits_3_when_a_name_has_a_candidate(loaded):
    hit = loaded("screen", "Moskva Mikrosistemy", "--fail-on-match")
    assert hit.code == 3 and "Moskva Mikrosistemy JSC" in hit.stdout
    clear = loaded("screen", "Completely Unrelated Bakery GmbH", "--fail-on-match")
    assert clear.code == 0


def test_a_csv_of_names_is_screened_in_one_run(loaded, tmp_path):
    names = tmp_path / "customers.csv"
    names.write_text(
        "name,country,owner\n"
        "Moskva Mikrosistemy,RU,sales\n"
        "Quiet Meadow Bakery,FR,sales\n"
        "Tehran Pars Electronic Components,,ops\n"
    )
    result = loaded("screen", "--file", names, "--format", "csv", "--fail-on-match")
    assert result.code == 3, result
    lines = result.stdout.splitlines()
    assert lines[0] == ("screened,score,tier,list,name,matched_name,country,reason,searched,as_of")
    by_name = {line.split(",")[0]: line for line in lines[1:]}
    assert set(by_name) == {
        "Moskva Mikrosistemy", "Quiet Meadow Bakery", "Tehran Pars Electronic Components"
    }  # fmt: skip
    assert ",EL,Moskva Mikrosistemy JSC," in by_name["Moskva Mikrosistemy"]
    assert by_name["Quiet Meadow Bakery"].startswith("Quiet Meadow Bakery,,,,,,,,DPL,EL,MEU,UVL") \
        or '"DPL,EL,MEU,UVL"' in by_name["Quiet Meadow Bakery"]  # fmt: skip
    table = loaded("screen", "--file", names)
    assert table.code == 0
    assert "3 name(s) screened, 2 with candidates" in table.stdout
    assert "'Quiet Meadow Bakery': no entry of" in table.stdout


def test_a_text_file_of_names_and_bad_files(loaded, tmp_path):
    text = tmp_path / "names.txt"
    text.write_text("# suppliers\nMinsk Optical Systems\n\nGolden Harbor Logistics\n")
    reports = loaded("screen", "--file", text, "--format", "json").json()
    assert [r["name"] for r in reports] == ["Minsk Optical Systems", "Golden Harbor Logistics"]
    assert [r["results"][0]["list"] for r in reports] == ["EL", "UVL"]

    no_column = tmp_path / "bad.csv"
    no_column.write_text("company,country\nAcme,US\n")
    result = loaded("screen", "--file", no_column)
    assert result.code == 2 and "bad.csv:1: no 'name' column" in result.stderr
    empty = tmp_path / "empty.csv"
    empty.write_text("name\nAcme\n\n ,\n")
    result = loaded("screen", "--file", empty)
    assert result.code == 2 and "empty.csv:4: name: empty" in result.stderr
    both = loaded("screen", "Acme", "--file", text)
    assert both.code == 2


def test_the_index_is_cached_and_rebuilt_when_the_lists_change(loaded, tmp_path):
    from regwatch import open_store

    cache = tmp_path / "cache" / "regwatch"
    assert loaded("screen", "Moskva Mikrosistemy").code == 0
    [first] = list(cache.glob("screen-*.sqlite"))
    with open_store() as store:
        # a new screener finds the cached index: it never reads the listed names again
        screener = Screener(store)
        screener._names = None  # type: ignore[method-assign]  # would fail if called
        report = screener.screen("Moskva Mikrosistemy")
        assert report.results[0]["name"] == "Moskva Mikrosistemy JSC"
        assert len(screener.index()) > 13  # the 13 entries of the four lists and aliases
    # a new snapshot changes the lists: the old cache no longer applies
    assert loaded("import", "csl", SAMPLES / "consolidated-2.json").code == 0
    found = loaded("screen", "Ningbo Xinyuan Semiconductor Materials", "--format", "json")
    assert found.json()[0]["results"][0]["name"].startswith("Ningbo Xinyuan")
    [second] = list(cache.glob("screen-*.sqlite"))
    assert second != first
