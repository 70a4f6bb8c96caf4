"""`GET /api/v1/events` (50 results) through a real server, against the Python API.

Stores 100,000 synthetic events (the vocabulary of bench_search.py), then grows the same database
to 1,000,000; at each size it times the events endpoint of ``regwatch serve`` (its own process,
uvicorn on 127.0.0.1; an HTTP client with keep-alive, the token checked on every request), with
and without a full-text query, and the same query through the Python API (``Store.iter_events``
and the JSON form of each event) in the same run: p50 and p95 of each, and the ratio of the two.

Targets (issue 15): p95 under 50 ms at 100,000 events and under 200 ms at 1,000,000.

    python benchmarks/bench_api.py [--sizes 100000 1000000] [--requests 60]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

import _common  # noqa: F401  (puts the repository on sys.path)
from bench_search import make_events
from regwatch import audit
from regwatch.model import Changes, Payload
from regwatch.store import Batch, EventQuery, Store
from regwatch.timeutil import utcnow
from tests.support.waiting import wait_for

QUERIES: list[str | None] = [None, "semiconductor", "quantum supercomputer", "改正"]
TARGETS_MS = {100_000: 50.0, 1_000_000: 200.0}


def _store(store: Store, first: int, count: int) -> None:
    events = make_events(first + count)[first:]  # the same events as a smaller run, then more
    for i in range(0, count, 10_000):
        store.save_batch(
            Batch(
                source="federal_register",
                payloads=[Payload(url="bench", body=b"", fetched_at=utcnow())],
                changes=Changes(events=[(0, e) for e in events[i : i + 10_000]]),
                started_at=utcnow(),
            )
        )


@contextmanager
def serving(url: str) -> Iterator[str]:
    """``regwatch serve`` in its own process, as it runs in production."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "regwatch", "--db", url, "serve", "--port", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{base}/healthz").status_code == 200
        except httpx.TransportError:
            return False

    try:
        if not wait_for(up, timeout=60):
            sys.exit("regwatch serve did not start")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def _percentiles(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    fn()  # warm the caches once, as a server that has been running would be
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    cuts = statistics.quantiles(times, n=20, method="inclusive")
    return statistics.median(times), cuts[18]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'api.db'}"
        with Store.open(url, create=True) as store:
            _, token = audit.create_token(store, "bench", "read", None, "bench")
            stored = 0
            for size in sorted(args.sizes):
                start = time.perf_counter()
                _store(store, stored, size - stored)
                stored = size
                print(f"\n{size:,} events stored (+{time.perf_counter() - start:.0f} s)")
                with (
                    serving(url) as base,
                    httpx.Client(
                        base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=120
                    ) as client,
                ):
                    for q in QUERIES:
                        params = {"limit": "50", **({"q": q} if q else {})}

                        def over_http(params: dict[str, str] = params) -> None:
                            answer = client.get("/api/v1/events", params=params)
                            answer.raise_for_status()
                            assert len(answer.json()["items"]) <= 50

                        def in_python(q: str | None = q) -> None:
                            [e.to_json() for e in store.iter_events(EventQuery(q=q, limit=50))]

                        http50, http95 = _percentiles(over_http, args.requests)
                        py50, py95 = _percentiles(in_python, args.requests)
                        label = f"q={q!r}" if q else "no q"
                        target = TARGETS_MS.get(size)
                        verdict = (
                            f"  [target p95 < {target:.0f} ms: "
                            f"{'met' if http95 < target else 'MISSED'}]"
                            if target
                            else ""
                        )
                        print(
                            f"  {label:26} HTTP p50 {http50:7.1f} ms  p95 {http95:7.1f} ms | "
                            f"Python API p50 {py50:7.1f} ms  p95 {py95:7.1f} ms | "
                            f"p95 ratio {http95 / py95:4.1f}x{verdict}"
                        )


if __name__ == "__main__":
    main()
