"""What the guarded HTTP path costs: bounded decoding and deadline-aware sockets.

A local server serves one gzip body (JSON-like, ``--mib`` MiB decoded).  Timed, best of
``--runs``:

- **baseline**: a plain ``httpx.Client`` reading the same body with httpx's own decoder;
- **regwatch**: ``Fetcher.get``, which decodes the raw stream itself with a running count of
  the decoded bytes, over sockets whose every wait checks the request and poll deadlines.

The ratio is regwatch / baseline, measured in the same run.  Then the memory side: the peak
resident size a ``gzip, gzip`` bomb and a single-layer bomb (256 MiB decoded) reach against a
32 MiB cap, which must stay under twice the cap.

    python benchmarks/bench_http_decode.py [--mib 64] [--runs 5]
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import zlib

import httpx

import _common
from regwatch.http import Fetcher, HttpSettings
from tests.support.httpserver import LocalServer, Reply

MIB = 1 << 20

#: the peak resident size is read from /proc: ru_maxrss would start at the parent's peak (Linux
#: keeps it across fork and exec), so the high-water mark is reset first (clear_refs 5)
_PROBE = """
import sys
from regwatch.http import Fetcher, HttpSettings
def status(field):
    with open("/proc/self/status") as f:
        return int(f.read().split(field + ":")[1].split()[0]) * 1024
with Fetcher(HttpSettings(max_bytes=int(sys.argv[2]), retries=0, min_interval=0)) as f:
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")
    before = status("VmRSS")
    try:
        f.get(sys.argv[1], expect="any")
    except Exception as exc:
        kind = type(exc).__name__
    after = status("VmHWM")
print(kind, after - before)
"""


def gzip_body(mib: int) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    row = json.dumps({"name": "Example Trading Co", "country": "CN", "list": "EL"}).encode()
    block = (row + b",\n") * (MIB // (len(row) + 2))
    return b"".join([*(packer.compress(block) for _ in range(mib)), packer.flush()])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mib", type=int, default=64, help="decoded size of the body")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    body = gzip_body(args.mib)
    bomb = gzip_body(256)
    with LocalServer() as server:
        server.route("/body", Reply(body, headers={"Content-Encoding": "gzip"}))
        server.route("/bomb", Reply(bomb, headers={"Content-Encoding": "gzip"}))
        server.route(
            "/stacked", Reply(gzip.compress(bomb), headers={"Content-Encoding": "gzip, gzip"})
        )
        url = server.url("/body")

        with httpx.Client() as client:

            def baseline() -> None:
                with client.stream("GET", url) as response:
                    for _ in response.iter_bytes():
                        pass

            base = _common.best_of(args.runs, baseline)
        with Fetcher(HttpSettings(min_interval=0)) as fetcher:
            guarded = _common.best_of(args.runs, lambda: fetcher.get(url, expect="any"))
        print(f"body: {len(body) / MIB:.1f} MiB gzip, {args.mib} MiB decoded")
        print(f"baseline (httpx decoding)     {base * 1000:8.1f} ms")
        print(
            f"regwatch (bounded, guarded)   {guarded * 1000:8.1f} ms   ratio {guarded / base:.2f}"
        )
        cap = 32 * MIB
        for path in ("/bomb", "/stacked"):
            probe = subprocess.run(
                [sys.executable, "-c", _PROBE, server.url(path), str(cap)],
                capture_output=True,
                text=True,
                check=True,
            )
            kind, growth = probe.stdout.split()
            print(
                f"{path:9} 256 MiB decoded, cap 32 MiB: {kind}, peak memory growth "
                f"{int(growth) / MIB:.1f} MiB ({int(growth) / cap:.2f} x the cap)"
            )


if __name__ == "__main__":
    main()
