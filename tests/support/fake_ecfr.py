"""A stand-in for the eCFR versioner API on the local test server: ``titles.json``,
``versions/title-15.json`` and ``full/{date}/title-15.xml`` with point-in-time answers.

The answers follow the real API's shapes (the recorded ``titles`` and ``versions`` answers in the
shared fixtures): ``meta`` numbers as strings, rows with ``amendment_date``/``issue_date``,
``404`` for a date not processed yet, ``406`` when a request is refused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from tests.support.httpserver import LocalServer, Reply, Request

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ecfr"
PREFIX = "/api/versioner/v1"
NAMES = {"EL": "Supplement No. 4 to Part 744", "MEU": "Supplement No. 7 to Part 744"}
HEADS = {"EL": "Entity List", "MEU": "'Military End-User' (MEU) List"}


@dataclass
class FakeEcfr:
    """``versions[code]`` maps an amendment date to ``(issue_date, xml bytes)``."""

    latest: date
    versions: dict[str, dict[date, tuple[date, bytes]]] = field(default_factory=dict)
    #: dates whose full XML answers 404 although the versions list names them
    unprocessed: set[date] = field(default_factory=set)
    #: answer every request with 406 Not Acceptable
    refuse: bool = False

    def add(self, code: str, amended: date, xml: bytes | str, issued: date | None = None) -> None:
        body = (FIXTURES / xml).read_bytes() if isinstance(xml, str) else xml
        self.versions.setdefault(code, {})[amended] = (issued or amended, body)

    def install(self, server: LocalServer) -> None:
        server.route(f"{PREFIX}/titles.json", self._titles)
        server.route(f"{PREFIX}/versions/title-15.json", self._versions)
        for code in self.versions:
            for amended in self.versions[code]:
                self._route_full(server, amended)
        self._server = server

    def _route_full(self, server: LocalServer, day: date) -> None:
        server.route(f"{PREFIX}/full/{day.isoformat()}/title-15.xml", self._full)

    def publish(self, code: str, amended: date, xml: str, issued: date | None = None) -> None:
        self.add(code, amended, xml, issued)
        self._route_full(self._server, amended)

    def _refused(self) -> Reply | None:
        if self.refuse:
            return Reply(b'{"error":"Not Acceptable"}', status=406)
        return None

    def _titles(self, request: Request) -> Reply:
        refused = self._refused()
        if refused:
            return refused
        day = self.latest.isoformat()
        titles = [
            {
                "number": 14,
                "name": "Aeronautics and Space",
                "latest_amended_on": "2026-01-02",
                "latest_issue_date": "2026-01-02",
                "up_to_date_as_of": day,
                "reserved": False,
            },
            {
                "number": 15,
                "name": "Commerce and Foreign Trade",
                "latest_amended_on": day,
                "latest_issue_date": day,
                "up_to_date_as_of": day,
                "reserved": False,
            },
        ]
        return Reply(json.dumps({"titles": titles, "meta": {"date": day}}))

    def _versions(self, request: Request) -> Reply:
        refused = self._refused()
        if refused:
            return refused
        gte = request.param("issue_date[gte]")
        lte = request.param("issue_date[lte]")
        rows = []
        for code, dated in self.versions.items():
            for amended, (issued, _) in sorted(dated.items()):
                if gte and issued.isoformat() < gte[0]:
                    continue
                if lte and issued.isoformat() > lte[0]:
                    continue
                rows.append(
                    {
                        "date": amended.isoformat(),
                        "amendment_date": amended.isoformat(),
                        "issue_date": issued.isoformat(),
                        "identifier": NAMES[code],
                        "name": f"{NAMES[code]}—{HEADS[code]}",
                        "part": "744",
                        "substantive": True,
                        "removed": False,
                        "subpart": None,
                        "title": "15",
                        "type": "appendix",
                    }
                )
        # a section row the source must ignore
        rows.append({**rows[0], "identifier": "744.11", "type": "section"} if rows else {})
        rows = [r for r in rows if r]
        meta = {"title": "15", "result_count": str(len(rows)), "latest_issue_date": "x"}
        return Reply(json.dumps({"content_versions": rows, "meta": meta}))

    def _full(self, request: Request) -> Reply:
        refused = self._refused()
        if refused:
            return refused
        day = date.fromisoformat(request.path.split("/")[-2])
        if day > self.latest or day in self.unprocessed:
            return Reply(b'{"error":"not found"}', status=404)
        appendix = request.param("appendix")
        code = next((c for c, n in NAMES.items() if appendix and appendix[0] == n), None)
        if code is None or request.param("part") != ["744"]:
            return Reply(b'{"error":"bad parameters"}', status=400)
        dated = self.versions.get(code, {})
        known = [d for d in dated if d <= day]
        if not known:
            return Reply(b'{"error":"not found"}', status=404)
        return Reply(dated[max(known)][1], content_type="application/xml")
