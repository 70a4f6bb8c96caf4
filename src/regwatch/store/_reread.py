"""What ``regwatch reprocess`` reads and writes in SQL: the kept payload bodies, the entity
events of re-read rules, and the deliveries a corrected reading's matches are recorded under.
Every function runs in the caller's transaction."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, or_, select

from ..model import Payload
from .tables import DELIVERY_MATCH, EVENT, EVENT_HEAD, MATCH, PAYLOAD

__all__ = ["carry_deliveries", "entity_heads", "event_count", "kept_payloads", "rule_keys"]


def kept_payloads(
    conn: Connection, source: str, roles: Sequence[str], since: datetime | None
) -> list[Payload]:
    """The kept bodies of ``source``'s payloads of ``roles`` (fetched at or after ``since``),
    oldest first."""
    query = (
        select(PAYLOAD)
        .where(PAYLOAD.c.source == source, PAYLOAD.c.role.in_(roles), PAYLOAD.c.body.is_not(None))
        .order_by(PAYLOAD.c.id)
    )
    if since is not None:
        query = query.where(PAYLOAD.c.fetched_at >= since)
    return [
        Payload(
            url=row.url,
            body=zlib.decompress(row.body),
            content_type=row.content_type,
            status=row.status,
            role=row.role,
            fetched_at=row.fetched_at,
        )
        for row in conn.execute(query)
    ]


def entity_heads(conn: Connection, documents: Iterable[str]) -> dict[str, int]:
    """``{key: head event id}`` of the entity events of the rules keyed ``documents``
    (``fr:<document>#<entity key>``)."""
    wanted = sorted(set(documents))
    out: dict[str, int] = {}
    for start in range(0, len(wanted), 200):
        chunk = wanted[start : start + 200]
        rows = conn.execute(
            select(EVENT_HEAD.c.key, EVENT_HEAD.c.event_id).where(
                or_(*(EVENT_HEAD.c.key.like(f"{k}#%") for k in chunk))
            )
        )
        out.update({row.key: row.event_id for row in rows})
    return out


def rule_keys(conn: Connection) -> set[str]:
    """The keys of the Federal Register rules whose entity events are stored (the
    ``related_key`` of each current entity event)."""
    return {
        row.related_key
        for row in conn.execute(
            select(EVENT.c.related_key)
            .join(EVENT_HEAD, EVENT_HEAD.c.event_id == EVENT.c.id)
            .where(
                and_(EVENT.c.source == "federal_register", EVENT.c.key.like("fr:%#%")),
                EVENT.c.related_key.is_not(None),
            )
            .group_by(EVENT.c.related_key)
        )
    }


def event_count(conn: Connection) -> int:
    """How many event keys are stored."""
    return int(conn.execute(select(func.count()).select_from(EVENT_HEAD)).scalar_one())


def carry_deliveries(conn: Connection, event_ids: Sequence[int]) -> int:
    """Record the matches of the revisions ``event_ids`` as carried by the digests that
    already carried an earlier revision's match of the same watch item; returns how many."""
    if not event_ids:
        return 0
    revised = conn.execute(
        select(EVENT.c.id, EVENT.c.key).where(EVENT.c.id.in_(list(event_ids)))
    ).all()
    keys = {row.key for row in revised}
    newest = {row.id for row in revised}
    rows = conn.execute(
        select(
            MATCH.c.id,
            MATCH.c.event_id,
            MATCH.c.watch_item_id,
            EVENT.c.key,
            DELIVERY_MATCH.c.delivery_id,
            DELIVERY_MATCH.c.recipient_id,
        )
        .join(EVENT, EVENT.c.id == MATCH.c.event_id)
        .outerjoin(DELIVERY_MATCH, DELIVERY_MATCH.c.match_id == MATCH.c.id)
        .where(EVENT.c.key.in_(keys))
    ).all()
    sent: dict[tuple[str, int], list[tuple[int, int]]] = {}
    fresh: list[Any] = []
    for row in rows:
        if row.event_id in newest:
            if row.delivery_id is None:
                fresh.append(row)
        elif row.delivery_id is not None:
            sent.setdefault((row.key, row.watch_item_id), []).append(
                (row.delivery_id, row.recipient_id)
            )
    carried = []
    for row in fresh:
        recipients: set[int] = set()
        for delivery_id, recipient_id in sent.get((row.key, row.watch_item_id), []):
            if recipient_id not in recipients:
                recipients.add(recipient_id)
                carried.append(
                    {
                        "delivery_id": delivery_id,
                        "match_id": row.id,
                        "recipient_id": recipient_id,
                        "shown": False,
                    }
                )
    if carried:
        conn.execute(insert(DELIVERY_MATCH), carried)
    return len({c["match_id"] for c in carried})
