"""Parse and diff a full-size Consolidated Screening List snapshot.

The snapshot is built from the real CSL rows in shared/fixtures/csl (the current and 2017-2019
CSV layouts and the older API's JSON records, every list), reshaped into the bulk JSON record
(all 29 fields) and replicated with varied names and street numbers up to about 25,700 records
and 34 MB, like today's ``consolidated.json``.  The previous snapshot differs by a day's worth of
changes (1% removed, 1% added, 1% revised).  The baseline is a bare ``json.loads`` of the same
bytes, measured in the same run.

Targets (issue 3): parse + diff under 3 s and under 400 MB peak on a 2-core machine, within 10x
of json.loads.

    python benchmarks/bench_csl.py [--records 25700] [--store]
"""

from __future__ import annotations

import argparse
import csv
import gc
import io
import json
import pickle
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from _common import best_of, shared_fixtures
from regwatch.entities import LIST_CODES
from regwatch.sources._csl_snapshot import diff_snapshot
from regwatch.sources.csl import parse_snapshot

FIELDS = (
    "id", "source", "entity_number", "type", "programs", "name", "title", "addresses",
    "federal_register_notice", "start_date", "end_date", "standard_order", "license_requirement",
    "license_policy", "call_sign", "vessel_type", "gross_tonnage", "gross_registered_tonnage",
    "vessel_flag", "vessel_owner", "remarks", "source_list_url", "alt_names", "citizenships",
    "dates_of_birth", "nationalities", "places_of_birth", "source_information_url", "ids",
)  # fmt: skip
LIST_FIELDS = ("programs", "alt_names", "citizenships", "dates_of_birth", "nationalities",
               "places_of_birth")  # fmt: skip
SYLLABLES = (
    "an", "bei", "chen", "da", "er", "fu", "gang", "hai", "jin", "kang", "li", "ming", "nan", "ou",
    "ping", "qiang", "rui", "shan", "tai", "wei", "xin", "yang", "zhi",
)  # fmt: skip


def _address(text: str) -> dict[str, Any]:
    parts = [p.strip() for p in text.split(",")]
    country = parts[-1] if len(parts[-1]) == 2 and parts[-1].isupper() else None
    body = parts[:-1] if country else parts
    return {
        "address": ", ".join(body[:-1]) or None,
        "city": body[-1] if body else None,
        "state": None,
        "postal_code": None,
        "country": country,
    }


def _from_csv_row(row: dict[str, str]) -> dict[str, Any]:
    record: dict[str, Any] = {f: (row.get(f) or row.get("_" + f) or None) for f in FIELDS}
    for name in LIST_FIELDS:
        record[name] = [v.strip() for v in (row.get(name) or "").split(";") if v.strip()]
    record["addresses"] = [_address(a) for a in (row.get("addresses") or "").split("; ") if a]
    record["ids"] = [
        dict(
            zip(
                ("type", "number", "country"),
                [p.strip() for p in i.split(",")] + [None, None],
                strict=False,
            )
        )
        for i in (row.get("ids") or "").split("; ")
        if i
    ]
    return record


def templates(fixtures: Path) -> list[dict[str, Any]]:
    """Every real row of the fixtures, as a bulk JSON record with all 29 fields."""
    out = []
    for name in ("csl_consolidated_current_format_sample.watchman.csv",
                 "csl_consolidated_2018_format_sample.watchman.csv"):  # fmt: skip
        text = (fixtures / "csl" / name).read_text(encoding="utf-8")
        out += [_from_csv_row(r) for r in csv.DictReader(io.StringIO(text, newline=""))]
    for path in sorted((fixtures / "csl" / "legacy_govwizely").glob("csl_json_records_*.json")):
        for record in json.loads(path.read_text(encoding="utf-8")):
            if record.get("source") in LIST_CODES.values():
                out.append({f: record.get(f) for f in FIELDS})
    return out


def _vary(template: dict[str, Any], n: int, rng: random.Random) -> dict[str, Any]:
    record = json.loads(json.dumps(template))
    suffix = " ".join(rng.choice(SYLLABLES).capitalize() for _ in range(3))
    record["name"] = f"{template['name']} {suffix} {n}"
    record["id"] = f"{n:056x}"
    for address in record.get("addresses") or []:
        address["address"] = f"{n % 997 + 1} {address.get('address') or 'Main Road'}"
        address["postal_code"] = address.get("postal_code") or f"{n % 90000 + 10000}"
    return record


def snapshots(count: int, fixtures: Path) -> tuple[bytes, bytes, int]:
    """``(previous, current, changes)``: two snapshots a day apart."""
    rng = random.Random(20261128)
    base = templates(fixtures)
    records = [_vary(base[n % len(base)], n, rng) for n in range(count)]
    previous = json.dumps({"results": records}, ensure_ascii=False).encode()
    step = 100  # 1% of each kind of change
    current = [r for i, r in enumerate(records) if i % step != 0]  # removed
    for i in range(1, len(current), step):  # revised: a changed policy and remark
        current[i]["license_policy"] = "Presumption of denial."
        current[i]["remarks"] = "revised"
    current += [_vary(base[n % len(base)], count + n, rng) for n in range(count // step)]
    body = json.dumps({"results": current}, ensure_ascii=False).encode()
    return previous, body, 3 * (count // step)


def parse_and_diff(body: bytes, previous: dict[str, Any]) -> Any:
    snapshot = parse_snapshot(body, LIST_CODES)
    return diff_snapshot(previous, snapshot.entries)


def _child_rss(body: bytes, previous: dict[str, Any]) -> float:
    """Max RSS (MB) of a fresh process holding the previous entries (as a poll loads them from
    the database) that parses and diffs ``body``: the poll's own footprint, without this
    script's extra copies of both snapshots."""
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "body.json").write_bytes(body)
        with open(Path(folder) / "previous.pickle", "wb") as handle:
            pickle.dump(previous, handle)
        out = subprocess.run(
            [sys.executable, __file__, "--child", folder], check=True, capture_output=True
        )
    return float(out.stdout)


def _child(folder: str) -> None:
    with open(Path(folder) / "previous.pickle", "rb") as handle:
        previous = pickle.load(handle)
    parse_and_diff((Path(folder) / "body.json").read_bytes(), previous)
    # VmHWM is this process's own high-water mark; ru_maxrss would carry over the parent's
    # footprint at fork time, which execve does not reset.
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                print(int(line.split()[1]) / 1024)
                return
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        _child(sys.argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=25_700)
    parser.add_argument("--store", action="store_true", help="also time the poll through SQLite")
    args = parser.parse_args()
    fixtures = shared_fixtures()
    old_body, new_body, changes = snapshots(args.records, fixtures)
    first = parse_snapshot(old_body, LIST_CODES)
    previous = dict(diff_snapshot({}, first.entries, baseline_lists=LIST_CODES).baseline)
    print(f"snapshot: {len(new_body) / 1e6:.1f} MB, {len(json.loads(new_body)['results']):,} "
          f"records, {len(previous):,} previous entries, ~{changes} changes")  # fmt: skip

    floor = best_of(3, lambda: json.loads(new_body))
    parse_time = best_of(3, lambda: parse_snapshot(new_body, LIST_CODES))
    snapshot = parse_snapshot(new_body, LIST_CODES)
    diff_time = best_of(3, lambda: diff_snapshot(previous, snapshot.entries))
    total = best_of(3, lambda: parse_and_diff(new_body, previous))
    diff = parse_and_diff(new_body, previous)

    gc.collect()
    tracemalloc.start()
    parse_and_diff(new_body, previous)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = _child_rss(new_body, previous)

    print(f"json.loads (baseline):  {floor:6.2f} s")
    print(f"parse snapshot:         {parse_time:6.2f} s")
    print(f"diff against previous:  {diff_time:6.2f} s  "
          f"(+{len(diff.added)} -{len(diff.removed)} ~{len(diff.revised)}, "
          f"{diff.unchanged:,} unchanged)")  # fmt: skip
    print(f"parse + diff:           {total:6.2f} s  = {total / floor:.1f}x json.loads "
          f"(target < 3 s, within 10x)")  # fmt: skip
    print(f"peak memory: {peak / 1e6:.0f} MB allocated by parse + diff (tracemalloc); "
          f"{rss:.0f} MB max RSS of a process that holds the previous state and does "
          "only that (target < 400 MB)")  # fmt: skip
    if args.store:
        _through_store(old_body, new_body)


def _through_store(old_body: bytes, new_body: bytes) -> None:
    """The whole poll (events, store, listed entities) for the baseline and the next day."""
    from regwatch.http import Fetcher, HttpSettings
    from regwatch.pipeline import poll_source
    from regwatch.sources.csl import CSL, CslSettings
    from regwatch.store import Store
    from tests.support.httpserver import LocalServer, Reply

    with tempfile.TemporaryDirectory() as folder, LocalServer() as server:
        server.route("/csl.json", Reply(old_body), Reply(new_body))
        store = Store.open(f"sqlite:///{Path(folder) / 'bench.db'}", create=True)
        settings = CslSettings(url=server.url("/csl.json"), lists=list(LIST_CODES))
        with Fetcher(HttpSettings(min_interval=0)) as fetcher:
            for label in ("baseline poll", "next-day poll"):
                start = time.perf_counter()
                result = poll_source(store, CSL(settings), fetcher)
                seconds = time.perf_counter() - start
                assert result.ok, result.error
                print(f"{label} through SQLite: {seconds:6.2f} s ({result.new} new events)")
        store.close()


if __name__ == "__main__":
    main()
