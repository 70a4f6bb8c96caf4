"""Name matching accuracy on the OpenSanctions name benchmark (dev half), next to logic-v2.

    python benchmarks/bench_names.py [--fixtures DIR] [--errors]

Scores every pair of ``name_bench_dev.csv`` with ``regwatch.matching.name_score`` and reports
precision, recall and F1 at the pre-declared ``ALERT_THRESHOLD`` (and, for reference, at
``REVIEW_THRESHOLD``), next to nomenklatura's frozen logic-v2 scores for the same pairs at
logic-v2's own threshold (0.70) and at ours.  ``--errors`` lists every false positive and false
negative with its explanation.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

from regwatch.matching import ALERT_THRESHOLD, MATCHER_VERSION, REVIEW_THRESHOLD, explain_names

LOGIC_V2_THRESHOLD = 0.70


def _fixtures() -> Path:
    shared = os.environ.get("REGWATCH_SHARED")
    root = Path(shared) if shared else Path(__file__).resolve().parents[2] / "shared"
    return root / "fixtures" / "matching"


def prf(outcomes: list[tuple[bool, bool]]) -> tuple[float, float, float, int, int, int]:
    tp = sum(1 for truth, pred in outcomes if truth and pred)
    fp = sum(1 for truth, pred in outcomes if not truth and pred)
    fn = sum(1 for truth, pred in outcomes if truth and not pred)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, tp, fp, fn


def _line(label: str, outcomes: list[tuple[bool, bool]]) -> str:
    p, r, f, tp, fp, fn = prf(outcomes)
    return f"{label:<44} P {p:.3f}  R {r:.3f}  F1 {f:.3f}   (TP {tp}, FP {fp}, FN {fn})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixtures", type=Path, default=_fixtures())
    parser.add_argument("--errors", action="store_true", help="list every FP and FN")
    args = parser.parse_args()
    cases_path = args.fixtures / "name_bench_dev.csv"
    ref_path = args.fixtures / "name_bench_dev_logicv2_scores.csv"
    if not cases_path.exists():
        print(f"benchmark file not found: {cases_path}", file=sys.stderr)
        return 2
    with cases_path.open(encoding="utf-8") as fh:
        cases = list(csv.DictReader(fh))
    reference: dict[tuple[str, str], float] = {}
    if ref_path.exists():
        with ref_path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if row.get("score"):
                    reference[(row["name1"], row["name2"])] = float(row["score"])

    started = time.perf_counter()
    scored = []
    for case in cases:
        explanation = explain_names(case["name1"], case["name2"], case["schema"])
        scored.append((case, case["is_match"].strip().lower() == "true", explanation))
    seconds = time.perf_counter() - started

    ours = [(truth, e.score >= ALERT_THRESHOLD) for _, truth, e in scored]
    ours_review = [(truth, e.score >= REVIEW_THRESHOLD) for _, truth, e in scored]
    print(f"regwatch name matcher {MATCHER_VERSION} on {cases_path.name}: {len(cases)} pairs")
    print(f"(ALERT_THRESHOLD {ALERT_THRESHOLD}, REVIEW_THRESHOLD {REVIEW_THRESHOLD}, pre-declared)")
    print()
    print(_line(f"regwatch @ ALERT_THRESHOLD {ALERT_THRESHOLD}", ours))
    print(_line(f"regwatch @ REVIEW_THRESHOLD {REVIEW_THRESHOLD}", ours_review))
    both = [(c, t, e) for c, t, e in scored if (c["name1"], c["name2"]) in reference]
    if both:
        v2 = [(t, reference[(c["name1"], c["name2"])] >= LOGIC_V2_THRESHOLD) for c, t, _ in both]
        v2_ours = [(t, reference[(c["name1"], c["name2"])] >= ALERT_THRESHOLD) for c, t, _ in both]
        same = [(t, e.score >= ALERT_THRESHOLD) for _, t, e in both]
        print()
        print(f"on the {len(both)} pairs logic-v2 scored:")
        print(_line(f"logic-v2 (frozen) @ {LOGIC_V2_THRESHOLD}", v2))
        print(_line(f"logic-v2 (frozen) @ {ALERT_THRESHOLD}", v2_ours))
        print(_line(f"regwatch @ ALERT_THRESHOLD {ALERT_THRESHOLD}", same))
        _, _, ours_f1, *_ = prf(same)
        _, _, v2_f1, *_ = prf(v2)
        print(f"F1 ratio regwatch / logic-v2: {ours_f1 / v2_f1:.3f}")
    print()
    by_schema: dict[str, list[tuple[bool, bool]]] = {}
    for case, truth, e in scored:
        by_schema.setdefault(case["schema"], []).append((truth, e.score >= ALERT_THRESHOLD))
    for schema, outcomes in sorted(by_schema.items()):
        print(_line(f"  {schema} ({len(outcomes)})", outcomes))
    per_pair = seconds / len(cases) * 1e6
    print(f"\n{len(cases)} pairs in {seconds * 1000:.0f} ms ({per_pair:.0f} µs/pair)")
    if args.errors:
        print()
        for case, truth, e in scored:
            predicted = e.score >= ALERT_THRESHOLD
            if predicted != truth:
                label = "FN" if truth else "FP"
                names = f"{case['name1']} | {case['name2']}"
                print(f"{label} {e.score:.3f} {case['schema'][:3]} | {names}")
                print(f"      {e.summary()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
