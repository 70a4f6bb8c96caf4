"""Parse and diff a 3,000-entry codified Entity List, and reconcile it with a 25,700-record CSL.

The supplement is generated in the GPO table grammar of tests/fixtures/ecfr (aliases as ``LI``
lines, addresses, citations, about 60 country headings, the country written once per block);
the previous version differs by 1% added, 1% removed and 1% revised entries.  The CSL is the
full-size snapshot of ``bench_csl.py`` (built from the real CSL rows in shared/fixtures/csl),
with the supplement's entries added as its Entity List records (a few left out, a few with other
policies, a few only in the CSL), and 200 rule entries, so that every kind of finding occurs.

Baselines measured in the same run:

- ``lxml``: ``etree.fromstring`` of the two supplement versions (parsing the XML and nothing
  else), against reading and diffing them;
- a bare join: one dict keyed on (list, country, normalized name) over the same sightings,
  against the full join (aliases, prefixes with citations, other countries) and the findings.

Target (issue 14): the whole reconciliation (supplement parse + diff, sightings, join, findings)
under 3 s on this machine.  The CSL snapshot's own parse is the CSL poll's work
(``bench_csl.py``), printed for reference.

    python benchmarks/bench_reconcile.py [--entries 3000] [--records 25700]
"""

from __future__ import annotations

import argparse
import gc
import json
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from lxml import etree

from _common import best_of, shared_fixtures
from bench_csl import snapshots
from regwatch.entities import normalize_name
from regwatch.model import Prior, SnapshotEntry
from regwatch.reconcile import ReconcileSettings, Sighting, Views, join_views, reconcile_listings
from regwatch.reconcile._views import csl_sighting, record_sighting
from regwatch.sources._ecfr_table import parse_supplement
from regwatch.sources._snapshot import diff_list
from regwatch.sources.csl import parse_snapshot
from regwatch.sources.ecfr import records_of

COUNTRIES = [
    "AFGHANISTAN", "ARMENIA", "BELARUS", "BURMA", "CANADA", "CHINA, PEOPLE'S REPUBLIC OF", "EGYPT",
    "FRANCE", "GERMANY", "HONG KONG", "INDIA", "IRAN", "IRAQ", "ISRAEL", "JAPAN", "KAZAKHSTAN",
    "LEBANON", "MALAYSIA", "NETHERLANDS", "PAKISTAN", "RUSSIA", "SINGAPORE", "SYRIA", "TAIWAN",
    "TURKEY", "UNITED ARAB EMIRATES", "UNITED KINGDOM", "UZBEKISTAN", "VIETNAM", "YEMEN",
]  # fmt: skip
ISO = {
    "AFGHANISTAN": "AF", "ARMENIA": "AM", "BELARUS": "BY", "BURMA": "MM", "CANADA": "CA",
    "CHINA, PEOPLE'S REPUBLIC OF": "CN", "EGYPT": "EG", "FRANCE": "FR", "GERMANY": "DE",
    "HONG KONG": "HK", "INDIA": "IN", "IRAN": "IR", "IRAQ": "IQ", "ISRAEL": "IL", "JAPAN": "JP",
    "KAZAKHSTAN": "KZ", "LEBANON": "LB", "MALAYSIA": "MY", "NETHERLANDS": "NL", "PAKISTAN": "PK",
    "RUSSIA": "RU", "SINGAPORE": "SG", "SYRIA": "SY", "TAIWAN": "TW", "TURKEY": "TR",
    "UNITED ARAB EMIRATES": "AE", "UNITED KINGDOM": "GB", "UZBEKISTAN": "UZ", "VIETNAM": "VN",
    "YEMEN": "YE",
}  # fmt: skip
WORDS = (
    "Alpha", "Boreal", "Cobalt", "Delta", "Ember", "Falcon", "Granite", "Harbor", "Iris", "Jade",
    "Kestrel", "Lumen", "Meridian", "Nimbus", "Orion", "Pioneer", "Quartz", "Raven", "Summit",
    "Titan", "Umber", "Vertex", "Willow", "Xenon", "Yarrow", "Zenith",
)  # fmt: skip
KINDS = ("Electronics", "Trading", "Aviation", "Machinery", "Photonics", "Logistics", "Research")
FORMS = ("Co., Ltd.", "LLC", "Limited", "JSC", "GmbH", "Institute")
POLICIES = ("Presumption of denial.", "Policy of denial.", "Case-by-case review.")
REQUIREMENT = "For all items subject to the EAR. (See §§ 734.9(b) and 744.11 of the EAR)."


def _entry(n: int, rng: random.Random) -> dict[str, Any]:
    name = (f"{WORDS[n % 26]} {WORDS[(n // 26) % 26]} {KINDS[n % 7]} {n} {FORMS[n % 6]}").replace(
        " Institute", " Research Institute"
    )
    aliases = [f"{WORDS[(n + k) % 26]} {KINDS[(n + k) % 7]} {n}-{k}" for k in range(n % 4)]
    return {
        "country": COUNTRIES[n % len(COUNTRIES)],
        "name": name,
        "aliases": aliases,
        "address": f"{rng.randint(1, 999)} {WORDS[(n * 7) % 26]} Road, District {n % 40}",
        "policy": POLICIES[n % 3],
        "citation": f"{85 + n % 6} FR {10000 + n}, {1 + n % 12}/{1 + n % 28}/2{n % 6}.",
    }


def _row(entry: dict[str, Any], first: bool) -> str:
    if entry["aliases"]:
        count = len(entry["aliases"])
        words = {1: "one alias", 2: "two aliases", 3: "three aliases"}[count]
        lines = "".join(
            f"<LI>—{a}{'; and' if i == count - 2 else ';' if i < count - 1 else '.'}</LI>"
            for i, a in enumerate(entry["aliases"])
        )
        cell = f"{entry['name']}, a.k.a., the following {words}:{lines}<LI>{entry['address']}.</LI>"
    else:
        cell = f"{entry['name']}, {entry['address']}."
    country = entry["country"] if first else ""
    return (
        f'<ROW><ENT I="01">{country}</ENT><ENT>{cell}</ENT><ENT>{REQUIREMENT}</ENT>'
        f"<ENT>{entry['policy']}</ENT><ENT>{entry['citation']}</ENT></ROW>\n"
    )


def supplement_xml(entries: list[dict[str, Any]]) -> bytes:
    rows = []
    ordered = sorted(entries, key=lambda e: (e["country"], e["name"]))
    previous = None
    for entry in ordered:
        rows.append(_row(entry, entry["country"] != previous))
        previous = entry["country"]
    return (
        '<DIV9 N="Supplement No. 4 to Part 744" TYPE="APPENDIX"><HEAD>Supplement No. 4 to Part '
        '744—Entity List</HEAD><GPOTABLE COLS="5"><BOXHD><CHED H="1">Country</CHED><CHED H="1">'
        'Entity</CHED><CHED H="1">License requirement</CHED><CHED H="1">License review policy'
        '</CHED><CHED H="1">Federal Register citation</CHED></BOXHD>'
        + "".join(rows)
        + "</GPOTABLE></DIV9>"
    ).encode()


def csl_records(entries: list[dict[str, Any]], rng: random.Random) -> list[dict[str, Any]]:
    """The supplement's entries as CSL Entity List records, with the CSL's usual differences."""
    out = []
    for n, entry in enumerate(entries):
        if n % 97 == 0:
            continue  # not (yet) in the CSL
        out.append(
            {
                "id": f"bench-{n}",
                "source": "Entity List (EL) - Bureau of Industry and Security",
                "name": entry["name"],
                "alt_names": entry["aliases"],
                "addresses": [
                    {
                        "address": entry["address"],
                        "city": None,
                        "state": None,
                        "postal_code": None,
                        "country": ISO[entry["country"]],
                    }
                ],
                "federal_register_notice": entry["citation"].split(",")[0],
                "license_requirement": REQUIREMENT,
                "license_policy": POLICIES[(n + 1) % 3] if n % 89 == 0 else entry["policy"],
                "start_date": "2024-01-01",
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=3000)
    parser.add_argument("--records", type=int, default=25700)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(14)
    entries = [_entry(n, rng) for n in range(args.entries)]
    previous = [e for n, e in enumerate(entries) if n % 100 != 1]  # 1% added since
    previous += [_entry(args.entries + n, rng) for n in range(args.entries // 100)]  # 1% removed
    for n in range(0, len(previous), 100):  # 1% revised
        previous[n] = {**previous[n], "policy": "Case-by-case review for some items."}
    new_body, old_body = supplement_xml(entries), supplement_xml(previous)
    print(
        f"supplement: {args.entries:,} entries, {len(new_body) / 1e6:.1f} MB; previous version "
        f"{len(old_body) / 1e6:.1f} MB"
    )

    fixtures = shared_fixtures()
    csl_body, _, _ = snapshots(args.records - len(entries), fixtures)
    document = json.loads(csl_body)
    document["results"] += csl_records(entries, rng)
    csl_body = json.dumps(document).encode()
    snapshot = parse_snapshot(csl_body, ["EL", "MEU"], url="bench")
    print(
        f"CSL: {len(document['results']):,} records, {len(csl_body) / 1e6:.1f} MB; "
        f"{len(snapshot.entries):,} on the Entity List and MEU List"
    )
    del document

    gc.collect()
    lxml_time = best_of(args.runs, lambda: (etree.fromstring(new_body), etree.fromstring(old_body)))

    def parse_and_diff() -> Any:
        """What a poll does: read both versions whole and diff the new one against the old
        (the source's stored memory of it), as the ``ecfr`` source's parse does."""
        new = records_of(parse_supplement(new_body, "EL"))
        old = records_of(parse_supplement(old_body, "EL"))
        prior = Prior(
            entries={
                r.key: SnapshotEntry(r.key, r.list_code, r.fingerprint(), r.to_json()) for r in old
            }
        )
        changes = diff_list(
            "ecfr",
            prior,
            new,
            lists=["EL"],
            titles={"EL": "Entity List"},
            max_shrink=0.2,
            payload_index=0,
        )
        return new, changes

    parse_time = best_of(args.runs, parse_and_diff)
    supplement, changes = parse_and_diff()
    csl_parse_time = best_of(1, lambda: parse_snapshot(csl_body, ["EL", "MEU"], url="bench"))

    since = datetime(2026, 11, 10, tzinfo=UTC)
    rules = [
        Sighting(
            view="rule",
            list_code="EL",
            country=ISO[e["country"]],
            name=e["name"],
            aliases=tuple(e["aliases"]),
            citations=(e["citation"].split(",")[0],),
            since=since,
            effective_on=date(2026, 11, 10),
            document_number="2026-24001",
            license_review_policy=e["policy"],
        )
        for e in entries[-200:]
    ]
    views = Views(
        as_of={
            "ecfr": datetime(2026, 11, 30, tzinfo=UTC),
            "csl": datetime(2026, 11, 30, tzinfo=UTC),
        },
        lists={"ecfr": frozenset({"EL", "MEU"}), "csl": frozenset({"EL", "MEU"})},
    )
    settings = ReconcileSettings()
    now = datetime(2026, 11, 30, tzinfo=UTC)

    def sightings() -> list[Sighting]:
        return [
            *rules,
            *(record_sighting(r, since) for r in supplement),
            *(csl_sighting(e, since - timedelta(days=1)) for e in snapshot.entries),
        ]

    def reconcile() -> Any:
        listings = join_views(sightings())
        return listings, reconcile_listings(listings, views, now, settings)

    built = sightings()

    def bare_join() -> dict[tuple[str, str | None, str], list[Sighting]]:
        out: dict[tuple[str, str | None, str], list[Sighting]] = {}
        for s in built:
            out.setdefault((s.list_code, s.country, normalize_name(s.name)), []).append(s)
        return out

    bare_time = best_of(args.runs, bare_join)
    reconcile_time = best_of(args.runs, reconcile)
    listings, findings = reconcile()
    kinds: dict[str, int] = {}
    for f in findings:
        kinds[f.kind] = kinds.get(f.kind, 0) + 1

    total = parse_time + reconcile_time
    counted: dict[str, int] = {}
    for _, event in changes.events:
        counted[str(event.kind)] = counted.get(str(event.kind), 0) + 1
    print(f"diff: {dict(sorted(counted.items()))}")
    print(f"listings: {len(listings):,}; findings: {dict(sorted(kinds.items()))}")
    print(f"lxml parse of both versions (baseline): {lxml_time:6.3f} s")
    print(
        f"supplement parse + diff:                {parse_time:6.3f} s  = "
        f"{parse_time / lxml_time:.1f}x lxml"
    )
    print(f"bare join (one dict, baseline):         {bare_time:6.3f} s")
    print(
        f"sightings + join + findings:            {reconcile_time:6.3f} s  = "
        f"{reconcile_time / bare_time:.1f}x the bare join"
    )
    print(
        f"whole reconciliation:                   {total:6.3f} s  (target < 3 s: "
        f"{'met' if total < 3 else 'NOT met'})"
    )
    print(f"for reference, the CSL poll's own parse: {csl_parse_time:6.3f} s")


if __name__ == "__main__":
    main()
