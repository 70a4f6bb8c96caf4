"""Start-up time of the command line: what a user waits for before the first line.

Prints the wall time (best of N, in a fresh process each) of ``regwatch --version``,
``regwatch events --limit 10`` and ``regwatch sources`` on a small database (the shipped
samples imported), next to ``python -c pass`` and ``python -c "import sqlalchemy"`` measured in
the same run, and which regwatch modules ``events`` loads.  Target: ``events --limit 10`` under
0.3 s.

    python benchmarks/bench_cli.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common  # noqa: F401  (puts the repository on sys.path)
import regwatch

SAMPLES = Path(regwatch.__file__).parent / "samples"


def wall(args: list[str], env: dict[str, str], cwd: Path, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, env=env, cwd=cwd, check=True, capture_output=True)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = {**os.environ, "REGWATCH_DB": f"sqlite:///{folder / 'regwatch.db'}"}
        env.pop("REGWATCH_CONFIG", None)
        regwatch_cmd = [sys.executable, "-m", "regwatch"]
        setup = [
            ["init"],
            ["import", "federal_register", str(SAMPLES / "federal_register" / "documents.json")],
            ["import", "csl", str(SAMPLES / "csl" / "consolidated-1.json")],
        ]
        for args in setup:
            subprocess.run([*regwatch_cmd, *args], env=env, cwd=folder, check=True,
                           capture_output=True)  # fmt: skip
        python = [sys.executable]
        baseline = wall([*python, "-c", "pass"], env, folder, runs)
        sqlalchemy = wall([*python, "-c", "import sqlalchemy"], env, folder, runs)
        rows = [
            ("python -c pass", baseline),
            ("python -c 'import sqlalchemy'", sqlalchemy),
        ]
        for args in (["--version"], ["events", "--limit", "10"], ["sources"]):
            rows.append(
                ("regwatch " + " ".join(args), wall([*regwatch_cmd, *args], env, folder, runs))
            )
        loaded = subprocess.run(
            [*python, "-X", "importtime", "-m", "regwatch", "events", "--limit", "10"],
            env=env, cwd=folder, check=True, capture_output=True, text=True,
        ).stderr  # fmt: skip
    modules = sorted(
        {
            line.split("|")[-1].strip()
            for line in loaded.splitlines()
            if "| regwatch" in line or "|   regwatch" in line
        }
    )
    print(f"best of {runs} runs, each in a fresh process")
    for name, seconds in rows:
        print(f"  {name:<34} {seconds * 1000:7.0f} ms  {seconds / baseline:5.1f}x python -c pass")
    events = dict(rows)["regwatch events --limit 10"]
    print(f"events --limit 10: {events:.2f} s (target 0.30 s); "
          f"{events - sqlalchemy:.2f} s more than importing sqlalchemy alone")  # fmt: skip
    print("regwatch modules `events` loads:", ", ".join(m for m in modules if m))


if __name__ == "__main__":
    main()
