"""Two companies, events with revisions and provenance, and matches, written into a real store
for the audit, API and review-page tests and the API benchmark.

Written for these tests; the events follow the shapes of the Federal Register's Entity List
rules (list code, country, addresses, a rule's document number) and the names are fictional.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from regwatch.events import ChangeEvent, Entity, EventKind
from regwatch.model import Changes, Payload
from regwatch.store import Batch, Store

from .digestdata import add_company, add_match, add_watch_item

__all__ = ["Seeded", "avionics", "seed_review"]

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
AVIONICS_KEY = "el:ru:example avionics plant jsc"


def avionics(address: str, policy: str, published: date) -> ChangeEvent:
    return ChangeEvent(
        source="federal_register",
        kind=EventKind.ENTITY_ADDED,
        key=AVIONICS_KEY,
        title="Additions to the Entity List",
        url="https://www.federalregister.gov/documents/2026/11/30/2026-20001/example",
        published_on=published,
        document_number="2026-20001",
        citation="91 FR 80001",
        list_code="EL",
        country="RU",
        entity=Entity(
            name="Example Avionics Plant JSC",
            aliases=("Example Avionika",),
            addresses=(address,),
            details={"license_review_policy": policy},
        ),
        related_key="fr:2026-20001",
    )


def _batch(store: Store, events: list[ChangeEvent], body: bytes) -> list[int]:
    payload = Payload(
        url="https://www.federalregister.gov/api/v1/documents.json?page=1",
        body=body,
        content_type="application/json",
        fetched_at=T0,
        role="documents",
    )
    result = store.save_batch(
        Batch(
            source="federal_register",
            payloads=[payload],
            changes=Changes(events=[(0, e) for e in events]),
            started_at=T0,
            imported=True,
        )
    )
    return list(result.stored_ids)


@dataclass
class Seeded:
    acme: int
    globex: int
    avionics_v1: int
    avionics_v2: int
    rule: int
    globex_event: int
    #: Acme's alert on the revised entity, Acme's review match on the rule, Globex's alert
    acme_alert: int
    acme_review: int
    globex_alert: int


def seed_review(store: Store) -> Seeded:
    acme = add_company(store, "Acme Corp")
    globex = add_company(store, "Globex GmbH")
    acme_item = add_watch_item(store, acme, "entity", "Example Avionics Plant JSC")
    acme_kw = add_watch_item(store, acme, "keyword", "avionics")
    globex_item = add_watch_item(store, globex, "entity", "Globex Trading Co")
    rule = ChangeEvent(
        source="federal_register",
        kind=EventKind.DOCUMENT_PUBLISHED,
        key="fr:2026-20001",
        title="Additions to the Entity List: avionics suppliers",
        summary="BIS adds two avionics suppliers to the Entity List.",
        url="https://www.federalregister.gov/documents/2026/11/30/2026-20001/example",
        published_on=date(2026, 11, 30),
        document_number="2026-20001",
        citation="91 FR 80001",
        data={"type": "Rule"},
    )
    globex_event = ChangeEvent(
        source="federal_register",
        kind=EventKind.ENTITY_ADDED,
        key="el:cn:globex trading co",
        title="Additions to the Entity List",
        published_on=date(2026, 11, 30),
        document_number="2026-20001",
        list_code="EL",
        country="CN",
        entity=Entity(name="Globex Trading Co", addresses=("8 Example Road, Shenzhen",)),
        related_key="fr:2026-20001",
    )
    first = _batch(
        store,
        [avionics("1 Old Example St., Moscow", "Case-by-case", date(2026, 11, 30)), rule,
         globex_event],
        b'{"results": ["first"]}',
    )  # fmt: skip
    (second,) = _batch(
        store,
        [avionics("12 New Example St., Moscow", "Policy of denial", date(2026, 11, 30))],
        b'{"results": ["second"]}',
    )
    v1, rule_id, globex_id = first
    return Seeded(
        acme=acme,
        globex=globex,
        avionics_v1=v1,
        avionics_v2=second,
        rule=rule_id,
        globex_event=globex_id,
        acme_alert=add_match(
            store,
            second,
            acme,
            acme_item,
            score=0.97,
            tier="alert",
            explanation={"reason": "entity name matches 'Example Avionics Plant JSC'"},
        ),
        acme_review=add_match(
            store,
            rule_id,
            acme,
            acme_kw,
            score=0.7,
            tier="review",
            field="summary",
            explanation={"reason": "keyword 'avionics' in the summary"},
        ),
        globex_alert=add_match(
            store,
            globex_id,
            globex,
            globex_item,
            score=1.0,
            tier="alert",
            explanation={"reason": "exact name 'Globex Trading Co'"},
        ),
    )
