"""Hostile servers against the HTTP layer, on real sockets on 127.0.0.1: compression bombs and
stacked encodings, byte-dribbling servers, redirects and links to other hosts, error bodies."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import textwrap
import threading
import time
import zlib

import pytest

from regwatch.exceptions import (
    DeadlineExceeded,
    HostNotAllowed,
    HTTPStatusError,
    ResponseTooLarge,
    ShuttingDown,
    UnexpectedContent,
)
from regwatch.http import Fetcher, HttpSettings
from regwatch.timeutil import utcnow
from tests.support.fake_fr import bis_documents, load_template_records
from tests.support.httpserver import LocalServer, Reply
from tests.support.rawserver import DribbleServer

MIB = 1 << 20


def fetcher(**settings):
    base = {"min_interval": 0, "backoff": 0.01, "timeout": 2, "connect_timeout": 1, "retries": 0}
    return Fetcher(HttpSettings(**{**base, **settings}), sleep=lambda s: None)


def gzip_of_zeros(size: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"0" * MIB
    parts = [packer.compress(block) for _ in range(size // MIB)]
    return b"".join([*parts, packer.flush()])


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """256 MiB of JSON-ish digits in about 250 KB of gzip."""
    return gzip_of_zeros(256 * MIB)


# -- decompression ------------------------------------------------------------------------------

_PROBE = textwrap.dedent(
    """
    import json, sys
    from regwatch.http import Fetcher, HttpSettings
    def status(field):
        with open("/proc/self/status") as f:
            return int(f.read().split(field + ":")[1].split()[0]) * 1024
    cap = int(sys.argv[2])
    outcomes = {}
    with Fetcher(HttpSettings(max_bytes=cap, retries=0, min_interval=0)) as f:
        # the peak resident size from here on (ru_maxrss would start at pytest's own peak,
        # which Linux keeps across fork and exec)
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        before = status("VmRSS")
        for path in sys.argv[3:]:
            try:
                f.get(sys.argv[1] + path, expect="any")
                outcomes[path] = "ok"
            except Exception as exc:
                outcomes[path] = f"{type(exc).__name__}: {exc}"
        after = status("VmHWM")
    print(json.dumps({"outcomes": outcomes, "growth": after - before}))
    """
)


def test_stacked_and_bomb_encodings_stay_within_twice_the_cap(http_server, bomb):
    cap = 32 * MIB
    stacked = gzip.compress(bomb)  # gzip, gzip: a few KB that would expand to 256 MiB
    http_server.route("/stacked", Reply(stacked, headers={"Content-Encoding": "gzip, gzip"}))
    http_server.route("/bomb", Reply(bomb, headers={"Content-Encoding": "gzip"}))
    http_server.route("/nested", Reply(stacked, headers={"Content-Encoding": "gzip"}))
    http_server.route("/brotli", Reply(b"\x0b\x02\x80{}\x03", headers={"Content-Encoding": "br"}))
    http_server.route("/twice", Reply(stacked, headers={"Content-Encoding": "gzip, identity"}))
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            _PROBE,
            http_server.base,
            str(cap),
            "/stacked",
            "/bomb",
            "/brotli",
            "/nested",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert probe.returncode == 0, probe.stderr
    report = json.loads(probe.stdout)
    outcomes = report["outcomes"]
    assert outcomes["/stacked"].startswith("UnexpectedContent:")
    assert "stacked content encodings (gzip, gzip) refused" in outcomes["/stacked"]
    assert outcomes["/bomb"].startswith("ResponseTooLarge:")
    assert f"decodes to more than {cap} bytes" in outcomes["/bomb"]
    assert outcomes["/brotli"].startswith("UnexpectedContent:")
    assert "unknown content encoding 'br'" in outcomes["/brotli"]
    # one layer undone by regwatch: the inner gzip is data, of a few hundred KB
    assert outcomes["/nested"] == "ok"
    assert 0 < report["growth"] < 2 * cap, report  # the cap's worth was decoded, no more


def test_identity_beside_one_coding_is_one_coding(http_server):
    body = json.dumps({"ok": True}).encode()
    http_server.route(
        "/x", Reply(gzip.compress(body), headers={"Content-Encoding": "identity, gzip"})
    )
    with fetcher() as f:
        assert f.get(http_server.url("/x")).json() == {"ok": True}


@pytest.mark.parametrize(
    "encoding, packed",
    [
        ("gzip", gzip.compress(b'{"n": 1}')),
        ("gzip", gzip.compress(b'{"n":') + gzip.compress(b" 1}")),  # two gzip members
        ("deflate", zlib.compress(b'{"n": 1}')),
        ("deflate", zlib.compress(b'{"n": 1}')[2:-4]),  # raw deflate, as some servers send
        (None, b'{"n": 1}'),
    ],
    ids=["gzip", "gzip-members", "deflate", "raw-deflate", "identity"],
)
def test_ordinary_encodings_still_decode(http_server, encoding, packed):
    headers = {"Content-Encoding": encoding} if encoding else {}
    http_server.route("/x", Reply(packed, headers=headers))
    with fetcher() as f:
        assert f.get(http_server.url("/x")).json() == {"n": 1}
    assert http_server.requests[-1].headers["accept-encoding"] == "gzip, deflate"


def test_corrupt_gzip_is_refused_not_crashing(http_server):
    http_server.route("/x", Reply(b"\x1f\x8b\x08\x00garbage", headers={"Content-Encoding": "gzip"}))
    with fetcher() as f, pytest.raises(UnexpectedContent, match="corrupt gzip data"):
        f.get(http_server.url("/x"))


def test_poll_budget_stops_an_endless_chain_of_pages(http_server):
    http_server.route("/page", Reply(b"[" + b"0," * (MIB // 2) + b"0]"))
    with fetcher(poll_max_bytes=3 * MIB + MIB // 2) as f, f.scope("test", None):
        got = 0
        with pytest.raises(ResponseTooLarge, match=r"poll_max_bytes"):
            for _ in range(100):
                f.get(http_server.url("/page"))
                got += 1
    assert got == 3


# -- deadlines ------------------------------------------------------------------------------------

_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"


@pytest.mark.parametrize("dribble_from", [len(_HEAD), 0], ids=["body", "headers"])
def test_a_server_dribbling_bytes_cannot_stretch_a_request(dribble_from):
    # one byte every 0.3 s: every read meets the 2 s timeout, the response never ends
    server = DribbleServer(_HEAD, b"[" * 99999, interval=0.3, dribble_from=dribble_from)
    with server, fetcher(request_deadline=1.5) as f:
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded, match="request_deadline"):
            f.get(server.url + "/x.json")
        elapsed = time.monotonic() - started
    assert elapsed < 1.5 + 1.0  # the deadline plus a small margin, never the whole response


def test_the_poll_deadline_covers_every_request_of_the_poll():
    server = DribbleServer(_HEAD, b"[" * 99999, interval=0.3, dribble_from=len(_HEAD))
    with server, fetcher(request_deadline=60, poll_deadline=1.5) as f, f.scope("test", None):
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded, match="poll_deadline"):
            f.get(server.url + "/x.json")
        elapsed = time.monotonic() - started
    assert elapsed < 1.5 + 1.0


def test_cancel_abandons_a_request_in_flight_at_once():
    server = DribbleServer(_HEAD, b"[" * 99999, interval=0.3, dribble_from=len(_HEAD))
    with server, fetcher(request_deadline=60) as f:
        threading.Timer(0.5, f.cancel).start()
        started = time.monotonic()
        with pytest.raises(ShuttingDown):
            f.get(server.url + "/x.json")
        assert time.monotonic() - started < 0.5 + 1.0
        with pytest.raises(ShuttingDown):  # and nothing new starts
            f.get(server.url + "/x.json")


# -- hosts ----------------------------------------------------------------------------------------


@pytest.fixture
def other_server():
    """Another service on the loopback, holding something secret."""
    with LocalServer() as server:
        server.route("/secret", Reply("SECRET-TOKEN-4711 is the admin password", status=404))
        server.route("/data.json", Reply('{"stolen": true}'))
        yield server


def test_redirects_to_other_hosts_are_refused(http_server, other_server):
    target = other_server.url("/data.json")
    http_server.route("/moved", Reply(b"", 302, headers={"Location": target}))
    http_server.route("/here", Reply(b"", 301, headers={"Location": "/final.json"}))
    http_server.route("/final.json", Reply('{"ok": 1}'))
    with fetcher() as f, f.scope("test", {http_server.base.removeprefix("http://")}):
        with pytest.raises(HostNotAllowed, match="a redirect from") as caught:
            f.get(http_server.url("/moved"))
        assert other_server.base.removeprefix("http://") in str(caught.value)
        assert f.get(http_server.url("/here")).json() == {"ok": 1}  # same host: followed
        with pytest.raises(HostNotAllowed, match="asked for"):
            f.get(target)
    assert other_server.requests == []


def test_file_redirects_are_not_followed(http_server):
    http_server.route("/moved", Reply(b"", 302, headers={"Location": "file:///etc/passwd"}))
    hosts = {http_server.base.removeprefix("http://")}
    with fetcher() as f, f.scope("test", hosts), pytest.raises(HostNotAllowed):
        f.get(http_server.url("/moved"))


def test_error_bodies_are_read_short_and_shown_shorter(http_server):
    body = "\x1b]0;pwned\x07denied " + "x" * 50_000 + " SECRET-AT-THE-END"
    http_server.route("/x", Reply(body, status=404, content_type="text/plain"))
    with fetcher() as f, pytest.raises(HTTPStatusError) as caught:
        f.get(http_server.url("/x"))
    message = str(caught.value)
    assert "denied xxx" in message and "SECRET-AT-THE-END" not in message
    assert "\x1b" not in message and "\x07" not in message and len(message) < 300


def test_fr_next_page_url_to_another_host_is_refused_and_reported(
    cli, tmp_path, http_server, other_server, shared_fixtures
):
    record = bis_documents(load_template_records(shared_fixtures), 1, utcnow().date())[0]
    page = {"count": 2, "results": [record], "next_page_url": other_server.url("/secret")}
    http_server.route("/api/v1/documents.json", Reply(json.dumps(page)))
    (tmp_path / "sources.yaml").write_text(
        "http:\n  min_interval: 0\n  retries: 0\n  timeout: 5\n"
        f"federal_register:\n  base_url: {http_server.url('/api/v1')}\n"
        "  public_inspection: false\n  backfill_days: 1\n"
    )
    assert cli("init").code == 0
    result = cli("poll", "federal_register")
    assert result.code == 1
    assert "not on a host federal_register may reach" in result.stderr + result.stdout
    assert other_server.requests == []
    assert "SECRET-TOKEN" not in cli("sources").stdout
    [health] = [
        h for h in cli("sources", "--format", "json").json() if h["name"] == "federal_register"
    ]
    assert "not on a host federal_register may reach" in health["last_error"]
    assert cli("events", "--format", "json").json() == []


def test_an_extra_host_can_be_allowed_in_the_settings(cli, tmp_path, http_server, other_server):
    http_server.route(
        "/api/v1/documents.json", Reply(b"", 302, headers={"Location": other_server.url("/d")})
    )
    other_server.route("/d", Reply(json.dumps({"count": 0, "results": []})))
    (tmp_path / "sources.yaml").write_text(
        "http:\n  min_interval: 0\n  retries: 0\n"
        f"federal_register:\n  base_url: {http_server.url('/api/v1')}\n"
        "  public_inspection: false\n"
        f"  allowed_hosts: [{other_server.base.removeprefix('http://')}]\n"
    )
    assert cli("init").code == 0
    result = cli("poll", "federal_register")
    assert result.code == 0, result
    assert other_server.hits("/d")


def test_allowed_hosts_entries_are_validated(cli, tmp_path):
    (tmp_path / "sources.yaml").write_text(
        "federal_register:\n  allowed_hosts: ['evil.example/path']\n"
    )
    result = cli("sources")
    assert result.code == 2
    assert "sources.yaml:2: federal_register.allowed_hosts: expected a host name" in (result.stderr)


def test_meti_feed_links_to_other_hosts_are_ignored(http_server, other_server):
    from regwatch.sources._base import Payload
    from regwatch.sources._meti_pages import parse_feed

    own = http_server.url("/press/2025/06/20250601001/20250601001.html")
    elsewhere = other_server.url("/press/2025/06/20250601002/20250601002.html")
    feed = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>METI</title>
<entry><title>own</title><link href="{own}"/>
<updated>2025-06-01T10:00:00+09:00</updated></entry>
<entry><title>elsewhere</title><link href="{elsewhere}"/>
<updated>2025-06-01T10:00:00+09:00</updated></entry>
</feed>"""
    payload = Payload(url=http_server.url("/feed.atom"), body=feed.encode())
    assert [r.title for r in parse_feed(payload)] == ["own"]


def test_a_meti_feed_entry_on_another_host_is_neither_fetched_nor_stored(
    cli, tmp_path, http_server, other_server, monkeypatch
):
    from datetime import UTC, datetime

    from tests.test_meti_source import METI, clock, sample

    eul = "/press/2025/09/20250929006/20250929006.html"
    feed = sample("ml_index_release_atom.xml").replace(METI.encode(), http_server.base.encode())
    # the End User List release (whose page a poll reads) now points at another service
    feed = feed.replace(http_server.url(eul).encode(), other_server.url(eul).encode())
    http_server.route("/feed.xml", Reply(feed, content_type="application/atom+xml"))
    other_server.route(eul, Reply(sample("press_20250929006.html"), content_type="text/html"))
    (tmp_path / "sources.yaml").write_text(
        "http:\n  min_interval: 0\n  retries: 0\n  timeout: 2\n"
        "meti:\n  enabled: true\n  min_interval: 0\n"
        f"  feed_url: {http_server.url('/feed.xml')}\n"
        "  listing_urls: []\n  anpo_url: null\n  eul_page_url: null\n"
    )
    clock(monkeypatch, datetime(2025, 11, 12, 3, 0, tzinfo=UTC))
    assert cli("init").code == 0
    result = cli("poll", "meti")
    assert result.code == 0, result
    numbers = {e["document_number"] for e in cli("events", "--format", "json").json()}
    assert len(numbers) == 7 and "20250929006" not in numbers
    assert other_server.requests == []


@pytest.mark.parametrize(
    "url, allowed, ok",
    [
        ("https://www.federalregister.gov/x", {"www.federalregister.gov:443"}, True),
        ("https://www.federalregister.gov/x", {"www.federalregister.gov:80"}, True),  # http→https
        ("http://127.0.0.1:8001/x", {"127.0.0.1:8000"}, False),  # another port, another service
        ("https://b.s3.us-east-1.amazonaws.com/f", {".amazonaws.com"}, True),
        ("https://amazonaws.com.evil.example/f", {".amazonaws.com"}, False),
        ("https://evilamazonaws.com/f", {".amazonaws.com"}, False),
        ("https://x.example:8443/f", {"x.example"}, False),
        ("file:///etc/passwd", {"x.example"}, False),
    ],
)
def test_host_rules(url, allowed, ok):
    from regwatch._hosts import is_allowed

    assert is_allowed(url, allowed) is ok


def test_ofac_reaches_its_presigned_download_host():
    from regwatch.sources.ofac import Ofac, OfacSettings

    hosts = Ofac(OfacSettings()).allowed_hosts()
    assert "sanctionslistservice.ofac.treas.gov:443" in hosts
    from regwatch._hosts import is_allowed

    assert is_allowed("https://ofac-sls.s3.amazonaws.com/SDN.XML?X-Amz-Signature=x", hosts)
