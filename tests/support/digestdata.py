"""Companies, recipients, watch items, events and matches written straight into a real store,
for the digest tests and the benchmark (the matcher and the watch-list import are built
elsewhere; these helpers keep the documented meaning of their tables, see store/_schema.py).

The sample events below were written by the project for these tests.  Their shapes follow the
Federal Register API (document numbers, citations, govinfo PDF links), the BIS Entity List
(list code, country, addresses) and METI's news releases;
the company and entity names are fictional.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import insert

from regwatch.events import ChangeEvent, Entity, EventKind
from regwatch.model import Changes
from regwatch.store import Batch, Store
from regwatch.store._schema import Company, Match, Recipient, WatchItem

__all__ = [
    "EPOCH",
    "add_company",
    "add_events",
    "add_match",
    "add_recipient",
    "add_watch_item",
    "sample_events",
    "seed_sample",
]

#: a fixed "created at" for rows whose time does not matter
EPOCH = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def _insert(store: Store, table: Any, **values: Any) -> int:
    with store.write() as conn:
        return int(conn.execute(insert(table).values(**values).returning(table.c.id)).scalar_one())


def add_company(store: Store, name: str) -> int:
    return _insert(store, Company.__table__, name=name, created_at=EPOCH, updated_at=EPOCH)


def add_recipient(store: Store, company_id: int, email: str, **settings: Any) -> int:
    values = {
        "cadence": "immediate",
        "at": "08:00",
        "timezone": "UTC",
        "weekday": "mon",
        "min_tier": "review",
        "sources": None,
        "active": True,
        **settings,
    }
    return _insert(store, Recipient.__table__, company_id=company_id, email=email, **values)


def add_watch_item(
    store: Store, company_id: int, kind: str, value: str, spec: Mapping[str, Any] | None = None
) -> int:
    return _insert(
        store,
        WatchItem.__table__,
        company_id=company_id,
        kind=kind,
        value=value,
        spec=dict(spec or {}),
        active=True,
        created_at=EPOCH,
        updated_at=EPOCH,
    )


def add_events(store: Store, events: Sequence[ChangeEvent], source: str | None = None) -> list[int]:
    """Store ``events`` as one imported batch; returns their ids in order."""
    result = store.save_batch(
        Batch(
            source=source or events[0].source,
            payloads=[],
            changes=Changes(events=[(None, e) for e in events]),
            started_at=EPOCH,
            imported=True,
        )
    )
    return list(result.stored_ids)


def add_match(
    store: Store,
    event_id: int,
    company_id: int,
    watch_item_id: int,
    *,
    score: float = 0.9,
    tier: str = "alert",
    field: str = "entity.name",
    explanation: Mapping[str, Any] | None = None,
    status: str = "new",
    created_at: datetime = EPOCH,
) -> int:
    return _insert(
        store,
        Match.__table__,
        event_id=event_id,
        company_id=company_id,
        watch_item_id=watch_item_id,
        score=score,
        tier=tier,
        field=field,
        explanation=dict(explanation or {}),
        matcher_version="test-1",
        status=status,
        created_at=created_at,
    )


def _fr(number: str, published: str = "2023-02-01") -> dict[str, str]:
    """The html_url and pdf_url shapes of a Federal Register document (API v1)."""
    day = published.replace("-", "/")
    return {
        "url": f"https://www.federalregister.gov/documents/{day}/{number}/example",
        "pdf_url": f"https://www.govinfo.gov/content/pkg/FR-{published}/pdf/{number}.pdf",
    }


def sample_events() -> list[ChangeEvent]:
    """Seven events of every shape a digest shows (fixed, for the golden files)."""
    rule = _fr("2023-02130")
    return [
        ChangeEvent(
            source="federal_register",
            kind=EventKind.ENTITY_ADDED,
            key="el:cn:example cloud computing technologies co ltd",
            title="Additions to the Entity List",
            summary="BIS adds entities under 25 destinations to the Entity List.",
            url=rule["url"],
            published_on=date(2023, 2, 1),
            effective_on=date(2023, 1, 31),
            document_number="2023-02130",
            citation="88 FR 6621",
            list_code="EL",
            country="CN",
            entity=Entity(
                name="Example Cloud Computing Technologies Co., Ltd.",
                aliases=("Example Cloud", "示例云计算技术有限公司"),
                addresses=("No. 1 Example Road, Shenzhen, China",),
                details={"license_requirement": "For all items subject to the EAR."},
            ),
            related_key="fr:2023-02130",
            data={"pdf_url": rule["pdf_url"]},
        ),
        ChangeEvent(
            source="federal_register",
            kind=EventKind.ENTITY_REVISED,
            key="el:ru:example avionics jsc",
            title="Revisions to the Entity List",
            url=rule["url"],
            published_on=date(2023, 2, 1),
            effective_on=date(2023, 2, 1),
            document_number="2023-02130",
            citation="88 FR 6621",
            list_code="EL",
            country="RU",
            entity=Entity(name="Example Avionics JSC", addresses=("12 Example St., Moscow",)),
            changes={
                "entity.addresses": [["1 Old Example St., Moscow"], ["12 Example St., Moscow"]],
                "entity.license_review_policy": ["Case-by-case", "Policy of denial"],
            },
            data={"pdf_url": rule["pdf_url"]},
        ),
        ChangeEvent(
            source="federal_register",
            kind=EventKind.ENTITY_REMOVED,
            key="el:ae:example trading fze",
            title="Removal of an Entity from the Entity List",
            published_on=date(2023, 3, 6),
            effective_on=date(2023, 3, 6),
            citation="88 FR 13673",
            document_number="2023-04500",
            list_code="EL",
            country="AE",
            entity=Entity(name="Example Trading FZE"),
            data=_fr("2023-04500", "2023-03-06"),
            url=_fr("2023-04500", "2023-03-06")["url"],
        ),
        ChangeEvent(
            source="federal_register",
            kind=EventKind.DOCUMENT_PUBLISHED,
            key="fr:2023-05555",
            title="Export Controls on Semiconductor Manufacturing Items",
            summary="BIS amends the EAR to revise controls on advanced computing and "
            "semiconductor manufacturing items, including ECCN 3B090.",
            url=_fr("2023-05555", "2023-10-25")["url"],
            published_on=date(2023, 10, 25),
            effective_on=date(2023, 11, 17),
            document_number="2023-05555",
            citation="88 FR 73458",
            data={"pdf_url": _fr("2023-05555", "2023-10-25")["pdf_url"], "type": "Rule"},
        ),
        ChangeEvent(
            source="federal_register",
            kind=EventKind.DOCUMENT_CORRECTED,
            key="fr:2023-06666",
            title="Export Controls on Semiconductor Manufacturing Items; Correction",
            url=_fr("2023-06666", "2023-11-06")["url"],
            published_on=date(2023, 11, 6),
            document_number="2023-06666",
            citation="88 FR 76001",
            related_key="fr:2023-05555",
            data={"pdf_url": _fr("2023-06666", "2023-11-06")["pdf_url"], "type": "Rule"},
        ),
        ChangeEvent(
            source="meti",
            kind=EventKind.RELEASE_PUBLISHED,
            key="meti:https://www.meti.go.jp/press/2023/example.html",
            title="外国ユーザーリストを改正しました",
            summary="経済産業省は外国ユーザーリストを改正しました。",
            url="https://www.meti.go.jp/press/2023/example.html",
            published_on=date(2023, 12, 1),
            data={"title_en": "Revision of the End User List"},
        ),
        ChangeEvent(
            source="federal_register",
            kind=EventKind.DOCUMENT_WITHDRAWN,
            key="fr:2023-07777",
            title="Notice of Inquiry on Example Items; Withdrawal",
            url="javascript:alert(1)",  # a link that must never become a link
            published_on=date(2023, 12, 4),
            document_number="2023-07777",
            related_key="fr:2023-01111",
        ),
    ]


def seed_sample(
    store: Store, company: str = "Acme Corp", created_at: datetime = EPOCH
) -> dict[str, Any]:
    """The golden data set: one company, its watch items, the seven events, eight matches."""
    company_id = add_company(store, company)
    items = {
        "entity": add_watch_item(
            store,
            company_id,
            "entity",
            "Example Cloud Computing Co.",
            {"role": "customer", "country": "CN"},
        ),
        "country": add_watch_item(store, company_id, "country", "RU"),
        "entity2": add_watch_item(
            store, company_id, "entity", "Example Trading FZE", {"role": "supplier"}
        ),
        "eccn": add_watch_item(store, company_id, "eccn", "3B090"),
        "keyword": add_watch_item(store, company_id, "keyword", "semiconductor"),
        "jp": add_watch_item(store, company_id, "keyword", "外国ユーザーリスト"),
        "cfr": add_watch_item(store, company_id, "cfr", "15 CFR 744"),
    }
    fr_ids = add_events(store, [e for e in sample_events() if e.source == "federal_register"])
    meti_ids = add_events(store, [e for e in sample_events() if e.source == "meti"])
    added, revised, removed, rule, correction, withdrawn = fr_ids
    (release,) = meti_ids
    matches = [
        add_match(
            store,
            added,
            company_id,
            items["entity"],
            score=0.93,
            tier="alert",
            explanation={
                "summary": "name tokens example, cloud, computing match; "
                "'technologies' and 'ltd' are legal-form noise",
                "tokens": ["example", "cloud", "computing"],
            },
            created_at=created_at,
        ),
        add_match(
            store,
            revised,
            company_id,
            items["country"],
            score=1.0,
            tier="review",
            field="country",
            explanation={"country": "RU", "qualifier": "watched country"},
            created_at=created_at,
        ),
        add_match(
            store,
            removed,
            company_id,
            items["entity2"],
            score=1.0,
            tier="alert",
            explanation={"summary": "exact name match"},
            created_at=created_at,
        ),
        add_match(
            store,
            rule,
            company_id,
            items["eccn"],
            score=1.0,
            tier="alert",
            field="summary",
            explanation={"summary": "ECCN 3B090 cited in the summary"},
            created_at=created_at,
        ),
        add_match(
            store,
            rule,
            company_id,
            items["keyword"],
            score=0.8,
            tier="review",
            field="title",
            explanation={"term": "semiconductor"},
            created_at=created_at,
        ),
        add_match(
            store,
            correction,
            company_id,
            items["keyword"],
            score=0.8,
            tier="review",
            field="title",
            explanation={},
            created_at=created_at,
        ),
        add_match(
            store,
            release,
            company_id,
            items["jp"],
            score=1.0,
            tier="review",
            field="title",
            explanation={"summary": "キーワード「外国ユーザーリスト」"},
            created_at=created_at,
        ),
        add_match(
            store,
            withdrawn,
            company_id,
            items["cfr"],
            score=0.7,
            tier="review",
            field="data.cfr_references",
            explanation={"cfr": "15 CFR 744"},
            created_at=created_at,
        ),
    ]
    return {
        "company_id": company_id,
        "items": items,
        "events": fr_ids + meti_ids,
        "matches": matches,
    }


def match_all(
    store: Store, company_id: int, watch_item_id: int, event_ids: Iterable[int], **kw: Any
) -> list[int]:
    return [add_match(store, e, company_id, watch_item_id, **kw) for e in event_ids]
