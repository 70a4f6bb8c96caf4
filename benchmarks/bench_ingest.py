"""Ingest 10,000 Federal Register documents through parse and store.

The documents are real API records (the all-fields EPA search in shared/fixtures) re-numbered
and re-dated, served as ten pages of 1,000 like ``documents.json``.  The baseline is a bare
``json.loads`` of the same bytes, measured in the same run.

Targets (issue 2): at least 2,000 documents/s (within 6x of the json.loads floor) and a re-ingest
of the same documents (all no-ops) at least 5,000 documents/s.

    python benchmarks/bench_ingest.py [--documents 10000]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date
from pathlib import Path

from _common import best_of, shared_fixtures
from regwatch.model import Changes
from regwatch.sources import Payload
from regwatch.sources.federal_register import FederalRegister, FederalRegisterSettings
from regwatch.store import Batch, Store
from regwatch.timeutil import utcnow
from tests.support.fake_fr import bis_documents, load_template_records


def pages(count: int) -> list[bytes]:
    records = bis_documents(
        load_template_records(shared_fixtures()), count, date(2020, 1, 1), per_day=7
    )
    return [
        json.dumps({"count": count, "results": records[i : i + 1000]}).encode()
        for i in range(0, count, 1000)
    ]


def ingest(store: Store, source: FederalRegister, bodies: list[bytes]) -> tuple[int, int]:
    payloads = [
        Payload(
            url=f"https://example/documents.json?page={i}",
            body=body,
            fetched_at=utcnow(),
            role="documents",
        )
        for i, body in enumerate(bodies)
    ]
    events = [(i, e) for i, p in enumerate(payloads) for e in source.parse_payload(p)]
    result = store.save_batch(
        Batch(
            source=source.name,
            payloads=payloads,
            changes=Changes(events=events),
            started_at=utcnow(),
        )
    )
    return len(result.new_ids), result.unchanged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10_000)
    count = parser.parse_args().documents
    bodies = pages(count)
    megabytes = sum(map(len, bodies)) / 1e6

    floor = best_of(3, lambda: [json.loads(b) for b in bodies])
    source = FederalRegister(FederalRegisterSettings())
    with (
        tempfile.TemporaryDirectory() as tmp,
        Store.open(f"sqlite:///{Path(tmp) / 'bench.db'}", create=True) as store,
    ):
        start = time.perf_counter()
        new, _ = ingest(store, source, bodies)
        first = time.perf_counter() - start
        start = time.perf_counter()
        _, unchanged = ingest(store, source, bodies)
        again = time.perf_counter() - start
    assert new == count and unchanged == count, (new, unchanged)

    print(f"documents: {count} ({megabytes:.1f} MB of API JSON in {len(bodies)} pages)")
    print(f"json.loads floor : {count / floor:9,.0f} documents/s  ({floor:.3f} s)")
    print(
        f"ingest (new)     : {count / first:9,.0f} documents/s  ({first:.3f} s)  "
        f"{first / floor:.1f}x the floor  [target >= 2,000/s, <= 6x]"
    )
    print(
        f"re-ingest (no-op): {count / again:9,.0f} documents/s  ({again:.3f} s)  "
        f"{again / floor:.1f}x the floor  [target >= 5,000/s]"
    )


if __name__ == "__main__":
    main()
