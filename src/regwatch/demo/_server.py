"""The sample payloads over HTTP on 127.0.0.1, served the way the real sources serve them.

- ``/federal_register/api/v1/documents.json``: the Federal Register API's search, filtered on
  ``conditions[publication_date][gte|lte]`` and ``conditions[agencies][]`` as the API does,
  each record's ``full_text_xml_url`` pointing at this server;
- ``/federal_register/api/v1/public-inspection-documents.json``: the public-inspection desk;
- ``/federal_register/documents/full_text/xml/YYYY/MM/DD/NUMBER.xml``: a rule's GPO XML, at the
  path shape of federalregister.gov (the collector reads the date and number from it);
- ``/csl/consolidated.json``: the Consolidated Screening List, snapshot :attr:`csl_snapshot`;
- ``/meti/ml_index_release_atom.xml``: METI's Atom feed of news releases.

The CSL file and the METI feed carry ``ETag`` and ``Last-Modified`` and answer a matching
conditional GET with ``304 Not Modified``, as trade.gov and METI do.  Nothing here knows what
the collectors will do with the payloads: they run exactly as against the real sites.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["SampleServer", "samples_dir"]

_FR = "/federal_register"
_XML_PREFIX = f"{_FR}/documents/full_text/xml/"
_CSL = "/csl/consolidated.json"
_METI = "/meti/ml_index_release_atom.xml"


def samples_dir() -> Path:
    """The sample payloads shipped inside the package (``regwatch/samples``)."""
    return Path(str(files("regwatch") / "samples"))


@dataclass(frozen=True)
class _Static:
    """A file served with validators, as a CDN serves it."""

    body: bytes
    content_type: str
    etag: str
    last_modified: str

    @classmethod
    def of(cls, body: bytes, content_type: str, modified: datetime) -> _Static:
        etag = f'"{hashlib.sha256(body).hexdigest()[:20]}"'
        return cls(body, content_type, etag, format_datetime(modified, usegmt=True))


class SampleServer:
    """``with SampleServer() as server: server.url("/csl/consolidated.json")``.

    :param samples: the folder of sample payloads (default: the ones the package ships).
    """

    def __init__(self, samples: Path | None = None) -> None:
        folder = samples or samples_dir()
        fr = folder / "federal_register"
        self._documents: list[dict[str, Any]] = json.loads(
            (fr / "documents.json").read_text(encoding="utf-8")
        )["results"]
        self._public_inspection = (fr / "public-inspection-documents.json").read_bytes()
        self._rules = {path.stem: path.read_bytes() for path in sorted(fr.glob("*.xml"))}
        # The snapshots are dated a day apart, the feed by its newest entry: fixed dates, so
        # that Last-Modified means the same on every run.
        epoch = datetime(2026, 11, 20, 12, tzinfo=UTC)
        self._snapshots = [
            _Static.of(path.read_bytes(), "application/json", epoch + timedelta(days=n))
            for n, path in enumerate(sorted((folder / "csl").glob("consolidated-*.json")))
        ]
        self._feed = _Static.of(
            (folder / "meti" / "ml_index_release_atom.xml").read_bytes(),
            "application/atom+xml; charset=utf-8",
            epoch,
        )
        #: which CSL snapshot ``/csl/consolidated.json`` serves, from 1
        self.csl_snapshot = 1
        #: requests answered, by ``(path, status)``
        self.hits: Counter[tuple[str, int]] = Counter()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.1,), name="regwatch-samples", daemon=True
        )

    # -- what the demo needs to know ----------------------------------------------------------

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    @property
    def snapshots(self) -> int:
        """How many CSL snapshots there are (``csl_snapshot`` is one of 1 … this)."""
        return len(self._snapshots)

    @property
    def oldest_document(self) -> date:
        return min(date.fromisoformat(d["publication_date"]) for d in self._documents)

    def sources_yaml(self, today: date) -> str:
        """A ``sources.yaml`` that points every pollable source at this server."""
        # The first poll must reach back to the samples' dates, however old they are by now.
        backfill = max(30, (today - self.oldest_document).days + 1)
        return (
            "# Written by `regwatch demo`: every source reads the sample server on 127.0.0.1.\n"
            "http:\n"
            "  user_agent: regwatch-demo\n"
            "  min_interval: 0\n"
            "  retries: 0\n"
            "  timeout: 10\n"
            "federal_register:\n"
            "  enabled: true\n"
            f"  base_url: {self.url(_FR + '/api/v1')}\n"
            f"  backfill_days: {backfill}\n"
            "  xml_interval: 0\n"
            "csl:\n"
            "  enabled: true\n"
            f"  url: {self.url(_CSL)}\n"
            "meti:\n"
            "  enabled: true\n"
            f"  feed_url: {self.url(_METI)}\n"
            "  listing_urls: []\n"
            '  anpo_url: ""\n'
            '  eul_page_url: ""\n'
            "  release_pages: false\n"
            "  min_interval: 0\n"
            "  # the samples are fixed in time: the demo's folder stays healthy (`healthcheck`)\n"
            f"  stale_after: {backfill + 30}d\n"
        )

    # -- serving ------------------------------------------------------------------------------

    def answer(
        self, path: str, query: str, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        """``(status, headers, body)`` for one GET."""
        params = parse_qs(query, keep_blank_values=True)
        if path in (f"{_FR}/api/v1/documents.json", f"{_FR}/api/v1/documents"):
            return 200, {"Content-Type": "application/json; charset=utf-8"}, self._search(params)
        if path == f"{_FR}/api/v1/public-inspection-documents.json":
            return 200, {"Content-Type": "application/json; charset=utf-8"}, self._public_inspection
        if path.startswith(_XML_PREFIX) and path.endswith(".xml"):
            rule = self._rules.get(path.rsplit("/", 1)[1].removesuffix(".xml"))
            if rule is not None:
                return 200, {"Content-Type": "application/xml"}, rule
        if path == _CSL:
            return self._conditional(self._snapshots[self.csl_snapshot - 1], headers)
        if path == _METI:
            return self._conditional(self._feed, headers)
        return 404, {"Content-Type": "application/json"}, b'{"status":404,"message":"Not Found"}'

    def _search(self, params: dict[str, list[str]]) -> bytes:
        gte = (params.get("conditions[publication_date][gte]") or [""])[0]
        lte = (params.get("conditions[publication_date][lte]") or ["9999"])[0]
        agencies = set(params.get("conditions[agencies][]") or [])
        hits = []
        for record in self._documents:
            slugs = {a.get("slug") for a in record.get("agencies") or []}
            if gte <= record["publication_date"] <= lte and (not agencies or agencies & slugs):
                local = dict(record)
                day = record["publication_date"].replace("-", "/")
                local["full_text_xml_url"] = self.url(
                    f"{_XML_PREFIX}{day}/{record['document_number']}.xml"
                )
                hits.append(local)
        hits.sort(key=lambda r: (r["publication_date"], r["document_number"]))
        page: dict[str, Any] = {"description": "Documents (regwatch demo)", "count": len(hits)}
        if hits:  # as the API: a zero-hit answer has no `results` key
            page["total_pages"] = 1
            page["results"] = hits
        return json.dumps(page).encode()

    @staticmethod
    def _conditional(item: _Static, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        validators = {"ETag": item.etag, "Last-Modified": item.last_modified}
        if headers.get("if-none-match") == item.etag or (
            "if-none-match" not in headers
            and headers.get("if-modified-since") == item.last_modified
        ):
            return 304, validators, b""
        return 200, {"Content-Type": item.content_type, **validators}, item.body

    def _count(self, path: str, status: int) -> None:
        with self._lock:
            self.hits[(path, status)] += 1

    def __enter__(self) -> SampleServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()


def _handler(server: SampleServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the real servers
        # The headers and the body go out in two writes: without TCP_NODELAY the second waits
        # for the client's delayed ACK, 40 ms a request on Linux.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the demo prints what matters; a line per request would drown it

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, reply_headers, body = server.answer(parts.path, parts.query, headers)
            server._count(parts.path, status)
            self.send_response(status)
            for name, value in reply_headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler
