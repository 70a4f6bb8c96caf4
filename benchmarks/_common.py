"""Shared helpers for the benchmark scripts: where the fixtures are, and a timer."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # benchmarks reuse the test data builders in tests/support


def shared_fixtures() -> Path:
    env = os.environ.get("REGWATCH_SHARED")
    folder = (Path(env) if env else REPO.parent / "shared") / "fixtures"
    if not folder.is_dir():
        sys.exit(f"shared fixtures not found at {folder} (set REGWATCH_SHARED)")
    return folder


@contextmanager
def timed(results: dict[str, float], name: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    results[name] = time.perf_counter() - start


def best_of(runs: int, fn: Callable[[], object]) -> float:
    """The fastest of ``runs`` timings of ``fn`` (seconds): the least disturbed by noise."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best
