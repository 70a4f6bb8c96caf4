"""A stand-in for the Federal Register API, served by the real local HTTP server.

It answers ``documents.json`` (filters on publication date, agencies and type; ``order=oldest``;
pages chained by ``next_page_url`` carrying an opaque ``search_after_cursor``, as the live API
does since 2025) and ``public-inspection-documents.json``, from records built out of the real
recorded responses in ``shared/fixtures/federal_register``.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from tests.support.httpserver import LocalServer, Reply, Request

__all__ = ["FakeFederalRegister", "bis_documents", "load_template_records"]

BIS_AGENCY = {
    "raw_name": "DEPARTMENT OF COMMERCE",
    "name": "Industry and Security Bureau",
    "id": 241,
    "url": "https://www.federalregister.gov/agencies/industry-and-security-bureau",
    "json_url": "https://www.federalregister.gov/api/v1/agencies/241",
    "parent_id": 54,
    "slug": "industry-and-security-bureau",
}


def load_template_records(fixtures: Path) -> list[dict[str, Any]]:
    """The two all-fields documents of the recorded EPA search (real API records)."""
    path = fixtures / "federal_register" / "fr_api_documents_search_all_fields_epa_rules_2024.json"
    return json.loads(path.read_text())["results"]


def bis_documents(
    templates: list[dict[str, Any]], count: int, start: date, per_day: int = 3
) -> list[dict[str, Any]]:
    """``count`` real records re-numbered and re-dated as BIS documents, ``per_day`` a day."""
    out = []
    for i in range(count):
        record = copy.deepcopy(templates[i % len(templates)])
        day = start + timedelta(days=i // per_day)
        number = f"{day.year}-{10000 + i:05d}"
        record["document_number"] = number
        record["publication_date"] = day.isoformat()
        record["title"] = f"{record['title']} ({i})"
        record["agencies"] = [BIS_AGENCY]
        record["citation"] = f"{day.year - 1935} FR {1000 + i}"
        record["html_url"] = f"https://www.federalregister.gov/documents/{day:%Y/%m/%d}/{number}/x"
        record["full_text_xml_url"] = (
            f"https://www.federalregister.gov/documents/full_text/xml/{day:%Y/%m/%d}/{number}.xml"
        )
        record["corrections"] = []
        record["correction_of"] = None
        out.append(record)
    return out


def _cursor(record: dict[str, Any]) -> str:
    epoch_ms = int(
        (date.fromisoformat(record["publication_date"]) - date(1970, 1, 1)).total_seconds() * 1000
    )
    raw = json.dumps([epoch_ms, record["document_number"]], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


class FakeFederalRegister:
    """Mount on a :class:`LocalServer` with :meth:`mount`; point ``base_url`` here."""

    def __init__(
        self,
        server: LocalServer,
        documents: Iterable[dict[str, Any]] = (),
        public_inspection: Iterable[dict[str, Any]] = (),
    ) -> None:
        self.server = server
        self.documents = list(documents)
        self.public_inspection = list(public_inspection)
        #: every next_page_url handed out, to check that clients follow them as given
        self.next_page_urls: list[str] = []

    @property
    def base_url(self) -> str:
        return self.server.url("/api/v1")

    def mount(self) -> FakeFederalRegister:
        self.server.route("/api/v1/documents.json", self.documents_handler)
        self.server.route("/api/v1/documents", self.documents_handler)
        self.server.route("/api/v1/public-inspection-documents.json", self._pi)
        return self

    def documents_handler(self, request: Request) -> Reply:
        gte = request.param("conditions[publication_date][gte]")
        lte = request.param("conditions[publication_date][lte]")
        agencies = set(request.param("conditions[agencies][]"))
        per_page = int((request.param("per_page") or ["20"])[0])
        hits = [
            d
            for d in self.documents
            if (not gte or d["publication_date"] >= gte[0])
            and (not lte or d["publication_date"] <= lte[0])
            and (not agencies or agencies & {a.get("slug") for a in d.get("agencies", [])})
        ]
        hits.sort(key=lambda d: (d["publication_date"], d["document_number"]))
        after = (request.param("search_after_cursor") or [None])[0]
        if after:
            position = next((i + 1 for i, d in enumerate(hits) if _cursor(d) == after), None)
            if position is None:
                return Reply('{"status":400,"message":"Invalid search_after_cursor token"}', 400)
            page = hits[position : position + per_page]
        else:
            page = hits[:per_page]
        body: dict[str, Any] = {"description": "Documents (fake)", "count": len(hits)}
        if hits:
            body["total_pages"] = min(50, -(-len(hits) // per_page))
            body["results"] = page
        if page and page[-1] is not hits[-1]:
            query = [(k, v) for k, v in request.query if k not in ("search_after_cursor", "format")]
            query += [("format", "json"), ("search_after_cursor", _cursor(page[-1]))]
            body["next_page_url"] = self.server.url("/api/v1/documents?" + urlencode(query))
            self.next_page_urls.append(body["next_page_url"])
        return Reply(json.dumps(body))

    def _pi(self, request: Request) -> Reply:
        agencies = set(request.param("conditions[agencies][]"))
        hits = [
            d
            for d in self.public_inspection
            if not agencies or agencies & {a.get("slug") for a in d.get("agencies", [])}
        ]
        body: dict[str, Any] = {
            "description": "Public Inspection Documents (fake)",
            "count": len(hits),
        }
        if hits:
            body["results"] = hits
        return Reply(json.dumps(body))
