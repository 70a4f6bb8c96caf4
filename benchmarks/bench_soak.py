"""Soak: 1,000 fast daemon cycles against the demo's sample server, with resident memory measured.

Every cycle is a full :meth:`regwatch.daemon.Daemon.run_once`: the Federal Register, CSL and METI
collectors fetch from the local sample server through the real Fetcher, the events go into a
SQLite database, the differ matches them against the sample watch list, and the due digests are
written to an ``.eml`` outbox.  The server alternates the two CSL snapshots, so every cycle
diffs a snapshot (four parties added or removed, one revised, one removed or re-added), stores
the events, matches them and sends a digest; the METI feed is answered ``304`` to its
conditional GET after the first cycle, and the Federal Register page is re-read unchanged.

Memory is the process's resident set (``VmRSS`` in ``/proc/self/status``; ``ru_maxrss`` where
there is no ``/proc``), read after the warm-up cycles and at the end, with no forced garbage
collection: what a daemon would show.  Issue 7's target: less than 10% growth after warm-up.

Baselines measured in the same run: the RSS right after importing regwatch, the time of one bare
``json.loads`` of the CSL sample, and the time of a cycle's HTTP requests made bare with httpx.

    python benchmarks/bench_soak.py [--cycles 1000] [--warmup 100] [--every 100]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import httpx

from regwatch.config import load_config
from regwatch.daemon import build_daemon
from regwatch.demo import SampleServer, samples_dir
from regwatch.digest import MailSettings, parse_address
from regwatch.http import Fetcher
from regwatch.matching import import_and_rescreen
from regwatch.store import Store

MB = 1024 * 1024


def rss() -> int:
    """Resident memory now, in bytes."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


RSS_AFTER_IMPORT = rss()


def bare_requests(server: SampleServer, rounds: int = 50) -> float:
    """Seconds for one cycle's requests made bare (httpx, no parsing, no storing)."""
    paths = [
        "/federal_register/api/v1/documents.json",
        "/federal_register/api/v1/public-inspection-documents.json",
        "/csl/consolidated.json",
        "/meti/ml_index_release_atom.xml",
    ]
    with httpx.Client(base_url=server.base, transport=httpx.HTTPTransport()) as client:
        start = time.perf_counter()
        for _ in range(rounds):
            for path in paths:
                client.get(path).raise_for_status()
        return (time.perf_counter() - start) / rounds


def json_loads_time(path: Path, rounds: int = 200) -> float:
    body = path.read_bytes()
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        json.loads(body)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=1000, help="cycles to run (default 1000)")
    parser.add_argument(
        "--warmup", type=int, default=100, help="cycles before the reference RSS (default 100)"
    )
    parser.add_argument("--every", type=int, default=100, help="print RSS and speed every N cycles")
    args = parser.parse_args()
    if not 0 < args.warmup < args.cycles:
        parser.error("--warmup must be at least 1 and less than --cycles")

    loads = json_loads_time(samples_dir() / "csl" / "consolidated-2.json")
    with tempfile.TemporaryDirectory(prefix="regwatch-soak-") as tmp, SampleServer() as server:
        folder = Path(tmp)
        config_path = folder / "sources.yaml"
        config_path.write_text(server.sources_yaml(date.today()), encoding="utf-8")
        config = load_config(str(config_path))
        # Going back from the second snapshot to the first removes 4 of the Entity List's 10
        # entries: more than the 20% that guards against truncated files.
        csl = config.sources["csl"]
        config.sources["csl"] = csl.model_copy(update={"max_shrink": 0.5})
        mail = MailSettings(
            smtp=None, sender=parse_address("soak@localhost", "sender"), outbox=folder / "outbox"
        )
        bare = bare_requests(server)
        server.hits.clear()
        totals = {"new": 0, "revised": 0, "failed": 0, "digests": 0, "digest_failures": 0}
        with (
            Store.open(f"sqlite:///{folder / 'soak.db'}", create=True) as store,
            Fetcher(config.http, transport=httpx.HTTPTransport()) as fetcher,
        ):
            import_and_rescreen(store, samples_dir() / "watchlist.yaml")
            daemon = build_daemon(store, config, fetcher, mail=mail)
            started = time.perf_counter()
            warm_at = warm_rss = 0.0
            window = (0, started)
            # CPU seconds per window of cycles: the slow-down check, unlike wall time, hardly
            # moves when other processes load the machine
            cpu_windows: list[tuple[int, float]] = []
            cpu_mark = time.process_time()
            for cycle in range(1, args.cycles + 1):
                server.csl_snapshot = 1 + (cycle - 1) % server.snapshots
                results, outputs = daemon.run_once()
                for result in results:
                    totals["new"] += result.new
                    totals["revised"] += result.revised
                    totals["failed"] += not result.ok
                    if not result.ok:
                        print(f"cycle {cycle}: {result.source}: {result.error}", file=sys.stderr)
                report = outputs.get("digests")
                if report is not None:
                    totals["digests"] += len(report.sent)
                    totals["digest_failures"] += len(report.failed)
                if cycle == args.warmup:
                    warm_at, warm_rss = time.perf_counter(), rss()
                if cycle % args.every == 0 or cycle == args.cycles:
                    now = time.perf_counter()
                    rate = (cycle - window[0]) / (now - window[1])
                    window = (cycle, now)
                    cpu_now = time.process_time()
                    cpu_windows.append((cycle, cpu_now - cpu_mark))
                    cpu_mark = cpu_now
                    print(
                        f"  cycle {cycle:>5}: RSS {rss() / MB:7.1f} MB, {rate:5.1f} cycles/s",
                        flush=True,
                    )
            elapsed = time.perf_counter() - started
            after_warmup = time.perf_counter() - warm_at
            end_rss = rss()
            events = store.count_events()
        eml = len(list((folder / "outbox").glob("*.eml")))
        hits = dict(server.hits)

    per_cycle = elapsed / args.cycles
    growth = (end_rss - warm_rss) / warm_rss * 100
    not_modified = sum(n for (_, status), n in hits.items() if status == 304)
    print()
    print(
        f"soak: {args.cycles} cycles of Daemon.run_once (federal_register, csl, meti; the CSL "
        "snapshots alternating) against the sample server"
    )
    print(
        f"speed: {args.cycles / elapsed:.1f} cycles/s ({per_cycle * 1000:.1f} ms a cycle; "
        f"{(args.cycles - args.warmup) / after_warmup:.1f} cycles/s after warm-up)"
    )
    after = [(c, cpu) for c, cpu in cpu_windows if c > args.warmup]
    first_rate = args.every / after[0][1] if after else 0.0
    last_rate = args.every / after[-1][1] if after else 0.0
    steady = last_rate >= 0.9 * first_rate
    print(
        f"steadiness: {first_rate:.1f} cycles per CPU-second over the first {args.every} cycles "
        f"after warm-up, {last_rate:.1f} over the last {args.every}: "
        f"{last_rate / first_rate:.0%} (target: at least 90%)"
        if after
        else "steadiness: not measured (too few cycles)"
    )
    print(
        f"work: {events:,} events stored ({totals['new']:,} new, {totals['revised']:,} "
        f"revised), {totals['digests']:,} digests sent ({eml:,} .eml files), "
        f"{sum(hits.values()):,} requests ({not_modified:,} answered 304), "
        f"{totals['failed']} failed polls, {totals['digest_failures']} failed digests"
    )
    print(
        f"baseline: RSS after importing regwatch {RSS_AFTER_IMPORT / MB:.1f} MB; "
        f"json.loads of the CSL sample {loads * 1e3:.3f} ms "
        f"(a cycle is {per_cycle / loads:,.0f}x); "
        f"a cycle's 4 requests made bare with httpx {bare * 1e3:.2f} ms "
        f"(a cycle is {per_cycle / bare:,.1f}x)"
    )
    print(
        f"memory: RSS after {args.warmup} warm-up cycles {warm_rss / MB:.1f} MB "
        f"({warm_rss / RSS_AFTER_IMPORT:.2f}x the import baseline), at the end "
        f"{end_rss / MB:.1f} MB: growth {growth:+.1f}% after warm-up (target: under 10%)"
    )
    ok = growth < 10 and steady and totals["failed"] == 0 and totals["digest_failures"] == 0
    print("result:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
