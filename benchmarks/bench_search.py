"""Full-text search (`regwatch events --q`) over 100,000 stored events.

Events get titles and summaries built from English and Japanese export-control vocabulary, so
that common and rare, one-, two- and multi-character terms all occur.  Each query runs the same
code path as ``regwatch events --q TERM`` (the store query plus the JSON form of every result);
the baseline is the same listing without ``--q``, measured in the same run.

Target (issue 2): every query under 200 ms.

    python benchmarks/bench_search.py [--events 100000]
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common  # noqa: F401  (puts the repository on sys.path)
from regwatch.events import ChangeEvent, EventKind
from regwatch.model import Changes
from regwatch.sources import Payload
from regwatch.store import Batch, EventQuery, Store
from regwatch.timeutil import utcnow

ENGLISH = [
    "export",
    "controls",
    "semiconductor",
    "manufacturing",
    "equipment",
    "advanced",
    "computing",
    "entity",
    "list",
    "additions",
    "revisions",
    "removal",
    "license",
    "requirement",
    "military",
    "end",
    "user",
    "artificial",
    "intelligence",
    "quantum",
    "biotechnology",
    "supercomputer",
    "items",
    "subject",
    "to",
    "the",
    "EAR",
    "foreign",
    "direct",
    "product",
    "rule",
    "Russia",
    "China",
    "Iran",
    "Belarus",
    "aircraft",
    "parts",
    "encryption",
]
JAPANESE = [
    "外国為替及び外国貿易法",
    "輸出貿易管理令",
    "改正",
    "外国ユーザーリスト",
    "半導体",
    "経済安全保障",
    "先端技術",
    "量子",
    "人工知能",
    "公表",
    "法",
    "安全保障貿易管理",
    "貨物",
    "役務",
    "ロシア",
    "中国",
    "制裁",
]
QUERIES = [
    "semiconductor",
    "quantum supercomputer",
    "entity list",
    "EAR",
    "改正",
    "法",
    "外国ユーザーリスト",
    "半導体 export",
    "nosuchword",
]


def make_events(count: int, seed: int = 7) -> list[ChangeEvent]:
    rng = random.Random(seed)
    events = []
    for i in range(count):
        title = " ".join(rng.choices(ENGLISH, k=8))
        if i % 3 == 0:
            title = "".join(rng.choices(JAPANESE, k=3)) + "について"
        summary = " ".join(rng.choices(ENGLISH, k=40)) + " " + "".join(rng.choices(JAPANESE, k=4))
        events.append(
            ChangeEvent(
                source="federal_register",
                kind=EventKind.DOCUMENT_PUBLISHED,
                key=f"fr:bench-{i}",
                title=title,
                summary=summary,
                document_number=f"2025-{i:05d}",
            )
        )
    return events


def run_query(store: Store, q: str | None) -> int:
    return len([e.to_json() for e in store.iter_events(EventQuery(q=q, limit=50))])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    count = parser.parse_args().events
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'search.db'}"
        with Store.open(url, create=True) as store:
            start = time.perf_counter()
            events = make_events(count)
            for i in range(0, count, 10_000):
                chunk = events[i : i + 10_000]
                store.save_batch(
                    Batch(
                        source="federal_register",
                        payloads=[Payload(url="bench", body=b"", fetched_at=utcnow())],
                        changes=Changes(events=[(0, e) for e in chunk]),
                        started_at=utcnow(),
                    )
                )
            print(f"stored {count:,} events in {time.perf_counter() - start:.1f} s")
            baseline = min(_time(lambda: run_query(store, None)) for _ in range(3))
            print(f"baseline (no --q, 50 newest): {baseline * 1000:7.1f} ms")
            worst = 0.0
            for q in QUERIES:
                hits = run_query(store, q)
                best = min(_time(lambda q=q: run_query(store, q)) for _ in range(3))
                total = len(list(store.iter_events(EventQuery(q=q))))
                worst = max(worst, best)
                print(
                    f"--q {q!r:28} {best * 1000:7.1f} ms  {best / baseline:5.1f}x baseline  "
                    f"({hits} shown of {total:,} matching)"
                )
            print(f"slowest query: {worst * 1000:.1f} ms  [target < 200 ms]")
        cli = [
            sys.executable,
            "-m",
            "regwatch",
            "--db",
            url,
            "events",
            "--q",
            "改正",
            "--format",
            "json",
            "--limit",
            "50",
        ]
        best = min(
            _time(lambda: subprocess.run(cli, capture_output=True, check=True)) for _ in range(3)
        )
        startup = min(
            _time(
                lambda: subprocess.run(
                    [sys.executable, "-m", "regwatch", "--version"], capture_output=True, check=True
                )
            )
            for _ in range(3)
        )
        print(
            "whole command `regwatch events --q 改正 --format json --limit 50`: "
            f"{best * 1000:.0f} ms "
            f"(of which interpreter and import start-up {startup * 1000:.0f} ms)"
        )


def _time(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
