"""The differ's speed: new entity events, and a full re-screen, against a large watch list.

    python benchmarks/bench_differ.py [--watched 10000] [--listed 25700] [--events 200]

Two workloads, on synthetic names shaped like the Entity List's (a distinctive core, often a
city, generic words, a legal form; aliases that abbreviate, reorder, drop the city or change
the form), with a few hundred planted matches:

1. 200 new entity events (one Federal Register Entity List rule, a large one) against 10,000
   watched entities with 3 aliases each (target: under 0.5 s);
2. a full re-screen: the 25,700 entries of the Consolidated Screening List against the same
   10,000 watched entities (target: under 15 s).

Each runs through :class:`regwatch.matching.WatchMatcher` (token-blocked name index), and
against a brute-force baseline measured in the same run: every watched alias scored against
every event name.  Brute force over the whole workload would take hours, so it is measured on
a sample of events and extrapolated (the per-event cost of brute force does not depend on
which event it is).  The planted matches found by both are compared, so the index's recall is
checked against brute force, not assumed.
"""

from __future__ import annotations

import argparse
import random
import time

from regwatch.events import ChangeEvent, Entity, EventKind
from regwatch.matching import REVIEW_THRESHOLD, WatchItemSpec, WatchMatcher
from regwatch.matching._analyze import analyze
from regwatch.matching._names import score_analyzed

CITIES = [
    "Beijing",
    "Shanghai",
    "Shenzhen",
    "Guangzhou",
    "Wuhan",
    "Chengdu",
    "Harbin",
    "Xian",
    "Tianjin",
    "Moscow",
    "Tehran",
    "Minsk",
    "Nanjing",
    "Hangzhou",
]
GENERIC = [
    "Technology",
    "Electronics",
    "Trading",
    "International",
    "Industrial",
    "Science",
    "Engineering",
    "Communications",
    "Import and Export",
    "Precision",
    "Materials",
    "Aerospace",
    "Optical",
    "Systems",
    "Semiconductor",
    "Instruments",
    "Logistics",
]
ABBREVIATED = {
    "Technology": "Tech",
    "Communications": "Comm",
    "International": "Intl",
    "Engineering": "Eng",
    "Science": "Sci",
    "Electronics": "Elec",
    "Industrial": "Ind",
    "Systems": "Sys",
    "Materials": "Mat",
}
FORMS = ["Co., Ltd.", "Limited", "Corporation", "LLC", "JSC", "Group Co., Ltd.", "Inc."]
ONSETS = [
    "b",
    "ch",
    "d",
    "f",
    "g",
    "h",
    "j",
    "k",
    "l",
    "m",
    "n",
    "p",
    "q",
    "r",
    "s",
    "sh",
    "t",
    "w",
    "x",
    "y",
    "z",
    "zh",
    "v",
    "kr",
    "st",
    "tr",
]
NUCLEI = ["a", "ai", "an", "ang", "e", "ei", "en", "i", "in", "ing", "o", "ong", "ou", "u",
          "ui", "un", "ia", "iao", "ov", "ek", "ar"]  # fmt: skip


def _core(rng: random.Random) -> str:
    words = []
    for _ in range(rng.choice([1, 1, 2])):
        syllables = rng.randint(2, 3)
        words.append("".join(rng.choice(ONSETS) + rng.choice(NUCLEI) for _ in range(syllables)))
    return " ".join(w.title() for w in words)


def _parts(rng: random.Random, core: str) -> tuple[str, str, list[str], str]:
    city = rng.choice(CITIES) if rng.random() < 0.6 else ""
    return city, core, rng.sample(GENERIC, rng.randint(1, 2)), rng.choice(FORMS)


def _names(parts: tuple[str, str, list[str], str], rng: random.Random) -> tuple[str, list[str]]:
    city, core, generic, form = parts
    primary = " ".join(p for p in (city, core, *generic, form) if p)
    abbreviated = " ".join(ABBREVIATED.get(g, g) for g in generic).upper()
    aliases = [
        f"{core} {abbreviated} {rng.choice(FORMS)}".upper(),
        f"{core} {city} {' '.join(generic)}".strip(),
        f"{core} Group",
    ]
    return primary, aliases


def _as_listed(rng: random.Random, parts: tuple[str, str, list[str], str]) -> str:
    """How a list might write a watched party: upper case, abbreviated, the city moved to
    the end or dropped, another legal form, sometimes a typo in the distinctive word."""
    city, core, generic, _ = parts
    if rng.random() < 0.4:
        core = " ".join(_typo(rng, w) if len(w) > 4 else w for w in core.split())
    words = [ABBREVIATED.get(g, g) if rng.random() < 0.5 else g for g in generic]
    city_part = city if rng.random() < 0.5 else ""
    return " ".join(p for p in (core, *words, city_part, rng.choice(FORMS)) if p).upper()


def _typo(rng: random.Random, word: str) -> str:
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + rng.choice("aeiou") + word[i + 1 :]


def build(watched: int, listed: int, planted: int, seed: int = 7):
    rng = random.Random(seed)
    cores = list(dict.fromkeys(_core(rng) for _ in range(watched + listed + 1000)))
    rng.shuffle(cores)
    items, parts = [], []
    for i in range(watched):
        part = _parts(rng, cores[i])
        primary, aliases = _names(part, rng)
        parts.append(part)
        items.append(WatchItemSpec(i + 1, 1 + i % 50, "entity", primary, {"aliases": aliases}))
    entries = []
    step = max(1, watched // max(1, planted))
    for j in range(listed):
        if j < planted:
            target = (j * step) % watched
            entries.append((_as_listed(rng, parts[target]), [], items[target].id))
        else:
            name, aliases = _names(_parts(rng, cores[watched + j]), rng)
            entries.append((name, aliases[:1], None))
    return items, entries


def _event(index: int, name: str, aliases: list[str]) -> ChangeEvent:
    return ChangeEvent(
        source="csl",
        kind=EventKind.ENTITY_ADDED,
        key=f"el:{index}",
        title=f"{name} added to the Entity List",
        list_code="EL",
        country="CN",
        entity=Entity(name, aliases=tuple(aliases)),
    )


def brute_force(items: list[WatchItemSpec], events: list[ChangeEvent]) -> tuple[float, set]:
    """Every watched alias against every name of every event: the baseline."""
    aliases = [(item.id, analyze(name)) for item in items for name in item.names]
    found = set()
    started = time.perf_counter()
    for event in events:
        assert event.entity is not None
        for name in (event.entity.name, *event.entity.aliases):
            query = analyze(name)
            for item_id, alias in aliases:
                if score_analyzed(alias, query, detail=False).score >= REVIEW_THRESHOLD:
                    found.add((event.key, item_id))
    return time.perf_counter() - started, found


def indexed(matcher: WatchMatcher, events: list[ChangeEvent]) -> tuple[float, set]:
    started = time.perf_counter()
    found = {(event.key, f.watch_item_id) for event in events for f in matcher.match(event)}
    return time.perf_counter() - started, found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--watched", type=int, default=10_000)
    parser.add_argument("--listed", type=int, default=25_700)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--planted", type=int, default=300)
    parser.add_argument("--sample", type=int, default=4, help="events brute force really runs")
    args = parser.parse_args()

    items, entries = build(args.watched, args.listed, args.planted)
    alias_count = sum(len(item.names) for item in items)
    print(f"{len(items):,} watched entities, {alias_count:,} names (3 aliases each)")
    started = time.perf_counter()
    matcher = WatchMatcher(items)
    build_seconds = time.perf_counter() - started
    print(f"compiling the watch lists (analysis + name index): {build_seconds:.2f} s\n")

    rng = random.Random(11)
    # 1. one large Entity List rule: 200 additions, some of them watched parties
    chosen = rng.sample(range(len(entries)), args.events - 20) + list(range(20))
    new_events = [_event(i, entries[i][0], entries[i][1]) for i in chosen]
    seconds, found = indexed(matcher, new_events)
    sample = new_events[: args.sample]
    brute_seconds, brute_found = brute_force(items, sample)
    brute_total = brute_seconds / len(sample) * len(new_events)
    agree = f"{len(brute_found & found)} of {len(brute_found)}"
    missed = brute_found - found
    print(f"1. {len(new_events)} new entity events against {len(items):,} watched entities")
    print(
        f"   indexed:     {seconds:.3f} s  ({seconds / len(new_events) * 1000:.2f} ms/event)"
        f"   target < 0.5 s: {'ok' if seconds < 0.5 else 'MISSED'}"
    )
    print(
        f"   brute force: {brute_total:.1f} s  (measured on {len(sample)} events: "
        f"{brute_seconds:.2f} s)   speed-up ×{brute_total / seconds:,.0f}"
    )
    print(
        f"   matches: {len(found)}; on the sample, brute-force matches found by the index: {agree}"
    )
    for key, item_id in sorted(missed):
        event = next(e for e in sample if e.key == key)
        print(
            f"   (missed: {event.entity.name if event.entity else event.title!r} ~ "
            f"{' / '.join(matcher.by_id[item_id].names)})"
        )
    print()

    # 2. full re-screen: every list entry against every watched entity
    all_events = [_event(i, name, aliases) for i, (name, aliases, _) in enumerate(entries)]
    seconds, found = indexed(matcher, all_events)
    planted = {(f"el:{i}", expected) for i, (_, _, expected) in enumerate(entries) if expected}
    recall = len(planted & found) / len(planted)
    sample = rng.sample(all_events, args.sample)
    brute_seconds, brute_found = brute_force(items, sample)
    brute_total = brute_seconds / len(sample) * len(all_events)
    agree = f"{len(brute_found & found)} of {len(brute_found)}"
    per_entry = seconds / len(all_events) * 1000
    total = seconds + build_seconds
    print(
        f"2. full re-screen: {len(all_events):,} listed entries against "
        f"{len(items):,} watched entities"
    )
    print(
        f"   indexed:     {seconds:.2f} s  ({per_entry:.2f} ms/entry); with compiling the "
        f"watch lists {total:.2f} s   target < 15 s: {'ok' if total < 15 else 'MISSED'}"
    )
    print(
        f"   brute force: {brute_total / 3600:.1f} h  (measured on {len(sample)} entries: "
        f"{brute_seconds:.2f} s)   speed-up ×{brute_total / seconds:,.0f}"
    )
    print(
        f"   matches: {len(found)}; planted watched parties found: {recall:.1%}; "
        f"on the sample, brute-force matches found by the index: {agree}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
