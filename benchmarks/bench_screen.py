"""Screening against a full list: the index built once and cached, against building it for
every screen (what ``regwatch screen`` did before the cache).

A SQLite database gets 25,700 listed entries with Entity-List-shaped names and an alias each
(the generator of bench_differ.py).  Printed: the wall time of ``regwatch screen NAME`` in a
fresh process with no cache (it builds and saves the index) and again (it loads the cache),
``python -c pass`` and ``regwatch --version`` in the same run, the time to screen 200 names in
one ``--file`` run, and, in one process, per-name times with the index built for each name
(the old way) and with the loaded index.  Target: under 0.3 s a name after the first.

    python benchmarks/bench_screen.py [--entries 25700] [--names 200]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common  # noqa: F401  (puts the repository on sys.path)
from bench_differ import build
from regwatch.matching import Screener
from regwatch.model import ListedEntry
from regwatch.store import Store
from regwatch.store._listed import upsert_listed


def wall(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=25_700)
    parser.add_argument("--names", type=int, default=200)
    options = parser.parse_args()
    rng = random.Random(11)
    _, listed = build(watched=50, listed=options.entries, planted=0)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'regwatch.db'}"
        env = {**os.environ, "REGWATCH_DB": url, "XDG_CACHE_HOME": str(folder / "cache")}
        with Store.open(url, create=True) as store, store.write() as conn:
            upsert_listed(
                conn,
                [
                    ListedEntry(f"el:x:{i}", "EL", name, tuple(aliases), country="CN", source="csl")
                    for i, (name, aliases, _) in enumerate(listed)
                ],
            )
        names = [name for name, _, _ in rng.sample(listed, options.names)]
        regwatch = [sys.executable, "-m", "regwatch"]
        baseline = wall([sys.executable, "-c", "pass"], env)
        version = wall([*regwatch, "--version"], env)
        first = wall([*regwatch, "screen", names[0]], env)
        again = min(wall([*regwatch, "screen", name], env) for name in names[1:4])
        batch_file = folder / "names.txt"
        batch_file.write_text("\n".join(names) + "\n")
        batch = wall([*regwatch, "screen", "--file", str(batch_file)], env)

        with Store.open(url) as store:
            rebuilt = []
            for name in names[:3]:  # the old way: an index for every name
                start = time.perf_counter()
                Screener(store, cache_dir=folder / f"fresh-{len(rebuilt)}").screen(name)
                rebuilt.append(time.perf_counter() - start)
            screener = Screener(store, cache_dir=folder / "cache" / "regwatch")
            start = time.perf_counter()
            screener.index()
            load = time.perf_counter() - start
            start = time.perf_counter()
            found = sum(bool(r.results) for r in screener.screen_all((n, None) for n in names))
            per_name = (time.perf_counter() - start) / len(names)

    print(f"{options.entries:,} listed entries; {options.names} names screened")
    print(f"  python -c pass                       {baseline:6.2f} s")
    print(f"  regwatch --version                   {version:6.2f} s")
    print(f"  regwatch screen NAME, no cache       {first:6.2f} s  (builds and saves the index)")
    print(f"  regwatch screen NAME, cached         {again:6.2f} s  "
          f"({first / again:.1f}x faster; {again - version:.2f} s over --version)")  # fmt: skip
    print(f"  regwatch screen --file ({len(names)} names) {batch:6.2f} s  "
          f"({batch / len(names) * 1000:.0f} ms a name)")  # fmt: skip
    print(f"  in one process: index built per name {sum(rebuilt) / len(rebuilt):6.2f} s a name; "
          f"cache loaded in {load:.2f} s, then {per_name * 1000:.1f} ms a name "
          f"({found} of {len(names)} with candidates)")  # fmt: skip


if __name__ == "__main__":
    main()
