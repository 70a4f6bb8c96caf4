"""`regwatch poll ecfr` through a real local HTTP server serving three versions of the supplement:
baseline, then exact added/revised/removed events, nothing on a repeated poll, 404 and 406."""

from __future__ import annotations

import json
from datetime import date

import pytest

from regwatch.sources._ecfr_versions import (
    latest_issue_date,
    plan_reads,
    supplement_versions,
)
from regwatch.store import Store
from tests.support.fake_ecfr import PREFIX, FakeEcfr

D1, D2, D3 = date(2026, 11, 2), date(2026, 11, 19), date(2026, 11, 25)
MEU1 = date(2026, 10, 1)


@pytest.fixture
def ecfr(tmp_path, http_server):
    fake = FakeEcfr(latest=date(2026, 11, 5))
    fake.add("EL", D1, "supp4_v1.xml")
    fake.add("MEU", MEU1, "supp7_v1.xml")
    fake.install(http_server)
    (tmp_path / "sources.yaml").write_text(
        "federal_register:\n  enabled: false\n"
        f"ecfr:\n  enabled: true\n  base_url: {http_server.url(PREFIX)}\n"
        "http:\n  min_interval: 0\n  retries: 0\n  backoff: 0\n"
        '  user_agent: "regwatch-test/1.0 (compliance@example.com)"\n'
    )
    return fake


def _events(cli):
    result = cli("events", "--format", "json", "--source", "ecfr")
    assert result.code == 0, result
    return result.json()


def _full_hits(server):
    return [r for r in server.requests if "/full/" in r.path]


def test_baseline_then_exact_events_then_nothing(cli, tmp_path, http_server, ecfr):
    first = cli("poll", "ecfr")
    assert first.code == 0, first
    baseline = _events(cli)
    assert sorted((e["key"], e["data"]["entries"]) for e in baseline) == [
        ("ecfr:baseline:el", 5),
        ("ecfr:baseline:meu", 2),
    ]
    el = next(e for e in baseline if e["list"] == "EL")
    assert el["data"]["version_date"] == "2026-11-02" and el["kind"] == "list.revised"
    # the baseline reads the newest version only, with the headers the eCFR wants
    fulls = _full_hits(http_server)
    assert [(r.path, r.param("appendix")) for r in fulls] == [
        (f"{PREFIX}/full/2026-11-02/title-15.xml", ["Supplement No. 4 to Part 744"]),
        (f"{PREFIX}/full/2026-10-01/title-15.xml", ["Supplement No. 7 to Part 744"]),
    ]
    for request in http_server.requests:
        assert "gzip" in request.headers["accept-encoding"]
        assert request.headers["user-agent"] == "regwatch-test/1.0 (compliance@example.com)"
    versions = http_server.hits(f"{PREFIX}/versions/title-15.json")[0]
    assert versions.param("part") == ["744"]
    assert versions.param("issue_date[lte]") == ["2026-11-05"]

    # nothing new: titles and versions are asked, no version is read, no event
    before = len(_full_hits(http_server))
    again = cli("poll", "ecfr")
    assert again.code == 0, again
    assert len(_events(cli)) == 2 and len(_full_hits(http_server)) == before

    # version 2 is processed; version 3 is listed but later than the latest processed date
    ecfr.publish("EL", D2, "supp4_v2.xml")
    ecfr.publish("EL", D3, "supp4_v3.xml")
    ecfr.latest = date(2026, 11, 20)
    read_before = len(_full_hits(http_server))
    second = cli("poll", "ecfr")
    assert second.code == 0, second
    changes = [e for e in _events(cli) if e["kind"].startswith("entity.")]
    assert sorted((e["kind"], e["key"]) for e in changes) == [
        ("entity.added", "ecfr:el:cn:zeta semiconductor co ltd"),
        ("entity.added", "ecfr:el:ru:eta avionics llc"),
        ("entity.removed", "ecfr:el:ae:epsilon trading fze"),
        ("entity.revised", "ecfr:el:cn:beta microelectronics ltd"),
    ]
    beta = next(e for e in changes if e["kind"] == "entity.revised")
    assert beta["changes"] == {
        "entity.aliases": [[], ["BME"]],
        "entity.federal_register_citations": [["87 FR 77505"], ["87 FR 77505", "91 FR 50001"]],
        "entity.license_review_policy": ["Case-by-case review.", "Presumption of denial."],
    }
    assert beta["list"] == "EL" and beta["country"] == "CN"
    assert beta["data"]["version_date"] == "2026-11-19"
    assert beta["data"]["previous_version_date"] == "2026-11-02"
    zeta = next(e for e in changes if "zeta" in e["key"])
    assert zeta["citation"] == "91 FR 50001"
    assert zeta["data"]["federal_register_citations"] == ["91 FR 50001"]
    assert zeta["data"]["entity_key"] == "el:cn:zeta semiconductor co ltd"
    assert zeta["entity"]["license_review_policy"] == "Presumption of denial."
    removed = next(e for e in changes if e["kind"] == "entity.removed")
    assert removed["entity"]["addresses"] == ["P.O. Box 1234, Jebel Ali, Dubai"]
    # only the new version is read (it is diffed against the stored one); not version 3
    assert [r.path.split("/")[-2] for r in _full_hits(http_server)[read_before:]] == ["2026-11-19"]

    # version 3's date is processed per titles.json, but its XML answers 404 still
    ecfr.latest = D3
    ecfr.unprocessed.add(D3)
    third = cli("poll", "ecfr")
    assert third.code == 0, third
    assert len([e for e in _events(cli) if e["kind"].startswith("entity.")]) == 4
    with Store.open(f"sqlite:///{tmp_path / 'regwatch.db'}") as store:
        state = store.source_state("ecfr")
    assert state.cursor["EL"]["date"] == "2026-11-19"  # not past the unprocessed date
    assert "has not processed Supplement No. 4 to Part 744 of 2026-11-25 yet (404)" in (
        third.stdout + third.stderr
    )

    ecfr.unprocessed.clear()
    fourth = cli("poll", "ecfr")
    assert fourth.code == 0, fourth
    changes = [e for e in _events(cli) if e["kind"].startswith("entity.")]
    newest = [e for e in changes if e["data"]["version_date"] == "2026-11-25"]
    assert [(e["kind"], e["key"]) for e in newest] == [
        ("entity.added", "ecfr:el:cn:theta robotics co ltd")
    ]
    assert newest[0]["data"]["previous_version_date"] == "2026-11-19"
    fifth = cli("poll", "ecfr")
    assert fifth.code == 0 and len(_events(cli)) == 2 + 5


def test_406_fails_the_poll_saying_why_and_stores_nothing(cli, tmp_path, http_server, ecfr):
    ecfr.refuse = True
    result = cli("poll", "ecfr")
    assert result.code != 0
    output = result.stdout + result.stderr
    assert "HTTP 406" in output and "not acceptable" in output
    assert "regwatch-test/1.0 (compliance@example.com)" in output
    assert len(http_server.requests) == 1  # not retried: a refusal is not a passing fault
    with Store.open(f"sqlite:///{tmp_path / 'regwatch.db'}") as store:
        state = store.source_state("ecfr")
    assert state.cursor == {}
    ecfr.refuse = False
    assert cli("poll", "ecfr").code == 0
    assert len(_events(cli)) == 2


def test_a_generic_user_agent_is_reported(cli, tmp_path, http_server, ecfr):
    text = (tmp_path / "sources.yaml").read_text()
    (tmp_path / "sources.yaml").write_text(
        text.replace("regwatch-test/1.0 (compliance@example.com)", "python-requests/2.31")
    )
    result = cli("poll", "ecfr")
    assert result.code == 0, result
    assert "'python-requests/2.31' is generic" in result.stdout + result.stderr


# -- version selection on the real recorded answers -------------------------------------------


def _load(shared, name):
    return json.loads((shared / "ecfr" / name).read_text())


def test_latest_issue_date_from_the_real_titles_answers(shared_fixtures):
    early = _load(shared_fixtures, "ecfr_api_titles_2025-07-03_raw.mrw.json")
    later = _load(shared_fixtures, "ecfr_api_titles_2025-07-31_pyjson.mrw.json")
    assert latest_issue_date(early, 15) == date(2025, 6, 17)
    assert latest_issue_date(later, 15) == date(2025, 6, 17)  # only up_to_date_as_of moved
    assert latest_issue_date(later, 31) == date(2025, 7, 16)
    from regwatch.exceptions import ParseError

    with pytest.raises(ParseError, match="title 35 is reserved"):
        latest_issue_date(early, 35)
    with pytest.raises(ParseError, match="title 99 is not among the 50 titles"):
        latest_issue_date(early, 99)


def test_version_dates_from_the_real_versions_answer(shared_fixtures):
    answer = _load(shared_fixtures, "ecfr_api_versions_title-15_2025-07-14_pyjson.mrw.json")
    el = supplement_versions(answer, "Supplement No. 4 to Part 744")
    meu = supplement_versions(answer, "Supplement No. 7 to Part 744")
    assert len(el) == 147 and len(meu) == 27
    assert el[0].amendment_date == date(2017, 1, 3)
    assert sum(1 for v in el if not v.substantive) == 22
    # a baseline reads the newest date the eCFR has processed
    plan = plan_reads(
        el, latest=date(2025, 6, 17), read_date=None, read_issue_date=None, max_reads=10
    )
    assert plan.previous is None and plan.dates == (date(2025, 4, 25),)
    assert plan.seen_issue_date == date(2025, 6, 17)
    # from an older read: the new dates in order, bounded, the rest deferred
    plan = plan_reads(
        el,
        latest=date(2025, 6, 17),
        read_date=date(2024, 12, 31),
        read_issue_date=date(2024, 12, 31),
        max_reads=3,
    )
    assert plan.previous == date(2024, 12, 31)
    assert len(plan.dates) == 3 and all(d > date(2024, 12, 31) for d in plan.dates)
    assert plan.dates == tuple(sorted(plan.dates)) and plan.deferred > 0
    # the re-issues of 2025-04-25 (substantive: false) are not new text
    plan = plan_reads(
        el,
        latest=date(2025, 6, 17),
        read_date=date(2025, 4, 25),
        read_issue_date=date(2025, 4, 25),
        max_reads=10,
    )
    assert plan.dates == () and plan.reissued == ()
    assert plan.seen_issue_date == date(2025, 6, 17)
    # nothing later than the latest processed date is asked for
    plan = plan_reads(
        el, latest=date(2025, 3, 1), read_date=None, read_issue_date=None, max_reads=10
    )
    assert plan.dates[0] <= date(2025, 3, 1)


def test_a_corrected_version_is_read_again_and_diffed(cli, tmp_path, http_server, ecfr):
    assert cli("poll", "ecfr").code == 0
    # the eCFR re-issues the version of 2026-11-02 with new text (a correction), issued later
    ecfr.publish("EL", D1, "supp4_v2.xml", issued=date(2026, 11, 4))
    before = len(_full_hits(http_server))
    result = cli("poll", "ecfr")
    assert result.code == 0, result
    assert [r.path.split("/")[-2] for r in _full_hits(http_server)[before:]] == ["2026-11-02"]
    changes = [e for e in _events(cli) if e["kind"].startswith("entity.")]
    assert len(changes) == 4 and {e["data"]["version_date"] for e in changes} == {"2026-11-02"}
    # and once read, the same issue is not read again
    again = len(_full_hits(http_server))
    assert cli("poll", "ecfr").code == 0
    assert len(_full_hits(http_server)) == again


def test_import_of_a_saved_version_is_refused_saying_why(cli, tmp_path):
    saved = tmp_path / "supp4.xml"
    saved.write_bytes(b"<DIV9/>")
    result = cli("import", "ecfr", str(saved))
    assert result.code == 2
    assert "cannot import saved files" in result.stderr and "regwatch poll ecfr" in result.stderr
