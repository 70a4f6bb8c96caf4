"""Digest throughput: 1,000 recipients with 50 matches each, built, rendered and delivered to
the ``.eml`` file outbox by one ``send_due`` call (issue 5's target: under 10 s on 2 cores).

Run: ``.venv/bin/python benchmarks/bench_digest.py [--recipients N] [--matches M] [--events E]``

Baselines measured in the same run, on the same machine:
- rendering a trivial Jinja2 template once per recipient (the floor of any templated mail);
- building and writing a trivial two-part ``.eml`` once per recipient (the floor of the outbox).
The setup (companies, events, matches inserted in bulk) is not timed.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from jinja2 import Environment, StrictUndefined
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from regwatch.config import Config
from regwatch.digest import MailSettings, send_due
from regwatch.events import ChangeEvent, Entity, EventKind
from regwatch.model import Changes
from regwatch.store import Batch, Store
from regwatch.store._schema import Company, Match, Recipient, WatchItem

EPOCH = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
KINDS = [EventKind.ENTITY_ADDED, EventKind.ENTITY_REVISED, EventKind.DOCUMENT_PUBLISHED]


def _event(n: int) -> ChangeEvent:
    kind = KINDS[n % len(KINDS)]
    entity = None
    if kind != EventKind.DOCUMENT_PUBLISHED:
        entity = Entity(
            name=f"Example Entity {n} Technology Co., Ltd.",
            aliases=(f"Example {n}", f"EE{n}"),
            addresses=(f"{n} Example Road, Example City",),
        )
    return ChangeEvent(
        source="federal_register",
        kind=kind,
        key=f"bench:{n}",
        title=f"Additions to the Entity List (bench document {n})",
        summary="BIS amends the Export Administration Regulations by adding entities. " * 3,
        url=f"https://www.federalregister.gov/documents/2023/02/01/2023-{n:05d}/bench",
        published_on=date(2023, 2, 1) + timedelta(days=n % 300),
        effective_on=date(2023, 1, 31) + timedelta(days=n % 300),
        document_number=f"2023-{n:05d}",
        citation=f"88 FR {6000 + n}",
        list_code="EL" if entity else None,
        country="CN" if entity else None,
        entity=entity,
        changes={"entity.addresses": [["old"], ["new"]]}
        if kind == EventKind.ENTITY_REVISED
        else None,
        data={"pdf_url": f"https://www.govinfo.gov/content/pkg/FR-2023-02-01/pdf/2023-{n:05d}.pdf"},
    )


def seed(store: Store, recipients: int, per_recipient: int, pool: int) -> None:
    result = store.save_batch(
        Batch(
            source="federal_register",
            payloads=[],
            changes=Changes(events=[(None, _event(n)) for n in range(pool)]),
            started_at=EPOCH,
            imported=True,
        )
    )
    event_ids = list(result.stored_ids)
    rng = random.Random(5)
    common = {"created_at": EPOCH, "updated_at": EPOCH}
    with store.write() as conn:
        conn.execute(
            insert(Company.__table__),  # type: ignore[attr-defined]
            [{"id": c + 1, "name": f"Company {c + 1}", **common} for c in range(recipients)],
        )
        conn.execute(
            insert(Recipient.__table__),  # type: ignore[attr-defined]
            [
                {
                    "id": c + 1,
                    "company_id": c + 1,
                    "email": f"compliance{c + 1}@example.com",
                    "cadence": "daily",
                    "at": "08:00",
                    "timezone": "Asia/Tokyo",
                    "weekday": "mon",
                    "min_tier": "review",
                    "sources": None,
                    "active": True,
                }
                for c in range(recipients)
            ],
        )
        conn.execute(
            insert(WatchItem.__table__),  # type: ignore[attr-defined]
            [
                {
                    "id": c + 1,
                    "company_id": c + 1,
                    "kind": "entity",
                    "value": f"Example supplier of company {c + 1}",
                    "spec": {},
                    "active": True,
                    **common,
                }
                for c in range(recipients)
            ],
        )
        rows = []
        for c in range(recipients):
            for event_id in rng.sample(event_ids, per_recipient):
                alert = rng.random() < 0.3
                rows.append(
                    {
                        "event_id": event_id,
                        "company_id": c + 1,
                        "watch_item_id": c + 1,
                        "score": round(rng.uniform(0.7, 1.0), 3),
                        "tier": "alert" if alert else "review",
                        "field": "entity.name",
                        "explanation": {"summary": "name tokens aligned", "tokens": ["example"]},
                        "matcher_version": "bench",
                        "status": "new",
                        "created_at": EPOCH,
                    }
                )
        conn.execute(insert(Match.__table__), rows)  # type: ignore[attr-defined]


def _cpu() -> float:
    """CPU seconds of this process: what other work on a busy machine inflates far less than
    wall-clock time."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def baseline_template(n: int) -> float:
    env = Environment(autoescape=True, undefined=StrictUndefined)
    template = env.from_string("<p>Hello {{ name }}, you have {{ count }} items.</p>")
    start = time.perf_counter()
    for i in range(n):
        template.render(name=f"r{i}@example.com", count=50)
    return time.perf_counter() - start


def baseline_eml(n: int, folder: Path) -> float:
    folder.mkdir()
    start = time.perf_counter()
    for i in range(n):
        message = EmailMessage()
        message["Subject"] = "hello"
        message["From"] = Address(addr_spec="regwatch@example.com")
        message["To"] = Address(addr_spec=f"r{i}@example.com")
        message.set_content("hello", cte="quoted-printable")
        message.add_alternative("<p>hello</p>", subtype="html", cte="base64")
        (folder / f"{i}.eml").write_bytes(message.as_bytes(policy=SMTP))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipients", type=int, default=1000)
    parser.add_argument("--matches", type=int, default=50)
    parser.add_argument(
        "--events",
        type=int,
        default=500,
        help="distinct events the matches point at (an event matched by many companies is "
        "prepared once per run; --events 50000 makes every match a different event)",
    )
    args = parser.parse_args()
    n, m = args.recipients, args.matches
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = Store.open(f"sqlite:///{folder / 'bench.db'}", create=True)
        t0 = time.perf_counter()
        seed(store, n, m, pool=max(m, args.events))
        setup = time.perf_counter() - t0
        mail = MailSettings(
            smtp=None, sender=Address(addr_spec="regwatch@example.com"), outbox=folder / "outbox"
        )
        now = datetime(2026, 11, 28, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo: every digest is due
        start, cpu_start = time.perf_counter(), _cpu()
        report = send_due(store, Config(path=None).general.digest, now, mail=mail)
        total, cpu = time.perf_counter() - start, _cpu() - cpu_start
        files = list((folder / "outbox").glob("*.eml"))
        size = sum(f.stat().st_size for f in files)
        assert len(report.sent) == n and len(files) == n, (len(report.sent), len(files))
        assert not report.failed
        again = send_due(store, Config(path=None).general.digest, now, mail=mail)
        assert not again.outcomes, "a second run must send nothing"
        template = baseline_template(n)
        eml = baseline_eml(n, folder / "baseline")
        store.close()
    print(
        f"setup (not timed): {setup:.2f} s for {n} recipients x {m} matches "
        f"over {max(m, args.events)} distinct events"
    )
    print(f"digests: {n} built, rendered and written in {total:.2f} s")
    print(f"  per digest: {total / n * 1000:.2f} ms, {size / n / 1024:.1f} KiB on average")
    print(f"  CPU time: {cpu:.2f} s")
    print(f"baseline trivial template x{n}: {template:.3f} s ({template / n * 1e6:.1f} us each)")
    print(f"baseline trivial .eml x{n}: {eml:.3f} s ({eml / n * 1000:.2f} ms each)")
    print(f"ratio digest / trivial template: {total / template:.0f}x")
    print(f"ratio digest / trivial .eml: {total / eml:.1f}x")
    print(f"target: under 10 s -> {'met' if total < 10 else 'MISSED'}")


if __name__ == "__main__":
    main()
